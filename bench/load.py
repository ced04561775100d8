"""Load test of the web app: ``python bench/load.py [--clients 50] [--seconds 60] [--url URL]``.

``--clients`` threads, each with its own ``gradio_client.Client``, ask real questions
(../shared/eval seed_qa + policy_qa, shuffled per client) through the app's ``/ask``
endpoint back to back for ``--seconds``. A request that fails, times out or returns
an empty answer is an error. Prints one table: clients, seconds (wall, until the
last request returned), requests, errors, throughput and p50/p95/max latency, plus
the queue settings that can be seen from outside and the machine's load average.

Without ``--url`` the app is started here: the index is built (or updated) from
``--corpus`` into ``--index`` with ``--model`` (the bundled default), then
``python app.py`` runs on a free port and is stopped at the end; its log is
``<index>/../app.log``; it logs to a fresh ``<index>/../load.sqlite3``.

With a log database (that one, or ``--db URL`` for an app started elsewhere), the answers
logged during the test are counted against the answers returned: none may be lost.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gradio_client import Client

from assistant.answering.evaluation import read_questions, table
from assistant.app.launch import running
from assistant.settings import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parents[1]

EVAL = ROOT.parent / "shared" / "eval"
QA_FILES = ("seed_qa.jsonl", "policy_qa.jsonl")
API = "/ask"
HEADER = ["clients", "seconds", "requests", "errors", "req/s", "p50 s", "p95 s", "max s"]


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)  # progress; results on stdout


def questions() -> list[str]:
    """The questions of the shared evaluation files, in file order."""
    return [q["question"] for name in QA_FILES for q in read_questions(EVAL / name)]


def ask(client: Client, question: str, timeout: float) -> str:
    """One request to ``/ask``; raises on failure, time-out or an empty answer."""
    reply = client.submit(question, api_name=API).result(timeout=timeout)
    if not isinstance(reply, str) or not reply.strip():
        raise ValueError(f"empty answer: {reply!r}")
    return reply


@contextmanager
def running_app(corpus: Path, index: Path, model: str, timeout: float) -> Iterator[str]:
    """Build the index, start ``python app.py`` on a free port, yield its URL, stop it."""
    log(f"building {index} from {corpus} with {model} …")
    build = [sys.executable, "-m", "assistant", "build"]
    build += ["--corpus", str(corpus), "--index", str(index), "--model", model]
    subprocess.run(build, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    env = {"ASSISTANT_CORPUS": str(corpus), "ASSISTANT_INDEX": str(index), "ASSISTANT_MODEL": model}
    database = index.parent / "load.sqlite3"
    for stale in index.parent.glob("load.sqlite3*"):
        stale.unlink()
    env |= {"ASSISTANT_DB": str(database), "ASSISTANT_LOG": "on"}
    started = time.perf_counter()
    with running(env, log=index.parent / "app.log", timeout=timeout) as url:
        ask(Client(url, verbose=False), questions()[0], timeout=timeout)  # the model is loaded
        log(f"app answers at {url} after {time.perf_counter() - started:.0f} s")
        yield url


def settings_seen(client: Client, started_here: bool) -> dict[str, Any]:
    """What can be seen of the app's queue: Gradio version, the endpoint's queue flag, limit.

    Gradio does not publish concurrency limits; when the app was started here, the
    ``GRADIO_DEFAULT_CONCURRENCY_LIMIT`` it inherited (if any) is reported.
    """
    config = client.config
    default = "Gradio default: 1 per event, unless app.queue()/the event sets it"
    limit = os.environ.get("GRADIO_DEFAULT_CONCURRENCY_LIMIT", default) if started_here else "?"
    ask_config = next(
        (d for d in config.get("dependencies", []) if d.get("api_name") == API.strip("/")), {}
    )
    return {
        "gradio": config.get("version", "?"),
        "queue": ask_config.get("queue", "?"),
        "concurrency_limit": limit,
    }


def queue_size(url: str, prefix: str) -> int | None:
    """Requests waiting in the app's queue (Gradio's ``/queue/status``), or None."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}{prefix}/queue/status", timeout=5) as r:
            return int(json.load(r)["queue_size"])
    except Exception:  # noqa: BLE001 - the status route is informative only
        return None


def logged_since(db: str, since: Any) -> int:
    """Answers the app logged in ``db`` (an SQLAlchemy URL) from ``since`` on."""
    import sqlalchemy as sa

    from assistant.records.schema import answers, connect

    engine = connect(db)
    with engine.connect() as connection:
        query = sa.select(sa.func.count()).select_from(answers)
        count = connection.execute(query.where(answers.c.asked_at >= since)).scalar_one()
    engine.dispose()
    return int(count)


def run(
    url: str, clients: int, seconds: float, timeout: float, started_here: bool, db: str = ""
) -> None:
    """Run the load test against ``url`` and print the results (and, with ``db``, the log's
    rows against the answers returned)."""
    from assistant.records.writer import now
    asked = questions()
    log(f"{clients} clients, {len(asked)} questions, {seconds:.0f} s against {url}")
    pool = [Client(url, verbose=False) for _ in range(clients)]
    idle = [timed(lambda q=q: ask(pool[0], q, timeout)) for q in asked[:5]]
    latencies: list[float] = []
    errors: list[str] = []

    def client_loop(client: Client, seed: int, deadline: float) -> None:
        order = random.Random(seed).sample(asked, len(asked))
        i = 0
        while time.perf_counter() < deadline:
            question, i = order[i % len(order)], i + 1
            try:
                latencies.append(timed(lambda: ask(client, question, timeout)))
            except Exception as error:  # noqa: BLE001 - every failure is counted
                errors.append(f"{type(error).__name__}: {error}"[:200])

    load_before = os.getloadavg()
    logged_from = now()
    started = time.perf_counter()
    threads = [
        threading.Thread(target=client_loop, args=(client, seed, started + seconds), daemon=True)
        for seed, client in enumerate(pool)
    ]
    for thread in threads:
        thread.start()
    prefix = pool[0].config.get("api_prefix", "/gradio_api")
    queued: list[int] = []
    while any(thread.is_alive() for thread in threads):
        if (size := queue_size(url, prefix)) is not None:
            queued.append(size)
        time.sleep(1)
    wall = time.perf_counter() - started
    seen = settings_seen(pool[0], started_here)
    report(clients, wall, latencies, errors, idle, queued, len(set(asked)), seen)
    print(f"load average before {fmt_load(load_before)}, after {fmt_load(os.getloadavg())} "
          f"on {os.cpu_count()} CPUs (other jobs share them)")  # fmt: skip
    if db:
        time.sleep(5)  # the app's log writer drains its queue
        logged = logged_since(db, logged_from)
        print(f"log: {logged} answers logged, {len(latencies)} returned "
              f"({len(latencies) - logged} lost; errors may be logged too)")  # fmt: skip


def timed(call: Callable[[], object]) -> float:
    """Seconds that ``call()`` took."""
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def fmt_load(load: tuple[float, float, float]) -> str:
    """``uptime``-style load averages."""
    return " ".join(f"{x:.2f}" for x in load)


def report(
    clients: int,
    wall: float,
    latencies: list[float],
    errors: list[str],
    idle: list[float],
    queued: list[int],
    distinct: int,
    seen: dict[str, Any],
) -> None:
    """Print the results table and what was seen of the app's queue."""
    done = len(latencies) + len(errors)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else float("nan")
    row = [clients, f"{wall:.1f}", done, len(errors), f"{len(latencies) / wall:.2f}"]
    row += [f"{x:.2f}" for x in (statistics.median(latencies or [float("nan")]), p95)]
    row.append(f"{max(latencies, default=float('nan')):.2f}")
    print(table([[str(c) for c in row]], HEADER))
    print(
        f"\none client alone (first {len(idle)} questions): p50 {statistics.median(idle):.2f} s; "
        f"queue size max {max(queued, default='?')} (sampled each second); "
        f"{distinct} distinct questions, so most requests repeat one"
    )
    print(
        f"app: gradio {seen['gradio']}, {API} queued: {seen['queue']}, "
        f"concurrency limit: {seen['concurrency_limit']}"
    )
    for message, count in Counter(errors).most_common(5):
        print(f"error ×{count}: {message}")


def main() -> None:
    """Parse the command line; start the app unless ``--url`` is given; run the test."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--seconds", type=float, default=60, help="test duration (60)")
    parser.add_argument("--url", help="a running app; without it, app.py is started here")
    parser.add_argument("--timeout", type=float, default=120, help="per request, seconds (120)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="without --url")
    work = Path(tempfile.gettempdir()) / "assistant-load" / "index"
    parser.add_argument("--index", type=Path, default=work, help=f"without --url ({work})")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="without --url (bundled default)")
    parser.add_argument("--start-timeout", type=float, default=600, help="app start-up limit")
    parser.add_argument("--db", default="", help="with --url: the app's log (SQLAlchemy URL)")
    args = parser.parse_args()
    if args.url:
        run(args.url, args.clients, args.seconds, args.timeout, started_here=False, db=args.db)
        return
    index = args.index.resolve()
    index.parent.mkdir(parents=True, exist_ok=True)
    db = f"sqlite:///{index.parent / 'load.sqlite3'}"
    with running_app(args.corpus.resolve(), index, args.model, args.start_timeout) as url:
        run(url, args.clients, args.seconds, args.timeout, started_here=True, db=db)


if __name__ == "__main__":
    main()
