"""A question is checked and normalized once, and what it asks is read from it once."""

from __future__ import annotations

import pytest

from assistant.answering.kinds import Kind
from assistant.answering.procedure import Aspect
from assistant.answering.question import Question, without_asking
from assistant.chinese.answer_types import AnswerType


def test_what_a_question_asks_is_read_once_and_kept() -> None:
    question = Question.parse("俺爸六十八岁了，办老人卡要带啥证件？")
    assert question.text == "我爸六十八岁了，办老人卡要带什么证件？"
    assert question.age == 68
    assert Aspect.MATERIALS in question.aspects
    assert question.kind is Kind.PROCEDURE
    # one Question per text: search, its shifts and the answer read the same parse
    assert Question.parse(question.text) is question
    assert Question.of(question.text) is question
    assert question.asked is question.asked


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("电动车上牌去哪里办", "电动车上牌去哪里办？"),  # typed without its mark: the same question
        ("电动车上牌去哪里办?", "电动车上牌去哪里办？"),
        ("我想问下电动车上牌的事。", "我想问下电动车上牌的事。"),  # a statement keeps its full stop
        ("电动车上牌要带啥！", "电动车上牌要带什么！"),
    ],
)
def test_a_question_reads_the_same_with_or_without_its_question_mark(typed: str, read: str) -> None:
    assert Question.parse(typed).text == read


def test_answer_types_asked() -> None:
    question = Question.parse("公租房租金每平方米多少钱？要交几年？")
    assert question.types == (AnswerType.MONEY, AnswerType.YEARS)  # 多少钱 → 多少元
    assert question.kind is Kind.TIME
    assert question.age is None and not question.aspects


def test_only_the_entry_checks() -> None:
    with pytest.raises(ValueError, match="问题为空"):
        Question.parse("  ")
    assert Question.of("").text == ""  # the rest of a question that only names its document


@pytest.mark.parametrize(
    ("question", "left"),
    [
        ("医保卡在哪补办？", "医保卡在 补办"),  # 哪 never takes the verb after it
        ("在哪交申请表？", "在 交申请表"),
        ("哪天开始受理？", "开始受理"),  # 哪 + a unit of time or a measure word: asking
        ("哪类家庭能申请？", "家庭能申请"),
        ("去哪个窗口办？", "去 窗口办"),
    ],
)
def test_question_words_are_taken_out_and_nothing_else(question: str, left: str) -> None:
    assert without_asking(question) == left
