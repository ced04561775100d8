"""Sentence units: the small pieces a passage is found by (parent/child retrieval).

Every chunk (the parent: what is cited and answered from) is split into units of
one or a few sentences (:func:`assistant.documents.sentences.units`), each embedded
with its document's title and section path as context, like the chunk itself. A
chunk's dense score mixes its own cosine with its best unit's (see
:mod:`assistant.answering.search`), so a question that matches one sentence of a
long passage finds the passage.

A chunk of a single unit is its own unit: it takes the chunk's vector and costs
no embedding. The units of a chunk are consecutive rows, in chunk order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..documents.sentences import units
from ..types import Chunk


def passage_text(chunk: Chunk, text: str | None = None) -> str:
    """What is embedded for a chunk, or for ``text`` of it: title and section give context.

    BM25 indexes :func:`assistant.index.tokens.keyword_text` instead (no title).
    """
    body = chunk.text if text is None else text
    return "\n".join(x for x in (chunk.source.title, chunk.section, body) if x)


def unit_texts(chunk: Chunk, min_chars: int) -> list[str]:
    """The embedding texts of ``chunk``'s units; none when it is a single unit."""
    spans = units(chunk.text, min_chars)
    if len(spans) < 2:
        return []
    return [passage_text(chunk, chunk.text[start:end]) for start, end in spans]


@dataclass(frozen=True)
class Units:
    """The unit vectors of an index and the chunk row each belongs to.

    Attributes:
        vectors: float32, L2-normalized, one row per unit.
        chunks: int32, the chunk row of each unit, non-decreasing; every chunk
            has at least one unit.
    """

    vectors: np.ndarray
    chunks: np.ndarray

    @classmethod
    def of(
        cls,
        chunk_vectors: np.ndarray,
        texts: Sequence[Sequence[str]],
        vectors: np.ndarray,
        first_row: int = 0,
    ) -> Units:
        """The units of newly embedded chunks.

        Args:
            chunk_vectors: The chunks' own vectors.
            texts: Each chunk's :func:`unit_texts` (empty for a single unit).
            vectors: The vectors of all those texts, in order.
            first_row: The row of the first of these chunks in the index.
        """
        rows, parts, used = [], [], 0
        for i, own in enumerate(texts):
            count = len(own) or 1
            rows.append(np.full(count, first_row + i, dtype=np.int32))
            parts.append(vectors[used : used + len(own)] if own else chunk_vectors[i : i + 1])
            used += len(own)
        if not parts:
            return cls.empty(chunk_vectors.shape[1])
        return cls(np.concatenate(parts).astype(np.float32, copy=False), np.concatenate(rows))

    @classmethod
    def empty(cls, dimension: int) -> Units:
        """No units."""
        return cls(np.zeros((0, dimension), np.float32), np.zeros(0, np.int32))

    def take(self, rows: Sequence[int]) -> Units:
        """The units of chunk ``rows`` (in that order), renumbered ``0 … len(rows)-1``."""
        if not len(rows):
            return Units.empty(self.vectors.shape[1])
        picked, renumbered = rows_of_chunks(self.chunks, rows)
        return Units(np.asarray(self.vectors[picked], dtype=np.float32), renumbered)

    def __add__(self, other: Units) -> Units:
        """These units, then ``other``'s (whose chunk rows must already follow these)."""
        return Units(
            np.concatenate([self.vectors, other.vectors]),
            np.concatenate([self.chunks, other.chunks]),
        )


def rows_of_chunks(chunks: np.ndarray, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``chunks`` (sorted chunk numbers, one per unit or sentence) that belong to
    chunk ``rows``, in that order, and each one's chunk renumbered ``0 … len(rows)-1``."""
    starts = np.searchsorted(chunks, rows, side="left")
    ends = np.searchsorted(chunks, rows, side="right")
    renumbered = np.repeat(np.arange(len(rows), dtype=np.int32), ends - starts)
    return unit_rows(starts, ends), renumbered


def unit_rows(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The rows ``starts[i] … ends[i] - 1`` of every ``i``, one range after another."""
    counts = np.asarray(ends, dtype=np.int64) - np.asarray(starts, dtype=np.int64)
    offsets = np.cumsum(counts) - counts  # where each range starts in the result
    return np.repeat(np.asarray(starts, dtype=np.int64) - offsets, counts) + np.arange(
        counts.sum(), dtype=np.int64
    )


def best_per_chunk(cosines: np.ndarray, unit_chunks: np.ndarray) -> dict[int, float]:
    """The highest of ``cosines`` for each chunk row that ``unit_chunks`` names."""
    best: dict[int, float] = {}
    for row, cosine in zip(unit_chunks.tolist(), cosines.tolist(), strict=True):
        if cosine > best.get(row, -2.0):
            best[row] = cosine
    return best
