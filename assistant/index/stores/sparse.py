"""BM25 as sparse vectors: bm25s's weights of each chunk's tokens and of its title's.

An engine that searches sparse vectors by inner product then scores a query exactly as
the file store does (see :mod:`.milvus`): a chunk's vector holds the BM25 weight of each
of its tokens and, in dimensions after those, of its document title's tokens; a query's
holds 1 for each of its tokens (the expansion weight for expansion tokens) and the title
weight times that in the title dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Contents
from .titles import first_rows, title_index


@dataclass(frozen=True)
class Bm25Weights:
    """The BM25 weights of every chunk's tokens and of its document title's tokens.

    Attributes:
        vocab: The chunks' token → dimension.
        titles: The titles' token → dimension (after the chunks' dimensions).
        chunks: The chunks' BM25 weights, as bm25s computes them, by chunk.
        title_rows: The titles' BM25 weights, by document.
    """

    vocab: dict[str, int]
    titles: dict[str, int]
    chunks: ByRow
    title_rows: ByRow

    @classmethod
    def of(cls, contents: Contents) -> Bm25Weights:
        """The weights bm25s gives ``contents``'s tokens and its documents' titles."""
        import bm25s

        from ..tokens import Tokenizer

        tokens = contents.tokens
        bm25 = bm25s.BM25()
        vocab = {t: i for i, t in enumerate(tokens.vocab)}
        bm25.index((tokens.id_lists(), vocab), show_progress=False)
        doc_row = {d.path: i for i, d in enumerate(contents.documents)}
        chunk_docs = np.asarray([doc_row[c.doc] for c in contents.chunks], dtype=np.int64)
        starts = first_rows(chunk_docs, len(contents.documents))
        openings = [contents.chunks[r].text if r >= 0 else "" for r in starts]
        titles = title_index(Tokenizer(contents.words), contents.documents, openings)

        offset = len(bm25.vocab_dict)
        title_dims = {t: offset + i for t, i in titles.vocab_dict.items()}
        chunks, title_rows = ByRow.of(bm25.scores), ByRow.of(titles.scores, offset)
        return cls(dict(bm25.vocab_dict), title_dims, chunks, title_rows)

    def vector(self, row: int, doc: int) -> dict[int, float]:
        """Chunk ``row``'s sparse vector: its tokens' weights, its title's after them."""
        vector = {**self.chunks.row(row), **self.title_rows.row(doc)}
        return {k: v for k, v in vector.items() if v} or {0: 0.0}


@dataclass(frozen=True)
class ByRow:
    """bm25s's weights (stored by token) regrouped by document: row ``i``'s dimensions are
    ``dims[starts[i]:starts[i + 1]]``, their weights ``weights[…]`` likewise."""

    dims: np.ndarray
    weights: np.ndarray
    starts: np.ndarray

    @classmethod
    def of(cls, scores: dict[str, Any], offset: int = 0) -> ByRow:
        """From bm25s's ``scores`` (CSC: ``indptr`` by token, ``indices`` = rows); the
        dimensions numbered from ``offset``."""
        per_token = np.diff(scores["indptr"])
        dims = np.repeat(np.arange(len(per_token)), per_token) + offset
        order = np.argsort(scores["indices"], kind="stable")
        rows = np.asarray(scores["indices"])[order]
        starts = np.searchsorted(rows, np.arange(scores["num_docs"] + 1))
        return cls(dims[order], np.asarray(scores["data"])[order], starts)

    def row(self, i: int) -> dict[int, float]:
        """Row ``i``'s dimension → weight."""
        a, b = self.starts[i], self.starts[i + 1]
        return dict(zip(self.dims[a:b].tolist(), self.weights[a:b].tolist(), strict=True))
