"""The file store and the Milvus store (milvus-lite) side by side at growing sizes.

``PYTHONPATH=$PWD python bench/scale.py --sizes 10000 100000 [--base INDEX] [--work DIR]``

For each size and store, in a fresh process: the real index at ``--base`` replicated to
that many passages (their vectors perturbed, as bench/speed.py does: part 2) and written
by the package's writer into the store — the build rate (passages/s, tokenizing and
writing, no embedding); then the index opened (its memory: the process's VmRSS after
opening minus before, milvus-lite's server included, it runs in the process), 5 warm-up
questions and p50/p95 of ``Searcher.search(q, k=5)`` in hybrid mode over real questions,
query embedding included. Exact search (FLAT) up to ``flat_limit`` (50 000), HNSW above.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from speed import pct, questions, rss_mb, synthesize, timed_search  # bench/ is on sys.path

from assistant.answering.search import Searcher
from assistant.index import open_index
from assistant.index.embedders import load_embedder
from assistant.settings import Settings


def measure(base: Path, size: int, store: str, work: Path, n: int) -> dict[str, Any]:
    """One size in one store, in this process (see the module docstring)."""
    dest = work / f"{size}-{store.split(':')[0]}"
    target = f"milvus://{dest}/milvus" if store == "milvus" else "file"
    seconds = synthesize(base, size, dest, target)
    settings, asked = Settings(index=dest), questions(n)
    embedder = load_embedder(settings.model, settings.backend)
    embedder.encode_queries(asked[:5])
    before, start = rss_mb(), time.perf_counter()
    searcher = Searcher(open_index(settings), settings)
    opened, memory = time.perf_counter() - start, rss_mb() - before
    for question in asked[:5]:
        timed_search(searcher, question, "hybrid")
    times = [timed_search(searcher, question, "hybrid") for question in asked]
    return {
        "size": size, "store": store, "build_s": seconds, "rate": size / seconds,
        "open_s": opened, "memory_mb": memory, "p50": pct(times, 50), "p95": pct(times, 95),
        "dense": searcher.index.manifest.dense["type"],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--stores", nargs="+", default=["file", "milvus"])
    base = Path("/tmp/assistant-bench/policy/index-onnx-int8")
    parser.add_argument("--base", type=Path, default=base, help="a built index, read only")
    parser.add_argument("--work", type=Path, default=Path("/tmp/assistant-scale"))
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # size store: the worker
    args = parser.parse_args()
    if args.one:
        size, store = int(args.one[0]), args.one[1]
        print(json.dumps(measure(args.base, size, store, args.work, args.questions)))
        return
    print(f"{'size':>8} {'store':>7} {'dense':>5} {'build s':>8} {'units/s':>8} {'open s':>7} "
          f"{'MB':>6} {'p50 ms':>7} {'p95 ms':>7}", flush=True)  # fmt: skip
    for size in args.sizes:
        for store in args.stores:
            command = [sys.executable, __file__, "--one", str(size), store, "--base",
                       str(args.base), "--work", str(args.work), "--questions",
                       str(args.questions)]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode:
                print(f"{size:>8} {store:>7} failed: {done.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{size:>8} {store:>7} {r['dense']:>5} {r['build_s']:>8.1f} {r['rate']:>8.0f} "
                  f"{r['open_s']:>7.1f} {r['memory_mb']:>6.0f} {r['p50']:>7.1f} "
                  f"{r['p95']:>7.1f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
