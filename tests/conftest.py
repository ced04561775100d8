"""Shared test fixtures: the read-only corpus beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_CORPUS = SHARED / "corpus"
SEED = next((SHARED_CORPUS / "seed").glob("*.txt"), None) if SHARED.is_dir() else None


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """``../shared/corpus``; the tests that need it fail loudly when it is missing."""
    assert SHARED_CORPUS.is_dir(), f"missing {SHARED_CORPUS}: tests read the shared corpus"
    return SHARED_CORPUS
