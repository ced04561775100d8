"""Ages: a citizen gives an age (我妈70了), the documents give brackets (65周岁以上)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from assistant.answering.ages import age_fit, age_ranges, asked_age
from assistant.answering.answer import answer
from assistant.answering.render import as_text
from assistant.answering.search import Searcher
from assistant.index import build
from assistant.settings import Settings


@pytest.mark.parametrize(
    ("question", "age"),
    [
        ("我妈70了坐公交要钱吗？", 70),
        ("奶奶七十岁了，坐地铁免费吗？", 70),
        ("我今年刚满40，长护险个人缴费比例是多少？", 40),
        ("我硕士毕业，今年43岁，还能落户吗？", 43),
        ("广州62周岁的老人坐公交票价怎么算？", 62),
        ("交了3年了还能补缴吗？", None),
        ("满3个月可以申请吗？", None),
        ("2025年10月以后怎么办？", None),
    ],
)
def test_the_age_a_question_gives(question: str, age: int | None) -> None:
    assert asked_age(question) == age


@pytest.mark.parametrize(
    ("sentence", "ranges"),
    [
        ("年满60周岁不满65周岁的老年人享受半价优惠。", [(60, 65)]),
        ("（2）满35周岁至未满45周岁参保人员为0.02%；", [(35, 45)]),
        ("65周岁以上老年人持本市老年人优待凭证免费享受前款优待。", [(65, math.inf)]),
        ("在本市居住的60周岁及以上的户籍居家老年人", [(60, math.inf)]),
        ("18—40周岁（含40周岁）", [(18, 41)]),
        ("年龄在18至45周岁（含本数）", [(18, 46)]),
        ("0-6岁的残疾儿童", [(0, 7)]),
        ("硕士研究生45周岁以下", [(0, 46)]),
        ("男性不满50周岁、女性不满40周岁的", [(0, 50), (0, 40)]),
        ("女性不超过55周岁、男性不超过60周岁", [(0, 56), (0, 61)]),
        ("为70岁老人送餐上门。", []),
    ],
)
def test_the_age_brackets_a_sentence_states(
    sentence: str, ranges: list[tuple[float, float]]
) -> None:
    assert age_ranges(sentence) == ranges


def test_a_sentence_fits_an_age_when_its_bracket_holds_it() -> None:
    assert age_fit(70, "65周岁以上老年人免费。") == 1.0
    assert age_fit(70, "年满60周岁不满65周岁的老年人享受半价优惠。") == -1.0
    assert age_fit(70, "老年人持优待凭证乘坐公共汽车。") == 0.0
    assert age_fit(None, "65周岁以上老年人免费。") == 0.0


def test_the_direct_answer_is_the_rule_of_the_asked_age(
    shared_corpus: Path, tmp_path: Path
) -> None:
    """On the real 广州市老年人优待办法: 70 is over 65 (free), not 60–65 (half price)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(shared_corpus / "html" / "33_广州市老年人优待办法_政府令179号.html", corpus)
    settings = Settings(corpus=corpus, index=tmp_path / "index")  # the bundled model
    build(settings)
    searcher = Searcher.open(settings)
    for question, rule in (
        ("我妈70了坐公交要钱吗？", "65周岁以上老年人持本市老年人优待凭证免费享受前款优待。"),
        ("我爸62岁，坐公交要钱吗？", "年满60周岁不满65周岁的老年人持本市老年人优待凭证乘坐"),
        # asked what to bring, the age decides no rule: the materials, not 年满60周岁 (第二条)
        ("我爸67岁，申领老人优待证要准备什么？", "应当提供有效证件"),
    ):
        first_line = as_text(answer(searcher, question)).splitlines()[0]
        assert rule in first_line, first_line
