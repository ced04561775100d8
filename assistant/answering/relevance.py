"""Whether the passages found can answer a question: a calibrated model of answerability.

:class:`Relevance` reads a few general signals off the question and its best passages
(:class:`Signals`) — how close the best passage is (dense cosine), how much of the
question's content the best passages hold, and whether a place, an organisation, a year
or a term the question names is missing from them or from every document — and weighs
them by a logistic regression fitted with cross-validation on
answerable questions and realistic unanswerable ones (``bench/relevance.py``: every dev
set's questions on its own corpus, and each corpus's questions asked of the other
corpus). Its coefficients and threshold are data, ``relevance.json`` beside this file, with
what they were fitted on. A reading without
content terms (要带啥？ asked alone) is about nothing and answers nothing. Signals that depend
on the corpus's size (the share of terms no document holds, the best passage's lead over the
others) were tried and left out: fitted on two corpora, they flipped sign between them; so
was a noun of the question that no passage holds (口罩), which colloquial answerable
questions have as often (老婆, 手机: docs/understanding.md). A question that names an indexed
document (:mod:`.named`) is answerable from that document's passages.

The model is calibrated for the embedder it was fitted with (the bundled model): an index
built with another one (the ``hash`` embedder of the tests, a sentence-transformers
model) is judged by the plain rule, the best dense cosine against ``settings.min_score``
with the same place, organisation and term checks.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..chinese.dates import years_named
from ..settings import DEFAULT_MODEL
from ..tuning import TUNING
from ..types import Hit
from .question import Question, topic_terms

if TYPE_CHECKING:
    from ..index.stores import Store
    from .named import Named
    from .place import Coverage

MODEL_FILE = Path(__file__).with_name("relevance.json")
READ = TUNING.relevance_read  # the best passages whose text (and titles) the coverage signals read


@dataclass(frozen=True)
class Signals:
    """What the question and its best passages say about answerability (see the module).

    Attributes:
        dense: The best dense cosine among the passages that may answer for the places
            the question names.
        coverage: The share, weighted by rarity in the index (IDF), of the question's
            content terms that the best passages or their titles hold in some wording
            (0 for a question without any: 需要带什么材料？ asked alone is about nothing).
        place: 1 when it names a place that no passage found applies to.
        body: 1 when it names an organisation (教育局) that none of them names.
        year: 1 when it names a year (2027年) that none of them or their dates says.
        unmentioned: 1 when it names a term or service no document mentions
            (:meth:`.mentions.Mentions.unmentioned`).
    """

    dense: float
    coverage: float
    place: float
    body: float
    year: float
    unmentioned: float

    def vector(self) -> np.ndarray:
        return np.array(astuple(self), dtype=np.float64)


SIGNALS = tuple(f.name for f in fields(Signals))


@dataclass(frozen=True)
class Fitted:
    """A logistic regression over :class:`Signals`: ``p = σ(Σ w·(x − mean)/scale + bias)``."""

    weights: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, signals: Signals) -> float:
        x = (signals.vector() - np.array(self.means)) / np.array(self.scales)
        z = float(np.dot(np.array(self.weights), x) + self.bias)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> Fitted | None:
        if not path.is_file():
            return None
        data = json.loads(path.read_text("utf-8"))
        if tuple(data["signals"]) != SIGNALS:
            return None
        return cls(
            tuple(data["weights"]),
            tuple(data["means"]),
            tuple(data["scales"]),
            float(data["bias"]),
            float(data["threshold"]),
        )


@functools.cache
def fitted_model() -> Fitted | None:
    """The shipped model (``relevance.json``), or ``None`` when there is none."""
    return Fitted.load()


class Searched(Protocol):
    """What the judgement reads of a searcher (:class:`.search.Searcher`): its index, the
    places its documents apply to, the terms of a question no document mentions, the
    documents a question names, and the plain rule's threshold."""

    index: Store

    @property
    def places(self) -> Coverage: ...

    def unmentioned(self, question: str | Question) -> list[str]: ...

    def named(self, question: str | Question) -> Named: ...

    def min_score(self, question: str | Question) -> float: ...


class Relevance:
    """The answerability judgement of one searcher's index (see the module docstring)."""

    def __init__(self, searcher: Searched, model: Fitted | None = None) -> None:
        self.searcher = searcher
        index = searcher.index
        calibrated = index.manifest.model.name == DEFAULT_MODEL
        self.model = model or (fitted_model() if calibrated else None)
        self._frequency = functools.lru_cache(maxsize=8192)(self._document_frequency)

    def usable(self, readings: Question | Sequence[Question], hits: Sequence[Hit]) -> list[Hit]:
        """The passages of ``hits`` that may answer the question; empty when none can.

        Those of documents that apply to the places the question names, when the
        model (or, without one, the plain rule of :func:`.refusal.answerable` on the first
        reading) judges one of its ``readings`` (the question, and in a conversation the
        question glued to its topic) answerable from them.
        """
        from .refusal import answerable

        searcher = self.searcher
        readings = (readings,) if isinstance(readings, Question) else tuple(readings)
        query = readings[0]
        if self.model is None:
            return answerable(
                query.text,
                list(hits),
                searcher.min_score(query),
                searcher.places,
                searcher.unmentioned(query),
                searcher.index.vocabulary.wordings,
            )
        model = self.model
        if searcher.named(query).docs:  # its passages answer by being of the named document
            return self._applying(query, hits)
        for reading in readings:
            kept = self._applying(reading, hits)
            if not kept or not self._terms(reading):  # about nothing (要带啥？): no answer
                continue
            if model.probability(self.signals(reading, hits)) >= model.threshold:
                return kept
        return []

    def signals(self, query: Question, hits: Sequence[Hit]) -> Signals:
        """The :class:`Signals` of ``query`` and the passages found for it."""
        from .refusal import named_bodies

        searcher, text = self.searcher, query.text
        index = searcher.index
        places = searcher.places
        named = places.named(text)
        kept = self._applying(query, hits)
        best = max((h.dense for h in kept if h.dense is not None), default=0.0)
        read = kept[:READ]
        context = "".join(
            f"{h.chunk.source.title}{h.chunk.source.issuer}{h.chunk.source.issued_on}"
            f"{h.chunk.section}{h.chunk.text}"
            for h in read
        )
        wordings = index.vocabulary.wordings
        terms = self._terms(query)
        weights = [self._idf(t) for t in terms]
        total = sum(weights) or 1.0
        held = sum(w for t, w in zip(terms, weights, strict=True) if _said(t, context, wordings))
        bodies = [b for b in named_bodies(text) if not any(m.surface in b for m in named)]
        years = years_named(text)
        return Signals(
            dense=best,
            coverage=held / total if terms else 0.0,  # about nothing: nothing held
            place=float(bool(named) and (not kept or bool(places.uncovered(named)))),
            body=float(any(not _said(b, context, wordings) for b in bodies)),
            year=float(any(y not in context for y in years)),
            unmentioned=float(bool(searcher.unmentioned(query))),
        )

    def _terms(self, query: Question) -> list[str]:
        """The question's content terms, without those that say what kind of answer is
        asked (材料, 条件: :func:`.conversation.topic_terms`)."""
        return topic_terms(query.text, self.searcher.index.tokenizer)

    def _applying(self, query: Question, hits: Sequence[Hit]) -> list[Hit]:
        places = self.searcher.places
        named = places.named(query.text)
        return [h for h in hits if places.applies(h, named)] if named else list(hits)

    def _idf(self, term: str) -> float:
        n = len(self.searcher.index)
        return math.log((n + 1) / (self._frequency(term) + 1)) + 1.0

    def _document_frequency(self, term: str) -> int:
        """How many passages hold ``term`` or another wording of it (as BM25 tokens)."""
        index = self.searcher.index
        return max(int(h.sum()) for h in holding(index, term))


def holding(index: Store, term: str) -> list[np.ndarray]:
    """For ``term`` and each other wording of it, which passages of ``index`` hold it: all
    its BM25 tokens in one passage."""
    found = []
    for wording in index.vocabulary.wordings(term):
        held = np.ones(len(index), dtype=bool)
        for token in index.tokenizer.words(wording) or [wording]:
            held &= index.bm25_scores([token]) > 0
        found.append(held)
    return found


def _said(term: str, context: str, wordings: Callable[[str], list[str]]) -> bool:
    return any(w in context for w in wordings(term))
