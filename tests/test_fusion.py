"""The fusion of scores and rankings (:mod:`assistant.answering.fusion`)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answering.fusion import fuse_rankings, fuse_scores, ranks, zscores


def test_zscore_fusion_keeps_how_far_ahead_a_candidate_is() -> None:
    dense = np.array([0.80, 0.81, 0.79, 0.5, 0.5])  # the first three nearly tied
    bm25 = np.array([30.0, 1.0, 0.0, 0.0, 0.0])  # the first far ahead
    fused = fuse_scores([(dense, 1.0), (bm25, 0.5)], "zscore")
    assert int(np.argmax(fused)) == 0
    # by rank alone the dense leader is as strong as the BM25 leader, and wins on weight
    assert int(np.argmax(fuse_scores([(dense, 1.0), (bm25, 0.5)], "rrf", 60))) == 1


def test_equal_scores_add_nothing_and_ranks_are_one_based() -> None:
    assert zscores(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]
    assert ranks(np.array([0.1, 0.9, 0.5])).tolist() == [3.0, 1.0, 2.0]
    rrf = fuse_scores([(np.array([0.1, 0.9]), 2.0)], "rrf", 10)
    assert rrf.tolist() == pytest.approx([2 / 12, 2 / 11])


def test_a_row_in_several_rankings_adds_their_weighted_shares() -> None:
    fused = fuse_rankings([([7, 3], 1.0), ([3, 9], 0.5)], k=10)
    assert fused == pytest.approx({7: 1 / 10, 3: 1 / 11 + 0.5 / 10, 9: 0.5 / 11})
    assert max(fused, key=fused.__getitem__) == 3


def test_unknown_method_and_mismatched_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown fusion 'sum'"):
        fuse_scores([(np.zeros(2), 1.0)], "sum")
    with pytest.raises(ValueError, match="same candidates"):
        fuse_scores([(np.zeros(2), 1.0), (np.zeros(3), 1.0)])
