"""Index builds (full, incremental, crash-safe) and hybrid search, on real files.

These tests use the tiny deterministic ``hash`` embedder so that they exercise
FAISS, BM25 and the index folder quickly; tests/test_end_to_end.py runs the same
path with the bundled model.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.answering.kinds import Asked
from assistant.answering.question import Question
from assistant.answering.search import CANDIDATES, Filters, Searcher
from assistant.index import IndexUnavailable, build, open_index, read_manifest
from assistant.index.builder import Progress
from assistant.index.embedders import vectors_version
from assistant.index.manifest import MANIFEST, check_compatible
from assistant.index.stores.files import FILES as GENERATION_FILES
from assistant.index.stores.files import SENTENCE_FILES, VOCABULARY, FileStore
from assistant.index.tokens import (
    Tokenizer,
    answer_types,
    asked_types,
    keyword_text,
    load_words,
    normalize_text,
)
from assistant.settings import DEFAULT_MODEL
from assistant.tuning import TUNING

from .conftest import SEED, SHARED_CORPUS, CorpusWriter, hash_settings

PDF = SHARED_CORPUS / "pdf" / "淮安市人民政府2024年政府信息公开工作年度报告_szfgs2024.pdf"
HTML = SHARED_CORPUS / "html" / "29_广州市临时救助实施细则_穗府办规2021-19号.html"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    for source, folder in ((SEED, "seed"), (PDF, "pdf"), (HTML, "html")):
        (root / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, root / folder / source.name)
    return root


settings_for = hash_settings


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@contextmanager
def no_model() -> Iterator[None]:
    """Fail the test if an embedding model is loaded inside the block."""

    def refuse(name: str) -> None:
        raise AssertionError(f"the model {name} was loaded")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("assistant.index.embedders.load_embedder", refuse)
        yield


def generations(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.iterdir() if p.name.startswith("g-")}


def current(index_dir: Path) -> Path:
    return index_dir / read_manifest(index_dir).generation


def tokens_by_chunk(index_dir: Path) -> dict[str, list[str]]:
    """The stored BM25 tokens of the current generation, by chunk id."""
    store = FileStore.open(index_dir, read_manifest(index_dir))
    tokens = store.tokens()
    return {chunk.id: tokens.of(i) for i, chunk in enumerate(store.chunks())}


def test_build_then_search_finds_cited_passages(corpus: Path) -> None:
    settings = settings_for(corpus)
    report = build(settings)
    assert report.embedded == report.chunks > 20 and report.reused == 0
    assert report.full_reason and report.changed
    manifest = read_manifest(settings.index)
    assert manifest.model.name == "hash"
    assert manifest.settings["chunk_size"] == 500
    assert manifest.tuning["second_weight"] == TUNING.second_weight  # the tuning, beside them
    assert manifest.tuning["sentence"]["age"] == TUNING.sentence.age
    assert manifest.dense["type"] == "IndexFlatIP"
    assert {f.path for f in manifest.files} == {
        f"seed/{SEED.name}",
        f"pdf/{PDF.name}",
        f"html/{HTML.name}",
    }
    searcher = Searcher.open(settings)
    hits = searcher.search("2018年知识产权专项经费是多少？", k=5, mode="bm25")
    assert "484万元" in hits[0].chunk.text
    assert hits[0].chunk.source.doc_number == "官市监函〔2020〕18号"
    hit = searcher.search("全市共受理政府信息公开申请多少件", k=5, mode="bm25")[0]
    assert hit.chunk.doc == f"pdf/{PDF.name}" and hit.chunk.page_start == 2
    hybrid = searcher.search("二〇一八年 知识产权专项经费", k=5)
    assert any("484万元" in h.chunk.text for h in hybrid)
    assert hybrid == sorted(hybrid, key=lambda h: -h.score)


def test_index_folder_is_plain_files(corpus: Path) -> None:
    settings = settings_for(corpus)
    build(settings)
    manifest = read_manifest(settings.index)
    generation = settings.index / manifest.generation
    names = {p.name for p in generation.iterdir()}
    assert {"chunks.jsonl", "documents.jsonl", "vectors.npy", "dense.faiss", "bm25"} <= names
    assert {"tokens.npy", "token_offsets.npy", "vocab.jsonl"} <= names
    assert names == {*GENERATION_FILES, VOCABULARY, *SENTENCE_FILES}
    first = (generation / "chunks.jsonl").read_text(encoding="utf-8").split("\n")[0]
    assert "广州市" in first and "\\u" not in first  # ensure_ascii=False
    vectors = np.load(generation / "vectors.npy", allow_pickle=False)
    chunks = manifest.chunks
    assert vectors.dtype == np.float32 and len(vectors) == chunks
    tokens = np.load(generation / "tokens.npy", allow_pickle=False)
    offsets = np.load(generation / "token_offsets.npy", allow_pickle=False)
    vocab = (generation / "vocab.jsonl").read_text(encoding="utf-8").splitlines()
    assert tokens.dtype == np.int32 and len(offsets) == chunks + 1 and offsets[-1] == len(tokens)
    assert 0 <= tokens.min() and tokens.max() < len(vocab) == len(set(vocab))
    assert '"知识产权"' in vocab  # ensure_ascii=False
    documents = (generation / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(documents) == 3 and all("chunks" not in json.loads(d) for d in documents)
    assert sum(len(f.chunks) for f in manifest.files) == chunks  # ids: manifest only


def test_faiss_top_k_equals_numpy_brute_force(corpus: Path) -> None:
    settings = settings_for(corpus)
    build(settings)
    index = open_index(settings)
    vectors = np.asarray(index.vectors())
    searcher = Searcher(index, settings)
    for question in ("临时救助金最多多少", "政府信息公开申请", "知识产权质押"):
        query = searcher.embedder.encode_queries([question])
        scores, rows = index.dense.search(query, 10)
        brute = vectors @ query[0]
        expected = np.argsort(-brute, kind="stable")[:10]
        np.testing.assert_allclose(scores[0], brute[expected], rtol=1e-5, atol=1e-6)
        assert set(rows[0]) == set(expected) or np.allclose(brute[rows[0]], brute[expected])


def test_chunks_read_are_kept_up_to_the_limit_and_equal_the_file(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(corpus)
    build(settings)
    index = open_index(settings)
    assert isinstance(index, FileStore)
    monkeypatch.setattr("assistant.index.stores.files.CHUNKS_KEPT", 2)
    in_file = list(index.chunks())
    assert len(in_file) > 3
    for _ in range(2):  # read once, then from what was kept
        assert [index.chunk(row) for row in range(len(in_file))] == in_file
    assert index.chunk(0) is index.chunk(0)  # kept
    assert index.chunk(3) is not index.chunk(3)  # past the limit: read each time


def test_hnsw_above_the_flat_limit_finds_what_brute_force_finds(corpus: Path) -> None:
    settings = settings_for(corpus, flat_limit=10)
    build(settings)
    index = open_index(settings)
    assert type(index.dense).__name__ == "IndexHNSWFlat" and index.dense.hnsw.efSearch == 128
    vectors = np.asarray(index.vectors())
    searcher = Searcher(index, settings)
    found = 0
    questions = ("临时救助金最多多少", "政府信息公开申请", "知识产权质押", "公租房", "2018年经费")
    for question in questions:
        query = searcher.embedder.encode_queries([question])
        scores, rows = index.dense.search(query, 10)
        brute = vectors @ query[0]
        np.testing.assert_allclose(scores[0], brute[rows[0]], rtol=1e-5, atol=1e-6)
        found += len(set(rows[0]) & set(np.argsort(-brute)[:10].tolist()))
    assert found / (10 * len(questions)) >= 0.9


def zscores(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std()


def ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks, highest first, ties in row order."""
    return np.argsort(np.argsort(-x, kind="stable"), kind="stable") + 1


@pytest.mark.parametrize("fusion", ["zscore", "rrf"])
def test_hybrid_fusion_equals_a_numpy_oracle(corpus: Path, fusion: str) -> None:
    """Below CANDIDATES chunks every chunk is a candidate, so the oracle sees them all."""
    settings = settings_for(corpus, fusion=fusion)
    build(settings)
    searcher = Searcher.open(settings)
    n = len(searcher.index)
    assert n < CANDIDATES
    vectors = np.asarray(searcher.index.vectors())
    units = searcher.index.units()
    assert len(units.vectors) > n  # long chunks have several sentence units
    w, s = settings.unit_weight, settings
    chunks = list(searcher.index.chunks())
    for question in (
        "临时救助金最多多少",
        "2018年知识产权专项经费是多少",
        "政府信息公开申请多少天内答复",
        "申请临时救助要带什么证件",  # no answer type: the words of an answer (证件, 身份证)
    ):
        # the question as the searcher reads it (normalized: it ends in ？)
        query = searcher.embedder.encode_queries([Question.parse(question).text])[0]
        best = np.full(n, -np.inf)
        np.maximum.at(best, units.chunks, np.asarray(units.vectors) @ query)
        cosines = (1 - w) * (vectors @ query) + w * best  # a chunk's and its best sentence's
        keywords = np.zeros(n)
        for r in searcher.rank(question, k=n, mode="bm25"):
            keywords[r.row] = r.bm25
        hybrid = searcher.rank(question, k=n)
        rows = [r.row for r in hybrid]
        assert len(rows) == n and sorted(rows) == list(range(n))
        np.testing.assert_allclose([r.dense for r in hybrid], cosines[rows], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose([r.bm25 for r in hybrid], keywords[rows], rtol=1e-6)
        if fusion == "zscore":
            expected = s.dense_weight * zscores(cosines) + s.bm25_weight * zscores(keywords)
        else:  # ranks of the searcher's own cosines: FAISS and numpy may order near-ties apart
            cosines[rows] = [r.dense for r in hybrid]
            expected = s.dense_weight / (60 + ranks(cosines))
            expected += s.bm25_weight / (60 + ranks(keywords))
        # a passage holding the kind of answer asked for (多少 → an amount or a share;
        # 带什么证件 → 证件, 身份证 …) gains, once for each
        text = Question.parse(question).text
        asked, cue = set(asked_types(text)), Asked.of(text).cue
        holds = np.array(
            [bool(asked & set(answer_types(normalize_text(keyword_text(c))))) for c in chunks]
        ) + np.array([bool(cue and cue.search(c.text)) for c in chunks])
        assert holds.any() and not holds.all()
        expected += s.answer_weight * holds
        np.testing.assert_allclose([r.score for r in hybrid], expected[rows], rtol=1e-5, atol=1e-6)
        assert [r.score for r in hybrid] == sorted((r.score for r in hybrid), reverse=True)


def test_title_counts_once_per_document(corpus: Path) -> None:
    """BM25 scores a title once per document: every passage of it gains the same."""
    settings = settings_for(corpus, title_weight=0.0)
    build(settings)
    plain = Searcher.open(settings)
    titled = Searcher.open(settings.with_(title_weight=0.5))
    index = plain.index
    question = "广州市临时救助实施细则"  # the HTML page's title
    gain = np.zeros(len(index))
    for searcher, sign in ((titled, 1), (plain, -1)):
        for r in searcher.rank(question, k=len(index), mode="bm25"):
            gain[r.row] += sign * r.bm25
    by_doc = {d: gain[index.chunk_docs == d] for d in range(len(index.documents))}
    html = next(i for i, d in enumerate(index.documents) if d.path == f"html/{HTML.name}")
    assert by_doc[html].min() > 0
    for values in by_doc.values():
        np.testing.assert_allclose(values, values[0], rtol=1e-5, atol=1e-6)
    assert max(v[0] for d, v in by_doc.items() if d != html) < by_doc[html][0]


def test_a_title_read_from_the_opening_words_adds_no_bm25(small_corpus: CorpusWriter) -> None:
    """A title that is a file's opening words (a file named by an id, no title line) is
    already its first passage's text: the titles' BM25 leaves it out, so no passage of its
    document gains by it; a title line of its own and a file name's words still count."""
    headline = "电动自行车登记网上办理 近日，某市公安交管部门推出登记预约服务，市民可在家提交资料。"
    settings = small_corpus(
        {
            "5606d3c8edcf3a40.txt": headline,
            "a1b2c3d4e5f6.txt": "关于电动自行车登记的通知\n各区：现将登记预约有关事项通知如下。",
            "电动自行车登记办法.txt": "第一条 为规范管理，市民办理登记应当提交身份证明。",
        }
    ).with_(title_weight=0.0)
    build(settings)
    plain = Searcher.open(settings)
    titled = Searcher.open(settings.with_(title_weight=0.5))
    gain = {}
    for searcher, sign in ((titled, 1), (plain, -1)):
        for r in searcher.rank("电动自行车登记", k=len(plain.index), mode="bm25"):
            path = plain.index.documents[int(plain.index.chunk_docs[r.row])].path
            gain[path] = gain.get(path, 0.0) + sign * r.bm25
    titles = {d.path: d.source.title for d in plain.index.documents}
    assert titles["5606d3c8edcf3a40.txt"] == "电动自行车登记网上办理"
    assert gain["5606d3c8edcf3a40.txt"] == pytest.approx(0.0, abs=1e-9)
    assert gain["a1b2c3d4e5f6.txt"] > 0 and gain["电动自行车登记办法.txt"] > 0


def test_bm25_tokens_are_section_and_text_without_the_title(corpus: Path) -> None:
    settings = settings_for(corpus)
    build(settings)
    index = open_index(settings)
    tokenizer = Tokenizer(load_words(current(settings.index) / "userdict.txt"))
    stored = tokens_by_chunk(settings.index)
    for row in range(0, len(index), 7):
        chunk = index.chunk(row)
        assert stored[chunk.id] == tokenizer(keyword_text(chunk))


def test_incremental_build_embeds_only_what_changed(corpus: Path) -> None:
    settings = settings_for(corpus)
    build(settings)
    changed = corpus / "seed" / SEED.name
    append(changed, "\n补充说明：2021年安排知识产权专项经费520万元。\n")
    third = build(settings)
    assert third.changed and not third.full_reason
    seed_chunks = len(
        next(f for f in read_manifest(settings.index).files if f.path.startswith("seed/")).chunks
    )
    assert third.embedded == seed_chunks < third.chunks
    assert third.reused == third.chunks - seed_chunks
    hits = Searcher.open(settings).search("补充说明：2021年专项经费520万元", mode="bm25")
    assert "520万元" in hits[0].chunk.text

    (corpus / "html" / HTML.name).unlink()
    with no_model():  # nothing new to embed
        fourth = build(settings)
    assert fourth.removed == (f"html/{HTML.name}",)
    assert fourth.embedded == 0 and fourth.changed
    paths = {Path(Searcher.open(settings).index.chunk(i).doc).name for i in range(fourth.chunks)}
    assert HTML.name not in paths


def test_changed_chunking_forces_full_rebuild(corpus: Path) -> None:
    build(settings_for(corpus))
    report = build(settings_for(corpus, chunk_size=300))
    assert "chunk_size" in report.full_reason and report.reused == 0


def test_index_built_with_another_model_is_refused(corpus: Path) -> None:
    build(settings_for(corpus))
    with pytest.raises(IndexUnavailable, match="assistant build"):
        open_index(settings_for(corpus, model="bundled:multilingual-e5-small"))
    with pytest.raises(IndexUnavailable, match="assistant build"):
        open_index(settings_for(corpus).with_(index=corpus.parent / "nothing"))


def test_failed_build_keeps_the_previous_index(corpus: Path) -> None:
    settings = settings_for(corpus)
    build(settings)
    before = read_manifest(settings.index)
    for path in corpus.rglob("*.*"):
        path.write_bytes(b"")  # every file now empty
    with pytest.raises(IndexUnavailable, match="没有可用的文件"):
        build(settings)
    assert read_manifest(settings.index) == before
    assert Searcher.open(settings).search("知识产权", mode="bm25")


def test_filters_restrict_documents(corpus: Path) -> None:
    searcher = Searcher.open(settings_for(corpus)) if build(settings_for(corpus)) else None
    hits = searcher.search("救助", k=10, filters=Filters(doc_type="函"))
    assert hits and all(h.chunk.source.doc_type == "函" for h in hits)
    hits = searcher.search("救助", k=10, filters=Filters(year="2020"))
    assert hits and all(h.chunk.source.issued_on.startswith("2020") for h in hits)
    assert searcher.search("救助", filters=Filters(issuer="不存在的机关")) == []
    other = {h.chunk.doc for h in searcher.search("救助", k=10)} - {hits[0].chunk.doc}
    assert other, "the test needs passages from two documents"
    only = Filters(docs=frozenset({hits[0].chunk.doc}))
    hits = searcher.search("救助", k=10, filters=only)
    assert hits and {h.chunk.doc for h in hits} == set(only.docs)


def test_stale_generations_and_temp_files_are_cleaned(corpus: Path) -> None:
    settings = settings_for(corpus)
    build(settings)
    (settings.index / "g-19990101-000000-dead00").mkdir()
    (settings.index / "manifest.json.g-x.tmp").write_text("{", encoding="utf-8")
    append(corpus / "seed" / SEED.name, "\n第一次补充。\n")
    build(settings)
    append(corpus / "seed" / SEED.name, "\n第二次补充。\n")
    build(settings)
    generations = [p for p in settings.index.iterdir() if p.name.startswith("g-")]
    assert len(generations) == 2  # the current one and the previous one
    assert not list(settings.index.glob("*.tmp"))
    assert json.loads((settings.index / "manifest.json").read_text(encoding="utf-8"))["generation"]


def test_kill_9_during_build_leaves_the_previous_index(corpus: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    settings = settings_for(corpus)
    build(settings)
    before = read_manifest(settings.index)
    for page in sorted((SHARED_CORPUS / "html").glob("*.html"))[:25]:
        shutil.copy(page, corpus / "html" / page.name)
    env = {**os.environ, "ASSISTANT_MODEL": "hash"}
    command = [sys.executable, "-m", "assistant", "build", "--corpus", str(corpus)]
    killed = 0
    for delay in (0.5, 1.5, 3.0):
        process = subprocess.Popen(
            [*command, "--index", str(settings.index)], env=env, stdout=subprocess.DEVNULL
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        killed += process.wait() == -signal.SIGKILL
        manifest = read_manifest(settings.index)  # the old one, or a complete new one
        files = {p.name for p in (settings.index / manifest.generation).iterdir()}
        assert {"chunks.jsonl", "vectors.npy", "dense.faiss", "bm25"} <= files
        assert Searcher.open(settings).search("知识产权专项经费", mode="bm25")
    assert killed >= 2
    report = build(settings)
    assert report.chunks > before.chunks
    assert Searcher.open(settings).search("临时救助", k=3)


def test_build_with_nothing_changed_writes_nothing(corpus: Path) -> None:
    (corpus / "损坏.pdf").write_bytes(b"%PDF-1.7 broken")
    settings = settings_for(corpus)
    first = build(settings)
    manifest = (settings.index / MANIFEST).read_bytes()
    before = generations(settings.index)
    with no_model():
        again = build(settings)
    assert not again.changed and not again.full_reason and not again.removed
    assert again.embedded == 0 and again.reused == first.chunks == again.chunks
    assert {r.status for r in again.files} == {"unchanged", "failed"}
    assert (settings.index / MANIFEST).read_bytes() == manifest
    assert generations(settings.index) == before

    (corpus / "损坏2.pdf").write_bytes(b"%PDF-1.7 also broken")  # a new problem is recorded
    with no_model():
        third = build(settings)
    assert third.changed and third.embedded == 0 and third.reused == first.chunks
    problems = {p.path for p in read_manifest(settings.index).problems}
    assert {"损坏.pdf", "损坏2.pdf"} <= problems


def test_changed_setting_rewrites_the_index_without_the_model(corpus: Path) -> None:
    settings = settings_for(corpus)
    first = build(settings)
    with no_model():
        report = build(settings.with_(flat_limit=10))
    assert report.changed and report.embedded == 0 and report.reused == first.chunks
    manifest = read_manifest(settings.index)
    assert manifest.dense["type"] == "IndexHNSWFlat" and manifest.settings["flat_limit"] == 10
    assert Searcher.open(settings).search("临时救助", k=3)


def test_rebuild_reuses_stored_tokens_and_matches_a_fresh_build(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(corpus)
    build(settings)
    words_before = set(load_words(current(settings.index) / "userdict.txt"))
    word = "知识产权专项经费"  # in the seed letter; the new file makes it a dictionary word
    assert not any(word in tokens for tokens in tokens_by_chunk(settings.index).values())
    (corpus / "notes").mkdir()
    (corpus / "notes" / "说明.txt").write_text(
        f"关于《{word}》使用情况的说明\n\n经费按年度预算安排，专款专用。\n", encoding="utf-8"
    )
    tokenized: list[str] = []

    class Counting(Tokenizer):
        def __call__(self, text: str) -> list[str]:
            tokenized.append(text)
            return super().__call__(text)

    monkeypatch.setattr("assistant.index.reuse.Tokenizer", Counting)
    report = build(settings)
    monkeypatch.undo()
    changed = words_before ^ set(load_words(current(settings.index) / "userdict.txt"))
    assert word in changed and report.embedded == 1 and len(tokenized) < report.chunks / 4
    new, old = tokenized[-1], tokenized[:-1]  # the new file, and chunks that might cut anew
    assert "使用情况的说明" in new and any(word in text for text in old)
    assert all(any(w in normalize_text(text) for w in changed) for text in old)

    fresh = settings.with_(index=corpus.parent / "fresh")
    build(fresh)
    assert tokens_by_chunk(settings.index) == tokens_by_chunk(fresh.index)
    # rankings compared as ranked: passages not joined (ties below the k best may join apart)
    updated, rebuilt = (Searcher.open(s.with_(joined_chars=0)) for s in (settings, fresh))
    for question in ("知识产权专项经费", "临时救助", "政府信息公开申请", "经费按年度预算安排"):
        a, b = (s.search(question, k=10, mode="bm25") for s in (updated, rebuilt))
        assert [h.chunk.id for h in a] == [h.chunk.id for h in b]
        np.testing.assert_allclose([h.score for h in a], [h.score for h in b], rtol=1e-6)


def test_new_tokenizer_retokenizes_an_unchanged_corpus(corpus: Path) -> None:
    """An index whose tokens an older tokenizer made is re-tokenized, not re-embedded."""
    settings = settings_for(corpus)
    build(settings)
    expected = tokens_by_chunk(settings.index)
    path = settings.index / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["tokenizer"]["tokens"] -= 1  # as written before the last TOKENS_VERSION bump
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    generation = current(settings.index)
    old_tokens = np.load(generation / "tokens.npy", allow_pickle=False)
    np.save(generation / "tokens.npy", np.zeros_like(old_tokens))  # reusing them would show
    with no_model():
        report = build(settings)
    assert report.changed and report.embedded == 0 and report.reused == report.chunks
    assert current(settings.index) != generation
    assert tokens_by_chunk(settings.index) == expected
    tokenizer = read_manifest(settings.index).tokenizer
    assert tokenizer["tokens"] == manifest["tokenizer"]["tokens"] + 1


def test_index_of_an_older_format_is_refused_then_rebuilt(corpus: Path) -> None:
    settings = settings_for(corpus)
    build(settings)
    path = settings.index / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**manifest, "format": 1}), encoding="utf-8")
    with pytest.raises(IndexUnavailable, match="assistant build"):
        open_index(settings)
    report = build(settings)
    assert "格式" in report.full_reason and report.reused == 0 and report.changed
    assert Searcher.open(settings).search("知识产权", mode="bm25")


def test_int8_vectors_of_an_older_version_are_searched_and_embedded_again_by_a_build(
    corpus: Path,
) -> None:
    """An index whose int8 vectors were made in batches (before ``vectors`` was recorded)
    still answers, and the next build embeds it again in full."""
    settings = settings_for(corpus)
    build(settings)
    manifest = read_manifest(settings.index)
    int8 = settings.with_(model=DEFAULT_MODEL, backend="onnx-int8")
    older = replace(
        manifest,
        settings={**manifest.settings, "model": DEFAULT_MODEL},
        model=replace(manifest.model, name=DEFAULT_MODEL, backend="onnx-int8"),
    )
    assert older.model.vectors == 0
    assert check_compatible(older, int8) == "向量版本 vectors 0 ≠ 1"
    assert check_compatible(older, int8, names=("model",)) == ""  # searching it is fine
    recorded = replace(older, model=replace(older.model, vectors=vectors_version("onnx-int8")))
    assert check_compatible(recorded, int8) == ""
    assert read_manifest(settings.index).model.vectors == 0  # hash: as its vectors always were


def test_build_repairs_an_incomplete_generation(corpus: Path) -> None:
    settings = settings_for(corpus)
    build(settings)
    (current(settings.index) / "dense.faiss").unlink()
    with pytest.raises(IndexUnavailable, match="assistant build"):
        open_index(settings)
    report = build(settings)
    assert "incomplete" in report.full_reason and report.changed and report.reused == 0
    assert Searcher.open(settings).search("临时救助", k=3)


def test_readers_during_rebuilds_see_the_old_or_the_new_index_never_a_mix(corpus: Path) -> None:
    """Builds run back to back in a thread while the main thread keeps opening and searching."""
    import threading

    settings = settings_for(corpus)
    build(settings)
    extra = corpus / "seed" / "新增.txt"
    failures: list[BaseException] = []

    def rebuild() -> None:
        try:
            for i in range(6):
                if i % 2:
                    extra.unlink()
                else:
                    extra.write_text(f"第{i}次新增的说明：城市书房补助每间8.8万元。", "utf-8")
                build(settings)
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    builder = threading.Thread(target=rebuild)
    builder.start()
    opened = 0
    while builder.is_alive() or opened == 0:
        searcher = Searcher(open_index(settings), settings)
        index = searcher.index
        paths = [d.path for d in index.documents]
        assert len(index) == index.dense.ntotal == len(index.chunk_docs)
        assert len(paths) == int(index.chunk_docs.max()) + 1
        for row in (0, len(index) // 2, len(index) - 1):  # each chunk belongs to its document
            assert index.chunk(row).doc == paths[index.chunk_docs[row]]
        for hit in searcher.search("城市书房补助", k=5):
            assert hit.chunk.doc in paths
        index.close()
        opened += 1
    builder.join()
    assert not failures, failures
    assert opened >= 2, opened


@pytest.mark.parametrize(
    ("done", "total", "seconds", "text"),
    [
        (640, 1972, 40.0, "计算向量 640/1972 段，约剩 1 分 23 秒"),
        (100, 200, 12.0, "计算向量 100/200 段，约剩 12 秒"),
        (200, 200, 30.0, "计算向量 200/200 段"),
    ],
)
def test_embedding_progress_reads_in_chinese(
    done: int, total: int, seconds: float, text: str
) -> None:
    assert Progress(done, total, seconds).text == text
    assert Progress(done, total, seconds).fraction == done / total


def test_embedding_progress_is_reported_now_and_then_and_at_the_end() -> None:
    seen: list[Progress] = []
    report = Progress.reporter(seen.append)
    assert report is not None
    for done in range(1, 5001):  # one call per text, as int8 makes them
        report(done, 5000)
    assert 1 <= len(seen) < 100 and seen[0].done == 1
    assert (seen[-1].done, seen[-1].total) == (5000, 5000)
