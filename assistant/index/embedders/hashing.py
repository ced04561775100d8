"""A tiny deterministic embedder for fast tests: no meaning, no model, no torch."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from .base import NO_PROMPTS, OnProgress


class HashEmbedder:
    """Character uni- and bi-gram feature hashing: fast, deterministic, for tests only."""

    backend = "hash"

    def __init__(self, dimension: int = 256, name: str = "hash") -> None:
        """Create a hashing embedder with ``dimension`` buckets."""
        self.name = name
        self.dimension = dimension
        self.prompts = dict(NO_PROMPTS)

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        grams = [*text, *(text[i : i + 2] for i in range(len(text) - 1))] or ["\0"]
        for gram in grams:
            code = zlib.crc32(gram.encode("utf-8"))
            vector[code % self.dimension] += 1.0 if code & 0x80000000 else -1.0
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:  # every gram cancelled out: any fixed unit vector will do
            vector[0], norm = 1.0, 1.0
        return vector / norm

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        rows = [self._vector(text) for text in texts]
        return np.stack(rows) if rows else np.zeros((0, self.dimension), dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries; see :class:`~.base.Embedder`."""
        return self._encode(texts)

    def encode_passages(
        self, texts: Sequence[str], *, on_progress: OnProgress | None = None
    ) -> np.ndarray:
        """Embed passages (at once: hashing is instant)."""
        vectors = self._encode(texts)
        if on_progress is not None:
            on_progress(len(texts), len(texts))
        return vectors
