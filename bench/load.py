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
RSS seen, and CPU seconds per answer (its user + system time over the requests); and the
CPU seconds per answer of the clients themselves (this process: they share the machine
with the app). The machine's load average is printed before and after each level, and
the most seen during it: the machine is shared, so compare runs by their ratios.

Without ``--url`` the app is started here: the index is built (or updated; not with
``--no-build``) from ``--corpus`` into ``--index`` with ``--model`` (the bundled default;
its build time and size are printed), then ``python -m assistant serve`` runs on a free
port and is stopped at the end; its log is ``<index>/../app-<name>.log``. ``--checkout``
runs the build and the app of other checkouts: ``--checkout ../main .`` starts both apps
on the one index, side by side, for a before/after comparison with the same questions
and the same measures: at each level each app is asked in turn (the first one first at
the first level, last at the next, and so on), each the same questions in the same
order, each level from the same question on. ``--url`` (and ``--pid``, ``--db``) does
the same with apps already running. An app started here logs to a fresh
``<index>/../load-<name>.sqlite3``; with a log database (that one, or ``--db URL`` for an
app started elsewhere), the answers logged during each level are counted against the
answers returned: none may be lost.
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
from contextlib import ExitStack, contextmanager
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
# gradio_client builds an httpx client per request, loading the CA bundle each time unless
# told not to: 60 ms of the load's own CPU per request (7 ms without), on the app's cores.
SSL_VERIFY = False
HEADER = ["clients", "seconds", "requests", "errors", "answers/s", "p50 s", "p95 s", "p99 s"]
HEADER += ["answered", "max RSS MB", "CPU s/answer", "client CPU s/answer", "load max"]


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
        self._asked = asked
        self._lock = threading.Lock()
        self.handed = 0

    def next(self) -> Asked | None:
        """The next question, or ``None`` when the pool is empty."""
        with self._lock:
            if self.handed >= len(self._asked):
                return None
            self.handed += 1
            return self._asked[self.handed - 1]

    def skip_to(self, handed: int) -> None:
        """Go on from question ``handed`` (of the pool's order) on."""
        with self._lock:
            self.handed = max(self.handed, handed)


def new_client(url: str) -> Client:
    """A client of the app at ``url`` (see :data:`SSL_VERIFY`)."""
    return Client(url, verbose=False, ssl_verify=SSL_VERIFY or url.startswith("https:"))


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


def child_pid(url: str) -> int | None:
    """The ``python -m assistant serve`` process this one started to serve ``url``, if any."""
    port = f"GRADIO_SERVER_PORT={url.rstrip('/').rsplit(':', 1)[-1]}".encode()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
            environ = (stat.parent / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and b"assistant" in command and port in environ:
            return int(stat.parent.name)
    return None


@contextmanager
def running_app(
    corpus: Path,
    index: Path,
    model: str,
    timeout: float,
    checkout: Path,
    name: str,
    build: bool,
    db: str,
) -> Iterator[str]:
    """Build the index (unless ``build`` is false), start ``checkout``'s app on a free port
    logging into ``db`` (an SQLAlchemy URL), yield its URL, stop it."""
    path = {"PYTHONPATH": str(checkout)}  # ``python -m`` finds the package in its cwd first
    if build:
        log(f"building {index} from {corpus} with {model} by {checkout} …")
        command = [sys.executable, "-m", "assistant", "build"]
        command += ["--corpus", str(corpus), "--index", str(index), "--model", model]
        started, cpu = time.perf_counter(), _children_cpu()
        build_env = {**os.environ, **path}
        subprocess.run(command, cwd=checkout, env=build_env, check=True, stdout=subprocess.DEVNULL)
        size = sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 2**20
        print(
            f"index: built in {time.perf_counter() - started:.0f} s "
            f"({_children_cpu() - cpu:.0f} CPU s), {size:.1f} MB on disk"
        )
    env = {"ASSISTANT_CORPUS": str(corpus), "ASSISTANT_INDEX": str(index), "ASSISTANT_MODEL": model}
    if db.startswith("sqlite:///"):
        for stale in index.parent.glob(f"{Path(db.removeprefix('sqlite:///')).name}*"):
            stale.unlink()
    env |= {"ASSISTANT_DB": db, "ASSISTANT_LOG": "on"}
    started = time.perf_counter()
    app_log = index.parent / f"app-{name}.log"
    with running({**env, **path}, app_log, timeout, cwd=checkout) as url:
        ask(new_client(url), Asked(WARM_UP), timeout=timeout)  # the model is loaded
        log(f"{name} answers at {url} after {time.perf_counter() - started:.0f} s")
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
    pool_ = [new_client(url) for _ in range(clients)]
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
    client_before = _own_cpu()
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
    cpu, client_cpu = app.cpu_seconds() - cpu_before, _own_cpu() - client_before
    done = len(latencies)
    cuts = statistics.quantiles(latencies, n=100) if done > 1 else [float("nan")] * 99
    row = [clients, f"{wall:.1f}", done + len(errors), len(errors), f"{done / wall:.2f}"]
    row += [f"{statistics.median(latencies or [float('nan')]):.2f}", f"{cuts[94]:.2f}"]
    row += [f"{cuts[98]:.2f}", f"{(done - refused[0]) / max(1, done):.2f}"]
    row += [f"{max(rss):.0f}", f"{cpu / max(1, done):.3f}", f"{client_cpu / max(1, done):.3f}"]
    row += [f"{max(load):.2f}"]
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


def _own_cpu() -> float:
    """User + system CPU seconds of this process (the clients) so far."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def fmt_load(load: tuple[float, float, float]) -> str:
    """``uptime``-style load averages."""
    return " ".join(f"{x:.2f}" for x in load)


@dataclass(frozen=True)
class Target:
    """One app under test: its name in the table, URL, process and log database."""

    name: str
    url: str
    pid: int | None = None
    db: str = ""


def measure(targets: list[Target], args: argparse.Namespace) -> None:
    """Every level in turn, each app in turn at each level (their order alternating from
    one level to the next, so that none always runs first), then the table. Every app is
    asked the same questions in the same order, each level from the same question on."""
    asked = pool()
    with_history = sum(bool(a.history) for a in asked)
    log(f"{len(asked)} distinct questions, {with_history} with a history")
    questions = {t.name: Questions(asked) for t in targets}
    rows, notes = [], []
    for level, clients in enumerate(args.clients):
        for target in targets[::-1] if level % 2 else targets:
            app = App(target.pid)
            row, said = run(
                target.url, clients, args.seconds, args.timeout, questions[target.name], app,
                target.db,
            )  # fmt: skip
            rows.append([target.name, *row])
            notes += [f"{target.name}, {clients} clients: {note}" for note in said]
            log(table([rows[-1]], ["app", *HEADER]))
        # the next level asks every app the same questions, past those any app was asked
        furthest = max(q.handed for q in questions.values())
        for left in questions.values():
            left.skip_to(furthest)
    print(table(rows, ["app", *HEADER]))
    print("\n".join(notes))
    handed = max(q.handed for q in questions.values())
    print(
        f"{handed} of {len(asked)} distinct questions asked per app ({with_history} of the pool "
        f"with a history), none twice; {os.cpu_count()} CPUs, shared with other jobs; RSS and "
        f"CPU of the app processes {[t.pid for t in targets]} (None: unknown, give --pid); "
        "client CPU: this process's, all its clients"
    )


def main() -> None:
    """Parse the command line; start the apps unless ``--url`` is given; run the test."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 20, 50], help="levels")
    parser.add_argument("--seconds", type=float, default=90, help="per level (90)")
    parser.add_argument("--url", nargs="+", help="running apps; without it, apps are started here")
    parser.add_argument("--pid", type=int, nargs="+", help="with --url: the apps' processes")
    parser.add_argument("--db", nargs="+", help="with --url: the apps' logs (SQLAlchemy URLs)")
    parser.add_argument("--timeout", type=float, default=120, help="per request, seconds (120)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="without --url")
    work = Path(tempfile.gettempdir()) / "assistant-load" / "index"
    parser.add_argument("--index", type=Path, default=work, help=f"without --url ({work})")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="without --url (bundled default)")
    parser.add_argument("--start-timeout", type=float, default=600, help="app start-up limit")
    parser.add_argument(
        "--checkout", type=Path, nargs="+", default=[ROOT],
        help="whose apps (this one's); several are run side by side on one index",
    )  # fmt: skip
    parser.add_argument("--no-build", action="store_true", help="serve the index as it is")
    parser.add_argument(
        "--pg", action="store_true",
        help="the app logs into a throwaway PostgreSQL server (as the tests start it), one app",
    )  # fmt: skip
    args = parser.parse_args()
    if args.pg and (args.url or len(args.checkout) > 1):
        parser.error("--pg starts one app: not with --url or several --checkout")
    if args.url:
        pids, dbs = args.pid or [], args.db or []
        measure(
            [
                Target(f"app{i}", url, *(pids[i : i + 1] or [None]), *(dbs[i : i + 1] or [""]))
                for i, url in enumerate(args.url)
            ],
            args,
        )
        return
    index = args.index.resolve()
    index.parent.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus.resolve()
    names = _names([c.resolve() for c in args.checkout])
    with ExitStack() as stack:
        server = None
        if args.pg:
            sys.path.insert(0, str(ROOT))
            from tests.postgres import postgres

            server = stack.enter_context(postgres())
        targets = []
        for checkout, name in zip(args.checkout, names, strict=True):
            db = server.url if server else f"sqlite:///{index.parent / f'load-{name}.sqlite3'}"
            url = stack.enter_context(
                running_app(
                    corpus, index, args.model, args.start_timeout, checkout.resolve(), name,
                    not args.no_build, db,
                )
            )  # fmt: skip
            targets.append(Target(name, url, child_pid(url), db))
        measure(targets, args)


def _names(checkouts: list[Path]) -> list[str]:
    """A short name per checkout: its folder's name (numbered when two are the same)."""
    names = [c.name for c in checkouts]
    return [n if names.count(n) == 1 else f"{n}{i}" for i, n in enumerate(names)]


if __name__ == "__main__":
    main()
