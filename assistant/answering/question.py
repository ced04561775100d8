"""A question as the rest of answering sees it: checked and normalized once, at the entry.

:meth:`Question.parse` refuses empty and over-long questions with a clear
message and normalizes the rest (:func:`normalize_question`): like the documents
(full-width forms, CJK spacing, 二〇一八年 → 2018年), then Traditional characters to
Simplified (OpenCC ``t2s``: 請問長者卡怎麼辦 → 请问长者卡怎么办) and spoken question
words to written ones (:data:`SPOKEN`: 啥 → 什么, 咋办 → 怎么办, 能不能 → 能否), and a
question ends in one ？ however it was typed (怎么申请, 怎么申请? → 怎么申请？: the same question
gets the same answer, with or without it, the way the dev sets ask it). So
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
from ..chinese.words import table, words
from ..index.tokens import Tokenizer, asked_types, normalize_text
from .ages import asked_age
from .kinds import Asked, Kind, question_kind
from .procedure import Aspect, asked_aspects

MAX_QUESTION_CHARS = 500
# Spoken question words → the written ones (assistant/chinese/words.toml).
SPOKEN = table("spoken")
_SPOKEN = re.compile("|".join(sorted(SPOKEN, key=len, reverse=True)))
# How a statement may end; a question ends in one "？", whether typed with it, "?" or none.
_QUESTION_MARKS = re.compile(r"[？?]+$")
_CLOSED = re.compile(r"[！!。.…]$")


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
    text = _SPOKEN.sub(lambda m: SPOKEN[m.group()], text)
    text = _QUESTION_MARKS.sub("", text)
    return f"{text}？" if text and not _CLOSED.search(text) else text


@functools.lru_cache(maxsize=1024)
def _question(text: str) -> Question:
    return Question(text)


@functools.cache
def _opencc() -> Any:
    """OpenCC's Traditional → Simplified converter, made once."""
    import opencc

    return opencc.OpenCC("t2s")


# What a question is about — its content terms —, read alike by conversation and refusal.

# How a follow-up opens when it continues the conversation: 那…, 那么…, 还有…, 另外….
OPENER = re.compile(r"^(?:那么?|还有|另外|此外|除此之外|然后)[，,\s]*")
# Question words: what is asked, not what it is about (几月, 哪几天, 啥时候 …); 哪 takes
# a measure word or a unit of time with it (哪天, 哪类), never a verb (在哪补办).
ASKING = re.compile(
    r"什么时候|什么时间|啥时候|多长时间|多少|多久|多长|多大|多高|多远|什么|(?:怎么|咋)办(?=\W|$)"
    r"|咋样|怎么样|怎么|怎样|如何|为什么|为啥|哪儿|哪里|哪些|哪个|哪[一几]?[天年月日号周位种类家条项级所间样次些个儿里边方]?"
    r"|几[\u4e00-\u9fff]?"
    r"|啥|咋|谁|是否|能否|是不是|有没有|能不能|要不要|可不可以|吗|呢|吧|请问"
)
# Words that say how or when something is asked, not what about (beyond the tokenizer's
# STOPWORDS): auxiliaries, adverbs of frequency, amount and time (一般在每年几月份？), and
# 工作日, a unit of time like 天 (几个工作日能拿到？).
FUNCTION_WORDS = frozenset(words("question", "function_words"))
QUANTITY = re.compile(r"[\d一二两三四五六七八九十百半几]+个?(?:月|年|天|日|周|星期|小时|次)")
CLAUSES = re.compile(r"[，,。？?！!；;：:、\s]+")


def content_terms(text: str, tokenizer: Tokenizer) -> list[str]:
    """The terms of ``text`` that say what it is about, in order.

    The tokenizer's words of the text without its question words, of two or more
    characters (one character, such as 带 or 住, says little by itself), not
    :data:`FUNCTION_WORDS` and not a quantity (一个月, 两年, 3天); a word inside a
    longer one (jieba's search mode gives both 社保 and 社保卡, 工作 and 工作日) is
    left out. An opening 那 or 还有 is not a term.
    """
    words = [w for w in tokenizer.words(without_asking(OPENER.sub("", text))) if len(w) > 1]
    words = list(dict.fromkeys(w for w in words if not any(w != o and w in o for o in words)))
    return [w for w in words if w not in FUNCTION_WORDS and not QUANTITY.fullmatch(w)]


def topic_terms(text: str, tokenizer: Tokenizer) -> list[str]:
    """The content terms of ``text`` that name what it is about, not what kind of answer it
    asks for (条件, 材料, 有效期: :func:`.kinds.question_kind`)."""
    return [t for t in content_terms(text, tokenizer) if question_kind(t) is Kind.OTHER]


@functools.lru_cache(maxsize=4096)  # a server's questions bring new terms without end
def is_verb(term: str) -> bool:
    """Whether jieba's dictionary reads ``term`` as verbs only (批下来, 能领, 打零工): it says
    what is done, not what about (a verbal noun such as 审批 may name a topic)."""
    import jieba.posseg as posseg

    return all(p.flag.startswith("v") and p.flag != "vn" for p in posseg.lcut(term, HMM=False))


def without_asking(text: str) -> str:
    """``text`` with its question words and punctuation replaced by single spaces."""
    return " ".join(CLAUSES.split(ASKING.sub(" ", text))).strip()
