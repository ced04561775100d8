"""Fusion of rankings and scores: the one home of how search combines evidence.

Two kinds of fusion, used by :mod:`.search` (dense and BM25 scores of the same
candidates) and :mod:`.conversation` (rankings of several readings of a follow-up):

* :func:`fuse_scores` — weighted columns of scores over the same candidates, each turned
  into z-scores (``zscore``: how far ahead a passage is counts) or into reciprocal ranks
  (``rrf``: only the order counts);
* :func:`fuse_rankings` — weighted ranked lists of rows, by reciprocal rank
  ``weight / (k + position)``: a row found by several lists adds their shares.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..settings import FUSIONS


def zscores(scores: np.ndarray) -> np.ndarray:
    """``scores`` as z-scores (all 0 when they are all equal)."""
    spread = scores.std()
    return (scores - scores.mean()) / spread if spread > 0 else np.zeros_like(scores)


def ranks(scores: np.ndarray) -> np.ndarray:
    """The 1-based rank of each score, highest first (ties in their order)."""
    order = np.empty(len(scores))
    order[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return order


def fuse_scores(
    columns: Sequence[tuple[np.ndarray, float]], method: str = "zscore", rrf_k: int = 60
) -> np.ndarray:
    """The weighted sum of score ``columns`` (scores, weight) over the same candidates.

    ``zscore`` sums each column's z-scores times its weight; ``rrf`` sums
    ``weight / (rrf_k + rank)``.

    Raises:
        ValueError: An unknown method, or columns of different lengths.
    """
    if method not in FUSIONS:
        raise ValueError(f"未知融合方式 unknown fusion {method!r}（可选 {' / '.join(FUSIONS)}）")
    if len({len(scores) for scores, _ in columns}) > 1:
        raise ValueError("fused columns must score the same candidates")
    fused = np.zeros(len(columns[0][0]) if columns else 0)
    for scores, weight in columns:
        values = np.asarray(scores, dtype=np.float64)
        fused += weight * (zscores(values) if method == "zscore" else 1 / (rrf_k + ranks(values)))
    return fused


def fuse_rankings(rankings: Iterable[tuple[Sequence[int], float]], k: int) -> dict[int, float]:
    """Each row's weighted reciprocal-rank score over ``rankings`` (rows best first, weight):
    ``weight / (k + position)`` summed over the lists that hold it (position from 0)."""
    fused: dict[int, float] = {}
    for rows, weight in rankings:
        for position, row in enumerate(rows):
            fused[row] = fused.get(row, 0.0) + weight / (k + position)
    return fused
