"""Hybrid retrieval: FAISS (dense) and BM25 (jieba tokens), fused by their scores.

One entry point, :class:`Searcher`::

    searcher = Searcher.open(Settings.from_env())
    hits = searcher.search("2018年知识产权专项经费是多少？", k=5)

A passage's dense score mixes its own cosine with that of its best sentence unit
(parent/child retrieval, ``settings.unit_weight``; see :mod:`assistant.index.units`):
a question that matches one sentence of a long passage finds the passage, which
is what is cited and answered from.

Hybrid search takes the best ``CANDIDATES`` passages of each method, gives every
candidate both its dense and its BM25 score, turns each into z-scores
over the candidates and ranks by their weighted sum (``settings.fusion`` =
``zscore``). Unlike reciprocal-rank fusion (``rrf``), this keeps how far ahead a
passage is: a BM25 match far above the rest is not outvoted by a passage that the
dense ranking puts a few places higher.

A passage's BM25 score adds ``settings.title_weight`` times the BM25 score of its
document's title among all titles: the title counts once per document, the same
for every passage of it, rather than inside each passage where it would favour
the shortest ones (see :func:`assistant.tokens.keyword_text`). A title read from the
opening words of a file named by an id (a news page's headline) is not scored: its
words are its first passage's own (:func:`assistant.index.stores.titles.title_index`).

Citizens' words: BM25 also scores, at ``settings.expansion_weight``, the documents' other
wordings of the question's terms (低保 → 最低生活保障, 二十四个月 → 24个月; see
:mod:`assistant.index.vocabulary`).

Documents the question names (a 文号 in any written form, a title; :mod:`.named`): only
their passages are ranked, for the question without the names; a question that names only
文号 no document has finds nothing (the answer refuses it, listing the nearest indexed 文号).

The kind of answer asked for: a passage that holds what the question asks — an
amount for 多少钱, a share for 比例, a date for 哪天, a duration for 多久 (the
index's answer-type tokens, see :func:`assistant.index.tokens.asked_types`); the
words of an answer for a question without those — 材料, 身份证 for 带什么证件, 向…申请
for 去哪办, 失效 for 还有效吗 (:class:`.kinds.Asked`) — gets ``settings.answer_weight``
added to its fused score for each, so among passages on the topic the one that can
answer ranks first.

Procedures: a question of how, where, what materials, what conditions or how long raises
the passages of its topic's documents whose section headings say it (所需材料, 办理流程;
:mod:`.procedure`, ``settings.procedure_weight``), and :meth:`Searcher.search` returns a
passage of such a section as the whole section, its passages joined.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..index import Candidates, Filters, Request, Store, open_index, passage_text
from ..index.office_words import LiveWords
from ..settings import Settings
from ..tuning import TUNING
from ..types import Hit
from .fusion import fuse_scores
from .mentions import Mentions
from .named import Named, resolve
from .passages import with_neighbours
from .place import Coverage
from .procedure import whole_sections
from .question import Question
from .shifts import Shifts

if TYPE_CHECKING:
    from .homophones import Homophones
    from .relevance import Relevance

MODES = ("hybrid", "dense", "bm25")
CANDIDATES = TUNING.candidates
__all__ = ["CANDIDATES", "MODES", "Filters", "Ranked", "Searcher"]


@dataclass(frozen=True)
class Ranked:
    """A search result before it is read from disk: chunk row and per-method scores.

    Attributes:
        row: The chunk's row in the index.
        score: What results are ordered by (in hybrid mode, the fused score).
        dense: The dense score: cosine similarity to the question, mixed with
            the best sentence unit's (``None`` in ``bm25`` mode).
        bm25: BM25 score (``None`` in ``dense`` mode).
    """

    row: int
    score: float
    dense: float | None
    bm25: float | None


class Searcher:
    """Searches one loaded index with the embedding model it was built with."""

    def __init__(self, index: Store, settings: Settings) -> None:
        from ..index.embedders import load_embedder

        self.index = index
        self.settings = settings
        model = index.manifest.model
        self.embedder = load_embedder(model.name, model.backend, settings.threads)
        # Repeated questions (UI retries, evaluation of several modes) embed once.
        self._query_vector = functools.lru_cache(maxsize=1024)(self._embed_query)
        self._named = functools.lru_cache(maxsize=1024)(self._resolve)
        self.mentions = Mentions(index)
        self.shifts = Shifts(index, settings)
        self.words = LiveWords(settings.corpus)
        self.refresh_words()

    def refresh_words(self) -> None:
        """Expand questions with ``synonyms.csv`` as it is now, if it changed since the
        build or the last question (:class:`~assistant.index.office_words.LiveWords`)."""
        if self.words.apply(self.index):
            self.mentions = Mentions(self.index)  # its cache knows the former equivalents
            self.__dict__.pop("homophones", None)  # its words, the former vocabulary's

    @functools.cached_property
    def homophones(self) -> Homophones:
        """Slips of a pinyin input method, read as the index's words (:mod:`.homophones`)."""
        from .homophones import Homophones

        return Homophones(self.index, self.settings.slips == "on")

    @functools.cached_property
    def relevance(self) -> Relevance:
        """Whether the passages found can answer a question (:mod:`.relevance`)."""
        from .relevance import Relevance

        return Relevance(self)

    @property
    def places(self) -> Coverage:
        """The places of the index's documents (see :mod:`.place`)."""
        return self.shifts.places

    @classmethod
    def open(cls, settings: Settings) -> Searcher:
        """Open the index at ``settings.index`` (see :func:`assistant.index.open_index`)."""
        return cls(open_index(settings), settings)

    def search(
        self,
        question: str | Question,
        k: int | None = None,
        mode: str = "hybrid",
        filters: Filters | None = None,
        *,
        place: bool = True,
    ) -> list[Hit]:
        """Return the ``k`` best passages for ``question``, best first.

        Args:
            question: A question in Chinese; a plain string is checked and
                normalized here (see :class:`Question`).
            k: How many passages (``settings.top_k`` by default).
            mode: ``hybrid`` (default), ``dense`` or ``bm25``.
            filters: Only passages of documents that pass them.
            place: Prefer the documents that apply to the places the question
                names (:meth:`Coverage.shifts`); ``False`` ranks as if it named none.

        Raises:
            ValueError: Empty or over-long question, or an unknown mode.
        """
        self.refresh_words()
        k = k or self.settings.top_k
        return self.passages(question, self.rank(question, 2 * k, mode, filters, place=place), k)

    def passages(self, question: str | Question, ranked: list[Ranked], k: int) -> list[Hit]:
        """The ``k`` best passages of ``ranked`` (best first, ``2 k`` of them) as a reader
        gets them: for 要带什么材料, a passage of a section headed 所需材料 as the whole
        section (:func:`.procedure.whole_sections`); two consecutive passages of a document
        as one (:func:`.passages.with_neighbours`)."""
        hits = [self.hit(r) for r in ranked]
        asked = Question.parse(question).aspects
        if asked and self.settings.procedure_weight:
            hits = whole_sections(self.index, hits, asked)
        return with_neighbours(hits, self.settings.joined_chars)[:k]

    def unmentioned(self, question: str | Question) -> list[str]:
        """The question's terms and services that no document covers: 结婚登记, 高温补贴,
        工伤认定 (see :meth:`.mentions.Mentions.unmentioned`)."""
        return self.mentions.unmentioned(Question.parse(question).text)

    def named(self, question: str | Question) -> Named:
        """The indexed documents ``question`` names by 文号 or title, and the 文号 it names
        that none has (see :mod:`.named`; resolved once per question)."""
        return self._named(Question.parse(question).text)

    def min_score(self, question: str | Question) -> float:
        """The dense similarity a passage needs to answer ``question``: ``settings.min_score``,
        or none for a question that names its document (its passages answer by being named)."""
        return -1.0 if self.named(question).docs else self.settings.min_score

    def _resolve(self, question: str) -> Named:
        return resolve(question, self.index.documents)

    def query_vector(self, question: str | Question) -> np.ndarray:
        """The question's embedding (one row), as search uses it (cached)."""
        return self._query_vector(Question.parse(question).text)

    def hit(self, ranked: Ranked) -> Hit:
        """Read a ranked result's chunk from the index, cited with its document's
        source as the index knows it now (repealed by a document indexed later)."""
        chunk = self.index.chunk(ranked.row)
        source = self.index.documents[int(self.index.chunk_docs[ranked.row])].source
        if chunk.source != source:
            chunk = replace(chunk, source=source)
        return Hit(chunk, ranked.score, ranked.dense, ranked.bm25, ranked.row)

    def sentence_cosines(
        self, question: str | Question, sentences: Sequence[tuple[Hit, int, int]]
    ) -> np.ndarray:
        """The cosine of ``question`` to each sentence (a hit and a span of its text),
        embedded with its passage's title and section path.

        The vectors stored with the index at build time are looked up
        (:mod:`assistant.index.sentence_vectors`), a joined passage's in the passage of
        the index each sentence lies in (:attr:`~assistant.types.Hit.parts`); a sentence
        without one — across two joined passages, an index built before they were
        stored, a hit from elsewhere — is embedded here (in its own passage's context).
        """
        query = self.query_vector(question)[0]
        stored = [_stored_span(hit, start, end) for hit, start, end in sentences]
        known: dict[tuple[int, int, int], float] = {}
        for row in {key[0] for key in stored if key is not None}:
            if (vectors := self.index.sentence_vectors(row)) is not None:
                spans, unit = vectors
                said = zip(spans.tolist(), (np.asarray(unit) @ query).tolist(), strict=True)
                known.update(((row, start, end), cosine) for (start, end), cosine in said)
        cosines = np.array(
            [np.nan if key is None else known.get(key, np.nan) for key in stored],
            dtype=np.float32,
        )
        if (missing := np.flatnonzero(np.isnan(cosines))).size:
            texts = [self._embedded_text(sentences[i], stored[i]) for i in missing]
            cosines[missing] = self.embedder.encode_passages(texts) @ query
        return cosines

    def _embedded_text(
        self, sentence: tuple[Hit, int, int], own: tuple[int, int, int] | None
    ) -> str:
        """What a sentence's stored vector is (or would be) the embedding of: the sentence
        with its own passage's title and section path (a joined passage's part's)."""
        hit, start, end = sentence
        if own is None or hit.row is not None:
            return passage_text(hit.chunk, hit.chunk.text[start:end])
        row, start, end = own
        chunk = self.index.chunk(row)
        return passage_text(chunk, chunk.text[start:end])

    def rank(
        self,
        question: str | Question,
        k: int | None = None,
        mode: str = "hybrid",
        filters: Filters | None = None,
        *,
        place: bool = True,
    ) -> list[Ranked]:
        """Like :meth:`search`, without reading the chunks."""
        question = Question.parse(question).text
        if mode not in MODES:
            raise ValueError(f"未知检索方式 unknown mode {mode!r}: {', '.join(MODES)}")
        k = k or self.settings.top_k
        named = self.named(question)
        if named.refused:  # it names only 文号 no document has
            return []
        if named.docs:  # the documents it names, for the rest of the question
            filters, question = (filters or Filters()).within(named.docs), named.rest
        found = self.index.search(self._request(question, mode, filters or Filters()))
        rows = found.rows.tolist()
        if mode == "dense":
            dense = self._dense_scores(found)
            ranked = [Ranked(row, d, d, None) for row, d in zip(rows, dense.tolist(), strict=True)]
        elif mode == "bm25":
            bm25 = found.bm25.tolist()
            ranked = [Ranked(row, b, None, b) for row, b in zip(rows, bm25, strict=True)]
        else:
            ranked = self._hybrid(question, found)
        if ranked:  # small moves after fusion, by what the question says (see .shifts)
            rows = [r.row for r in ranked]
            scores = np.array([r.score for r in ranked])
            if place and self.settings.place_shift:
                scores = self.shifts.by_place(question, rows, scores)
            if self.settings.age_shift:
                scores = self.shifts.by_age(question, rows, scores)
            scores = self.shifts.by_procedure(question, rows, scores)
            if self.settings.outdated_penalty:
                scores = self.shifts.by_validity(rows, scores)
            shifted = [float(s) for s in scores]
            # the same order as sorting the shifted results; only the k kept are made
            top = sorted(range(len(ranked)), key=lambda i: -shifted[i])[:k]
            return [replace(ranked[i], score=shifted[i]) for i in top]
        return sorted(ranked, key=lambda r: -r.score)[:k]

    def _request(self, question: str, mode: str, filters: Filters) -> Request:
        """What the store is asked for ``question``: its vector (not in ``bm25`` mode),
        its BM25 terms (not in ``dense`` mode), the filters, :data:`CANDIDATES` of each.

        The question's tokens count fully, those of the documents' other wordings of
        its terms (:meth:`~assistant.index.vocabulary.Vocabulary.expand`) by
        ``settings.expansion_weight`` (as extra dense query variants they did not help).
        """
        s = self.settings
        vector = self._query_vector(question) if mode != "bm25" else None
        terms: tuple[str, ...] | None = None
        extra: list[str] = []
        if mode != "dense":
            tokenizer = self.index.tokenizer
            tokens = tokenizer.query(question, normalized=True)
            extra = [
                token
                for expansion in self.index.vocabulary.expand(question)
                for term in expansion.equivalents
                for token in tokenizer.words(term)
                if token not in tokens
            ]
            terms = tuple(tokens)
        return Request(
            vector,
            terms,
            tuple(dict.fromkeys(extra)),
            s.expansion_weight,
            s.title_weight,
            units=bool(s.unit_weight),
            filters=filters,
            k=CANDIDATES,
        )

    def _hybrid(self, question: str, found: Candidates) -> list[Ranked]:
        """Both methods' candidates, each with its cosine and its BM25 score, fused."""
        if not len(found):
            return []
        rows = found.rows.tolist()
        cosines = np.asarray(self._dense_scores(found), dtype=np.float64)
        keywords = np.asarray(found.bm25, dtype=np.float64)
        s = self.settings
        columns = [(cosines, s.dense_weight), (keywords, s.bm25_weight)]
        fused = fuse_scores(columns, s.fusion, s.rrf_k)
        if s.answer_weight:
            fused = fused + s.answer_weight * self.shifts.answering(question, rows)
        return [
            Ranked(row, float(f), float(c), float(b))
            for row, f, c, b in zip(rows, fused, cosines, keywords, strict=True)
        ]

    def _dense_scores(self, found: Candidates) -> np.ndarray:
        """Each candidate's cosine, mixed with its best sentence unit's.

        ``(1 - unit_weight) × chunk cosine + unit_weight × best unit cosine``: a
        passage is found by its best sentence, and its whole text still counts.
        """
        weight = self.settings.unit_weight
        if not weight:
            return found.cosines
        return (1 - weight) * found.cosines + weight * found.units

    def _embed_query(self, question: str) -> np.ndarray:
        vector = self.embedder.encode_queries([question])
        vector.flags.writeable = False
        return vector


def _stored_span(hit: Hit, start: int, end: int) -> tuple[int, int, int] | None:
    """The row of the index's passage that holds ``[start, end)`` of ``hit``'s text and
    the span in that passage's text (``None``: in none, or across two)."""
    for part in hit.pieces:
        if part.start <= start and end <= part.end:
            return part.row, start - part.start, end - part.start
    return None
