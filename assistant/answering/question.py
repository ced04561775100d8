"""A question as the rest of answering sees it: checked and normalized once, at the entry.

:meth:`Question.parse` refuses empty and over-long questions with a clear
message and normalizes the rest (:func:`normalize_question`): like the documents
(full-width forms, CJK spacing, 二〇一八年 → 2018年), then Traditional characters to
Simplified (OpenCC ``t2s``: 請問長者卡怎麼辦 → 请问长者卡怎么办) and spoken question
words to written ones (:data:`SPOKEN`: 啥 → 什么, 咋办 → 怎么办, 能不能 → 能否). So
search, refusal and composition all see the same text, normalized once. Only
questions are rewritten, never document text.

What the text asks is read from it once, when first needed, and kept with it: the answer
types it asks for, what a sentence that answers holds (:attr:`Question.asked`), the age it
gives, the part of a procedure it asks about. :meth:`Question.of` gives one :class:`Question`
per text, so the shifts of search and the answer read the same parse.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from ..chinese.answer_types import AnswerType
from ..chinese.words import table
from ..index.tokens import asked_types, normalize_text
from .ages import asked_age
from .kinds import Asked, Kind
from .procedure import Aspect, asked_aspects

MAX_QUESTION_CHARS = 500
# Spoken question words → the written ones (assistant/chinese/words.toml).
SPOKEN = table("spoken")
_SPOKEN = re.compile("|".join(sorted(SPOKEN, key=len, reverse=True)))


@dataclass(frozen=True)
class Question:
    """A question, checked and normalized, and what it asks (each read once, when first used).

    Attributes:
        text: The normalized text that search, refusal and composition use.
    """

    text: str

    @classmethod
    def of(cls, text: str | Question) -> Question:
        """The question of an already normalized ``text``, unchecked (the rest of a question
        without the documents it names may be empty); one per text, kept (its parse with it)."""
        return text if isinstance(text, Question) else _question(text)

    @functools.cached_property
    def asked(self) -> Asked:
        """What it asks for, and what a sentence that answers it holds (:class:`.kinds.Asked`)."""
        return Asked.of(self.text)

    @property
    def kind(self) -> Kind:
        """The kind of answer it asks for."""
        return self.asked.kind

    @functools.cached_property
    def types(self) -> tuple[AnswerType, ...]:
        """The answer types it asks for (多少钱 → #元; :func:`.tokens.asked_types`)."""
        return tuple(asked_types(self.text))

    @functools.cached_property
    def age(self) -> int | None:
        """The age it gives (我妈70了 → 70; :func:`.ages.asked_age`)."""
        return asked_age(self.text)

    @functools.cached_property
    def aspects(self) -> frozenset[Aspect]:
        """What of a procedure it asks (要带什么材料 → 材料; :func:`.procedure.asked_aspects`)."""
        return asked_aspects(self.text)

    @classmethod
    def parse(cls, question: str | Question) -> Question:
        """Check and normalize ``question`` (a :class:`Question` is returned as it is).

        Raises:
            ValueError: See :func:`check_question`.
        """
        if isinstance(question, Question):
            return question
        return _question(check_question(question))


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


@functools.lru_cache(maxsize=1024)
def _question(text: str) -> Question:
    return Question(text)


@functools.cache
def _opencc() -> Any:
    """OpenCC's Traditional → Simplified converter, made once."""
    import opencc

    return opencc.OpenCC("t2s")
