"""智能提示 latency: ``python bench/suggest.py [--logged 10000] [--curated 1000] [--typed 2000]``.

A log of ``--logged`` answered questions (real questions: the DataFountain and CMRC 2018 dev
sets and ``../shared/eval``'s sets, the popular ones asked many times: Zipf-like) and
``--curated`` curated answers (in the curated answers' tables, each citing the FAQ page), over
four Guangzhou pages (hash-embedder index):

1. the :class:`Suggester`'s refresh (reading the log, the pinyin of every candidate), cold
   and warm;
2. ``complete`` in the process, for ``--typed`` inputs: 2–8 characters cut from a random
   question, or the pinyin initials of 2–5 of its characters; p50, p95, max;
3. ``GET /suggest`` served by the real app (``python -m assistant serve``, the same log) over
   HTTP, one request at a time: p50, p95, max.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from assistant.app.admin import Library
from assistant.app.launch import running
from assistant.app.suggest import Suggester
from assistant.index import build
from assistant.records import Recorder
from assistant.records.curated import CuratedStore
from assistant.records.schema import answers, curated_answers, curated_citations
from assistant.records.writer import new_id, now
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PAGES = (
    "16_一次性创业补贴_市人社局.html",
    "19_广州失业保险常见问题解答_2025-11版.html",
    "22_怎么申领广州市社会保障卡_2026.html",
    "34_电子居住证申领指南.html",
)


def real_questions() -> list[str]:
    """Every question of the eval sets, DataFountain's and CMRC 2018's dev sets, distinct."""
    eval_dir = SHARED / "eval"
    found: list[str] = []
    for path in [*eval_dir.glob("*.jsonl"), eval_dir / "datafountain" / "dev_qa.jsonl"]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append(json.loads(line)["question"])
    cmrc = json.loads((eval_dir / "cmrc2018" / "squad-style-data_cmrc2018_dev.json").read_text())
    for article in cmrc["data"]:
        for paragraph in article["paragraphs"]:
            found.extend(qa["question"] for qa in paragraph["qas"])
    return list(dict.fromkeys(q.strip() for q in found if q.strip()))


def seed(
    url: str, questions: list[str], logged: int, curated: int, sha256: str, rng: random.Random
) -> None:
    """``logged`` answered rows (popular questions repeated) and ``curated`` curated answers
    (citing the document whose file has ``sha256``)."""
    pool, kept = questions[curated:], questions[:curated]
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(pool))]
    asked = rng.choices(pool, weights, k=logged)
    recorder = Recorder(url)
    engine = recorder.engine()
    citations = json.dumps([{"marker": 1, "doc": PAGES[1]}], ensure_ascii=False)
    rows = [
        {"id": new_id(), "asked_at": now(), "conversation": new_id(), "channel": "web",
         "question": q, "history": 0, "filters": "{}", "understood": "", "outcome": "found",
         "reason": "", "kind": "", "answered_by": "extract", "answer": "…",
         "citations": citations, "latency_ms": 100.0, "generation": "g"}
        for q in asked
    ]  # fmt: skip
    curated = [
        {"id": n, "question": q, "phrasings": "[]", "answer": "…", "author": "bench",
         "created_at": now(), "updated_at": now(), "status": "active"}
        for n, q in enumerate(kept, 1)
    ]  # fmt: skip
    cited = [
        {"curated_id": n, "position": 0, "doc": PAGES[1], "sha256": sha256, "section": "",
         "chunk_id": "", "passage": ""}
        for n in range(1, len(kept) + 1)
    ]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(answers.insert(), rows)
        connection.execute(curated_answers.insert(), curated)
        connection.execute(curated_citations.insert(), cited)
    recorder.close()


def typed_inputs(questions: list[str], n: int, rng: random.Random) -> list[str]:
    """What people type: a run of 2–8 characters, or the pinyin initials of 2–5."""
    from pypinyin import Style, lazy_pinyin

    inputs = []
    for _ in range(n):
        question = rng.choice(questions)
        size = rng.randint(2, 8)
        start = rng.randint(0, max(0, len(question) - size))
        piece = question[start : start + size]
        if rng.random() < 1 / 3:
            letters = "".join(lazy_pinyin(piece, style=Style.FIRST_LETTER)).lower()
            piece = "".join(c for c in letters if c.isascii() and c.isalpha())[: rng.randint(2, 5)]
        inputs.append(piece)
    return [i for i in inputs if len(i) >= 2]


def percentiles(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return f"p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logged", type=int, default=10_000)
    parser.add_argument("--curated", type=int, default=1_000)
    parser.add_argument("--typed", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(35)
    with tempfile.TemporaryDirectory(prefix="bench-suggest-") as folder:
        work = Path(folder)
        corpus = work / "corpus"
        corpus.mkdir()
        for name in PAGES:
            shutil.copy(SHARED / "corpus" / "html" / name, corpus / name)
        settings = Settings(corpus=corpus, index=work / "index", model="hash", min_score=0.0)
        build(settings)
        questions = real_questions()
        rng.shuffle(questions)
        database = work / "data" / "assistant.sqlite3"
        url = f"sqlite:///{database}"
        library = Library(settings)
        faq = next(d for d in library.ready().index.documents if d.path == PAGES[1])
        seed(url, questions, args.logged, args.curated, faq.sha256, rng)
        print(f"{len(questions)} real questions; {args.logged} logged, {args.curated} curated")

        recorder = Recorder(url)
        suggester = Suggester(library, recorder, CuratedStore(url))
        started = time.perf_counter()
        suggester.refresh()
        cold = time.perf_counter() - started
        started = time.perf_counter()
        suggester.refresh()
        warm = time.perf_counter() - started
        count = len(suggester._completions)
        print(f"refresh: {cold:.2f} s cold, {warm:.2f} s warm ({count} candidates)")

        inputs = typed_inputs(questions, args.typed, rng)
        times, offered = [], 0
        for typed in inputs:
            started = time.perf_counter()
            offered += bool(suggester.complete(typed))
            times.append(time.perf_counter() - started)
        print(f"complete (in process, {len(inputs)} inputs, {offered} offered something): "
              f"{percentiles(times)}")  # fmt: skip
        recorder.close()

        env = {
            "ASSISTANT_CORPUS": str(corpus), "ASSISTANT_INDEX": str(settings.index),
            "ASSISTANT_MODEL": "hash", "ASSISTANT_DB": url, "ASSISTANT_LOG": "on",
        }  # fmt: skip
        with running(env, log=work / "app.log", timeout=300) as address:
            deadline = time.monotonic() + 120
            probe = address + "suggest?q=" + urllib.parse.quote(questions[-1][:3])
            while time.monotonic() < deadline:  # the app reads its candidates at start
                with urllib.request.urlopen(probe, timeout=10) as response:
                    if json.loads(response.read())["suggestions"]:
                        break
                time.sleep(0.5)
            times = []
            for typed in inputs[: args.requests]:
                started = time.perf_counter()
                with urllib.request.urlopen(
                    address + "suggest?q=" + urllib.parse.quote(typed), timeout=10
                ) as response:
                    response.read()
                times.append(time.perf_counter() - started)
        print(f"GET /suggest (served, {len(times)} requests): {percentiles(times)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
