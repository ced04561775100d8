"""Sentence vectors: made at build time, kept by incremental builds, looked up when answering.

Real files and the real ``hash`` embedder (deterministic, so an answer composed from
stored vectors can be compared with one whose sentences are embedded as it goes);
the embedder is wrapped only to count its calls. Two tests run the bundled int8 model:
an index's vectors must not depend on its build history (see
:func:`~assistant.index.embedders.base.encode_with_more`).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.answering.answer import answer
from assistant.answering.passages import passage_sentences
from assistant.answering.render import as_text
from assistant.answering.search import Searcher
from assistant.documents.sentences import sentences
from assistant.index import build, open_index, read_manifest
from assistant.index.embedders import load_embedder
from assistant.index.stores.files import SENTENCE_FILES
from assistant.index.units import passage_text
from assistant.settings import Settings
from assistant.types import Hit

from .conftest import SEED, SHARED_CORPUS, hash_settings

PAGES = ("29_广州市临时救助实施细则_穗府办规2021-19号.html", "34_电子居住证申领指南.html")
# Paraphrases, not the evaluation sets' questions.
QUESTIONS = ("临时救助金一次最多能领多少", "办电子居住证要带哪些材料", "居住证签注多长时间办好")


class Counted:
    """The real embedder, counting the calls of each kind."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.embedder, name)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls["queries"] += 1
        return self.embedder.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str], **options: Any) -> np.ndarray:
        self.calls["passages"] += len(texts)
        return self.embedder.encode_passages(texts, **options)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in PAGES:
        shutil.copy(SHARED_CORPUS / "html" / name, corpus / name)
    return hash_settings(corpus, min_score=0.0)


def counted_searcher(settings: Settings) -> tuple[Searcher, Counted]:
    searcher = Searcher.open(settings)
    counted = Counted(searcher.embedder)
    searcher.embedder = counted
    return searcher, counted


def strip_sentences(settings: Settings) -> None:
    """Make the index at ``settings.index`` one written before sentence vectors: no files, no
    word in its manifest."""
    manifest = settings.index / "manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    del data["dense"]["sentences"]
    manifest.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    for name in SENTENCE_FILES:
        (settings.index / data["generation"] / name).unlink()


def assert_stored_sentences_are_embedded_sentences(settings: Settings) -> None:
    """The oracle: every quotable sentence of every chunk, embedded as answering embeds it."""
    index = open_index(settings)
    stored = index.sentences()
    assert stored is not None
    assert np.all(np.diff(stored.chunks) >= 0)
    embedder = load_embedder("hash")
    for row, chunk in enumerate(index.chunks()):
        spans, vectors = index.sentence_vectors(row)
        assert [tuple(s) for s in spans.tolist()] == sentences(chunk.text)
        texts = [passage_text(chunk, chunk.text[a:b]) for a, b in spans.tolist()]
        if texts:
            np.testing.assert_allclose(vectors, embedder.encode_passages(texts), atol=1e-6)
    assert len(stored.chunks) > len(index)  # most passages have several sentences
    index.close()


def test_every_sentence_is_stored_and_an_incremental_build_keeps_them(settings: Settings) -> None:
    build(settings)
    assert_stored_sentences_are_embedded_sentences(settings)
    before = open_index(settings)
    old = {c.id: before.sentence_vectors(row) for row, c in enumerate(before.chunks())}
    (settings.corpus / "seed").mkdir()
    shutil.copy(SEED, settings.corpus / "seed" / SEED.name)
    report = build(settings)
    assert report.reused == len(old) and report.embedded > 0
    assert_stored_sentences_are_embedded_sentences(settings)
    after = open_index(settings)
    for row, chunk in enumerate(after.chunks()):
        if chunk.id in old:
            for kept, was in zip(after.sentence_vectors(row), old[chunk.id], strict=True):
                np.testing.assert_array_equal(kept, was)


def test_answering_looks_sentences_up_and_never_embeds_them(settings: Settings) -> None:
    build(settings)
    searcher, counted = counted_searcher(settings)
    replies = [answer(searcher, q) for q in QUESTIONS]
    assert all(r.found for r in replies)
    assert counted.calls["passages"] == 0  # no sentence embedded while answering
    assert counted.calls["queries"] <= len(QUESTIONS)  # each question once, for the search
    # The cosines looked up are those of the sentences embedded here (a numpy oracle), each
    # with its own passage's context (a joined passage's sentences: their part's).
    hits = searcher.search(QUESTIONS[0])
    asked = [(h, a, b) for h in hits for a, b in passage_sentences(h)]
    looked_up = searcher.sentence_cosines(QUESTIONS[0], asked)
    assert counted.calls["passages"] == 0

    def own(hit: Hit, a: int, b: int) -> str:
        part = next(p for p in hit.pieces if p.start <= a and b <= p.end)
        return passage_text(searcher.index.chunk(part.row), hit.chunk.text[a:b])

    texts = [own(h, a, b) for h, a, b in asked]
    oracle = load_embedder("hash").encode_passages(texts) @ searcher.query_vector(QUESTIONS[0])[0]
    np.testing.assert_allclose(looked_up, oracle, atol=1e-6)


def test_an_index_without_sentence_vectors_answers_and_the_next_build_adds_them(
    settings: Settings,
) -> None:
    build(settings)
    searcher, _ = counted_searcher(settings)
    expected = [as_text(answer(searcher, q)) for q in QUESTIONS]
    searcher.index.close()
    strip_sentences(settings)

    old, counted = counted_searcher(settings)
    assert old.index.sentences() is None
    assert [as_text(answer(old, q)) for q in QUESTIONS] == expected
    assert counted.calls["passages"] > 0  # embedded as it goes, as before
    old.index.close()

    report = build(settings)  # embeds the sentences only: every chunk is kept
    assert report.changed and report.embedded == 0 and report.reused == report.chunks
    assert "sentences" in read_manifest(settings.index).dense
    assert_stored_sentences_are_embedded_sentences(settings)
    upgraded, counted = counted_searcher(settings)
    assert [as_text(answer(upgraded, q)) for q in QUESTIONS] == expected
    assert counted.calls["passages"] == 0
    assert not build(settings).changed  # and then it is up to date


@pytest.mark.model
def test_sentences_added_to_an_older_index_are_those_of_a_full_build(tmp_path: Path) -> None:
    """With the bundled int8 model, an index upgraded with sentence vectors stores the very
    bytes a full build stores: the sentences whose text is a kept passage's or unit's take its
    stored vector, and the others are embedded as in a full build (the bench's policy index,
    upgraded when int8 still ran batches of 32, differed from a full build in 6468 of 6500
    sentence vectors and in 23 of 98 policy and citizen answers)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SHARED_CORPUS / "html" / PAGES[0], corpus / PAGES[0])
    settings = Settings(corpus=corpus, index=tmp_path / "index")
    build(settings)
    full = open_index(settings)
    expected = full.sentences()
    assert expected is not None
    expected_vectors = np.array(expected.vectors)
    full.close()

    strip_sentences(settings)
    report = build(settings)
    assert report.changed and report.embedded == 0 and report.reused == report.chunks
    upgraded = open_index(settings)
    stored = upgraded.sentences()
    assert stored is not None
    np.testing.assert_array_equal(stored.chunks, expected.chunks)
    np.testing.assert_array_equal(stored.vectors, expected_vectors)
    upgraded.close()


def vectors_by_chunk(settings: Settings) -> dict[str, bytes]:
    """Each chunk's passage, unit and sentence vectors, as bytes, by chunk id."""
    store = open_index(settings)
    try:
        units, said = store.units(), store.sentences()
        assert said is not None
        vectors = store.vectors()
        return {
            chunk.id: b"|".join(
                np.ascontiguousarray(rows).tobytes()
                for rows in (
                    vectors[row],
                    units.vectors[units.chunks == row],
                    said.vectors[said.chunks == row],
                )
            )
            for row, chunk in enumerate(store.chunks())
        }
    finally:
        store.close()


@pytest.mark.model
def test_an_incremental_build_stores_a_full_builds_vectors(tmp_path: Path) -> None:
    """With the bundled int8 model, a file added to an index gets the very vectors a full
    build gives it, and the kept files keep them: each text is embedded alone (one text per
    call), so a vector no longer depends on the build's other texts."""
    first = "03_港澳子女入学指引_2026.html"
    added = "01b_天河招生细则新闻稿.html"  # before ``first`` in the corpus's order
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SHARED_CORPUS / "html" / first, corpus / first)
    settings = Settings(corpus=corpus, index=tmp_path / "index")
    build(settings)
    shutil.copy(SHARED_CORPUS / "html" / added, corpus / added)
    report = build(settings)
    assert report.reused and report.embedded  # incremental: the first file's chunks kept
    full = replace(settings, index=tmp_path / "full")
    assert build(full).reused == 0
    incremental, expected = vectors_by_chunk(settings), vectors_by_chunk(full)
    assert list(incremental) != list(expected)  # the added file's chunks come last here
    assert incremental == expected
