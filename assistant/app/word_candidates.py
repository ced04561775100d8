"""Synonym proposals for the 运营 tab: the citizens' words the documents lack.

:func:`proposals` reads the questions the assistant could not answer and keeps their words
(as the index's tokenizer cuts them) that no passage or title holds in any wording the
vocabulary knows — 老人卡 where the documents say 老年人优待证 — and that may name a topic
(:func:`topical`: no function word, word of asking or place), most asked first, each with
the document terms nearest to it by the index's embedding model: terms of the lexicon's and
the office's groups that the documents use, and the words of the documents' titles. The
admin accepts one (a group is added to ``synonyms.csv``, :mod:`assistant.index.office_words`)
or dismisses the word (``dismissed_words``; it is not proposed again).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine, select

from ..answering.search import Searcher
from ..records.schema import dismissed_words
from ..records.writer import now

NEAREST = 3  # document terms offered per word
LIMIT = 30  # words proposed at most
_HAN = re.compile(r"[\u4e00-\u9fff]{2,8}")
# Words of asking, not of a topic: no document needs them.
ASKING = frozenset(
    "什么 怎么 怎么办 怎样 如何 哪些 哪里 哪个 多少 多久 是否 能否 可以 需要 请问 为什么 "
    "有没有 能不能 要不要 是不是 几个 几年 几天 现在 今年 我们 我的 我家 他们 自己 时候".split()
)
# jieba's part-of-speech classes of function words: pronoun, numeral, classifier, adverb,
# preposition, conjunction, particle, modal and interjection, onomatopoeia, direction.
FUNCTION_TAGS = ("r", "m", "q", "d", "p", "c", "u", "y", "e", "o", "f")
# Directional complements (趋向补语): 进去, 下来 — how, not what.
DIRECTIONAL = frozenset(
    f"{a}{b}" for a in ("上", "下", "进", "出", "回", "过", "起", "开") for b in ("来", "去")
)
INTERROGATIVE = ("哪", "啥", "咋", "怎", "几", "多少")  # 哪几天, 啥时候
MODAL = frozenset("能要想没不会可该得")  # 能补, 不想: a modal or negation before a verb


@dataclass(frozen=True)
class Proposal:
    """A word of unanswered questions that no document holds.

    Attributes:
        word: The citizens' word.
        count: How many unanswered questions hold it.
        example: One of them.
        nearest: The document terms nearest to it, nearest first.
    """

    word: str
    count: int
    example: str
    nearest: tuple[str, ...]


def proposals(
    searcher: Searcher,
    questions: Iterable[str],
    dismissed: Iterable[str] = (),
    limit: int = LIMIT,
) -> list[Proposal]:
    """The proposals from unanswered ``questions``, most asked first, at most ``limit``
    (see the module doc)."""
    index, skipped = searcher.index, set(dismissed)
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for question in questions:
        for word in dict.fromkeys(index.tokenizer.words(question)):
            if not _HAN.fullmatch(word) or word in ASKING or word in skipped:
                continue
            if not topical(word):
                continue
            if index.vocabulary.used(word) or searcher.mentions.word(word):
                continue
            counts[word] += 1
            examples.setdefault(word, question)
    words = [w for w, _ in counts.most_common(limit)]
    nearest = _nearest(searcher, words)
    return [Proposal(w, counts[w], examples[w], nearest[w]) for w in words]


def topical(word: str) -> bool:
    """Whether ``word`` may name a topic, so that a synonym for it is worth proposing. Not:
    a place (the question is about another place); a word of asking (哪几天, ``X不X``, the
    spoken table's 咋办); a word jieba tags as a function word, as a whole or in any piece
    (我开, 以前); a directional complement (进去); a modal or negation before a verb (能补,
    不想); a word jieba's dictionary lacks whose characters mix a noun and a verb — a cut
    across two words (卡去, 人住)."""
    import jieba
    import jieba.posseg as posseg

    from ..chinese.words import table
    from ..documents.places import gazetteer

    if any(m.surface == word for m in gazetteer().find(word)):
        return False
    asking = any(a == b and x == "不" for a, x, b in zip(word, word[1:], word[2:]))  # 算不算
    if asking or word in table("spoken") or word.startswith(INTERROGATIVE):
        return False
    pieces = posseg.lcut(word, HMM=False)
    if word in DIRECTIONAL or any(p.flag.startswith(FUNCTION_TAGS) for p in pieces):
        return False
    known = bool(jieba.dt.FREQ.get(word))
    if word[0] in MODAL and (not known or len(word) == 2 and _tag(word[1]).startswith("v")):
        return False
    flags = {p.flag[0] for p in pieces}
    return known or any(len(p.word) > 1 for p in pieces) or not {"n", "v"} <= flags


def _tag(word: str) -> str:
    """jieba's part-of-speech tag of ``word`` (its first piece's)."""
    import jieba.posseg as posseg

    return posseg.lcut(word, HMM=False)[0].flag


def document_terms(searcher: Searcher) -> list[str]:
    """The terms a proposal may be matched to: the vocabulary's terms the documents use and
    the words of the documents' titles."""
    index = searcher.index
    terms = dict.fromkeys(t for t, n in index.vocabulary.counts.items() if n and len(t) >= 2)
    for document in index.documents:
        for word in index.tokenizer.words(document.source.title):
            if _HAN.fullmatch(word) and word not in ASKING:
                terms[word] = None
    return list(terms)


_TERMS: dict[str, tuple[list[str], np.ndarray]] = {}  # generation → terms and their vectors


def _nearest(searcher: Searcher, words: Sequence[str]) -> dict[str, tuple[str, ...]]:
    if not words:
        return {}
    generation = searcher.index.manifest.generation
    if generation not in _TERMS:
        terms = document_terms(searcher)
        vectors = searcher.embedder.encode_queries(terms) if terms else np.zeros((0, 1))
        _TERMS.clear()
        _TERMS[generation] = (terms, _unit(vectors))
    terms, vectors = _TERMS[generation]
    if not terms:
        return {w: () for w in words}
    cosines = _unit(searcher.embedder.encode_queries(list(words))) @ vectors.T
    return {
        w: tuple(terms[int(i)] for i in np.argsort(-cosines[n])[:NEAREST])
        for n, w in enumerate(words)
    }


def _unit(vectors: Any) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    return array / np.maximum(np.linalg.norm(array, axis=1, keepdims=True), 1e-12)


def dismissed(engine: Engine) -> set[str]:
    """The words the admin dismissed."""
    with engine.connect() as connection:
        return {w for (w,) in connection.execute(select(dismissed_words.c.word))}


def dismiss(engine: Engine, word: str) -> None:
    """Never propose ``word`` again."""
    with engine.begin() as connection:
        connection.execute(dismissed_words.delete().where(dismissed_words.c.word == word))
        connection.execute(dismissed_words.insert().values(word=word, at=now()))
