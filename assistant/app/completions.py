"""智能提示: completions of a half-typed question, by its characters or its pinyin.

A :class:`Completions` holds the candidates (curated questions, the hot questions of the
log, document titles), each with its pinyin worked out once (``pypinyin``), and matches a
typed text against all of them in one pass:

- typed Chinese (or mixed) text matches a candidate that contains it, spaces and
  punctuation aside (``低保标准`` → 广州市低保标准是多少), better at the start;
- typed Latin letters match the pinyin initials (``dbbz`` → 低保标准) or the full pinyin
  from a syllable's start (``dibao`` → 低保).

The best :data:`LIMIT` are returned: where in the candidate the match is, then the kind
(curated, hot, title), then how often it was asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from ..records.grouping import key

LIMIT = 8
MIN_CHARS = 2  # typed characters before anything is offered
MAX_CHARS = 60  # a longer text is not a question being typed
_LATIN = re.compile(r"[a-z]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


class Kind(IntEnum):
    """Where a completion comes from; the lower, the earlier it is offered."""

    CURATED = 0
    HOT = 1
    TITLE = 2

    @property
    def label(self) -> str:
        return ("常见问题", "热门问题", "政策文件")[self]


@dataclass(frozen=True)
class Candidate:
    """A text that may be offered, with how it is matched.

    Attributes:
        text: What is shown and asked.
        kind: Where it comes from.
        count: How often it was asked (0 for a title).
        key: The text without spaces and punctuation, lower case.
        initials: One letter per character of ``key``: its pinyin initial (the character
            itself when it has no pinyin).
        spelled: The full pinyin of ``key``, syllables run together.
        starts: Where each syllable starts in ``spelled``.
    """

    text: str
    kind: Kind
    count: int
    key: str
    initials: str
    spelled: str
    starts: frozenset[int]


@dataclass(frozen=True)
class Completion:
    """One completion offered: the text, and its kind's label (热门问题 …)."""

    text: str
    kind: str


class Pinyin:
    """Pinyin syllables of texts, remembered (a refresh of the candidates re-reads few)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[str, ...]] = {}

    def syllables(self, text: str) -> tuple[str, ...]:
        """One syllable per character of ``text`` (a character without pinyin as itself)."""
        found = self._known.get(text)
        if found is None:
            from pypinyin import lazy_pinyin

            found = tuple(lazy_pinyin(text, errors=lambda chars: list(chars)))
            if len(found) != len(text):  # never expected; keep the alignment regardless
                found = tuple(lazy_pinyin(c, errors=lambda chars: list(chars))[0] for c in text)
            self._known[text] = found
        return found

    def candidate(self, text: str, kind: Kind, count: int = 0) -> Candidate:
        """``text`` as a :class:`Candidate`."""
        folded = key(text)
        syllables = self.syllables(folded)
        starts, at = [], 0
        for syllable in syllables:
            starts.append(at)
            at += len(syllable)
        return Candidate(
            text=text, kind=kind, count=count, key=folded,
            initials="".join(s[0].lower() for s in syllables),
            spelled="".join(syllables).lower(), starts=frozenset(starts),
        )  # fmt: skip


class Completions:
    """Candidates, matched by :meth:`match` (see the module docstring).

    Args:
        candidates: Curated, hot and title candidates, in any order; a text that
            comes twice is offered once, as its first kind.
    """

    def __init__(self, candidates: Iterable[Candidate] = ()) -> None:
        chosen: dict[str, Candidate] = {}
        for candidate in sorted(candidates, key=lambda c: (c.kind, -c.count)):
            if candidate.key and candidate.key not in chosen:
                chosen[candidate.key] = candidate
        self.candidates = tuple(chosen.values())

    def __len__(self) -> int:
        return len(self.candidates)

    def match(self, typed: str, limit: int = LIMIT) -> list[Completion]:
        """Up to ``limit`` completions of ``typed`` (none under :data:`MIN_CHARS`
        characters or over :data:`MAX_CHARS`)."""
        folded = key(typed) if isinstance(typed, str) else ""
        if not MIN_CHARS <= len(folded) <= MAX_CHARS:
            return []
        by_pinyin = _LATIN.fullmatch(folded) is not None
        ranked: list[tuple[int, int, int, int, str]] = []
        for candidate in self.candidates:
            at = _position(candidate, folded, by_pinyin)
            if at >= 0:
                ranked.append(
                    (min(at, 1), candidate.kind, -candidate.count, len(candidate.text),
                     candidate.text)
                )  # fmt: skip
                if len(ranked) > 50 * limit:  # plenty to choose the best from
                    ranked.sort()
                    del ranked[limit:]
        ranked.sort()
        kinds = {c.text: c.kind for c in self.candidates}
        return [Completion(text, kinds[text].label) for *_, text in ranked[:limit]]


def _position(candidate: Candidate, folded: str, by_pinyin: bool) -> int:
    """Where ``folded`` matches in ``candidate`` (a character's index), or -1."""
    at = candidate.key.find(folded)
    if at >= 0 or not by_pinyin or not _HAN.search(candidate.key):
        return at
    at = candidate.initials.find(folded)
    if at >= 0:
        return at
    at = candidate.spelled.find(folded)
    while at >= 0:
        if at in candidate.starts:
            return sum(1 for s in candidate.starts if s < at)
        at = candidate.spelled.find(folded, at + 1)
    return -1
