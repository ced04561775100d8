"""Shared test fixtures: the read-only corpus beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_CORPUS = SHARED / "corpus"
SEED = next((SHARED_CORPUS / "seed").glob("*.txt"), None) if SHARED.is_dir() else None


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """``../shared/corpus``; the tests that need it fail loudly when it is missing."""
    assert SHARED_CORPUS.is_dir(), f"missing {SHARED_CORPUS}: tests read the shared corpus"
    return SHARED_CORPUS


def small_corpus(tmp_path: Path, files: dict[str, str | bytes]) -> Settings:
    """Write ``files`` (name → UTF-8 text or bytes) into ``tmp_path/corpus``.

    Returns:
        Settings for that corpus and ``tmp_path/index`` with the ``hash`` embedder and
        no refusal threshold (not built).
    """
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (corpus / name).write_bytes(data)
    return Settings(corpus=corpus, index=tmp_path / "index", model="hash", min_score=0.0)
