"""Embedding backends of the bundled model side by side: torch fp32, ONNX fp32, ONNX int8.

Each backend runs in a fresh process of its own (so load time and memory are its own),
one after the other in one run: load time (imports included; the model is converted and
exported first, outside the timing, if the cache lacks it), passages/s on real Chinese
policy text cut into ~200-character passages (batch 32, best of 2 passes), single-query
latency p50/p95, resident memory after the passages and its peak, and each vector's
cosine to torch's. Ratios are against torch; the machine is shared, so compare those and
read the load averages printed with the table.

    python bench/embedding.py [--passages 256] [--queries 50] [--backends B …]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.index.embedders import load_embedder
from assistant.settings import BACKENDS, DEFAULT_MODEL

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
COLUMNS = ("load s", "passages/s", "query p50 ms", "query p95 ms", "RSS MB", "peak RSS MB")


def passages(count: int, size: int = 200) -> list[str]:
    """Cut ``count`` passages of ``size`` characters from the shared corpus' plain texts."""
    found: list[str] = []
    for path in sorted([*SHARED.glob("corpus/seed/*.txt"), *SHARED.glob("corpus/reports/*.txt")]):
        text = "".join(path.read_text("utf-8", errors="replace").split())
        found += [text[i : i + size] for i in range(0, len(text) - size + 1, size)]
        if len(found) >= count:
            return found[:count]
    raise SystemExit(f"only {len(found)} passages of {size} characters under {SHARED}")


def questions(count: int) -> list[str]:
    """Real questions: policy_qa, seed_qa, colloquial_qa (cycled if short)."""
    found = [
        json.loads(line)["question"]
        for name in ("policy_qa.jsonl", "seed_qa.jsonl", "colloquial_qa.jsonl")
        for line in (SHARED / "eval" / name).read_text("utf-8").splitlines()
        if line.strip()
    ]
    return [found[i % len(found)] for i in range(count)]


def measure(backend: str, n_passages: int, n_queries: int, out: Path) -> dict[str, float]:
    """One backend, in this (fresh) process; its vectors are saved to ``out``."""
    started = time.perf_counter()
    embedder = load_embedder(DEFAULT_MODEL, backend)
    result = {"load s": time.perf_counter() - started}
    texts, asked = passages(n_passages), questions(n_queries)
    embedder.encode_passages(texts[:8])  # warm-up
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        vectors = embedder.encode_passages(texts)
        best = min(best, time.perf_counter() - started)
    result["passages/s"] = len(texts) / best
    latencies, queries = [], []
    for question in asked:
        started = time.perf_counter()
        queries.append(embedder.encode_queries([question]))
        latencies.append((time.perf_counter() - started) * 1000)
    result["query p50 ms"] = float(np.percentile(latencies, 50))
    result["query p95 ms"] = float(np.percentile(latencies, 95))
    status = Path("/proc/self/status").read_text("ascii")
    result["RSS MB"] = int(status.split("VmRSS:")[1].split()[0]) / 1024
    result["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    np.save(out, np.concatenate([vectors, *queries]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=256)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=["torch", *BACKENDS[:2]])
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.passages, args.queries, args.out)))
        return
    for backend in args.backends:  # convert and export outside the timings, and in a child:
        # a process's peak RSS is inherited by the children it starts after it
        code = "from assistant.index.embedders import load_embedder as load; "
        code += f"load({DEFAULT_MODEL!r}, {backend!r})"
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    start_load = os.getloadavg()
    rows: dict[str, dict[str, float]] = {}
    vectors: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends:
            out = Path(tmp) / f"{backend}.npy"
            command = [sys.executable, __file__, "--one", backend, "--out", str(out)]
            command += ["--passages", str(args.passages), "--queries", str(args.queries)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            rows[backend] = json.loads(done.stdout.strip().splitlines()[-1])
            vectors[backend] = np.load(out)
    reference = args.backends[0]
    print(
        f"{args.passages} passages of 200 characters, {args.queries} single queries, "
        f"{os.cpu_count()} CPUs; load average {start_load[0]:.2f} at start, "
        f"{os.getloadavg()[0]:.2f} at end; (ratio to {reference})"
    )
    print("| backend | " + " | ".join(COLUMNS) + " | cosine to " + reference + " min / mean |")
    print("|---" * (len(COLUMNS) + 2) + "|")
    for backend, row in rows.items():
        cells = [f"{row[c]:.1f} ({row[c] / rows[reference][c]:.2f}×)" for c in COLUMNS]
        cosine = (vectors[backend] * vectors[reference]).sum(axis=1)
        cells.append(f"{cosine.min():.4f} / {cosine.mean():.4f}")
        print(f"| {backend} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
