"""A question as the rest of answering sees it: checked and normalized once, at the entry.

:meth:`Question.parse` refuses empty and over-long questions with a clear
message and normalizes the rest like the documents (full-width forms, CJK
spacing, 二〇一八年 → 2018年), so search, refusal and composition all see the
same text, normalized once.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..index.tokens import normalize_text

MAX_QUESTION_CHARS = 500


@dataclass(frozen=True)
class Question:
    """A question, checked and normalized.

    Attributes:
        text: The normalized text that search, refusal and composition use.
    """

    text: str

    @classmethod
    def parse(cls, question: str | Question) -> Question:
        """Check and normalize ``question`` (a :class:`Question` is returned as it is).

        Raises:
            ValueError: See :func:`check_question`.
        """
        if isinstance(question, Question):
            return question
        return cls(check_question(question))


def check_question(question: str) -> str:
    """Normalize a question; refuse empty and over-long ones with a clear message.

    Raises:
        ValueError: Empty, or longer than :data:`MAX_QUESTION_CHARS`.
    """
    question = normalize_text(question or "")
    if not question:
        raise ValueError("问题为空 empty question：请输入要查询的问题。")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(
            f"问题过长 question too long（{len(question)} 字，上限 {MAX_QUESTION_CHARS} 字）："
            "请精简后再问。"
        )
    return question
