"""A question as the rest of answering sees it: checked and normalized once, at the entry.

:meth:`Question.parse` refuses empty and over-long questions with a clear
message and normalizes the rest (:func:`normalize_question`): like the documents
(full-width forms, CJK spacing, 二〇一八年 → 2018年), then Traditional characters to
Simplified (OpenCC ``t2s``: 請問長者卡怎麼辦 → 请问长者卡怎么办) and spoken question
words to written ones (:data:`SPOKEN`: 啥 → 什么, 咋办 → 怎么办, 能不能 → 能否). So
search, refusal and composition all see the same text, normalized once. Only
questions are rewritten, never document text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from ..chinese.words import table
from ..index.tokens import normalize_text

MAX_QUESTION_CHARS = 500
# Spoken question words → the written ones (assistant/chinese/words.toml).
SPOKEN = table("spoken")
_SPOKEN = re.compile("|".join(sorted(SPOKEN, key=len, reverse=True)))


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
    question = normalize_question(question or "")
    if not question:
        raise ValueError("问题为空 empty question：请输入要查询的问题。")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(
            f"问题过长 question too long（{len(question)} 字，上限 {MAX_QUESTION_CHARS} 字）："
            "请精简后再问。"
        )
    return question


def normalize_question(text: str) -> str:
    """Normalize a question: as documents are, then Traditional → Simplified and
    spoken question words → written ones (see the module docstring)."""
    text = normalize_text(text)
    if not text.isascii():
        text = _opencc().convert(text)
    return _SPOKEN.sub(lambda m: SPOKEN[m.group()], text)


@functools.cache
def _opencc() -> Any:
    """OpenCC's Traditional → Simplified converter, made once."""
    import opencc

    return opencc.OpenCC("t2s")
