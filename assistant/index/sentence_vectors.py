"""Sentence vectors: every quotable sentence of every chunk, embedded at build time.

An answer is composed of a passage's sentences (:func:`assistant.documents.sentences.sentences`),
each scored partly by its dense similarity to the question
(:mod:`assistant.answering.composition`). Those sentences are embedded when the index is
built, each with its passage's title and section path as context
(:func:`~assistant.index.units.passage_text`, like the chunk and its units), so that
answering only looks their vectors up. A sentence whose embedding text is also a
chunk's or a unit's costs no extra embedding: the build embeds each distinct text once.

The sentences of a chunk are consecutive rows, in chunk order, each with its span in
the chunk's text (which answering checks before it uses a vector).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..documents.sentences import sentences
from ..types import Chunk
from .manifest import Manifest
from .units import passage_text, rows_of_chunks


def sentence_texts(chunk: Chunk) -> tuple[list[tuple[int, int]], list[str]]:
    """The spans of ``chunk``'s quotable sentences and their embedding texts."""
    spans = sentences(chunk.text)
    return spans, [passage_text(chunk, chunk.text[start:end]) for start, end in spans]


def has_sentences(manifest: Manifest) -> bool:
    """Whether the generation ``manifest`` names stores its sentence vectors."""
    return "sentences" in manifest.dense


@dataclass(frozen=True)
class Sentences:
    """The sentence vectors of an index, with their chunk rows and spans.

    Attributes:
        vectors: float32, L2-normalized, one row per sentence.
        chunks: int32, the chunk row of each sentence, non-decreasing (a chunk
            without a quotable sentence has none).
        spans: int32, shape ``(n, 2)``: each sentence's start and end in its chunk's text.
    """

    vectors: np.ndarray
    chunks: np.ndarray
    spans: np.ndarray

    @classmethod
    def of(
        cls,
        spans: Sequence[Sequence[tuple[int, int]]],
        vectors: np.ndarray,
        first_row: int = 0,
    ) -> Sentences:
        """The sentences of consecutive chunks.

        Args:
            spans: Each chunk's sentence spans (:func:`sentence_texts`).
            vectors: Their vectors, all sentences in order.
            first_row: The row of the first of these chunks in the index.
        """
        rows = [np.full(len(own), first_row + i, np.int32) for i, own in enumerate(spans)]
        flat = [span for own in spans for span in own]
        if not flat:
            return cls.empty(vectors.shape[1])
        return cls(
            np.asarray(vectors, dtype=np.float32),
            np.concatenate(rows),
            np.asarray(flat, dtype=np.int32).reshape(-1, 2),
        )

    @classmethod
    def empty(cls, dimension: int) -> Sentences:
        """No sentences."""
        return cls(np.zeros((0, dimension), np.float32), np.zeros(0, np.int32), _no_spans())

    def take(self, rows: Sequence[int]) -> Sentences:
        """The sentences of chunk ``rows`` (in that order), renumbered ``0 … len(rows)-1``."""
        if not len(rows):
            return Sentences.empty(self.vectors.shape[1])
        picked, renumbered = rows_of_chunks(self.chunks, rows)
        vectors = np.asarray(self.vectors[picked], dtype=np.float32)
        return Sentences(vectors, renumbered, np.asarray(self.spans[picked], dtype=np.int32))

    def __add__(self, other: Sentences) -> Sentences:
        """These sentences, then ``other``'s (whose chunk rows must already follow these)."""
        return Sentences(
            np.concatenate([self.vectors, other.vectors]),
            np.concatenate([self.chunks, other.chunks]),
            np.concatenate([self.spans, other.spans]),
        )


def _no_spans() -> np.ndarray:
    return np.zeros((0, 2), np.int32)
