"""Sentence units (parent/child retrieval): how passages are split, stored, kept and searched.

The index side runs on real files with the ``hash`` embedder (fast, deterministic);
the search primitives are checked against numpy brute force.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.answering.search import Searcher
from assistant.documents.sentences import UNIT_MAX_CHARS, sentences, units
from assistant.index import build, open_index
from assistant.index.embedders import load_embedder
from assistant.index.units import passage_text, unit_texts

from .conftest import SEED, SHARED_CORPUS, hash_settings

HTML = SHARED_CORPUS / "html"
PAGES = ("29_广州市临时救助实施细则_穗府办规2021-19号.html", "34_电子居住证申领指南.html")


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for name in PAGES:
        shutil.copy(HTML / name, root / name)
    return root


def test_short_sentences_are_joined_into_units_long_ones_stand_alone() -> None:
    text = (
        "一、总则\n第一条 为了规范管理。第二条 本办法适用于全市。" + "甲" * 250 + "。\n表头\t金额\n"
    )
    spans = units(text, 40)
    pieces = [text[a:b] for a, b in spans]
    assert pieces[0] == "第一条 为了规范管理。第二条 本办法适用于全市。"  # under 40 so far …
    assert pieces[0] + pieces[1] in text.replace("\n", "")  # … but the next is too long to join
    assert pieces[1] == "甲" * 250 + "。" and len(pieces[1]) > UNIT_MAX_CHARS
    assert pieces[2] == "表头\t金额"  # a table row is a sentence
    assert units(text, 0) == sentences(text)  # min 0: every sentence a unit
    assert units("", 40) == [] and units("一、总则", 40) == [(0, 4)]  # only a heading: itself


def test_every_chunk_has_units_a_single_one_shares_the_chunk_vector(corpus: Path) -> None:
    settings = hash_settings(corpus)
    build(settings)
    index = open_index(settings)
    chunks, vectors, stored = list(index.chunks()), np.asarray(index.vectors()), index.units()
    assert np.array_equal(np.unique(stored.chunks), np.arange(len(chunks)))
    assert np.all(np.diff(stored.chunks) >= 0)
    embedder = load_embedder("hash")
    several = 0
    for row, chunk in enumerate(chunks):
        own = np.asarray(stored.vectors)[stored.chunks == row]
        texts = unit_texts(chunk, settings.unit_chars)
        if texts:
            several += 1
            assert texts[0].startswith(passage_text(chunk, "")) and len(own) == len(texts)
            np.testing.assert_allclose(own, embedder.encode_passages(texts), atol=1e-6)
        else:
            np.testing.assert_array_equal(own, vectors[row : row + 1])
    assert several > len(chunks) / 4


def test_an_incremental_build_keeps_the_units_of_unchanged_documents(corpus: Path) -> None:
    settings = hash_settings(corpus)
    build(settings)
    before = open_index(settings)
    old = {
        c.id: np.asarray(before.units().vectors)[before.unit_chunks == row]
        for row, c in enumerate(before.chunks())
    }
    (corpus / "seed").mkdir()
    shutil.copy(SEED, corpus / "seed" / SEED.name)
    report = build(settings)
    assert report.reused == len(old) and report.embedded > 0
    after = open_index(settings)
    stored = after.units()
    for row, chunk in enumerate(after.chunks()):
        if chunk.id in old:
            np.testing.assert_array_equal(
                np.asarray(stored.vectors)[stored.chunks == row], old[chunk.id]
            )
    assert len(np.unique(stored.chunks)) == len(after)


@pytest.mark.parametrize("restricted", [False, True])
def test_unit_search_equals_a_numpy_oracle(corpus: Path, restricted: bool) -> None:
    settings = hash_settings(corpus)
    build(settings)
    searcher = Searcher.open(settings)
    index = searcher.index
    stored = index.units()
    vectors = np.asarray(stored.vectors)
    residence = [i for i, d in enumerate(index.documents) if d.path == PAGES[1]]
    allowed = np.flatnonzero(np.isin(index.chunk_docs, residence)) if restricted else None
    for question in ("临时救助金最多多少", "居住证签注要多久", "申请材料"):
        query = searcher.embedder.encode_queries([question])
        cosines = vectors @ query[0]
        best = np.full(len(index), -np.inf)
        np.maximum.at(best, stored.chunks, cosines)
        rows = list(range(len(index)))
        np.testing.assert_allclose(index.unit_cosines(query, rows), best, rtol=1e-5, atol=1e-6)
        found = index.nearest_units(query, 10, allowed)
        usable = np.ones(len(vectors), bool) if allowed is None else np.isin(stored.chunks, allowed)
        top = np.argsort(-np.where(usable, cosines, -np.inf))[:10]
        expected = {int(stored.chunks[u]) for u in top}
        assert set(found) == expected
        for row, cosine in found.items():
            assert cosine == pytest.approx(max(cosines[u] for u in top if stored.chunks[u] == row))
