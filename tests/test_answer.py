"""Refusal rules and citation lines of the answer stage."""

from __future__ import annotations

import pytest

from assistant.answering.answer import answer
from assistant.answering.composition import compose
from assistant.answering.kinds import Asked, question_kind
from assistant.answering.refusal import NOT_FOUND, answerable, named_bodies, not_found
from assistant.answering.render import as_markdown, as_text, citation
from assistant.answering.search import Searcher
from assistant.documents.sentences import clause, sentences
from assistant.index import build
from assistant.index.tokens import segment
from assistant.index.vocabulary import Vocabulary
from assistant.types import Chunk, Hit

from .conftest import CorpusWriter


def make_hit(text: str, dense: float | None, **fields: object) -> Hit:
    base = dict(
        id="c1", doc="seed/a.txt", title="关于政协第94049号提案答复的函",
        doc_number="官市监函〔2020〕18号", issuer="昆明市官渡区市场监督管理局",
        issued_on="2020-08-31", doc_type="函",
        section_path=("二、成效", "（一）强化统筹", "2.加大投入"),
        text=text, start=0, end=len(text),
    )  # fmt: skip
    return Hit(Chunk.from_dict({**base, **fields}), 0.5, dense, None)


def test_named_bodies_finds_places_and_agencies_not_common_words() -> None:
    assert named_bodies("上海市普陀区教育局2026年部门预算的收入预算是多少？") == [
        "上海市",
        "普陀区",
        "教育局",
    ]
    assert named_bodies("深圳市的人才住房租房补贴每个月能领多少钱？") == ["深圳市"]
    assert named_bodies("推出的是哪个小区、一共多少套房") == []
    assert named_bodies("淮安市2024年全市一共受理了多少件") == ["淮安市"]
    # A name ending in 区 or 市 is a place only when a real division's name ends it.
    assert named_bodies("孩子走天河积分入学，想打电话问区教育局中学教育科，号码是多少？") == [
        "教育局"
    ]
    assert named_bodies("我住番禺区，在区里哪里办？") == ["番禺区"]


def test_relevance_needs_similarity_and_the_named_bodies() -> None:
    hit = make_hit("2018年安排知识产权专项经费484万元。", 0.93)
    assert answerable("官渡区2018年知识产权专项经费是多少？", [hit], 0.88)
    assert not answerable("官渡区2018年知识产权专项经费是多少？", [hit], 0.95)
    assert not answerable("深圳市2018年知识产权专项经费是多少？", [hit], 0.88)
    assert not answerable("知识产权专项经费", [make_hit("x", None)], 0.0)
    assert not answerable("知识产权专项经费", [], 0.0)


def test_a_named_body_counts_in_the_wording_the_documents_use() -> None:
    """The issuer is 市场监督管理局; the question says 市场监管局 (a lexicon entry)."""
    hit = make_hit("截止2020年5月，查处侵犯商标权案18件。", 0.93)
    question = "截止2020年5月市场监管局查处了多少件侵犯商标权案？"
    vocabulary = Vocabulary.collect((), [hit.chunk.source.issuer], segment)
    assert not answerable(question, [hit], 0.88)
    assert answerable(question, [hit], 0.88, wordings=vocabulary.wordings)
    assert not answerable("教育局查处了多少件？", [hit], 0.88, wordings=vocabulary.wordings)


def test_citation_line() -> None:
    line = citation(make_hit("……", 0.9, page_start=3, page_end=4))
    assert line == (
        "《关于政协第94049号提案答复的函》 官市监函〔2020〕18号 · 昆明市官渡区市场监督管理局 · "
        "2020-08-31 · 二、成效 › （一）强化统筹 › 2.加大投入 · 第3–4页"
    )
    assert "页" not in citation(make_hit("……", 0.9))


LETTER = (
    "二、工作成效\n（一）强化统筹\n"
    "2.加大投入\n2018年安排知识产权专项经费484万元，2019年安排512.5万元。"
    "资金主要用于专利资助。\n"
    "项目\t金额\n专利资助\t120万元\n"
)


def tokens(text: str) -> list[str]:
    """A stand-in for the index tokenizer: the words the tests ask about."""
    words = ["2018", "2018年", "知识产权", "专项", "经费", "专利", "资助", "投入"]
    return [w for w in words if w in text]


def test_sentences_split_at_end_marks_and_lines_and_leave_out_headings() -> None:
    spans = sentences(LETTER)
    texts = [LETTER[a:b] for a, b in spans]
    assert texts == [
        "2018年安排知识产权专项经费484万元，2019年安排512.5万元。",
        "资金主要用于专利资助。",
        "项目\t金额",
        "专利资助\t120万元",
    ]
    assert all(not t[0].isspace() and not t[-1].isspace() for t in texts)
    assert sentences("") == [] and sentences("   \n") == []
    assert sentences("短标题\n二、标题") == [(0, 3), (4, 8)]  # only headings: they are quoted


def test_compose_quotes_the_answering_sentence_verbatim_with_its_citation() -> None:
    other = make_hit(
        "专利资助标准另行制定。各单位应当按时报送材料。", 0.9, id="c2", title="其他文件"
    )
    reply = compose("2018年知识产权专项经费是多少？", [make_hit(LETTER, 0.93), other], tokens)
    first_line, _, sources = as_text(reply).partition("\n\n来源：\n")
    assert "2018年安排知识产权专项经费484万元，2019年安排512.5万元。" in first_line
    assert first_line.splitlines()[0].endswith(" [1]")
    assert sources.startswith("[1] 《关于政协第94049号提案答复的函》 官市监函〔2020〕18号")
    assert reply.found and reply.citations[0].chunk.id == "c1"
    for quote in reply.quotes:  # every quote points at verbatim text of its citation
        text = reply.citations[quote.marker - 1].chunk.text[quote.start : quote.end]
        assert text in as_text(reply)
    assert len(reply.quotes) <= 3
    assert as_text(reply).count("484万元") == 1  # the direct answer is not quoted twice


def test_compose_quotes_a_repeated_sentence_once() -> None:
    same = "2018年安排知识产权专项经费484万元。"
    hits = [make_hit(same, 0.93), make_hit(same, 0.93, id="c2", doc="seed/b.txt")]
    reply = compose("2018年知识产权专项经费是多少？", hits, tokens)
    assert as_text(reply).count("484万元") == 1
    assert len(reply.citations) == 1


def test_not_found_names_the_nearest_documents_but_answers_nothing() -> None:
    hits = [
        make_hit("甲", 0.5),
        make_hit("乙", 0.5, id="c2"),
        make_hit("丙", 0.4, id="c3", doc="b"),
    ]
    reply = not_found("深圳市的补贴是多少？", hits)
    assert not reply.found and as_text(reply).startswith(NOT_FOUND)
    assert as_text(reply).count("《关于政协第94049号提案答复的函》") == 2  # one line per document
    assert "甲" not in as_text(reply) and not reply.quotes
    assert as_text(not_found("x", [])) == NOT_FOUND + "。"


def test_answer_reads_the_question_normalized_like_the_search(
    small_corpus: CorpusWriter,
) -> None:
    letter = (
        "关于经费的答复函\n2017年安排知识产权专项经费401万元。\n"
        "2018年安排知识产权专项经费484万元。\n2019年安排知识产权专项经费300万元。\n"
    )
    settings = small_corpus({"函.txt": letter})
    build(settings)
    searcher = Searcher.open(settings)
    plain = answer(searcher, "2018年知识产权专项经费是多少？")
    assert plain.found and "2018年安排知识产权专项经费484万元。" in as_text(plain)
    variants = ("二〇一八年知识产权专项经费是多少？", "２０１８年知识产权专项经费是多少？")
    for variant in (*variants, "2018年知识产权专项经费是多少"):  # typed without its mark
        assert as_text(answer(searcher, variant)) == as_text(plain)


LIST = (
    "三、申请资料\n申请就业见习基地提交材料：\n1.申请表；\n2.岗位需求信息表；\n"
    "3.营业执照复印件。\n四、其他"
)


@pytest.mark.parametrize(
    ("sentence", "limit", "expected"),
    [
        # an item: the intro and every sibling item, whole
        (
            "2.岗位需求信息表；",
            120,
            "申请就业见习基地提交材料：\n1.申请表；\n2.岗位需求信息表；\n3.营业执照复印件。",
        ),
        (
            "申请就业见习基地提交材料：",
            120,
            "申请就业见习基地提交材料：\n1.申请表；\n2.岗位需求信息表；\n3.营业执照复印件。",
        ),
        # too long for the limit: its own item first, then those after it; no item cut
        ("2.岗位需求信息表；", 24, "2.岗位需求信息表；\n3.营业执照复印件。"),
        ("四、其他", 120, "四、其他"),  # a paragraph: its line
    ],
)
def test_the_clause_of_a_sentence_is_its_paragraph_or_its_list_by_whole_items(
    sentence: str, limit: int, expected: str
) -> None:
    start = LIST.index(sentence)
    a, b = clause(LIST, start, start + len(sentence), limit)
    assert LIST[a:b] == expected


def test_a_long_paragraph_is_trimmed_to_whole_sentences_around_the_sentence() -> None:
    text = (
        "甲" * 50
        + "。"
        + "乙" * 50
        + "。补贴标准为每人3000元。"
        + "丙" * 50
        + "。"
        + "丁" * 50
        + "。"
    )
    start = text.index("补贴标准")
    a, b = clause(text, start, start + 14, 120)
    assert text[start : start + 14] in text[a:b] and b - a <= 120
    assert text[a:b].startswith(("甲", "乙", "补")) and text[a:b].endswith("。")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("天河区港澳青年实施办法的文号是什么？", "metadata"),
        ("广州低保标准现在还有效吗？什么时候失效？", "validity"),
        ("长期护理保险试行办法什么时候开始实施？", "validity"),
        ("那是从哪天起施行的？", "validity"),
        ("这个政策怎么实施？", "procedure"),
        ("积分制入户管理办法有效期到什么时候？", "time"),
        ("引进人才入户管理办法是什么时候印发的？", "metadata"),
        ("公租房合同到期要提前多久申请？", "time"),
        ("失业金一个月能领多少钱？", "amount"),
        ("退休金认证怎么办理？要带什么材料？", "procedure"),
        ("我能替他去办吗？要带什么？", "procedure"),
        ("外地户口能否申请公租房？", "condition"),
        ("放弃了有什么影响？", "other"),
    ],
)
def test_question_kinds_come_from_the_questions_own_words(question: str, kind: str) -> None:
    assert question_kind(question) == kind


def test_the_direct_answer_is_the_sentence_holding_the_asked_figure() -> None:
    text = (
        "第二十六条 居家老年人接受助餐配餐服务可享受就餐补贴。"
        "补贴标准为每人每次就餐费用的四分之一，最高不超过3元。就餐补贴在老年人给付就餐费用时自动扣减。"
    )
    reply = compose("老年人就餐补贴标准是多少？", [make_hit(text, 0.93)], tokens)
    assert reply.kind == "amount" and reply.direct is not None
    first_line = as_text(reply).splitlines()[0]
    # the answer leads; the sentence after it on its line completes it, the one before is under
    assert first_line.startswith("补贴标准为每人每次就餐费用的四分之一，最高不超过3元。就餐补贴")
    assert as_text(reply).count("最高不超过3元") == 1
    assert as_markdown(reply).startswith(
        "补贴标准为每人每次就餐费用的四分之一，最高不超过**3元**。"
    )
    assert "……" not in as_text(reply)  # the clause is quoted whole


@pytest.mark.parametrize(
    ("question", "sentence", "fit"),
    [
        ("从哪天开始实行，管几年？", "本办法自2023年9月8日起施行，有效期3年。", 1.0),
        # 从哪天开始实行 is a validity question: a date, years and 施行/有效期 are asked
        ("从哪天开始实行，管几年？", "港澳青年企业后续经营满1年的，给予1万元奖励。", 1 / 3),
        ("从哪天开始实行，管几年？", "本办法有效期满而扶持资金尚未支付完毕的，应继续执行。", 1 / 3),
        ("从哪天开始实行，管几年？", "本办法由区科工信局负责解释。", 0.0),
        ("住房租赁补贴期限是几年？", "住房租赁补贴期限为3年。", 1.0),
        ("住房租赁补贴期限是几年？", "未在3个月内退回原租住的直管房的。", 0.0),
        ("武藏浦和站位于哪里？", "是一个位于埼玉县埼玉市南区的铁路车站。", 0.0),
        ("失业金一个月能领多少钱？", "目前发放标准为每月2250元。", 1.0),
        ("应该向哪个部门申请？", "向参保地税务机关提出参保缴费申请。", 1.0),
        ("应该向哪个部门申请？", "详情可登录国家税务总局广州税务局网站查阅。", 0.0),
        # a body's long name between 向 and 提出, in one clause (not across a comma)
        ("医疗救助去哪申请？", "可向户籍所在地或经常居住地镇人民政府(街道办事处)提出申请。", 1.0),
        ("医疗救助去哪申请？", "向社会公开，确有困难的，经审核后提出意见。", 0.0),
        # where it is done, not where to ask about it; online or in person when the question
        # names one (the one named last; none when it asks which)
        ("补贴去哪里申请？", "可拨打12345热线或到服务大厅咨询。", 0.0),
        ("补贴去哪里申请？", "申请人可通过“粤省事”小程序提交申请。", 1.0),
        ("补贴去哪里咨询？", "可拨打12345热线或到服务大厅咨询。", 1.0),
        ("不想用手机弄，线下去哪里办？", "可登录穗好办APP在线办理，或前往各区服务大厅办理。", 1.0),
        ("不想用手机弄，线下去哪里办？", "申请人可通过“粤省事”小程序提交申请。", 0.5),
        ("网上在哪里申请？", "到户籍所在地街道办事处申请。", 0.5),
        ("在哪里申请，网上还是去窗口？", "到户籍所在地街道办事处申请。", 1.0),
        ("要带什么？", "须同时提供《个人委托书》、委托人及代办人的有效身份证件。", 1.0),
        # what is handed in, not what a bureau passes on
        ("要带什么？", "区住房保障部门将复审结果提交至市住房城乡建设局网站进行公示。", 0.0),
        ("要带什么？", "申请人应当提交收入和财产情况的申报表。", 1.0),
        ("要带什么？", "可通过“粤省事”进行远程人脸识别认证。", 0.0),
        ("怎么申请？", "可通过“粤省事”进行远程人脸识别认证。", 0.0),
        ("怎么申请？", "登录“穗好办”APP提交申请。", 1.0),
    ],
)
def test_a_sentence_answers_the_share_of_what_is_asked_that_it_holds(
    question: str, sentence: str, fit: float
) -> None:
    assert Asked.of(question).fit(sentence) == fit


def test_a_validity_question_is_answered_by_the_documents_own_validity() -> None:
    """Not by the sentence repealing an older notice, although it holds a 文号 and a year."""
    text = (
        "本通知有效期1年。《广州市民政局 广州市财政局关于提高我市2024年最低生活保障及相关"
        "社会救助标准的通知》（穗民规字〔2024〕5号）同时废止。\n基本信息\n"
        "文号：穗民规字〔2025〕2号\n失效日期：2026年06月01日"
    )
    reply = compose("广州低保标准现在还有效吗？什么时候失效？", [make_hit(text, 0.93)], tokens)
    assert reply.kind == "validity"  # 什么时候失效: the sentence with a date
    assert as_text(reply).splitlines()[0] == "失效日期：2026年06月01日 [1]"


@pytest.mark.parametrize(
    ("text", "first_line"),
    [
        ("六、年度预算安排\n795万元", "六、年度预算安排 795万元"),
        (
            "六、年度预算安排\n本项目年度预算安排795万元，用于购买服务。",
            "本项目年度预算安排795万元，用于购买服务。",
        ),
    ],
)
def test_a_bare_value_is_quoted_with_its_heading(text: str, first_line: str) -> None:
    """A budget's "795万元" alone on its line says nothing without 六、年度预算安排."""
    reply = compose("人民调解项目一年预算安排了多少？", [make_hit(text, 0.93)], tokens)
    assert as_text(reply).splitlines()[0] == f"{first_line} [1]"


def test_what_is_asked_decides_the_direct_answer_unless_it_is_a_mere_cue_word() -> None:
    asked = ("失业金多少钱？", "向谁申请？", "去哪里办？", "要带什么？")
    decisive = {q: Asked.of(q).decisive for q in asked}
    assert all(decisive.values()), decisive
    for question in ("怎么申请？", "外地户口能否申请？", "武藏浦和站位于哪里？"):
        assert not Asked.of(question).decisive, question


def test_the_direct_answer_holds_both_things_asked_when_one_sentence_does() -> None:
    reward = (
        "在天河区依法登记注册并实际运营满1年的港澳青年企业，"
        "对其入驻港澳青年创新创业孵化载体期间实际发生的场地租金给予补贴，每年最高不超过10万元。"
    )
    hits = [
        make_hit(reward, 0.93),
        make_hit("本办法自2023年9月8日起施行，有效期3年。", 0.9, id="c2"),
    ]
    reply = compose("天河区扶持港澳青年创业的办法从哪天开始实行，管几年？", hits, tokens)
    assert as_text(reply).splitlines()[0] == "本办法自2023年9月8日起施行，有效期3年。 [1]"


def test_a_quoted_list_intro_comes_with_its_items() -> None:
    intro = "申请认定就业见习基地，应当提交下列材料：\n（一）申请表；\n（二）岗位需求信息表。"
    first = make_hit("申请认定就业见习基地须向市就业服务机构提交材料。", 0.93)
    second = make_hit(intro, 0.92, id="c2", doc="seed/b.txt")
    reply = compose("申请认定就业见习基地要提交哪些材料？", [first, second], tokens)
    assert intro in as_text(reply)  # the intro is never quoted without its items
