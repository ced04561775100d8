"""Load test of the web app: ``python bench/load.py [--clients 1 20 50] [--seconds 90]``.

For each ``--clients`` level in turn, that many threads, each with its own
``gradio_client.Client``, ask questions through the app's ``/ask`` endpoint back to back
for ``--seconds``. Every question is asked once only, in all the run: they come from one
pool of distinct questions (:func:`pool`: every question of ../shared/eval — the policy
sets over the app's corpus, follow-ups with their history, DataFountain's and CMRC 2018's
questions that the corpus mostly does not answer —; one in five of the others is asked
after an unrelated earlier question, as a conversation that changes topic), handed out
in a shuffled order shared by all clients (CMRC's last), so no cache can help. When the
pool runs dry a level stops early, and says so.

A request that fails, times out or returns an empty answer is an error. One row per
level: requests, errors, throughput, p50/p95/p99 latency, the share answered (not
refused); and of the app's process (when started here, or given by ``--pid``): the most
RSS seen, and CPU seconds per answer (its user + system time over the requests). The
machine's load average is printed before and after each level, and the most seen
during it: the machine is shared, so compare runs by their ratios.

Without ``--url`` the app is started here: the index is built (or updated) from
``--corpus`` into ``--index`` with ``--model`` (the bundled default; its build time and
size are printed), then ``python -m assistant serve`` runs on a free port and is stopped
at the end; its log is ``<index>/../app.log``. ``--checkout`` runs the build and the app
of another checkout (e.g. ``--checkout ../main`` for a before/after comparison with the
same questions and the same measures). The app started here logs to a fresh
``<index>/../load.sqlite3``; with a log database (that one, or ``--db URL`` for an app
started elsewhere), the answers logged during each level are counted against the answers
returned: none may be lost.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gradio_client import Client

from assistant.answering.evaluation import read_questions, table
from assistant.app.launch import running
from assistant.settings import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
# Over the app's corpus (a history when the file gives one), then questions it mostly cannot answer.
POLICY_FILES = ("seed_qa.jsonl", "policy_qa.jsonl", "colloquial_qa.jsonl", "citizen_qa.jsonl")
POLICY_FILES += ("staff_qa.jsonl", "followup_qa.jsonl", "followup2_qa.jsonl")
OTHER_FILES = ("datafountain/dev_qa.jsonl",)
CMRC = "cmrc2018/squad-style-data_cmrc2018_dev.json"
SWITCH_EVERY = 5  # one in five questions without a history of their own is asked after another
WARM_UP = "你好，请问这个助手能回答哪些问题？"  # not in the pool
API = "/ask"
NOT_FOUND = "未在已收录的文件中找到"  # the start of a refusal
HEADER = ["clients", "seconds", "requests", "errors", "answers/s", "p50 s", "p95 s", "p99 s"]
HEADER += ["answered", "max RSS MB", "CPU s/answer", "load max"]


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)  # progress; results on stdout


@dataclass(frozen=True)
class Asked:
    """One request: a question and the earlier questions of its conversation."""

    question: str
    history: tuple[str, ...] = ()


def pool(seed: int = 0) -> list[Asked]:
    """Every distinct question of the evaluation sets, shuffled (see the module's doc)."""
    rows = [q for name in POLICY_FILES + OTHER_FILES for q in read_questions(EVAL / name)]
    cmrc = json.loads((EVAL / CMRC).read_text("utf-8"))
    texts = [q["question"] for a in cmrc["data"] for p in a["paragraphs"] for q in p["qas"]]
    shuffle = random.Random(seed).sample
    seen: set[str] = set()
    asked: list[Asked] = []
    for part in (rows, [{"question": text} for text in texts]):
        start = len(asked)
        for row in part:
            question = row["question"].strip()
            if not question or question in seen:
                continue
            seen.add(question)
            history = tuple(row.get("history") or ())
            if not history and asked and len(seen) % SWITCH_EVERY == 0:
                history = (asked[-1].question,)  # a topic switch
            asked.append(Asked(question, history))
        asked[start:] = shuffle(asked[start:], len(asked) - start)
    return asked


class Questions:
    """The pool, handed out once each to whichever client asks next (thread-safe)."""

    def __init__(self, asked: list[Asked]) -> None:
        self._left = iter(asked)
        self._lock = threading.Lock()
        self.handed = 0

    def next(self) -> Asked | None:
        """The next question, or ``None`` when the pool is empty."""
        with self._lock:
            got = next(self._left, None)
            self.handed += got is not None
            return got


def ask(client: Client, asked: Asked, timeout: float) -> str:
    """One request to ``/ask``; raises on failure, time-out or an empty answer."""
    job = client.submit(asked.question, history=list(asked.history), api_name=API)
    reply = job.result(timeout=timeout)
    if not isinstance(reply, str) or not reply.strip():
        raise ValueError(f"empty answer: {reply!r}")
    return reply


class App:
    """The app's process as ``/proc`` shows it: RSS and CPU time (Linux)."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid

    def rss_mb(self) -> float:
        """Resident memory now (nan when unknown)."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except (OSError, TypeError):
            return float("nan")
        kb = next((int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:"), 0)
        return kb / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time so far, its threads included (nan when unknown)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, TypeError):
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pid() -> int | None:
    """The ``python -m assistant serve`` process this one started, if any."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and b"assistant" in command:
            return int(stat.parent.name)
    return None


@contextmanager
def running_app(
    corpus: Path, index: Path, model: str, timeout: float, checkout: Path
) -> Iterator[str]:
    """Build the index, start ``checkout``'s app on a free port, yield its URL, stop it."""
    log(f"building {index} from {corpus} with {model} by {checkout} …")
    build = [sys.executable, "-m", "assistant", "build"]
    build += ["--corpus", str(corpus), "--index", str(index), "--model", model]
    started, cpu = time.perf_counter(), _children_cpu()
    path = {"PYTHONPATH": str(checkout)}  # ``python -m`` finds the package in its cwd first
    build_env = {**os.environ, **path}
    subprocess.run(build, cwd=checkout, env=build_env, check=True, stdout=subprocess.DEVNULL)
    size = sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 2**20
    print(
        f"index: built in {time.perf_counter() - started:.0f} s "
        f"({_children_cpu() - cpu:.0f} CPU s), {size:.1f} MB on disk"
    )
    env = {"ASSISTANT_CORPUS": str(corpus), "ASSISTANT_INDEX": str(index), "ASSISTANT_MODEL": model}
    for stale in index.parent.glob("load.sqlite3*"):
        stale.unlink()
    env |= {"ASSISTANT_DB": str(index.parent / "load.sqlite3"), "ASSISTANT_LOG": "on"}
    started = time.perf_counter()
    with running({**env, **path}, index.parent / "app.log", timeout, cwd=checkout) as url:
        ask(Client(url, verbose=False), Asked(WARM_UP), timeout=timeout)  # the model is loaded
        log(f"app answers at {url} after {time.perf_counter() - started:.0f} s")
        yield url


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
    url: str,
    clients: int,
    seconds: float,
    timeout: float,
    questions: Questions,
    app: App,
    db: str = "",
) -> tuple[list[str], list[str]]:
    """One level: ``clients`` clients for ``seconds``; its row and notes (with ``db``, the
    log's rows against the answers returned)."""
    from assistant.records.writer import now

    logged_from = now()
    log(f"{clients} clients, {seconds:.0f} s against {url}")
    pool_ = [Client(url, verbose=False) for _ in range(clients)]
    latencies: list[float] = []
    errors: list[str] = []
    refused = [0]
    dry = threading.Event()

    def client_loop(client: Client, deadline: float) -> None:
        while time.perf_counter() < deadline:
            asked = questions.next()
            if asked is None:
                dry.set()
                return
            started = time.perf_counter()
            try:
                reply = ask(client, asked, timeout)
                latencies.append(time.perf_counter() - started)
                refused[0] += NOT_FOUND in reply
            except Exception as error:  # noqa: BLE001 - every failure is counted
                errors.append(f"{type(error).__name__}: {error}"[:200])

    load_before, cpu_before = os.getloadavg(), app.cpu_seconds()
    started = time.perf_counter()
    threads = [
        threading.Thread(target=client_loop, args=(client, started + seconds), daemon=True)
        for client in pool_
    ]
    for thread in threads:
        thread.start()
    rss, load = [app.rss_mb()], [load_before[0]]
    while any(thread.is_alive() for thread in threads):
        rss.append(app.rss_mb())
        load.append(os.getloadavg()[0])
        time.sleep(1)
    wall = time.perf_counter() - started
    cpu = app.cpu_seconds() - cpu_before
    done = len(latencies)
    cuts = statistics.quantiles(latencies, n=100) if done > 1 else [float("nan")] * 99
    row = [clients, f"{wall:.1f}", done + len(errors), len(errors), f"{done / wall:.2f}"]
    row += [f"{statistics.median(latencies or [float('nan')]):.2f}", f"{cuts[94]:.2f}"]
    row += [f"{cuts[98]:.2f}", f"{(done - refused[0]) / max(1, done):.2f}"]
    row += [f"{max(rss):.0f}", f"{cpu / max(1, done):.3f}", f"{max(load):.2f}"]
    notes = [f"load average before {fmt_load(load_before)}, after {fmt_load(os.getloadavg())}"]
    if db:
        time.sleep(5)  # the app's log writer drains its queue
        try:
            logged = logged_since(db, logged_from)
            notes.append(f"log: {logged} answers logged, {done} returned ({done - logged} lost)")
        except Exception as error:  # noqa: BLE001 - an app that logs nothing (an older one)
            notes.append(f"log: not read ({type(error).__name__})")
    if dry.is_set():
        notes.append("the pool of distinct questions ran dry: this level stopped early")
    notes += [f"error ×{n}: {message}" for message, n in Counter(errors).most_common(5)]
    return [str(c) for c in row], notes


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def fmt_load(load: tuple[float, float, float]) -> str:
    """``uptime``-style load averages."""
    return " ".join(f"{x:.2f}" for x in load)


def measure(url: str, args: argparse.Namespace, pid: int | None, db: str = "") -> None:
    """Every level in turn, then the table."""
    asked = pool()
    with_history = sum(bool(a.history) for a in asked)
    log(f"{len(asked)} distinct questions, {with_history} with a history")
    questions, app = Questions(asked), App(pid)
    rows, notes = [], []
    for clients in args.clients:
        row, said = run(url, clients, args.seconds, args.timeout, questions, app, db)
        rows.append(row)
        notes += [f"{clients} clients: {note}" for note in said]
        log(table([row], HEADER))
    print(table(rows, HEADER))
    print("\n".join(notes))
    print(
        f"{questions.handed} of {len(asked)} distinct questions asked ({with_history} of the pool "
        f"with a history), none twice; {os.cpu_count()} CPUs, shared with other jobs; "
        f"RSS and CPU of the app process {pid or '(unknown: give --pid)'}"
    )


def main() -> None:
    """Parse the command line; start the app unless ``--url`` is given; run the test."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 20, 50], help="levels")
    parser.add_argument("--seconds", type=float, default=90, help="per level (90)")
    parser.add_argument("--url", help="a running app; without it, the app is started here")
    parser.add_argument("--pid", type=int, help="with --url: the app's process, for RSS and CPU")
    parser.add_argument("--db", default="", help="with --url: the app's log (SQLAlchemy URL)")
    parser.add_argument("--timeout", type=float, default=120, help="per request, seconds (120)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="without --url")
    work = Path(tempfile.gettempdir()) / "assistant-load" / "index"
    parser.add_argument("--index", type=Path, default=work, help=f"without --url ({work})")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="without --url (bundled default)")
    parser.add_argument("--start-timeout", type=float, default=600, help="app start-up limit")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="whose app (this one's)")
    args = parser.parse_args()
    if args.url:
        measure(args.url, args, args.pid, args.db)
        return
    index = args.index.resolve()
    index.parent.mkdir(parents=True, exist_ok=True)
    checkout = args.checkout.resolve()
    with running_app(args.corpus.resolve(), index, args.model, args.start_timeout, checkout) as url:
        measure(url, args, child_pid(), f"sqlite:///{index.parent / 'load.sqlite3'}")


if __name__ == "__main__":
    main()
