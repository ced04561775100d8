"""The citizens' vocabulary of an index, and how it expands a question.

A :class:`Vocabulary` is collected by every build (:meth:`Vocabulary.collect`)
from the shipped lexicon, the corpus's ``synonyms.csv`` and the abbreviations
the documents define (see :mod:`assistant.index.lexicon`), with how often each
term occurs in the indexed text; the store saves it beside the chunks
(:meth:`Vocabulary.save`) and search reads it back (:meth:`Vocabulary.load`).

At search time it expands a question, never a document: :meth:`Vocabulary.expand`
finds the question's terms that the documents word otherwise (低保 → 最低生活保障,
长期护理保险 → 长护险; see :meth:`Vocabulary.expand`) and its numbers written the other way
(二十四个月 ↔ 24个月, 3个月 → 三个月). Search adds the equivalents' BM25 tokens,
down-weighted (``Settings.expansion_weight``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..chinese.numerals import COUNTING, to_chinese, to_number
from ..chinese.words import alternation, words
from ..tuning import TUNING
from .lexicon import Group, abbreviations, lexicon

FORMAT = 1
MAX_EQUIVALENTS = TUNING.max_equivalents  # per term of a question, the most frequent
# Numbers next to these units are matched in both writings (二十四个月 ↔ 24个月).
_UNIT = alternation(words("units", "spelled"), longest_first=True)
_CN_DIGITS = COUNTING
_CN_NUMBER = re.compile(rf"(?<![{_CN_DIGITS}])([{_CN_DIGITS}]+)({_UNIT})(?!性)")
_CN_PERCENT = re.compile(rf"百分之([{_CN_DIGITS}]+)")
_NUMBER = re.compile(rf"(?<![\d.%-])(\d{{1,2}})(?=({_UNIT})(?!性))")
_TWO_AS_LIANG = frozenset(words("units", "liang"))
_NOT_SPELLED = frozenset(words("units", "not_spelled"))  # 5月, 10日, 20元 stay digits


@dataclass(frozen=True)
class Expansion:
    """A term of a question and what else the documents call it.

    Attributes:
        term: The term as it is in the question.
        equivalents: The other wordings that occur in the documents, most frequent first.
    """

    term: str
    equivalents: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    """Groups of equivalent terms, and how often each term occurs in an index.

    Attributes:
        groups: The lexicon's and ``synonyms.csv``'s groups, as given.
        abbreviations: (short, full) forms the documents define.
        counts: Occurrences in the indexed text of each term that occurs.
        digest: The sha256 of ``groups``: a build whose groups differ writes a
            new generation (see :func:`digest`).
    """

    groups: tuple[Group, ...] = ()
    abbreviations: tuple[tuple[str, str], ...] = ()
    counts: dict[str, int] = field(default_factory=dict, hash=False)
    digest: str = ""

    @classmethod
    def collect(
        cls,
        synonyms: Sequence[Group],
        texts: Sequence[str],
        segment: Callable[[str], list[str]],
    ) -> Vocabulary:
        """The vocabulary of an index: lexicon + ``synonyms``, the abbreviations ``texts``
        define, and how often every term occurs in ``texts``.

        Args:
            synonyms: The corpus's own groups (``synonyms.csv``).
            texts: The indexed text: chunks and document titles.
            segment: Cuts a text into words (for the abbreviations' full forms).
        """
        groups = (*lexicon(), *synonyms)
        defined = tuple(abbreviations(texts, segment))
        terms = {t for g in groups for t in g} | {t for pair in defined for t in pair}
        joined = "\n".join(texts)
        counts = {t: n for t in sorted(terms) if (n := joined.count(t))}
        return cls(groups, defined, counts, digest(synonyms))

    def save(self, path: Path) -> None:
        """Write the vocabulary as one UTF-8 JSON file (:meth:`dumps`)."""
        path.write_text(self.dumps(), encoding="utf-8")

    def dumps(self) -> str:
        """The vocabulary as JSON text (a file store's file, a Milvus store's meta row)."""
        data = {
            "format": FORMAT,
            "digest": self.digest,
            "groups": [list(g) for g in self.groups],
            "abbreviations": [list(pair) for pair in self.abbreviations],
            "counts": self.counts,
        }
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        """Read a file written by :meth:`save`.

        Raises:
            ValueError: Not such a file, or of another format.
        """
        return cls.loads(path.read_text(encoding="utf-8"), str(path))

    @classmethod
    def loads(cls, text: str, where: str = "") -> Vocabulary:
        """A vocabulary from the text :meth:`dumps` makes; ``where`` names it in errors.

        Raises:
            ValueError: Not such a text, or of another format.
        """
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"不是词表文件 not a vocabulary file: {where}")
        return cls(
            tuple(tuple(g) for g in data["groups"]),
            tuple((s, f) for s, f in data["abbreviations"]),
            {str(t): int(n) for t, n in data["counts"].items()},
            str(data["digest"]),
        )

    def summary(self) -> dict[str, Any]:
        """What the manifest records: the digest and the sizes."""
        return {
            "sha256": self.digest,
            "groups": len(self.groups),
            "abbreviations": len(self.abbreviations),
        }

    def equivalents(self, term: str) -> tuple[str, ...]:
        """Every other wording of ``term`` the vocabulary knows, whether or not it occurs."""
        return tuple(self._equivalents.get(term, ()))

    def expand(self, question: str) -> list[Expansion]:
        """The question's terms that the documents also word otherwise, in order.

        A term is matched longest first (社保卡 before 社保). It expands to its
        group's first term, the documents' term (退休金 → 基本养老金), to the other
        form of an abbreviation the documents define (长护险 ↔ 长期护理保险), and to
        any other wording of its group that the documents use more often than the
        term itself (最低生活保障 → 低保 in documents that mostly say 低保): a formal
        term's colloquial variants the documents hardly use only add noise. Left
        out: equivalents that no document uses, that the question holds already,
        and those that hold the term (养老保险 → 基本养老保险 would only add 基本:
        any passage with the longer wording has the term already).
        """
        found = []
        if self._pattern is not None:
            for match in self._pattern.finditer(question):
                term = match.group()
                here = self.counts.get(term, 0)
                others = [
                    e
                    for e in self._equivalents[term]
                    if self.counts.get(e)
                    and e not in question
                    and term not in e
                    and (e in self._formal.get(term, ()) or self.counts[e] > here)
                ]
                others.sort(key=lambda e: -self.counts[e])
                if others:
                    found.append(Expansion(term, tuple(others[:MAX_EQUIVALENTS])))
        return found + numbers(question)

    def unmentioned(self, question: str, mentioned: Callable[[str], bool]) -> list[str]:
        """The question's terms whose topic the documents never mention, in order.

        A term of the vocabulary (结婚登记, 住房公积金贷款) is unmentioned when no
        wording of it occurs in the indexed text and ``mentioned`` says the documents
        lack some word of it (结婚 of 结婚登记): they are not about it at all. "办退休"
        is mentioned although no document says it: every word of it (退休) occurs.

        Args:
            question: The (normalized) question.
            mentioned: Whether the documents use every word of a term.
        """
        if self._pattern is None:
            return []
        found = []
        for match in self._pattern.finditer(question):
            term = match.group()
            if not self.used(term) and not mentioned(term):
                found.append(term)
        return found

    def used(self, term: str) -> bool:
        """Whether the documents use ``term`` or another wording of it (租房补贴: 住房租赁补贴)."""
        return any(self.counts.get(w) for w in (term, *self._equivalents.get(term, ())))

    def wordings(self, name: str) -> list[str]:
        """``name`` and its other wordings that the documents use: 官渡区市场监管局 →
        官渡区市场监督管理局 (each of its terms replaced by an equivalent, one at a time)."""
        return [name] + [
            name.replace(e.term, other) for e in self.expand(name)[:4] for other in e.equivalents
        ]

    def named(self, text: str) -> list[str]:
        """The vocabulary's wordings ``text`` says (a lexicon entry, an abbreviation: 低保,
        失业金, 长护险), longest first where two overlap."""
        return [m.group() for m in self._pattern.finditer(text)] if self._pattern else []

    def knows(self, term: str) -> bool:
        """Whether ``term`` is a wording of the vocabulary (a lexicon entry or an abbreviation)."""
        return term in self._equivalents

    @functools.cached_property
    def _equivalents(self) -> dict[str, dict[str, None]]:
        """term → its other wordings (an ordered set), from every group and abbreviation."""
        equivalents: dict[str, dict[str, None]] = {}
        for group in (*self.groups, *self.abbreviations):
            for term in group:
                others = equivalents.setdefault(term, {})
                others.update((other, None) for other in group if other != term)
        return equivalents

    @functools.cached_property
    def _formal(self) -> dict[str, set[str]]:
        """term → the wordings it always expands to: its group's first term (the
        documents' term) and, for an abbreviation, the other form."""
        formal: dict[str, set[str]] = {}
        for group in self.groups:
            for term in group[1:]:
                formal.setdefault(term, set()).add(group[0])
        for short, full in self.abbreviations:
            formal.setdefault(short, set()).add(full)
            formal.setdefault(full, set()).add(short)
        return formal

    @functools.cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        """Every term with an equivalent, longest first."""
        terms = sorted(self._equivalents, key=len, reverse=True)
        return re.compile("|".join(map(re.escape, terms))) if terms else None


def digest(synonyms: Sequence[Group]) -> str:
    """The sha256 of the groups a build gives the vocabulary: the lexicon and ``synonyms``."""
    groups = [list(g) for g in (*lexicon(), *synonyms)]
    return hashlib.sha256(json.dumps(groups, ensure_ascii=False).encode("utf-8")).hexdigest()


def numbers(question: str) -> list[Expansion]:
    """The question's counted numbers in the other writing: 二十四个月 ↔ 24个月, 百分之五 → 5%.

    Digits are spelled out up to 99 (documents write 三个月, 六十周岁, 十五个工作日),
    not before 月, 日 or an amount of money (5月, 10日, 20元 stay digits).
    """
    found = []
    for match in _CN_PERCENT.finditer(question):
        if (value := to_number(match.group(1))) is not None:
            found.append(Expansion(match.group(), (f"{value}%",)))
    for match in _CN_NUMBER.finditer(question):
        if (value := to_number(match.group(1))) is not None:
            found.append(Expansion(match.group(), (f"{value}{match.group(2)}",)))
    for match in _NUMBER.finditer(question):
        value, unit = int(match.group(1)), match.group(2)
        if 0 < value and unit not in _NOT_SPELLED:
            spelled = "两" if value == 2 and unit in _TWO_AS_LIANG else to_chinese(value)
            found.append(Expansion(match.group(1) + unit, (spelled + unit,)))
    return found
