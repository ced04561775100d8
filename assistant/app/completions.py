"""智能提示: completions of a half-typed question, by its characters or its pinyin.

A :class:`Completions` holds the candidates (curated questions, the hot questions of the
log, document titles), each with its pinyin worked out once (``pypinyin``), and matches a
typed text against all of them in one pass:

- typed Chinese (or mixed) text matches a candidate that contains it, spaces and
  punctuation aside (``低保标准`` → 广州市低保标准是多少), better at the start;
- typed Latin letters match the pinyin initials (``dbbz`` → 低保标准) or the full pinyin
  from a syllable's start (``dibao`` → 低保).

The best :data:`LIMIT` are returned: a match at the candidate's start first, then by kind
(curated, hot, title), then by how often it was asked.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum

from ..records.grouping import key

LIMIT = 8
MIN_CHARS = 2  # typed characters before anything is offered
MAX_CHARS = 60  # a longer text is not a question being typed
_LATIN = re.compile(r"[a-z]+")


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

    def keep(self, texts: Iterable[str]) -> None:
        """Forget the pinyin of texts no longer offered (the log's questions change)."""
        kept = {key(t) for t in texts}
        self._known = {t: s for t, s in self._known.items() if t in kept}

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

    Each way of matching searches one string of all the candidates' keys (or initials, or
    pinyin) run together, so a keystroke costs a few ``str.find`` over them, not a loop
    over every candidate.

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
        self._keys = _Haystack([c.key for c in self.candidates])
        self._initials = _Haystack([c.initials for c in self.candidates])
        self._spelled = _Haystack([c.spelled for c in self.candidates])

    def __len__(self) -> int:
        return len(self.candidates)

    def match(self, typed: str, limit: int = LIMIT) -> list[Completion]:
        """Up to ``limit`` completions of ``typed`` (none under :data:`MIN_CHARS`
        characters or over :data:`MAX_CHARS`)."""
        folded = key(typed) if isinstance(typed, str) else ""
        if not MIN_CHARS <= len(folded) <= MAX_CHARS:
            return []
        at: dict[int, int] = {}  # candidate → where it matches (a character's index)
        for n, where in self._keys.hits(folded):
            at.setdefault(n, where)
        if _LATIN.fullmatch(folded):
            for n, where in self._initials.hits(folded):
                at.setdefault(n, where)
            for n, where in self._spelled.hits(folded):
                starts = self.candidates[n].starts
                if n not in at and where in starts:  # from a syllable's start only
                    at[n] = sum(1 for s in starts if s < where)
        best = heapq.nsmallest(limit, at, key=lambda n: (min(at[n], 1), n))
        return [Completion(self.candidates[n].text, self.candidates[n].kind.label) for n in best]


class _Haystack:
    """Strings run together (a newline between them), searched at once."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.text = "\n".join(texts)
        self.starts: list[int] = []
        at = 0
        for text in texts:
            self.starts.append(at)
            at += len(text) + 1

    def hits(self, needle: str) -> Iterator[tuple[int, int]]:
        """(the string's number, where in it) of every occurrence of ``needle``."""
        at = self.text.find(needle)
        while at >= 0:
            n = bisect.bisect_right(self.starts, at) - 1
            yield n, at - self.starts[n]
            at = self.text.find(needle, at + 1)
