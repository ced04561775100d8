"""Speed benchmark of the index on this machine: ``python bench/speed.py [--quick]``.

Every part runs for each embedder backend (``--backends``, default torch, onnx-fp32 and
onnx-int8) side by side in one run, with ratios to the first; each section's rows are
printed as soon as they are measured.

1. Build: ``assistant.index.build()`` of ../shared/corpus seed + html + pdf (copied to /tmp),
   model already loaded: files, chunks, s, chunks/s; ingest alone (parse + clean + chunk) is
   timed apart, so build - ingest ~ embedding + index writing.
2. Search at 1k / 10k / 100k chunks: the real index replicated (doc paths ``copy{i}/``,
   distinct ids, vectors perturbed then re-normalized) and written by the package's own
   writer. Per size, in a fresh process: load the model, VmRSS, ``open_index``, VmRSS (the
   difference = the index's memory), 5 warm-up queries, then p50/p95 of
   ``Searcher.search(q, k=5)`` over real questions (policy, seed, CMRC 2018) in hybrid, dense
   and bm25 modes, query embedding included; p50 of a hybrid search's parts (units = the
   sentence-unit search; embed = the
   query embedding, the backends' difference); and the dense
   index's recall@10 against numpy brute force (1.00 for the exact ``IndexFlatIP``; HNSW
   above ``flat_limit``, whose misses here are mostly among the near-identical copies).
3. Incremental rebuild (last backend): 100 files (html, small pdfs, report excerpts); a
   build with nothing changed (should write nothing); then one file gets a sentence
   appended; rebuild timed in-process (model warm) and via ``python -m assistant build``
   (a new process: model load included).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering.question import check_question
from assistant.answering.search import MODES, Searcher
from assistant.documents.ingest import ingest
from assistant.index import build, open_index, read_manifest
from assistant.index.builder import write_index
from assistant.index.embedders import load_embedder
from assistant.index.stores import place
from assistant.index.units import Units
from assistant.settings import BACKENDS, Settings
from assistant.types import Chunk, DocumentInfo

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS, EVAL = SHARED / "corpus", SHARED / "eval"
TARGET_P50_MS, TARGET_REBUILD_S = 50.0, 10.0
APPENDED = "\n<p>本文件另行补充说明：以上规定由发布机关负责解释，自发布之日起施行。</p>\n"


def log(message: str) -> None:
    print(f"[speed] {message}", file=sys.stderr, flush=True)  # progress; the table is on stdout


def rss_mb() -> float:
    """Resident set size of this process (VmRSS), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def questions(n: int) -> list[str]:
    """``n`` real questions: policy_qa + seed_qa, then CMRC 2018 dev (cycled if short)."""
    found = [
        json.loads(line)["question"]
        for name in ("policy_qa.jsonl", "seed_qa.jsonl")
        for line in (EVAL / name).read_text("utf-8").splitlines()
        if line.strip()
    ]
    cmrc = json.loads((EVAL / "cmrc2018/squad-style-data_cmrc2018_dev.json").read_text("utf-8"))
    found += [qa["question"] for a in cmrc["data"] for p in a["paragraphs"] for qa in p["qas"]]
    return [found[i % len(found)] for i in range(n)]


def ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def timed_search(searcher: Searcher, question: str, mode: str) -> float:
    """ms of one search, query embedding included: memoized query vectors are dropped first."""
    for value in vars(searcher).values():
        if hasattr(value, "cache_clear"):  # e.g. an lru_cache of query vectors
            value.cache_clear()
    return ms(lambda: searcher.search(question, k=5, mode=mode))


def worker(index_dir: Path, backend: str, n: int) -> dict[str, Any]:
    """Measure one index in this (fresh) process; see the module docstring, part 2."""
    settings, qs = Settings(index=index_dir, backend=backend), questions(n)
    embedder = load_embedder(settings.model, backend)
    embedder.encode_queries(qs[:5])
    before, start = rss_mb(), time.perf_counter()
    index = open_index(settings)
    opened, loaded = time.perf_counter() - start, rss_mb()
    searcher = Searcher(index, settings)
    for q in qs[:5]:
        timed_search(searcher, q, "hybrid")
    result: dict[str, Any] = {"open_s": opened, "index_mb": loaded - before, "chunks": len(index)}
    for mode in MODES:
        times = [timed_search(searcher, q, mode) for q in qs]
        result[mode] = (pct(times, 50), pct(times, 95))
    parts: dict[str, list[float]] = {
        k: [] for k in ("p_embed", "p_faiss", "p_units", "p_bm25", "p_read")
    }
    for q in map(check_question, qs):
        start = time.perf_counter()
        vector = embedder.encode_queries([q])
        parts["p_embed"].append((time.perf_counter() - start) * 1000)
        ranked = searcher.rank(q, 5, mode="bm25")  # any 5 rows: reads cost the same
        parts["p_faiss"].append(ms(lambda v=vector: index.nearest(v, 100)))
        parts["p_units"].append(ms(lambda v=vector: index.nearest_units(v, 100)))
        parts["p_bm25"].append(ms(lambda q=q: index.bm25_scores(index.tokenizer.query(q))))
        parts["p_read"].append(ms(lambda r=ranked: [searcher.hit(x) for x in r]))
    result.update({k: pct(v, 50) for k, v in parts.items()})
    result["after_mb"] = rss_mb() - before  # before the brute-force copy of the vectors below
    vectors, recall = np.asarray(index.vectors()), []  # the dense index against brute force
    for q in qs[:50]:
        vector = embedder.encode_queries([q])
        exact = set(np.argsort(-(vectors @ vector[0]))[:10].tolist())
        recall.append(len(exact & set(index.nearest(vector, 10))) / 10)
    result["recall10"] = float(np.mean(recall))
    result["kind"] = index.manifest.dense["type"]
    return result


def synthesize(base: Path, size: int, dest: Path, target: str = "file") -> float:
    """Write an index of ``size`` chunks by replicating the real index at ``base`` into the
    store ``target`` (its manifest in ``dest``); return the seconds the writing took."""
    manifest = read_manifest(base)
    assert manifest is not None, f"no index at {base}"
    store = place(Settings(index=base), manifest.store).open(manifest)
    documents, rows = store.documents, [c.to_dict() for c in store.chunks()]
    real = np.array(store.vectors())
    real_units = store.units()
    store.close()
    rng = np.random.default_rng(size)
    docs: list[DocumentInfo] = []
    chunks: list[Chunk] = []
    blocks: list[np.ndarray] = []
    unit_blocks: list[np.ndarray] = []
    unit_chunks: list[np.ndarray] = []
    copy = 0
    while len(chunks) < size:
        take = min(len(rows), size - len(chunks))
        paths = {r["doc"] for r in rows[:take]}
        prefix, suffix = f"copy{copy}/", f"-c{copy}"
        chunks += [
            Chunk.from_dict({**r, "id": r["id"] + suffix, "doc": prefix + r["doc"]})
            for r in rows[:take]
        ]
        docs += [replace(d, path=prefix + d.path) for d in documents if d.path in paths]
        blocks.append(perturbed(real[:take], rng))
        own = real_units.take(range(take))
        unit_blocks.append(perturbed(own.vectors, rng))  # joined once below: adding Units
        unit_chunks.append(own.chunks + len(chunks) - take)  # per copy is quadratic at 1 M
        copy += 1
    vectors = np.ascontiguousarray(np.concatenate(blocks), dtype=np.float32)
    units = Units(np.concatenate(unit_blocks), np.concatenate(unit_chunks))
    dest.mkdir(parents=True)
    start = time.perf_counter()  # every chunk is tokenized, as in a first build
    settings = Settings(corpus=CORPUS, index=dest, store=target)
    write_index(settings, manifest.model, docs, chunks, vectors, units)
    return time.perf_counter() - start


def perturbed(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``vectors`` with a little noise, re-normalized: near-copies, not duplicates."""
    block = vectors + rng.normal(0, 0.005, vectors.shape).astype(np.float32)
    return (block / np.linalg.norm(block, axis=1, keepdims=True)).astype(np.float32)


def build_corpus(tmp: Path, subs: tuple[str, ...], backend: str) -> tuple[dict[str, Any], Path]:
    """Part 1: build the shared corpus folders ``subs`` with ``backend``; its figures, index."""
    corpus, index = tmp / "corpus", tmp / f"index-{backend}"
    if not corpus.exists():
        for sub in subs:
            shutil.copytree(CORPUS / sub, corpus / sub)
    settings, start = Settings(corpus=corpus, index=index, backend=backend), time.perf_counter()
    load_embedder(settings.model, backend)
    load_s, start = time.perf_counter() - start, time.perf_counter()
    reports = list(ingest(corpus, settings))
    ingest_s, used = time.perf_counter() - start, sum(r.used for r in reports)
    log(f"{backend}: ingest {ingest_s:.1f} s; building …")
    report = build(settings)
    figures = {
        "files": len(reports), "used": used, "chunks": report.chunks, "load": load_s,
        "ingest": ingest_s, "build": report.seconds, "embed": report.seconds - ingest_s,
        "rate": report.chunks / report.seconds,
    }  # fmt: skip
    return figures, index


def build_table(tmp: Path, subs: tuple[str, ...], backends: list[str]) -> dict[str, Path]:
    """Part 1 for every backend, printed row by row; the index each built."""
    section(
        f"1. Build throughput: ../shared/corpus {' + '.join(subs)} (model load not in build s; "
        "embed+write = build - ingest)",
        f"{'backend':>10} {'files':>6} {'used':>5} {'chunks':>7} {'load s':>7} {'ingest s':>9} "
        f"{'build s':>8} {'embed+write s':>14} {'chunks/s':>9} {'ratio':>6}",
    )
    indexes, first = {}, None
    for backend in backends:
        f, indexes[backend] = build_corpus(tmp, subs, backend)
        first = first or f
        print(
            f"{backend:>10} {f['files']:>6} {f['used']:>5} {f['chunks']:>7} {f['load']:>7.1f} "
            f"{f['ingest']:>9.1f} {f['build']:>8.1f} {f['embed']:>14.1f} {f['rate']:>9.1f} "
            f"{f['rate'] / first['rate']:>5.2f}×",
            flush=True,
        )
    return indexes


def search_table(tmp: Path, indexes: dict[str, Path], sizes: list[int], n: int) -> None:
    """Part 2: synthesize each size from each backend's index, measure it in a fresh process."""
    section(
        "2. Search latency and index memory (ms, MB beyond the model): "
        f"{n} questions, k=5, model warm, query embedding included; ms as p50/p95; "
        "parts = p50 ms of a hybrid search; recall@10 = dense index top 10 vs brute force; "
        "ratio = hybrid p50 against the first backend's",
        f"{'backend':>10} {'chunks':>7} {'dense index':>13} {'write s':>8} {'open s':>7} "
        f"{'index MB':>9} {'MB after q':>10} {'hybrid':>11} {'dense':>11} {'bm25':>11} "
        f"{'embed':>6} {'faiss':>6} {'units':>6} {'bm25':>6} {'read5':>6} "
        f"{'recall@10':>9} {'ratio':>6}",
    )
    results: dict[tuple[str, int], dict[str, Any]] = {}
    first = next(iter(indexes))
    for size in sizes:
        for backend, base in indexes.items():
            dest = tmp / f"synth-{backend}-{size}"
            log(f"{backend}: writing a {size}-chunk index …")
            write_s = synthesize(base, size, dest)
            log(f"{backend}: measuring search at {size} chunks …")
            command = [sys.executable, __file__, "--worker", str(dest), "--backends", backend]
            out = subprocess.run(
                [*command, "-n", str(n)], check=True, capture_output=True, text=True
            ).stdout
            r = results[backend, size] = json.loads(out.strip().splitlines()[-1])
            cells = [f"{a:.1f}/{b:.1f}" for a, b in (r["hybrid"], r["dense"], r["bm25"])]
            ratio = r["hybrid"][0] / results[first, size]["hybrid"][0]
            print(
                f"{backend:>10} {r['chunks']:>7} {r['kind']:>13} {write_s:>8.1f} "
                f"{r['open_s']:>7.1f} {r['index_mb']:>9.0f} {r['after_mb']:>10.0f} "
                f"{cells[0]:>11} {cells[1]:>11} {cells[2]:>11} {r['p_embed']:>6.1f} "
                f"{r['p_faiss']:>6.1f} {r['p_units']:>6.1f} {r['p_bm25']:>6.1f} "
                f"{r['p_read']:>6.1f} {r['recall10']:>9.2f} {ratio:>5.2f}×",
                flush=True,
            )
            shutil.rmtree(dest)
    for backend in indexes:
        p50 = results[backend, sizes[-1]]["hybrid"][0]
        print(
            f"target: hybrid p50 <= {TARGET_P50_MS:.0f} ms at {sizes[-1]} chunks, {backend}: "
            f"{p50:.1f} ms -> {'OK' if p50 <= TARGET_P50_MS else 'MISSED'}",
            flush=True,
        )


def incremental(tmp: Path, n_files: int, backend: str) -> None:
    """Part 3: build ``n_files`` files, append a sentence to one, rebuild."""
    corpus, index = tmp / "inc-corpus", tmp / "inc-index"
    n_pdf, n_html = max(1, n_files // 30), min(47, n_files // 2)
    pdfs = sorted((CORPUS / "pdf").glob("*.pdf"), key=lambda p: p.stat().st_size)[:n_pdf]
    htmls = sorted((CORPUS / "html").glob("*.html"))[:n_html]
    for path in [*pdfs, *htmls]:
        (corpus / path.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, corpus / path.parent.name / path.name)
    (corpus / "reports").mkdir()
    for path in sorted((CORPUS / "reports").glob("*.txt"))[: n_files - n_pdf - n_html]:
        (corpus / "reports" / path.name).write_text(path.read_text("utf-8")[:6000], "utf-8")
    settings = Settings(corpus=corpus, index=index, backend=backend)
    log(f"incremental: first build of {n_files} files …")
    first = build(settings)
    same = build(settings)  # nothing changed: nothing written
    changed = sorted(htmls, key=lambda p: p.stat().st_size)[len(htmls) // 2]  # median html
    target = corpus / "html" / changed.name
    text = target.read_text("utf-8")
    at = text.rfind("</body>") if "</body>" in text else len(text)
    target.write_text(text[:at] + APPENDED + text[at:], "utf-8")
    again = build(settings)
    target.write_text(target.read_text("utf-8").replace(APPENDED, APPENDED * 2), "utf-8")
    start = time.perf_counter()
    command = [sys.executable, "-m", "assistant", "build", "--corpus", str(corpus)]
    out = subprocess.run(
        [*command, "--index", str(index)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "ASSISTANT_BACKEND": backend},
    ).stdout
    cli_s = time.perf_counter() - start
    cli_embedded = (re.findall(r"新嵌入 (\d+)", out) or ["?"])[-1]
    ok = "OK" if again.seconds <= TARGET_REBUILD_S else "MISSED"
    no_change = f"{same.seconds:.1f} ({'wrote!' if same.changed else 'no write'})"
    section(
        f"3. Incremental rebuild, 1 of {n_files} files changed ({backend}): "
        f"html/{changed.name} (median html, a sentence appended)",
        f"{'files':>6} {'chunks':>7} {'first s':>8} {'no-change s':>15} {'rebuild s':>10} "
        f"{'embedded':>9} {'reused':>7} {'CLI rebuild s':>14} {'CLI embedded':>13}",
    )
    print(
        f"{len(first.files):>6} {again.chunks:>7} {first.seconds:>8.1f} {no_change:>15} "
        f"{again.seconds:>10.1f} "
        f"{again.embedded:>9} {again.reused:>7} {cli_s:>14.1f} {cli_embedded:>13}\n"
        f"target: incremental rebuild <= {TARGET_REBUILD_S:.0f} s (model warm): "
        f"{again.seconds:.1f} s -> {ok}; CLI = new process incl. model load",
        flush=True,
    )


def section(title: str, header: str) -> None:
    print(f"\n== {title} ==\n{header}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="seed+pdf build, 1k/10k, 20 files")
    parser.add_argument(
        "--backends", nargs="+", choices=BACKENDS, default=["torch", "onnx-fp32", "onnx-int8"]
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("-n", type=int, default=0, help="questions (default 200, quick 50)")
    args = parser.parse_args()
    n = args.n or (50 if args.quick else 200)
    if args.worker:
        print(json.dumps(worker(args.worker, args.backends[0], n)))
        return
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    started, load = time.perf_counter(), os.getloadavg()
    print(
        f"Speed benchmark{' (--quick)' if args.quick else ''}: {Settings().model} on "
        f"{', '.join(args.backends)}; {os.cpu_count()} CPUs; load average {load[0]:.1f} at start",
        flush=True,
    )
    tmp = Path(tempfile.mkdtemp(prefix="speed-", dir="/tmp"))
    try:
        subs = ("seed", "pdf") if args.quick else ("seed", "html", "pdf")
        indexes = build_table(tmp, subs, args.backends)
        search_table(tmp, indexes, sizes, n)
        incremental(tmp, 20 if args.quick else 100, args.backends[-1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"\nload average {os.getloadavg()[0]:.1f} at end; "
        f"total {time.perf_counter() - started:.0f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
