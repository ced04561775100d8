"""What every store is: the :class:`Store` protocol and the :class:`Contents` it writes.

A store keeps one built index's documents, chunks, vectors and BM25 tokens, and
owns the two search primitives over them: nearest vectors and BM25 scores. The
build (:mod:`assistant.index.builder`) decides what goes in; the manifest
(:mod:`assistant.index.manifest`) names the store and the generation in use.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from ...types import Chunk, DocumentInfo
from ..manifest import Manifest
from ..sentence_vectors import Sentences
from ..tokens import Tokenizer, Tokens
from ..units import Units
from ..vocabulary import Vocabulary


@dataclass(frozen=True)
class Contents:
    """Everything a build hands a store to write as a new generation.

    Attributes:
        documents: The indexed documents, in corpus order.
        chunks: All chunks, in row order.
        vectors: Their passage vectors, row ``i`` = chunk ``i`` (float32, L2-normalized).
        units: Their sentence units' vectors (see :mod:`assistant.index.units`).
        tokens: Their BM25 tokens.
        words: The jieba user dictionary the tokens were made with.
        vocabulary: The citizens' vocabulary that expands questions.
        sentences: Their quotable sentences' vectors (see
            :mod:`assistant.index.sentence_vectors`); ``None`` writes none.
    """

    documents: list[DocumentInfo]
    chunks: list[Chunk]
    vectors: np.ndarray
    units: Units
    tokens: Tokens
    words: list[str]
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    sentences: Sentences | None = None


class Store(Protocol):
    """One generation of a built index, opened for reading and searching.

    Attributes:
        manifest: The manifest that names this generation.
        documents: The indexed documents; row ``i`` is document ``i``.
        chunk_docs: The document row of every chunk.
        tokenizer: The BM25 tokenizer with this generation's user dictionary.
        vocabulary: The vocabulary that expands questions (empty for a
            generation written before there was one).
    """

    manifest: Manifest
    documents: list[DocumentInfo]
    chunk_docs: np.ndarray
    tokenizer: Tokenizer
    vocabulary: Vocabulary

    @classmethod
    def write(cls, index_dir: Path, contents: Contents, flat_limit: int) -> tuple[str, dict]:
        """Write ``contents`` as a new generation; return its name and dense-index info.

        Nothing the current manifest names is touched: the caller commits the new
        generation by writing a manifest that names it.
        """
        ...

    @classmethod
    def open(cls, index_dir: Path, manifest: Manifest) -> Store:
        """Open the generation ``manifest`` names (``OSError``/``ValueError`` when damaged)."""
        ...

    @classmethod
    def complete(cls, index_dir: Path, generation: str) -> bool:
        """Whether a generation holds all its data."""
        ...

    @classmethod
    def cleanup(cls, index_dir: Path, keep: set[str]) -> None:
        """Remove the generations not in ``keep`` and any half-written leftovers."""
        ...

    def __len__(self) -> int:
        """The number of chunks."""
        ...

    def chunk(self, row: int) -> Chunk:
        """Chunk ``row`` (thread-safe)."""
        ...

    def chunks(self) -> Iterator[Chunk]:
        """Every chunk, in row order."""
        ...

    def vectors(self) -> np.ndarray:
        """Every chunk's vector, row ``i`` = chunk ``i``."""
        ...

    def tokens(self) -> Tokens:
        """Every chunk's stored BM25 tokens."""
        ...

    def nearest(
        self, query: np.ndarray, n: int, allowed: np.ndarray | None = None
    ) -> dict[int, float]:
        """The ``n`` chunks whose vectors are nearest to ``query``: row → cosine.

        Args:
            query: One L2-normalized vector, shape ``(1, dimension)``.
            n: How many.
            allowed: The rows that may be returned (all when ``None``).
        """
        ...

    def cosines(self, query: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """The cosine similarity of ``query`` to the vectors of ``rows``."""
        ...

    def units(self) -> Units:
        """Every chunk's sentence units (vectors memory-mapped where the store can)."""
        ...

    def sentences(self) -> Sentences | None:
        """Every chunk's sentence vectors, or ``None`` when this generation has none."""
        ...

    def sentence_vectors(self, row: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The spans (``(n, 2)``, in the chunk's text) and vectors of chunk ``row``'s
        quotable sentences, or ``None`` when this generation stores none."""
        ...

    def nearest_units(
        self, query: np.ndarray, n: int, allowed: np.ndarray | None = None
    ) -> dict[int, float]:
        """The chunks of the ``n`` units nearest to ``query``: row → its best of them.

        Args:
            query: One L2-normalized vector, shape ``(1, dimension)``.
            n: How many units.
            allowed: The chunk rows whose units may be returned (all when ``None``).
        """
        ...

    def unit_cosines(self, query: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """For each of ``rows``, the highest cosine of ``query`` to one of its units."""
        ...

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        """The BM25 score of every chunk for query ``tokens``."""
        ...

    def close(self) -> None:
        """Release open files."""
        ...
