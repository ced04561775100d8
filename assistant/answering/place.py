"""Place in answering: the places a question names, and which documents apply there.

A document applies to a place when its jurisdiction (``Source.jurisdiction``) is
that place or inside it, or a place above it (a 广东省 policy applies in 广州市, a
national one everywhere); a sibling's does not (深圳市's rules are not 广州市's).
For a city or province that no document covers (none is of it or inside it: 深圳
in a corpus of 广州 and 广东省 documents), only national documents apply: a
province's documents are not taken for a city's own rules. A passage also applies
when it, its title or its issuer names the place.

:class:`Coverage` holds the places of an index's documents. :meth:`Coverage.shifts`
is the ranking signal: for a question that names a place, the passages of another
place's documents lose, and the place's own documents gain a little (a document's
place may be a guess from its text, so none is dropped). :meth:`Coverage.applies`
tells the answer stage which passages may answer,
and :meth:`Coverage.uncovered` which named places no document covers, for the
refusal's reason (已收录的文件没有深圳市的相关规定（收录范围：…）).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ..documents.places import COUNTRY, Mention, Place, gazetteer
from ..tuning import TUNING
from ..types import DocumentInfo, Hit

# How much a passage of the named place's own documents gains, and one of a document
# that does not apply loses, in standard deviations of the candidates' scores: enough to
# turn near ties (the same policy in two provinces, or in a 区 and its 市), not enough to
# bury a passage far ahead of the rest (a document whose place is only a guess).
OWN_PLACE_BONUS = TUNING.own_place_bonus
OTHER_PLACE_PENALTY = TUNING.other_place_penalty
SCOPE_SHOWN = 8  # places listed in a refusal's 收录范围


class Coverage:
    """The places an index's documents apply to.

    Args:
        documents: The index's documents, in row order.
    """

    def __init__(self, documents: Sequence[DocumentInfo]) -> None:
        self.places = [place_of(d.source.jurisdiction) for d in documents]
        counts = Counter(p for p in self.places if p is not None)
        # The places covered, most documents first: 广州市, 广州市天河区, 上海市普陀区 …
        self.covered = tuple(sorted(counts, key=lambda p: (-counts[p], p.code)))
        self._local = tuple(p for p in self.covered if p.level >= 2)
        self._counties = tuple(p for p in self.covered if p.level == 3)

    def named(self, question: str) -> tuple[Mention, ...]:
        """The places ``question`` names, the most specific of each line (成都 for 四川/成都).

        A county's short name counts when the county is covered (天河 when a document
        is of 天河区: 白云山 is not 白云区). A name of several places (普陀区) keeps
        those that fit the other names of the question, else those the index
        covers, else all.
        """
        mentions = gazetteer().find(question, self._counties)
        narrowed = []
        for m in mentions:
            others = [p for o in mentions if o is not m for p in o.places]
            fitting = [p for p in m.places if any(p.related(o) for o in others)]
            covered = [p for p in m.places if any(p.related(c) for c in self._local)]
            narrowed.append(replace(m, places=tuple(fitting or covered or m.places)))
        return tuple(
            m
            for m in narrowed
            if not any(
                o is not m and o.places[0] != m.places[0] and m.places[0].contains(o.places[0])
                for o in narrowed
            )
        )

    def applies(self, hit: Hit, named: Sequence[Mention]) -> bool:
        """Whether the passage ``hit`` may answer for the places ``named``.

        Its document applies to one of them (:meth:`applies_in`), or the passage,
        its title or its issuer names one of them.
        """
        source = hit.chunk.source
        place = place_of(source.jurisdiction)
        if place is not None and self.applies_in(place, named):
            return True
        text = f"{source.title}{source.issuer}{hit.chunk.text}"
        return any(m.surface in text or m.places[0].name in text for m in named)

    def applies_in(self, place: Place, named: Sequence[Mention]) -> bool:
        """Whether a document of ``place`` applies to one of the places ``named``.

        It does when it is of the named place or inside it, or above it — for a
        place that no document covers, only when it is national.
        """
        return any(
            asked.contains(place)
            or (place.contains(asked) and (place == COUNTRY or self.covers(asked)))
            for m in named
            for asked in m.places
        )

    def covers(self, place: Place) -> bool:
        """Whether some document is of ``place`` or of a place inside it.

        A county counts as covered when its city is: a district follows its city's
        rules (番禺区 in a corpus of 广州市 documents).
        """
        unit = gazetteer().parent(place) if place.level == 3 else place
        return any(unit.contains(c) for c in self.covered)

    def shifts(self, question: str, documents: Sequence[int]) -> np.ndarray | None:
        """How far each candidate's score moves for the places ``question`` names.

        In standard deviations of the candidates' scores: passages of documents of
        another place (neither the named place, nor above it, nor inside it) lose
        :data:`OTHER_PLACE_PENALTY`, those of the named place's own documents gain
        :data:`OWN_PLACE_BONUS`; those of documents of unknown place stay. ``None``
        without a named place, or when no document's place is known.

        Args:
            question: The question (normalized).
            documents: The document row of each candidate.
        """
        named = self.named(question) if self.covered and len(documents) else ()
        if not named:
            return None
        asked = {p for m in named for p in m.places}
        shifts = np.zeros(len(documents))
        for i, row in enumerate(documents):
            place = self.places[int(row)]
            if place is None:
                continue
            if place in asked:
                shifts[i] = OWN_PLACE_BONUS
            elif not any(place.related(p) for p in asked):
                shifts[i] = -OTHER_PLACE_PENALTY
        return shifts

    def uncovered(self, named: Sequence[Mention]) -> list[Place]:
        """The named places that no document covers (see :meth:`covers`)."""
        return [m.places[0] for m in named if not any(self.covers(p) for p in m.places)]

    def scope(self) -> str:
        """The places covered, for people: 广州市、广州市天河区、上海市普陀区…"""
        labels = [p.label for p in self.covered]
        shown = "、".join(labels[:SCOPE_SHOWN])
        return shown + (f"等 {len(labels)} 处" if len(labels) > SCOPE_SHOWN else "")


@functools.lru_cache(maxsize=4096)
def place_of(jurisdiction: str) -> Place | None:
    """The place of a stored jurisdiction (广东省广州市 → 广州市), ``None`` when unknown."""
    return gazetteer().resolve(jurisdiction) if jurisdiction else None


def place_label(jurisdiction: str) -> str:
    """A stored jurisdiction as shown: 广东省广州市天河区 → 广州市天河区 (others as written)."""
    place = place_of(jurisdiction)
    return place.label if place else jurisdiction


def place_reason(missing: Sequence[Place], coverage: Coverage) -> str:
    """已收录的文件没有深圳市的相关规定（收录范围：广州市、…）."""
    names = "、".join(p.label for p in missing)
    scope = coverage.scope()
    return f"已收录的文件没有{names}的相关规定" + (f"（收录范围：{scope}）" if scope else "")
