"""Procedure questions answered from the procedure: the sections whose headings say it.

Real pages of ../shared/corpus, indexed with the ``hash`` embedder; the questions are
paraphrases of what residents ask, not the evaluation sets' own.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from assistant.answering.answer import answer
from assistant.answering.kinds import Asked
from assistant.answering.procedure import (
    Aspect,
    asked_aspects,
    document_headings,
    heading_aspects,
    lead_aspects,
    section_fit,
    unlisted,
    wordings,
)
from assistant.answering.render import as_html, as_json, as_text, body
from assistant.answering.search import Searcher
from assistant.documents.sections import under_heading
from assistant.index import build
from assistant.settings import Settings

from .conftest import check_joined_vectors, hash_settings

PENSION = "23_企业职工基本养老金申领详解_2025.html"  # 五、所需材料 › （一）必需材料 › 1. 2. 3.
START_UP = "16_一次性创业补贴_市人社局.html"  # 补贴条件, 补贴标准: no materials listed
SOCIAL_CARD = "22_怎么申领广州市社会保障卡_2026.html"
ASSISTANCE = "26_最低生活保障及相关社会救助标准通知_穗民规字2025-2号.html"  # standards only


def indexed(folder: Path, shared_corpus: Path, *names: str) -> Settings:
    """``names`` of the shared corpus's pages, indexed with the ``hash`` embedder."""
    corpus = folder / "corpus"
    corpus.mkdir()
    for name in names:
        shutil.copy(shared_corpus / "html" / name, corpus / name)
    settings = hash_settings(corpus, min_score=0.0)
    build(settings)
    return settings


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Settings:
    """A page with a materials section and one with 申领方法 steps."""
    return indexed(tmp_path_factory.mktemp("procedure"), shared_corpus, PENSION, SOCIAL_CARD)


@pytest.fixture(scope="module")
def unlisting(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Settings:
    """Pages that list no materials: subsidies' conditions and standards."""
    return indexed(tmp_path_factory.mktemp("unlisting"), shared_corpus, START_UP, ASSISTANCE)


@pytest.mark.parametrize(
    ("label", "aspects"),
    [
        ("五、所需材料", {Aspect.MATERIALS}),
        ("（二）其他特殊情形所需材料", {Aspect.MATERIALS}),
        ("第十六条 申请办理市场主体登记，应当提交下列材料", {Aspect.MATERIALS}),
        ("二、受理条件", {Aspect.CONDITIONS}),
        ("一、办理对象", {Aspect.CONDITIONS}),
        ("一、领取失业保险金需要符合什么条件？", {Aspect.CONDITIONS}),
        ("四、基本流程", {Aspect.STEPS}),
        ("第二十五条公共租赁住房保障的申请、审核程序如下", {Aspect.STEPS}),
        ("六、申领程序", {Aspect.STEPS}),
        ("三、受理单位", {Aspect.PLACE}),
        ("七、办事窗口", {Aspect.PLACE}),
        ("二、申报渠道", {Aspect.PLACE, Aspect.STEPS}),
        ("1.网上申请", {Aspect.PLACE}),
        ("（二）现场办理", {Aspect.PLACE}),
        ("六、办理时限", {Aspect.TIME_LIMIT}),
        # not headings of a procedure
        ("三、分配原则", set()),
        ("第二章 规划与建设", set()),
        # an article's opening words cut at the label's length are a sentence, not a heading
        ("第八条 申请急难型临时救助,申请人材料齐全、符…", set()),
        ("第六条 凡认为符合临时救助条件的城乡居民可向户…", set()),
    ],
)
def test_heading_names_its_aspect(label: str, aspects: set[Aspect]) -> None:
    assert heading_aspects(label) == aspects


@pytest.mark.parametrize(
    ("question", "aspects"),
    [
        ("办社保卡需要带哪些证件？", {Aspect.MATERIALS}),
        ("申请廉租房得准备啥资料", {Aspect.MATERIALS}),
        ("什么条件才能领创业补贴？", {Aspect.CONDITIONS}),
        ("哪些人可以申请住房补贴", {Aspect.CONDITIONS}),
        ("护理保险怎么申请", {Aspect.STEPS}),
        ("居住证在哪里办", {Aspect.PLACE}),
        ("网上从哪进去申报", {Aspect.PLACE}),
        ("交上去以后多久能批下来", {Aspect.TIME_LIMIT}),
        ("审核要几个工作日", {Aspect.TIME_LIMIT}),
        ("创业补贴每人多少钱", set()),
        ("申请的时候要提交哪些？", {Aspect.MATERIALS}),
        ("银行为受影响的商户提供哪些帮扶？", set()),  # what help, not what to bring
        ("这个办法从哪天开始实行，到哪天失效？", set()),  # 哪天 asks for a date, not a place
    ],
)
def test_question_asks_an_aspect(question: str, aspects: set[Aspect]) -> None:
    assert asked_aspects(question) == aspects


def test_an_article_names_an_aspect_by_its_lead_in_only() -> None:
    assert lead_aspects("第二十二条申请公共租赁住房保障应当同时符合下列条件：") == {
        Aspect.CONDITIONS
    }
    assert lead_aspects("第二十五条公共租赁住房保障的申请、审核程序如下：") == {Aspect.STEPS}
    # a rule that says 材料 in passing is not a list of materials
    assert lead_aspects("第八条 申请急难型临时救助,申请人材料齐全、符合条件的,当场审批。") == set()
    assert lead_aspects("五、所需材料") == {Aspect.MATERIALS}


def test_a_documents_headings_are_read_from_its_lines(pages: Settings) -> None:
    index = Searcher.open(pages).index
    headings = document_headings(index, PENSION)
    assert headings["五、所需材料"] == {Aspect.MATERIALS}
    assert headings["六、办理时限"] == {Aspect.TIME_LIMIT}
    assert headings["二、受理条件"] == {Aspect.CONDITIONS}
    assert not headings["3.参保人的社会保障卡"]


GUIDE = (
    "四、基本流程\n申请人提交申请。\n"
    "五、所需材料\n（一）必需材料\n1.待遇申报表。\n2.退休时间申请书。\n（二）其他材料\n1.委托书。\n"
    "六、办理时限\n10个工作日。"
)


def test_a_section_is_quoted_from_its_heading_to_the_next_of_its_level() -> None:
    item = GUIDE.index("2.退休时间申请书。")
    spans, whole = under_heading(GUIDE, "五、所需材料", item, item + 10, 1000)
    assert whole and len(spans) == 1
    quoted = GUIDE[spans[0][0] : spans[0][1]]
    assert quoted.startswith("五、所需材料") and quoted.endswith("1.委托书。")
    # too long for the limit: the widest list that fits, under its own heading …
    spans, whole = under_heading(GUIDE, "五、所需材料", item, item + 10, 30)
    assert not whole and [GUIDE[a:b] for a, b in spans] == [
        "（一）必需材料\n1.待遇申报表。\n2.退休时间申请书。"
    ]
    # … under the section's heading, the other lists by their headings, when that fits too
    spans, whole = under_heading(GUIDE, "五、所需材料", item, item + 10, 45)
    assert [GUIDE[a:b] for a, b in spans] == [
        "五、所需材料",
        "（一）必需材料\n1.待遇申报表。\n2.退休时间申请书。",
        "（二）其他材料",
    ]
    # no list fits: its heading, then the item, whole
    spans, whole = under_heading(GUIDE, "五、所需材料", item, item + 10, 20)
    assert [GUIDE[a:b] for a, b in spans] == ["（一）必需材料", "2.退休时间申请书。"]


FAQ = (
    "办理方式\n可以线上、线下两种渠道申领，审核期限为5个工作日，审核通过后在网上核发证件。\n"
    "线上办理：\n通过微信小程序申领。\n线下办理：\n可带齐资料到镇（街）政务服务中心窗口办理。\n"
    "如何使用电子证件？\n电子证件与实体证件具备同样功能，可用于各类政务服务办事场景。\n"
    "家里的老人怎么办理？\n可以由其监护人、近亲属代为申领。\n近亲属可登录小程序，选择代他人办理。\n"
    "如何亮证？\n登录小程序，进入亮证栏目。"
)


def test_a_flattened_faq_is_quoted_by_the_question_that_holds_the_answer() -> None:
    proxy = FAQ.index("近亲属可登录")
    spans, whole = under_heading(FAQ, "办理方式", proxy, proxy + 10, 60)
    assert not whole and [FAQ[a:b] for a, b in spans] == [
        "家里的老人怎么办理？\n可以由其监护人、近亲属代为申领。\n近亲属可登录小程序，选择代他人办理。"
    ]
    # the heading's own lines end at the first question: where to go is its part, whole
    window = FAQ.index("可带齐资料")
    spans, whole = under_heading(FAQ, "办理方式", window, window + 10, 100)
    assert FAQ[spans[0][0] : spans[-1][1]].startswith("办理方式\n")
    assert FAQ[spans[-1][0] : spans[-1][1]].endswith("政务服务中心窗口办理。")
    # too tight for the heading's part: the channel's intro and its line, under the heading
    spans, whole = under_heading(FAQ, "办理方式", window, window + 10, 40)
    channel = "线下办理：\n可带齐资料到镇（街）政务服务中心窗口办理。"
    assert [FAQ[a:b] for a, b in spans] == ["办理方式", channel]


def test_where_is_answered_by_the_steps_too() -> None:
    place = frozenset({Aspect.PLACE})
    assert section_fit(place, ("五、办理地点",)) == 1.0
    assert 0 < section_fit(place, ("四、办理流程", "1.提交申请")) < 1.0
    assert section_fit(place, ("五、所需材料",)) == 0.0
    assert section_fit(frozenset(), ("五、办理地点",)) == 0.0


def test_a_bad_vocabulary_line_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "procedure.tsv"
    header = "aspect\tname\tasked\theading\tsaid\tanswered_by\n"
    bad.write_text(header + "papers\t材料\t材料\t材料\t\t\n", encoding="utf-8")
    with pytest.raises(ValueError, match="第2行"):
        wordings(bad)
    assert set(wordings()) == set(Aspect)  # the shipped file has every aspect


def test_a_materials_question_quotes_the_list_under_its_heading(pages: Settings) -> None:
    reply = answer(Searcher.open(pages), "退休了想领企业养老金，得交哪些材料？")
    said = body(reply)
    # the headings, then every item of the list, in order (the items are separate passages;
    # the section, notes and all, is too long to quote whole: the items by their own lines)
    items = [
        "五、所需材料",
        "（一）必需材料",
        "1.《企业职工基本养老保险待遇申报表》",
        "2.《企业职工基本养老保险退休时间申请书》",
        "3.参保人的社会保障卡",
    ]
    at = [said.find(item) for item in items]
    assert -1 not in at, said
    assert at == sorted(at), said
    assert not reply.unlisted
    hit = reply.citations[reply.direct.marker - 1]
    cited = hit.chunk
    assert cited.doc == PENSION and cited.section == "五、所需材料"
    assert hit.row is None  # passages joined: no stored sentence vectors of one row apply
    assert "五、所需材料" in as_text(reply)


def test_a_whole_section_is_answered_from_its_passages_stored_vectors(pages: Settings) -> None:
    searcher = Searcher.open(pages)
    question = "办退休领养老金需要准备什么材料？"
    section = next(h for h in searcher.search(question, 5) if h.parts)
    assert section.chunk.doc == PENSION
    embedded = check_joined_vectors(searcher, question, section)
    assert len(embedded) <= len(section.parts) - 1, embedded


def test_without_the_mechanism_one_item_is_quoted(pages: Settings) -> None:
    off = Searcher.open(pages.with_(procedure_weight=0.0))
    said = body(answer(off, "退休了想领企业养老金，得交哪些材料？"))
    assert not all(item in said for item in ("1.《企业职工", "2.《企业职工", "3.参保人"))


def test_a_document_without_materials_says_it_lists_none(unlisting: Settings) -> None:
    reply = answer(Searcher.open(unlisting), "申请一次性创业资助要带什么材料？")
    assert reply.found
    assert reply.citations[reply.direct.marker - 1].chunk.doc == START_UP
    assert reply.unlisted.endswith("未列出所需材料"), body(reply)
    lines = body(reply).split("\n")
    assert lines[0] == f"（{reply.unlisted}。）"  # said first: the materials are not listed
    assert re.search(r"\[\d+\]$", lines[1])  # then what the document does say
    assert as_json(reply)["unlisted"] == reply.unlisted
    assert "未列出所需材料" in as_html(reply)


@pytest.mark.parametrize(
    ("quoted", "listed"),
    [
        ("办理时须携带本人户口本原件。", True),
        ("申请人应签署家庭经济状况真实性承诺书。", True),  # the answer's choice reads it too
        ("街道将审核结果提交至区住房保障部门公示。", False),  # passed on by a bureau, not handed in
        ("受理后20个工作日内作出决定。", False),
    ],
)
def test_the_note_reads_materials_as_the_direct_answer_does(quoted: str, listed: bool) -> None:
    materials = frozenset({Aspect.MATERIALS})
    assert (unlisted(materials, frozenset(), quoted) == []) is listed
    assert (Asked.of("办这个要带什么？").fit(quoted) > 0) is listed


def test_a_question_that_is_not_of_a_procedure_is_answered_as_before(unlisting: Settings) -> None:
    question = "一次性创业资助的补贴标准是多少？"
    on = answer(Searcher.open(unlisting), question)
    off = answer(Searcher.open(unlisting.with_(procedure_weight=0.0)), question)
    assert body(on) == body(off)
    assert "10000元" in body(on)


def test_a_long_line_is_cut_by_sentences_from_where_the_first_opens() -> None:
    line = "申请人" * 20 + "，先登记；再提交" + "材料" * 15 + "。" + "审核。" * 5
    text = f"五、办理\n{line}\n六、其他"
    clause_after = text.index("再提交")
    spans, whole = under_heading(text, "五、办理", clause_after, clause_after + 5, 60)
    assert not whole and spans[-1][0] == text.index("申请人")  # not at 再提交, after the ；
