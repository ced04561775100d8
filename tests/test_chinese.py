"""The Chinese knowledge's one home: numerals, word lists, answer types."""

from __future__ import annotations

import pytest

from assistant.chinese.answer_types import DURATIONS, AnswerType
from assistant.chinese.dates import parse_date
from assistant.chinese.numerals import to_chinese, to_number, year_digits
from assistant.chinese.words import alternation, table, words
from assistant.index.tokens import Tokenizer, answer_types, asked_types


@pytest.mark.parametrize(
    ("text", "strict", "number"),
    [
        ("二十四", False, 24),
        ("一千五百", False, 1500),
        ("两", False, 2),
        ("十二", True, 12),
        ("一二", True, None),  # digit by digit is not the written form
        ("一二", False, 12),
        ("不是数", False, None),
    ],
)
def test_one_parser(text: str, strict: bool, number: int | None) -> None:
    assert to_number(text, strict=strict) == number


def test_writing_numbers_and_years() -> None:
    assert to_chinese(24) == "二十四"
    assert year_digits("二〇一八年，二○二O年") == "2018年，2020年"
    assert parse_date("二O二一年十二月一日") == "2021-12-01"
    assert parse_date("二〇二一年十十月一日") == ""  # no month: no date, no error


def test_word_lists_are_data() -> None:
    assert "的" in words("index", "stopwords")
    assert table("spoken")["啥"] == "什么"
    # an alternation keeps the list's order, or tries the longest first
    assert alternation(("工作日", "个工作日")) == "工作日|个工作日"
    assert alternation(("工作日", "个工作日"), longest_first=True) == "个工作日|工作日"


def test_every_answer_unit_has_a_type() -> None:
    assert {AnswerType.of_unit(u) for u in words("units", "answer")} >= {
        AnswerType.MONEY,
        AnswerType.DAYS,
    }
    assert AnswerType.of_unit("个工作日") is AnswerType.DAYS
    assert AnswerType.of_unit("亿元") is AnswerType.MONEY
    with pytest.raises(ValueError, match="斤"):
        AnswerType.of_unit("斤")


def test_answer_types_are_members_and_tokens_stay_strings() -> None:
    held = answer_types("申请后15个工作日内发放，每户补贴3000元")
    assert held == [AnswerType.DAYS, AnswerType.MONEY]
    assert DURATIONS <= set(asked_types("审批要多长时间？"))
    tokens = Tokenizer().query("每月补贴多少钱？")
    assert "#元" in tokens and all(type(t) is str for t in tokens)
