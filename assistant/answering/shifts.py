"""What a question says, beyond its topic, moves the ranking of its candidate passages.

:class:`Shifts` holds what the moves read from one index (the answer-type tokens,
the documents' places and validity) and moves the candidates' scores:

- :meth:`~Shifts.answering`: a passage that holds the kind of answer asked for gains
  ``settings.answer_weight`` in hybrid fusion, for each thing asked (see
  :mod:`.search`);
- :meth:`~Shifts.by_place`: the places the question names (:meth:`.place.Coverage.shifts`);
- :meth:`~Shifts.by_age`: the age it gives (我妈70了) against the passages' age brackets;
- :meth:`~Shifts.by_procedure`: the procedure it asks for (要带什么材料) against the passages'
  section headings (所需材料; :mod:`.procedure`);
- :meth:`~Shifts.by_validity`: expired and repealed documents go down
  (``settings.outdated_penalty``).

The last four move scores by a number of standard deviations of the candidates'
scores, so they weigh the same whatever the fusion's scale.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np

from ..documents.validity import successors
from ..index import Store
from ..settings import Settings
from ..tuning import TUNING
from ..types import Validity
from .ages import age_fit
from .place import Coverage
from .procedure import document_headings, section_fit
from .question import Question

AGE_DOCS = TUNING.age_docs  # only the documents of the best passages gain: the question's topic
PROCEDURE_DOCS = TUNING.procedure_docs  # the procedure sections of the best document


class Shifts:
    """The moves of one index's candidates by what a question says."""

    def __init__(self, index: Store, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self._holding = functools.lru_cache(maxsize=64)(self._chunks_holding)
        self._outdated = functools.lru_cache(maxsize=2)(self._outdated_documents)
        self._successors = successors(index.documents)

    @functools.cached_property
    def places(self) -> Coverage:
        """The places of the index's documents (see :mod:`.place`)."""
        return Coverage(self.index.documents)

    def answering(self, question: str | Question, rows: list[int]) -> np.ndarray:
        """How many of the things ``question`` asks for each of ``rows`` holds: one of
        the answer types it asks for (多少钱 → #元, from the index's type tokens), and
        the words of a sentence that answers it (:attr:`.kinds.Asked.cue`: 证件 or
        身份证 for 带什么证件, 失效 or 有效期 for 还有效吗). 到哪天失效 asks for both."""
        holding = np.zeros(len(rows))
        question = Question.of(question)
        types = frozenset(question.types)
        if types:
            holding += self._holding(types)[rows]
        cue = question.asked.cue
        if cue is not None:
            texts = (self.index.chunk(row).text for row in rows)
            holding += np.array([bool(cue.search(text)) for text in texts])
        return holding

    def by_place(
        self, question: str | Question, rows: list[int], scores: np.ndarray
    ) -> np.ndarray:
        """``scores`` moved by the places ``question`` names (:meth:`.place.Coverage.shifts`)."""
        docs = [int(self.index.chunk_docs[r]) for r in rows]
        shifts = self.places.shifts(Question.of(question).text, docs)
        if shifts is None:
            return scores
        scale = self.settings.place_shift * float(np.std(scores))
        return scores + np.asarray(shifts, dtype=np.float64) * scale

    def by_age(self, question: str | Question, rows: list[int], scores: np.ndarray) -> np.ndarray:
        """``scores`` with the passages whose age brackets hold the age ``question`` gives
        (我今年刚满40 → 满35周岁至未满45周岁) raised — within the documents of the
        :data:`AGE_DOCS` best passages —, and those whose brackets all leave it out
        lowered, by ``settings.age_shift`` standard deviations (:func:`.ages.age_fit`)."""
        age = Question.of(question).age
        if age is None or len(rows) < 2:
            return scores
        docs = self.index.chunk_docs[rows]
        top = set(docs[np.argsort(-scores, kind="stable")[:AGE_DOCS]].tolist())
        fits = np.array([age_fit(age, self.index.chunk(row).text) for row in rows])
        fits[(fits > 0) & ~np.isin(docs, list(top))] = 0.0  # another topic's bracket
        return scores + self.settings.age_shift * float(np.std(scores)) * fits

    def by_procedure(
        self, question: str | Question, rows: list[int], scores: np.ndarray
    ) -> np.ndarray:
        """``scores`` with the passages whose section headings say what of a procedure
        ``question`` asks (要带什么材料 → 五、所需材料; :func:`.procedure.section_fit`) raised
        by ``procedure_weight`` standard deviations — within the :data:`PROCEDURE_DOCS`
        best documents, the question's topic (another document's 所需材料 is not its)."""
        asked = Question.of(question).aspects
        weight = self.settings.procedure_weight
        if not asked or not weight or len(rows) < 2:
            return scores
        docs = self.index.chunk_docs[rows]
        ranked = docs[np.argsort(-scores, kind="stable")].tolist()
        top = {
            doc: document_headings(self.index, self.index.documents[doc].path)
            for doc in list(dict.fromkeys(ranked))[:PROCEDURE_DOCS]
        }
        fits = np.array(
            [
                section_fit(asked, self.index.chunk(row).section_path, top[doc])
                if doc in top
                else 0.0
                for row, doc in zip(rows, docs.tolist(), strict=True)
            ]
        )
        return scores + weight * float(np.std(scores)) * fits

    def by_validity(self, rows: list[int], scores: np.ndarray) -> np.ndarray:
        """``scores`` with the passages of expired or repealed documents lowered by
        ``outdated_penalty`` standard deviations; and a repealed document's below the
        best of the document that repealed it."""
        docs = self.index.chunk_docs[rows].astype(int)
        lowered = self._outdated(dt.date.today())[docs]
        if not lowered.any() or len(rows) < 2:
            return scores
        scores = scores - self.settings.outdated_penalty * float(np.std(scores)) * lowered
        best: dict[int, float] = {}
        for score, doc in zip(scores.tolist(), docs.tolist(), strict=True):
            best[doc] = max(best.get(doc, -np.inf), score)
        return np.array(
            [
                min(score, best[self._successors[doc]] - 1e-6)
                if self._successors.get(doc) in best
                else score
                for score, doc in zip(scores.tolist(), docs.tolist(), strict=True)
            ]
        )

    def _chunks_holding(self, asked: frozenset[str]) -> np.ndarray:
        """Whether each chunk holds one of the answer types ``asked`` (#元, #日期 …)."""
        holds = np.zeros(len(self.index.chunk_docs), dtype=bool)
        for token in asked:  # a chunk holds a type when its BM25 score for the type's token is > 0
            holds |= self.index.bm25_scores([token]) > 0
        holds.flags.writeable = False
        return holds

    def _outdated_documents(self, today: dt.date) -> np.ndarray:
        """Whether each document is expired or repealed on ``today``."""
        done = (Validity.EXPIRED, Validity.REPEALED)
        return np.array([d.source.validity(today) in done for d in self.index.documents])
