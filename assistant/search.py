"""Hybrid retrieval: FAISS (dense) and BM25 (jieba tokens), fused by reciprocal rank.

One entry point, :class:`Searcher`::

    searcher = Searcher.open(Settings.from_env())
    hits = searcher.search("2018年知识产权专项经费是多少？", k=5)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .index import Index, open_index
from .models import Hit
from .settings import Settings
from .tokens import normalize_text

MODES = ("hybrid", "dense", "bm25")
CANDIDATES = 100
MAX_QUESTION_CHARS = 500


@dataclass(frozen=True)
class Filters:
    """Optional restrictions on what a search may return (empty = no restriction)."""

    doc_type: str = ""
    issuer: str = ""
    year: str = ""

    def __bool__(self) -> bool:
        return bool(self.doc_type or self.issuer or self.year)

    def allows(self, document: dict[str, Any]) -> bool:
        """Whether a document (a row of ``documents.jsonl``) passes the filters."""
        return (
            (not self.doc_type or document.get("doc_type") == self.doc_type)
            and (not self.issuer or self.issuer in document.get("issuer", ""))
            and (not self.year or document.get("issued_on", "").startswith(self.year))
        )


@dataclass(frozen=True)
class Ranked:
    """A search result before it is read from disk: chunk row and per-method scores."""

    row: int
    score: float
    dense: float | None
    bm25: float | None


class Searcher:
    """Searches one loaded index with the embedding model it was built with."""

    def __init__(self, index: Index, settings: Settings) -> None:
        from .embedding import load_embedder

        self.index = index
        self.settings = settings
        self.embedder = load_embedder(index.manifest["model"]["name"])
        # Repeated questions (UI retries, evaluation of several modes) embed once.
        self._query_vector = functools.lru_cache(maxsize=1024)(self._embed_query)

    @classmethod
    def open(cls, settings: Settings) -> Searcher:
        """Load the index at ``settings.index`` (see :func:`assistant.index.open_index`)."""
        return cls(open_index(settings), settings)

    def search(
        self,
        question: str,
        k: int | None = None,
        mode: str = "hybrid",
        filters: Filters | None = None,
    ) -> list[Hit]:
        """Return the ``k`` best passages for ``question``, best first.

        Args:
            question: A question in Chinese (normalized like the documents).
            k: How many passages (``settings.top_k`` by default).
            mode: ``hybrid`` (default), ``dense`` or ``bm25``.
            filters: Only passages of documents that pass them.

        Raises:
            ValueError: Empty or over-long question, or an unknown mode.
        """
        return [self.hit(r) for r in self.rank(question, k, mode, filters)]

    def hit(self, ranked: Ranked) -> Hit:
        """Read a ranked result's chunk from the index."""
        return Hit(self.index.chunk(ranked.row), ranked.score, ranked.dense, ranked.bm25)

    def rank(
        self,
        question: str,
        k: int | None = None,
        mode: str = "hybrid",
        filters: Filters | None = None,
    ) -> list[Ranked]:
        """Like :meth:`search`, without reading the chunks."""
        question = check_question(question)
        if mode not in MODES:
            raise ValueError(f"未知检索方式 unknown mode {mode!r}: {', '.join(MODES)}")
        k = k or self.settings.top_k
        mask = self._mask(filters) if filters else None
        if mask is not None and not mask.any():
            return []
        dense = self._dense(question, mask) if mode != "bm25" else {}
        bm25 = self._bm25(question, mask) if mode != "dense" else {}
        if mode == "dense":
            ranked = [Ranked(row, score, score, None) for row, score in dense.items()]
        elif mode == "bm25":
            ranked = [Ranked(row, score, None, score) for row, score in bm25.items()]
        else:
            ranked = self._fuse(dense, bm25)
        return sorted(ranked, key=lambda r: -r.score)[:k]

    def _fuse(self, dense: dict[int, float], bm25: dict[int, float]) -> list[Ranked]:
        """Weighted reciprocal-rank fusion of the two rankings."""
        s = self.settings
        fused: dict[int, float] = {}
        for weight, scores in ((s.dense_weight, dense), (s.bm25_weight, bm25)):
            for rank, row in enumerate(sorted(scores, key=lambda r: -scores[r])):
                fused[row] = fused.get(row, 0.0) + weight / (s.rrf_k + rank + 1)
        return [Ranked(row, score, dense.get(row), bm25.get(row)) for row, score in fused.items()]

    def _mask(self, filters: Filters) -> np.ndarray:
        allowed = np.array([filters.allows(d) for d in self.index.documents], dtype=bool)
        return allowed[self.index.chunk_docs]

    def _embed_query(self, question: str) -> np.ndarray:
        vector = self.embedder.encode_queries([question])
        vector.flags.writeable = False
        return vector

    def _dense(self, question: str, mask: np.ndarray | None) -> dict[int, float]:
        import faiss

        query = self._query_vector(question)
        n = min(CANDIDATES, len(self.index))
        params = None
        if mask is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.flatnonzero(mask)))
        scores, rows = self.index.dense.search(query, n, params=params)
        return {int(r): float(s) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0}

    def _bm25(self, question: str, mask: np.ndarray | None) -> dict[int, float]:
        vocab = self.index.bm25.vocab_dict
        tokens = [t for t in self.index.tokenizer(question) if t in vocab]
        if not tokens:
            return {}
        scores = self.index.bm25.get_scores(tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        n = min(CANDIDATES, len(scores))
        rows = np.argpartition(-scores, n - 1)[:n]
        return {int(r): float(scores[r]) for r in rows if scores[r] > 0}


def check_question(question: str) -> str:
    """Normalize a question; refuse empty and over-long ones with a clear message."""
    question = normalize_text(question or "")
    if not question:
        raise ValueError("问题为空 empty question：请输入要查询的问题。")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(
            f"问题过长 question too long（{len(question)} 字，上限 {MAX_QUESTION_CHARS} 字）："
            "请精简后再问。"
        )
    return question
