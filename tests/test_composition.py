"""Answers that read right: the direct answer is not quoted twice, a list item keeps its own
list's intro, a quote opens where its sentence opens, the answer stays short.

Real documents of the shared corpus with the ``hash`` embedder (composition is tested, not
the model); made-up passages where one mechanism is shown alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.answering.answer import answer
from assistant.answering.composition import ANSWER_CHARS, INTRO_CHARS, compose
from assistant.answering.render import body, direct_line
from assistant.answering.search import Searcher
from assistant.documents.sentences import is_signature, list_intro, opening
from assistant.index import build
from assistant.settings import Settings
from assistant.types import Answer

from .conftest import hash_settings
from .test_answer import make_hit, tokens

CARE = "32_长期护理保险试行办法_穗医保规字2024-1号.html"


@pytest.fixture(scope="module")
def care(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Searcher:
    """The long-term care insurance measures (第十四条–第十六条: one list per level)."""
    corpus = tmp_path_factory.mktemp("care") / "corpus"
    corpus.mkdir()
    shutil.copy(shared_corpus / "html" / CARE, corpus / CARE)
    settings: Settings = hash_settings(corpus, min_score=0.0)
    build(settings)
    return Searcher.open(settings)


def said_text(reply: Answer) -> str:
    return body(reply)


def test_the_direct_answer_is_not_repeated_under_it() -> None:
    text = "本市设立专项资金。2018年安排知识产权专项经费484万元，比上年增加。资金主要用于专利资助。"
    reply = compose("2018年知识产权专项经费是多少？", [make_hit(text, 0.9)], tokens)
    said = said_text(reply)
    assert said.count("484万元") == 1
    assert "2018年安排知识产权专项经费484万元" in direct_line(reply)


def test_a_quote_opens_where_its_sentence_opens() -> None:
    line = "经审核符合条件的，给予一次性补贴；年满60周岁的，每月另发放200元。"
    start = line.index("年满")
    assert opening(line, start) == 0
    assert opening("第一句。第二句；第三句", 7) == 4  # after the full stop, not the ；
    assert opening("甲" * 150 + "；乙", 151) == 151  # too far back: the clause itself
    reply = compose("年满60周岁的每月发放多少？", [make_hit(line, 0.9)], tokens_age)
    assert direct_line(reply).startswith("经审核符合条件的")


def test_a_signature_is_never_the_direct_answer() -> None:
    """The closing line names the body and the date the question names too, but answers
    nothing: the sentence that says what to do leads."""
    text = (
        "各单位要落实每日报送制度，每天下午五点前将本单位员工健康情况报市卫生健康局。\n"
        "某某市卫生健康局2021年3月5日"
    )
    assert is_signature("某某市卫生健康局2021年3月5日")
    assert is_signature("二维码 某某县应急管理局 二〇二一年三月五日")
    assert not is_signature("本办法自2021年3月5日起施行。")
    assert not is_signature("2021年3月5日")  # a date alone: not said who signed
    question = "某某市卫生健康局2021年3月5日要求的报送制度是什么？"
    reply = compose(question, [make_hit(text, 0.9)], words)
    assert direct_line(reply).startswith("各单位要落实每日报送制度")


def test_a_case_alone_never_answers_what_to_bring() -> None:
    """A penalty article's item (…提交伪造材料的；) holds 材料 but says nothing of what to
    bring: asked what is needed, it does not lead, even where no sentence names the
    materials. Asked what happens in that case, it may."""
    text = (
        "第三十条 申领人有下列情形之一的，取消其补助资格：\n（一）提交伪造材料的；\n"
        "（二）隐瞒家庭收入的。\n第八条 补助按季度发放到申领人的银行账户。"
    )
    hits = [make_hit(text, 0.9)]
    asked = compose("得准备哪些材料？", hits, words)
    assert not direct_line(asked).startswith("（一）")
    punished = compose("提交伪造材料会怎么样？", hits, words)
    assert "提交伪造材料的" in body(punished)


def test_the_documents_own_number_is_never_the_direct_answer() -> None:
    text = "文　　号：官市监函〔2020〕18号\n2018年安排知识产权专项经费484万元。"
    hits = [make_hit(text, 0.9)]  # its 文号 is 官市监函〔2020〕18号
    reply = compose("官市监函〔2020〕18号讲的知识产权经费情况？", hits, tokens_number)
    assert direct_line(reply).startswith("2018年安排知识产权专项经费484万元")


def tokens_number(text: str) -> list[str]:
    return [w for w in ("官市监函", "2020", "18号", "2018年", "知识产权", "经费") if w in text]


def words(text: str) -> list[str]:
    return [w for w in ("某某市", "卫生健康局", "2021年", "报送", "制度") if w in text]


def test_the_same_words_in_two_passages_are_quoted_once() -> None:
    heading = "三、做好返岗人员排查。"
    first = f"{heading}企业返岗人员须逐一登记体温。"
    second = f"{heading}外地返岗人员须先行居家观察十四天。"
    hits = [make_hit(first, 0.9, id="c1"), make_hit(second, 0.8, id="c2", start=100)]
    reply = compose("返岗人员排查怎么做？", hits, lambda t: [w for w in ("返岗", "排查") if w in t])
    assert said_text(reply).count(heading) == 1


def tokens_age(text: str) -> list[str]:
    return [w for w in ("年满", "60周岁", "每月", "发放") if w in text]


def test_a_list_item_finds_its_own_lists_intro() -> None:
    text = (
        "第十四条 甲类标准如下：\n（一）每人每天120元；\n"
        "第十五条 乙类标准如下：\n（一）每人每天30元；\n（二）每人每月900元。"
    )
    second = text.index("（二）")
    intro = list_intro(text, second)
    assert intro is not None and text[intro[0] : intro[1]] == "第十五条 乙类标准如下："
    assert list_intro(text, text.index("（一）每人每天120元")) == (0, text.index("\n"))
    assert list_intro(text, 0) is None  # not an item


def test_an_item_is_quoted_under_its_own_article(care: Searcher) -> None:
    """2级 is 第十五条: its items are quoted with its intro, never under 第十四条's."""
    reply = answer(care, "失能等级2级的人在家里护理，生活照料费用每月最多报销多少？")
    assert reply.found
    said = said_text(reply)
    direct = direct_line(reply)
    assert "每人每月900元" in said
    if direct.startswith("（"):  # a bare item: its article's intro comes with it
        assert "享受长护险2级待遇的失能人员，其长护险待遇限额标准如下" in said
    assert "享受长护险3级待遇的长期失能人员、延续失能人员，其长护险待遇限额标准如下" not in said


def test_answers_stay_short(care: Searcher) -> None:
    """Within the budget, a list's short intro aside (a procedure's section is not asked)."""
    for question in ("长护险的评估费用谁来付？", "失能评估一次收多少钱？"):
        reply = answer(care, question)
        assert reply.found and reply.direct is not None
        quoted = sum(q.end - q.start for q in (reply.direct, *reply.quotes))
        assert quoted <= ANSWER_CHARS + INTRO_CHARS
