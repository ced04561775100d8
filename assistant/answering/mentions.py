"""What the documents mention: the topics of a question they never name.

A question about a topic no document names is refused with the reason rather than
answered from a look-alike passage (:func:`.refusal.answerable`). One entry point,
:meth:`Mentions.unmentioned`, which finds three kinds of such topics:

* a term of the vocabulary (结婚登记) that no document says in any wording, and
  some word of which no document uses (:meth:`~assistant.index.vocabulary.Vocabulary.unmentioned`);
* a service named by a word that neither the documents nor the vocabulary know:
  高温补贴, 电动车登记 (:data:`SERVICE_KINDS`);
* a service named by words the documents use, but never together: 工伤认定 where
  the documents say 工伤保险 and 资格认定, 公积金贷款 where they say 住房公积金 and
  创业担保贷款. Together means a wording of the word (住房公积金 for 公积金) followed,
  in one passage or title, by the kind of service or one of its :data:`FAMILIES`:
  临时补助 is said by 临时救助, 轮椅补贴 by "电动轮椅…的适配对象在办理辅助器具适配补贴";
  工伤认定 is not said by "鉴定为一级至四级伤残的工伤". A compound the vocabulary
  knows is also said in its other wordings: 租房补贴 by 住房租赁补贴.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from ..chinese.words import words
from ..index import Store
from .question import without_asking

# Kinds of service a question may name after a word that says which (高温补贴, 工伤认定).
SERVICE_KINDS = frozenset(words("index", "service_kinds"))
# Kinds that citizens use for one another: money paid out, a registration, a determination.
FAMILIES = (("补贴", "津贴", "补助", "补偿", "救助", "资助"), ("登记", "备案"), ("认定", "鉴定"))
# Passages read, at most, to find a word and its kind in order (beyond: assumed said).
MAX_READ = 2000


class Mentions:
    """What the passages and titles of one index mention (cached per word)."""

    def __init__(self, index: Store) -> None:
        self.index = index
        self.word = functools.lru_cache(maxsize=4096)(self._word)
        self.together = functools.lru_cache(maxsize=1024)(self._together)

    def unmentioned(self, text: str) -> list[str]:
        """The terms and services of the (normalized) question that no document mentions."""
        index = self.index

        def mentioned(term: str) -> bool:
            return all(self.word(w) for w in _words(index, term))

        terms = index.vocabulary.unmentioned(text, mentioned)
        for word, kind in self._services(text):
            if any(word in t for t in terms):
                continue
            # 高温补贴: 高温 is no word of the documents or the vocabulary; 工伤认定:
            # both words are, but no passage says 工伤 and then 认定 (or 鉴定).
            known = index.vocabulary.knows(word) or self.word(word)
            if not known or not (index.vocabulary.used(word + kind) or self.together(word, kind)):
                terms.append(word + kind)
        return terms

    def _services(self, text: str) -> list[tuple[str, str]]:
        """The question's (word, kind) pairs that name a service as one compound: 工伤认定."""
        words = self.index.tokenizer.words(without_asking(text))  # not 哪里 + 登记
        return [
            (word, kind)
            for word, kind in zip(words, words[1:], strict=False)
            if kind in SERVICE_KINDS and len(word) > 1 and word + kind in text
        ]

    def _word(self, word: str) -> bool:
        """Whether a passage or a title of the index holds ``word``."""
        index = self.index
        titles = any(word in d.source.title for d in index.documents)
        return titles or bool((index.bm25_scores([word]) > 0).any())

    def _together(self, word: str, kind: str) -> bool:
        """Whether a title or passage says a wording of ``word`` and then ``kind`` (or a
        kind of its family).

        A passage says them when its words, as jieba cut them for BM25, hold both (住房租赁
        is 住房 + 租赁, so it does not say 房租) and its text has them in that order.
        """
        index = self.index
        wordings = (word, *index.vocabulary.equivalents(word))
        kinds = family(kind)
        said = "|".join(map(re.escape, wordings))
        pattern = re.compile(f"(?:{said}).*?(?:{'|'.join(kinds)})", re.S)
        if any(pattern.search(d.source.title) for d in index.documents):
            return True
        with_kind = index.bm25_scores(kinds) > 0
        holding = np.zeros(len(index), dtype=bool)
        for wording in wordings:
            has = with_kind.copy()
            for w in _words(index, wording) or [wording]:
                has &= index.bm25_scores([w]) > 0
            holding |= has
        rows = np.flatnonzero(holding)
        for row in rows[:MAX_READ].tolist():
            chunk = index.chunk(row)
            if pattern.search(f"{chunk.section}\n{chunk.text}"):
                return True
        return len(rows) > MAX_READ  # too many to read: do not claim they never say it


def family(kind: str) -> tuple[str, ...]:
    """``kind`` and the kinds of its family (:data:`FAMILIES`): 救助 → 补贴, 津贴, 补助…"""
    return next((f for f in FAMILIES if kind in f), (kind,))


def _words(index: Store, term: str) -> list[str]:
    """The words of ``term`` that say something (two characters or more)."""
    return [w for w in index.tokenizer.words(term) if len(w) > 1]
