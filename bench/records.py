"""The Q&A log under load: ``python bench/records.py [--rows 100000] [--threads 50] [--pg]``.

1. What logging adds to an answer: ``Logged.of`` (masking, JSON) plus the queue put, timed
   per answer over real answers (hash-embedder index of one notice), p50 and p95 in ms.
2. No row lost: ``--threads`` threads record ``--per-thread`` answers each at once through one
   :class:`Recorder`; the rows in the database must equal the answers recorded. With SQLite
   and (``--pg``: a throwaway server, as the tests start it) PostgreSQL.
3. The 运营 tab's first open over ``--rows`` logged answers (generated; 3,000 distinct
   questions): ``summarize`` of the period, counted by the database, grouped with
   :func:`wordings_only` or (``--model``) with the bundled model through a fresh
   :class:`Vectors` (the tab waits at most its budget for new questions' vectors), and its
   refresh once they are embedded; with ``--pg`` on PostgreSQL too. Then the export of the
   answers as CSV and XLSX. ``--model`` also times grouping 2,000 distinct questions.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Engine

from assistant.answering.answer import answer
from assistant.answering.search import Searcher
from assistant.index import build
from assistant.records import Logged, Recorder
from assistant.records.grouping import Embed, Vectors, wordings_only
from assistant.records.overview import summarize
from assistant.records.reports import entries, write_csv, write_xlsx
from assistant.records.schema import answers, connect
from assistant.records.writer import now
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
NOTICE = "关于城市书房建设的通知\n城市书房建设补助标准为每间8.8万元，由区财政于次年一季度拨付。\n"
QUESTIONS = (
    "城市书房补助标准是多少？我电话13812345678", "城市书房补助什么时候拨付", "书房怎么申请",
)  # fmt: skip


def overhead(work: Path, n: int = 2000) -> tuple[float, float]:
    corpus = work / "corpus"
    corpus.mkdir()
    (corpus / "notice.txt").write_text(NOTICE, encoding="utf-8")
    settings = Settings(corpus=corpus, index=work / "index", model="hash", min_score=0.0)
    build(settings)
    searcher = Searcher.open(settings)
    replies = [answer(searcher, q) for q in QUESTIONS]
    recorder = Recorder(f"sqlite:///{work / 'overhead.sqlite3'}")
    times = []
    for i in range(n):
        started = time.perf_counter()
        recorder.answered(Logged.of(
            QUESTIONS[i % 3], replies[i % 3], channel="web", conversation="c" * 32, history=0,
            filters={"year": "2024"}, seconds=0.05, generation="g",
        ))  # fmt: skip
        times.append(time.perf_counter() - started)
    recorder.close(60)
    return statistics.median(times) * 1000, np.percentile(times, 95) * 1000


def no_loss(url: str, threads: int, each: int) -> tuple[int, int, float]:
    recorder = Recorder(url)
    row = _row("q")

    def record(t: int) -> None:
        for n in range(each):
            recorder.answered(dataclasses.replace(row, id=f"{t:08d}{n:024d}", question=f"{t}-{n}"))

    started = time.perf_counter()
    workers = [threading.Thread(target=record, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert recorder.flush(600), "not written in 10 minutes"
    seconds = time.perf_counter() - started
    engine = connect(url)
    with engine.connect() as connection:
        stored = connection.execute(sa.select(sa.func.count()).select_from(answers)).scalar_one()
    engine.dispose()
    recorder.close()
    return threads * each, int(stored), seconds


def logged(url: str, rows: int) -> Engine:
    """``rows`` logged answers over 25 days, 3,000 distinct questions, one in five refused."""
    recorder = Recorder(url, days=0)
    base = _row("q")
    start = now() - timedelta(days=25)
    for n in range(rows):
        recorder.answered(dataclasses.replace(
            base, id=f"{n:032d}", question=f"问题{n % 3000}：城市书房补助标准",
            asked_at=start + timedelta(seconds=n * 20), outcome="found" if n % 5 else "refused",
        ))  # fmt: skip
    assert recorder.flush(900)
    recorder.close()
    return connect(url)


def opened(engine: Engine, embed: Embed) -> tuple[float, float]:
    """The 运营 tab's first open over the log (what ``refresh`` does: the summary of the last
    26 days, ``embed`` fresh), and its refresh once the questions are embedded (at most 3
    minutes later), in seconds."""
    until = date.today()
    since = until - timedelta(days=26)
    started = time.perf_counter()
    summarize(engine, since, until, embed)
    first = time.perf_counter() - started
    deadline = time.monotonic() + 180
    while getattr(embed, "pending", 0) and time.monotonic() < deadline:
        time.sleep(0.2)
    started = time.perf_counter()
    summarize(engine, since, until, embed)
    return first, time.perf_counter() - started


def export(work: Path, rows: int, embed: Embed = wordings_only) -> dict[str, float]:
    engine = logged(f"sqlite:///{work / 'export.sqlite3'}", rows)
    timings = {}
    timings["open"], timings["refresh"] = opened(engine, embed)
    started = time.perf_counter()
    found = entries(engine)
    timings["read"] = time.perf_counter() - started
    started = time.perf_counter()
    write_csv(found, work / "export.csv")
    timings["csv"] = time.perf_counter() - started
    started = time.perf_counter()
    write_xlsx(found, work / "export.xlsx")
    timings["xlsx"] = time.perf_counter() - started
    return timings


def bundled() -> Any:
    from assistant.index.embedders import load_embedder
    from assistant.settings import DEFAULT_MODEL

    return load_embedder(DEFAULT_MODEL, "onnx-int8", 0)


def model_grouping(n: int = 2000) -> float:
    from assistant.records.grouping import group

    embedder = bundled()
    asked = [f"第{i}个问题：城市书房补助标准是多少" for i in range(n)]
    started = time.perf_counter()
    group(asked, embedder.encode_queries)
    return time.perf_counter() - started


def _database(url: str, name: str) -> str:
    """A new, empty database ``name`` on the PostgreSQL server of ``url``."""
    admin = connect(url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"{url.rsplit('/', 1)[0]}/{name}"


def _row(question: str) -> Logged:
    return Logged.of(
        question, None, error="测试", channel="api", conversation="c" * 32, history=0,
        filters={}, seconds=0.001, generation="g",
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--per-thread", type=int, default=200)
    parser.add_argument("--pg", action="store_true", help="also against PostgreSQL")
    parser.add_argument("--model", action="store_true", help="time grouping with the model")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        work = Path(folder)
        p50, p95 = overhead(work)
        print(f"logging per answer: p50 {p50:.3f} ms, p95 {p95:.3f} ms")
        urls = {"sqlite": f"sqlite:///{work / 'load.sqlite3'}"}
        if args.pg:
            sys.path.insert(0, str(ROOT))
            from tests.postgres import postgres

            server = stack.enter_context(postgres())
            urls["postgresql"] = server.url
        for name, url in urls.items():
            sent, stored, seconds = no_loss(url, args.threads, args.per_thread)
            print(f"{name}: {args.threads} threads recorded {sent}, stored {stored} "
                  f"(lost {sent - stored}) in {seconds:.1f} s")  # fmt: skip
        model = bundled().encode_queries if args.model else None
        embed: Embed = Vectors(model) if model else wordings_only
        with_model = ", model" if model else ""
        timings = export(work, args.rows, embed)
        print(f"{args.rows} logged answers: 运营 tab opened (summary{with_model}) "
              f"{timings['open']:.1f} s, refreshed once grouped {timings['refresh']:.1f} s; "
              f"read {timings['read']:.1f} s, CSV {timings['csv']:.1f} s, "
              f"XLSX {timings['xlsx']:.1f} s")  # fmt: skip
        if args.pg:
            fresh = _database(urls["postgresql"], "opened")  # not the no-loss rows
            first, again = opened(logged(fresh, args.rows), Vectors(model) if model else embed)
            print(f"postgresql: {args.rows} logged answers: 运营 tab opened (summary{with_model}) "
                  f"{first:.1f} s, refreshed once grouped {again:.1f} s")  # fmt: skip
    if args.model:
        print(f"grouping 2000 distinct questions with the model: {model_grouping():.1f} s")


if __name__ == "__main__":
    main()
