"""The Milvus store on milvus-lite: the same retrieval and answers as the file store,
filters, incremental builds, migration both ways, a build killed half-way.

Real milvus-lite (embedded, from PyPI), real documents, the ``hash`` embedder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.answering.answer import answer
from assistant.answering.render import as_text
from assistant.answering.search import Filters, Searcher
from assistant.app.admin import Library
from assistant.index import build, open_index, read_manifest
from assistant.index.stores import place
from assistant.index.stores.milvus import MilvusPlace
from assistant.settings import Settings

from .test_index import HTML, append, corpus, no_model, settings_for  # noqa: F401

pytest.importorskip("milvus_lite")

QUESTIONS = (  # paraphrases, not the evaluation sets' questions
    "临时救助金最高能给多少钱",
    "申请临时救助需要准备哪些材料",
    "知识产权专项资金2018年安排了多少",
    "政府信息公开申请一般多少个工作日答复",
    "广州市临时救助实施细则",  # a title: its BM25 counts once per document
)


def milvus(settings: Settings, tmp_path: Path) -> Settings:
    return settings.with_(store=f"milvus://{tmp_path / 'milvus'}")


def assert_same_ranking(file: Searcher, engine: Searcher, **options: object) -> None:
    for question in QUESTIONS:
        for mode in ("hybrid", "dense", "bm25"):
            a = file.rank(question, k=20, mode=mode, **options)
            b = engine.rank(question, k=20, mode=mode, **options)
            assert [r.row for r in a] == [r.row for r in b], (question, mode)
            np.testing.assert_allclose([r.score for r in a], [r.score for r in b], atol=1e-4)
            if mode != "dense":
                np.testing.assert_allclose([r.bm25 for r in a], [r.bm25 for r in b], rtol=1e-5)


def test_milvus_store_ranks_and_answers_like_the_file_store(
    corpus: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    # a file named by an id: its title is its opening words, which neither store's BM25
    # counts as a title (the file store decides when searching, Milvus when building)
    headline = "临时救助实施细则解读 近日，记者从市民政局获悉，临时救助金的发放标准有所调整。"
    (corpus / "7c9e6679a2b4.txt").write_text(headline, encoding="utf-8")
    settings = settings_for(corpus, min_score=0.0)
    build(settings)
    file = Searcher.open(settings)
    with no_model():  # migration: the file index's vectors, not re-embedded
        report = build(milvus(settings, tmp_path))
    assert report.changed and report.embedded == 0 and report.reused == report.chunks
    assert read_manifest(settings.index).store == f"milvus://{tmp_path / 'milvus'}"
    engine = Searcher.open(settings)  # the manifest names the store
    assert type(engine.index).__name__ == "MilvusStore"
    assert len(engine.index) == len(file.index) and engine.index.documents == file.index.documents
    assert_same_ranking(file, engine)
    assert_same_ranking(file, engine, filters=Filters(doc_type="函"))
    assert_same_ranking(file, engine, filters=Filters(year="2020", issuer="广州"))
    for question in QUESTIONS[:4]:
        assert as_text(answer(engine, question)) == as_text(answer(file, question))
    row = len(file.index) // 2
    assert engine.index.chunk(row) == file.index.chunk(row)
    spans, vectors = engine.index.sentence_vectors(row)
    np.testing.assert_array_equal(spans, file.index.sentence_vectors(row)[0])
    np.testing.assert_allclose(vectors, file.index.sentence_vectors(row)[1], atol=1e-6)
    for word in ("救助", "知识产权", "没有这个词"):
        held = engine.index.bm25_scores([word]) > 0
        np.testing.assert_array_equal(held, file.index.bm25_scores([word]) > 0)


def test_filters_are_pushed_down_and_migration_back_to_files_reuses_the_vectors(
    corpus: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """One milvus build for both: the filters only read it, then it is migrated."""
    settings = milvus(settings_for(corpus), tmp_path)
    build(settings)
    searcher = Searcher.open(settings)
    hits = searcher.search("救助", k=10, filters=Filters(doc_type="函"))
    assert hits and all(h.chunk.source.doc_type == "函" for h in hits)
    hits = searcher.search("救助", k=10, filters=Filters(year="2020"))
    assert hits and all(h.chunk.source.issued_on.startswith("2020") for h in hits)
    assert searcher.search("救助", filters=Filters(issuer="不存在的机关")) == []
    only = Filters(docs=frozenset({hits[0].chunk.doc}))
    assert {h.chunk.doc for h in searcher.search("救助", k=10, filters=only)} == set(only.docs)
    quoted = Filters(issuer='广州"%')  # a quote and a wildcard: by document rows instead
    assert searcher.search("救助", filters=quoted) == []

    expected = {q: [r.row for r in searcher.rank(q)] for q in QUESTIONS}
    with no_model():
        report = build(settings.with_(store="file"))
    assert report.embedded == 0 and report.reused == report.chunks
    assert read_manifest(settings.index).store == "file"
    file = Searcher.open(settings)
    assert type(file.index).__name__ == "FileStore"
    assert {q: [r.row for r in file.rank(q)] for q in QUESTIONS} == expected


def test_incremental_build_rewrites_only_the_changed_file(
    corpus: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = milvus(settings_for(corpus), tmp_path)
    build(settings)
    client = place(settings).client()
    first = read_manifest(settings.index).generation
    seed = next((corpus / "seed").iterdir())
    append(seed, "\n补充：2021年安排经费520万元。\n")
    second = build(settings)
    files = read_manifest(settings.index).files
    seed_chunks = len(next(f for f in files if f.path.startswith("seed/")).chunks)
    assert not second.full_reason and second.embedded == seed_chunks < second.chunks
    assert second.reused == second.chunks - seed_chunks
    hits = Searcher.open(settings).search("2021年安排经费520万元", mode="bm25")
    assert "520万元" in hits[0].chunk.text
    middle = read_manifest(settings.index).generation
    (corpus / "html" / HTML.name).unlink()
    with no_model():
        third = build(settings)
    assert third.removed == (f"html/{HTML.name}",) and third.embedded == 0
    index = open_index(settings)
    assert HTML.name not in {Path(c.doc).name for c in index.chunks()}
    # the generation in use and the one before it (readers may still hold it); the first dropped
    generations = {n.rsplit("_", 1)[0] for n in client.list_collections()}
    assert generations == {index.manifest.generation, middle} and first not in generations
    assert client.describe_alias("live")["collection_name"].startswith(index.manifest.generation)


CRASH = """
import os, signal, sys
from pathlib import Path
from assistant.index import build
from assistant.index.stores import milvus
from assistant.settings import Settings

insert = milvus._insert

def killed(client, name, rows):
    if name.endswith("_units"):  # half-way: the chunks are written, nothing else
        os.kill(os.getpid(), signal.SIGKILL)
    insert(client, name, rows)

milvus._insert = killed
build(Settings(corpus=Path(sys.argv[1]), index=Path(sys.argv[2]), model="hash",
               store=sys.argv[3]))
"""


def test_kill_mid_build_leaves_the_previous_generation(
    corpus: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = milvus(settings_for(corpus), tmp_path)
    build(settings)
    served = read_manifest(settings.index)
    expected = [r.row for r in Searcher.open(settings).rank("临时救助")]
    append(corpus / "html" / HTML.name, "<p>第三十条 本细则补充规定。</p>")
    script = textwrap.dedent(CRASH)
    args = [str(corpus), str(settings.index), settings.store]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    MilvusPlace.of(settings.store, settings).release()  # milvus-lite: one process at a time
    run = subprocess.run([sys.executable, "-c", script, *args], env=env, timeout=300)
    assert run.returncode == -signal.SIGKILL
    assert read_manifest(settings.index) == served
    client = MilvusPlace.of(settings.store, settings).client()
    leftovers = {n.rsplit("_", 1)[0] for n in client.list_collections()} - {served.generation}
    assert leftovers  # the killed build's chunks
    assert [r.row for r in Searcher.open(settings).rank("临时救助")] == expected
    report = build(settings)  # the next build finishes the job and drops the leftovers
    assert report.changed and not report.full_reason
    names = {n.rsplit("_", 1)[0] for n in client.list_collections()}
    assert not names & leftovers
    assert Searcher.open(settings).search("本细则补充规定", mode="bm25")


def test_store_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="未知索引存储"):
        Settings(store="elastic://x")
    with pytest.raises(ValueError, match="绝对路径"):
        MilvusPlace.of("milvus://", Settings())
    secret = MilvusPlace.of("milvus://root:pw-secret@db.example:19530", Settings())
    assert secret.name == "milvus://db.example:19530" and secret.token == "root:pw-secret"
    assert "pw-secret" not in repr(secret) and "secret" not in repr(Settings(store_token="secret"))


@pytest.mark.parametrize("store", ["file", "milvus"])
def test_two_instances_see_one_rebuild_and_searches_never_fail(
    corpus: Path,  # noqa: F811
    tmp_path: Path,
    store: str,
) -> None:
    """Two app instances on one index (in one process: milvus-lite serves one process;
    with a Milvus server they are two): one rebuilds, the other switches within seconds,
    and questions asked meanwhile are answered from one whole generation or the other."""
    settings = settings_for(corpus)
    settings = milvus(settings, tmp_path) if store == "milvus" else settings
    build(settings)
    one, other = Library(settings), Library(settings)
    old = other.ready().index.manifest.generation
    append(corpus / "html" / HTML.name, "<p>第三十条 本细则自公布之日起补充施行。</p>")
    failures: list[BaseException] = []
    seen: set[str] = set()
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                searcher = other.ready()
                hits = searcher.search("临时救助的对象", k=3)
                generation = searcher.index.manifest.generation
                assert hits and all(h.chunk.text for h in hits)
                seen.add(generation)
            except BaseException as error:  # noqa: BLE001 - reported below
                failures.append(error)
                return

    asking = threading.Thread(target=ask)
    asking.start()
    try:
        one.rebuild()
        new = one.ready().index.manifest.generation
        assert new != old
        deadline = time.monotonic() + 60
        while other.ready().index.manifest.generation != new and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        asking.join()
    assert not failures, failures
    assert other.ready().index.manifest.generation == new and old in seen
    assert other.ready().search("本细则自公布之日起补充施行", mode="bm25")


def test_an_index_call_retried_after_milvus_took_it_is_done(tmp_path: Path) -> None:
    """pymilvus retries a call whose first attempt the server carried out (a million units
    take minutes to index inside the call); the index is there, so writing goes on. A call
    that fails with no index made still fails."""
    from pymilvus.exceptions import MilvusException

    from assistant.index.stores.milvus import _chunk_fields, _create, _index, _insert

    store = MilvusPlace.of(f"milvus://{tmp_path / 'milvus'}", Settings())
    client, fields = store.client(), _chunk_fields(4)
    _create(client, "retried", fields)
    row = {"doc": 0, "data": "{}", "tokens": "", "doc_type": "", "issuer": "", "issued_on": ""}
    rows = [
        {**row, "id": i, "path": "a", "dense": [1.0, 0, 0, i], "sparse": {1: 1.0}} for i in range(3)
    ]
    _insert(client, "retried", rows)
    client.flush("retried")
    hnsw = {"type": "HNSW", "M": 8, "efConstruction": 16}
    _index(client, "retried", fields, hnsw)
    again = client.prepare_index_params()
    again.add_index("dense", index_type="HNSW", metric_type="IP")
    with pytest.raises(MilvusException, match="already exists"):  # what the retry meets
        client.create_index("retried", again)
    _index(client, "retried", fields, hnsw)  # the same write, retried: no error
    assert {*client.list_indexes("retried")} >= {"dense", "sparse"}
    built = client.describe_index("retried", "dense")  # with the store's own parameters
    assert built["index_type"] == "HNSW" and built["params"] == {"M": 8, "efConstruction": 16}
    assert len(client.search("retried", [[1.0, 0, 0, 0]], anns_field="dense", limit=2)[0]) == 2
    with pytest.raises(MilvusException):
        _index(client, "retried", [("missing", "FLOAT_VECTOR", {})], hnsw)
    store.release()
