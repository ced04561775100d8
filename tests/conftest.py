"""Shared test fixtures: the read-only corpus beside the checkout, and fast settings.

Tests that do not test the real model use the ``hash`` embedder (:func:`hash_settings`):
deterministic, instant, no torch.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.answering.search import Searcher
from assistant.documents.sentences import sentences
from assistant.index import build
from assistant.settings import Settings
from assistant.types import Hit

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_CORPUS = SHARED / "corpus"
SEED = next((SHARED_CORPUS / "seed").glob("*.txt"), None) if SHARED.is_dir() else None
# Debian's Chromium, driven by Playwright in the browser tests.
CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs {CHROMIUM}")


# Slow kinds of test, by module, so that
# `pytest -m "not model and not browser and not ocr and not service"` runs the rest in under a
# minute; CI runs everything.
MODEL_MODULES = frozenset(
    "test_ages test_conversation test_embedding test_end_to_end test_index test_llm "
    "test_onnx test_vocabulary test_named test_relevance test_procedure_answers".split()
)
OCR_MODULES = frozenset("test_ocr test_ofd test_loaders test_admin test_bad_inputs".split())
# Modules that start a server process per test or module: the app over HTTP, milvus-lite.
SERVICE_MODULES = frozenset("test_guard test_milvus".split())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test ``model``, ``browser``, ``ocr`` or ``service`` by its module and fixtures."""
    for item in items:
        module = item.nodeid.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py")
        if module in MODEL_MODULES:
            item.add_marker(pytest.mark.model)
        if module.startswith("test_browser") or "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if module in OCR_MODULES:
            item.add_marker(pytest.mark.ocr)
        if module in SERVICE_MODULES:
            item.add_marker(pytest.mark.service)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium (a Playwright ``Browser``) for one test module."""
    from playwright.sync_api import sync_playwright

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=flags)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """``../shared/corpus``; the tests that need it fail loudly when it is missing."""
    assert SHARED_CORPUS.is_dir(), f"missing {SHARED_CORPUS}: tests read the shared corpus"
    return SHARED_CORPUS


def hash_settings(corpus: Path, index: Path | None = None, **changes: object) -> Settings:
    """Settings for ``corpus`` (index beside it by default) with the ``hash`` embedder."""
    index = index or corpus.parent / "index"
    return Settings(corpus=corpus, index=index, model="hash").with_(**changes)


def hash_app_env(corpus: Path, index: Path, **more: str) -> dict[str, str]:
    """The environment of an app on ``corpus`` and ``index`` with the ``hash`` embedder and no
    refusal threshold, plus ``more`` (``ASSISTANT_…`` names to values)."""
    return {
        "ASSISTANT_CORPUS": str(corpus),
        "ASSISTANT_INDEX": str(index),
        "ASSISTANT_MODEL": "hash",
        "ASSISTANT_MIN_SCORE": "0",
        **more,
    }


CorpusWriter = Callable[[dict[str, str | bytes]], Settings]


@pytest.fixture()
def small_corpus(tmp_path: Path) -> CorpusWriter:
    """A function that writes ``files`` (name → UTF-8 text or bytes) into ``tmp_path/corpus``.

    It returns settings for that corpus and ``tmp_path/index`` with the ``hash`` embedder
    and no refusal threshold (not built).
    """

    def write(files: dict[str, str | bytes]) -> Settings:
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (corpus / name).write_bytes(data)
        return hash_settings(corpus, min_score=0.0)

    return write


# Four real Guangzhou pages for conversations: a follow-up about the first one's topic.
GUANGZHOU_PAGES = (
    "16_一次性创业补贴_市人社局.html",
    "19_广州失业保险常见问题解答_2025-11版.html",
    "22_怎么申领广州市社会保障卡_2026.html",
    "34_电子居住证申领指南.html",
)


@pytest.fixture(scope="session")
def guangzhou_pages(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Settings:
    """:data:`GUANGZHOU_PAGES` indexed with the ``hash`` embedder, no refusal threshold."""
    corpus = tmp_path_factory.mktemp("guangzhou") / "corpus"
    corpus.mkdir()
    for name in GUANGZHOU_PAGES:
        shutil.copy(shared_corpus / "html" / name, corpus / name)
    settings = hash_settings(corpus, min_score=0.0)
    build(settings)
    return settings


def check_joined_vectors(
    searcher: Searcher, question: str, hit: Hit, spans: list[tuple[int, int]] | None = None
) -> list[str]:
    """Check that the sentences of joined passage ``hit`` (``spans`` of its text; by default
    as its whole text splits) score as in their own passages of the index, and return the
    texts embedded to score them (only sentences across two).

    Each part's text is its passage's; a sentence inside a part gets the cosine that part's
    own hit gives it (its stored vector); the real embedder, wrapped, records what it embeds.
    """
    text = hit.chunk.text
    assert hit.row is None and len(hit.parts) >= 2, "a joined passage is needed here"
    for part in hit.parts:
        assert text[part.start : part.end] == searcher.index.chunk(part.row).text
    spans = sentences(text) if spans is None else spans
    embedded: list[str] = []
    real = searcher.embedder.encode_passages

    def recording(texts: list[str]) -> Any:
        embedded.extend(texts)
        return real(texts)

    searcher.embedder.encode_passages = recording  # type: ignore[method-assign]
    try:
        joined = searcher.sentence_cosines(question, [(hit, a, b) for a, b in spans])
    finally:
        del searcher.embedder.encode_passages
    inside = 0
    for (a, b), cosine in zip(spans, joined.tolist(), strict=True):
        part = next((p for p in hit.parts if p.start <= a and b <= p.end), None)
        if part is None:
            continue
        own = Hit(searcher.index.chunk(part.row), 0.0, row=part.row)
        alone = searcher.sentence_cosines(question, [(own, a - part.start, b - part.start)])
        assert cosine == pytest.approx(float(alone[0]), abs=1e-6)
        inside += 1
    assert inside >= len(spans) - (len(hit.parts) - 1)
    return embedded
