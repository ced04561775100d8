"""The :class:`Recorder`: what the app logs, written by one background thread.

Answering never waits for the database: :meth:`Recorder.answered`,
:meth:`Recorder.rate` and :meth:`Recorder.audit` put a row on a queue and return.
The writer thread connects (and migrates) on its first row, writes what has queued up
in one transaction, and when a write fails reports it on the terminal and retries the
same rows with a growing pause (up to :data:`MAX_PAUSE` s) while new rows keep queuing.
An SQLite file removed under the running app is reported and created anew. Once a day
it deletes what is older than the retention period.
"""

from __future__ import annotations

import json
import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..settings import Settings
from ..types import Answer
from . import schema
from .masking import mask

log = logging.getLogger(__name__)
MAX_PAUSE = 30.0  # seconds between retries of a failing write, at most
MAX_QUEUED = 100_000  # rows waiting while the database is away; later ones are dropped
BATCH = 500
PURGE_EVERY = timedelta(days=1)
REASONS = ("答非所问", "信息过时", "不完整", "引用有误", "其他")
COMMENT_CHARS = 500


class Rating(StrEnum):
    """A vote on an answer."""

    UP = "up"
    DOWN = "down"


class Outcome(StrEnum):
    """How a question went."""

    FOUND = "found"
    REFUSED = "refused"  # the documents do not answer it
    INVALID = "invalid"  # not answered: empty, too long, index not ready …


def now() -> datetime:
    """The current time as stored: UTC, without a zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_id() -> str:
    """A random id (32 hex digits) for an answer or a conversation."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Logged:
    """One answered question as the ``answers`` table stores it (question already masked)."""

    id: str
    asked_at: datetime
    conversation: str
    channel: str
    question: str
    history: int
    filters: str
    understood: str
    outcome: str
    reason: str
    kind: str
    answered_by: str
    answer: str
    citations: str
    latency_ms: float
    generation: str

    @classmethod
    def of(
        cls,
        question: str,
        reply: Answer | None,
        *,
        error: str = "",
        channel: str,
        conversation: str,
        history: int,
        filters: Mapping[str, str],
        seconds: float,
        generation: str,
    ) -> Logged:
        """The row for ``reply`` to ``question`` (``reply`` is ``None`` when it was refused
        as input, with the ``error`` the user was shown)."""
        from ..answering.render import as_text

        if reply is None:
            outcome, reason, answer, cited = Outcome.INVALID, error, error, []
        else:
            outcome = Outcome.FOUND if reply.found else Outcome.REFUSED
            reason, answer = reply.reason, as_text(reply)
            cited = [_citation(marker, hit) for marker, hit in enumerate(reply.citations, 1)]
        return cls(
            id=new_id(), asked_at=now(), conversation=conversation, channel=channel,
            question=mask(question), history=history,
            filters=json.dumps({k: v for k, v in filters.items() if v}, ensure_ascii=False),
            understood=reply.understood if reply else "", outcome=outcome, reason=reason,
            kind=reply.kind if reply else "", answered_by=reply.answered_by if reply else "",
            answer=answer, citations=json.dumps(cited, ensure_ascii=False),
            latency_ms=round(seconds * 1000, 1), generation=generation,
        )  # fmt: skip


def _citation(marker: int, hit: Any) -> dict[str, Any]:
    chunk, source = hit.chunk, hit.chunk.source
    return {
        "marker": marker, "doc": chunk.doc, "title": source.title,
        "doc_number": source.doc_number, "section": chunk.section,
        "page": chunk.page_start, "chunk_id": chunk.id, "text": chunk.text,
    }  # fmt: skip


@dataclass
class _Stats:
    written: int = 0
    failures: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)


class Recorder:
    """The app's handle on the log database; with ``url=None`` it records nothing.

    Args:
        url: An SQLAlchemy URL (``sqlite:///data/assistant.sqlite3``,
            ``postgresql://…``), or ``None`` when logging is off.
        days: Rows older than this many days are deleted daily (0 = kept).
        pause: Seconds before the first retry of a failing write (doubling up to
            :data:`MAX_PAUSE`).
    """

    def __init__(self, url: str | None, days: int = 180, pause: float = 1.0) -> None:
        self.url = url
        self.days = days
        self.pause = pause
        self.stats = _Stats()
        self._engine: Any = None
        self._connecting = threading.Lock()
        self._queue: queue.SimpleQueue[tuple[str, dict[str, Any]]] = queue.SimpleQueue()
        self._pending = 0
        self._idle = threading.Condition()
        self._issued: OrderedDict[str, None] = OrderedDict()
        self._purged: datetime | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Recorder:
        """The recorder ``settings`` ask for (``log="off"``: one that records nothing)."""
        return cls(settings.db_url if settings.log == "on" else None, settings.log_days)

    @property
    def enabled(self) -> bool:
        return self.url is not None

    def answered(self, row: Logged) -> None:
        """Queue ``row`` for the ``answers`` table."""
        self._issued[row.id] = None
        while len(self._issued) > 10_000:
            self._issued.popitem(last=False)
        self._put("answer", asdict(row))

    def rate(self, answer_id: str, rating: str, reason: str = "", comment: str = "") -> str:
        """Queue a vote on an answer (it replaces an earlier vote on it); return the thanks.

        Raises:
            ValueError: An unknown answer, rating or reason, or a comment too long; the
                message says which, in Chinese.
        """
        if rating not in tuple(Rating):
            raise ValueError(f"评价只能是 up 或 down，收到 {rating!r}")
        if reason and reason not in REASONS:
            raise ValueError(f"原因只能是 {'、'.join(REASONS)} 之一，收到 {reason!r}")
        if len(comment) > COMMENT_CHARS:
            raise ValueError(f"补充说明过长（{len(comment)} 字，上限 {COMMENT_CHARS} 字）")
        if not self.known(answer_id):
            raise ValueError(f"没有这个回答：{answer_id!r}")
        self._put(
            "feedback",
            {"answer_id": answer_id, "at": now(), "rating": rating,
             "reason": reason if rating == Rating.DOWN else "", "comment": mask(comment.strip())},
        )  # fmt: skip
        if rating == Rating.UP:
            return "感谢您的肯定，反馈已收到。"
        return f"反馈已收到（{reason}），我们会据此改进。" if reason else "反馈已收到，谢谢。"

    def audit(self, action: str, ok: bool, session: str = "", detail: str = "") -> None:
        """Queue a row for the ``audit`` table (a login, an upload, a rebuild …)."""
        self._put(
            "audit",
            {"at": now(), "action": action, "ok": ok, "session": session, "detail": detail},
        )

    def known(self, answer_id: str) -> bool:
        """Whether ``answer_id`` was issued here or is in the database."""
        if answer_id in self._issued:
            return True
        if not self.enabled or not answer_id:
            return False
        try:
            with self.engine().connect() as connection:
                found = connection.execute(
                    schema.select(schema.answers.c.id).where(schema.answers.c.id == answer_id)
                ).first()
        except Exception as error:  # noqa: BLE001 - an unreachable database is "unknown"
            log.error("日志数据库不可用 log database unavailable: %s", error)
            return False
        return found is not None

    def engine(self) -> Any:
        """The database engine, connected and migrated on first use."""
        with self._connecting:
            if self._engine is None:
                engine = schema.connect(str(self.url))
                schema.migrate(engine)
                self._engine = engine
            return self._engine

    def purge(self, at: datetime | None = None) -> int:
        """Delete answers, votes and audit rows older than :attr:`days`; return the answers
        deleted (none when ``days`` is 0)."""
        if not self.days:
            return 0
        cutoff = (at or now()) - timedelta(days=self.days)
        answers, feedback, audit = schema.answers, schema.feedback, schema.audit
        with self.engine().begin() as connection:
            gone = connection.execute(answers.delete().where(answers.c.asked_at < cutoff))
            connection.execute(feedback.delete().where(feedback.c.at < cutoff))
            connection.execute(audit.delete().where(audit.c.at < cutoff))
        self._purged = at or now()
        return int(gone.rowcount or 0)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued row is written; ``False`` when ``timeout`` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued (for up to ``timeout`` s), then stop the writer."""
        self.flush(timeout)
        self._stopping = True
        if self._engine is not None:
            self._engine.dispose()

    def _put(self, kind: str, values: dict[str, Any]) -> None:
        if not self.enabled:
            return
        with self._idle:
            if self._pending >= MAX_QUEUED:
                self.stats.dropped += 1
                if self.stats.dropped % 1000 == 1:
                    log.error("日志队列已满，丢弃 %d 条 log queue full", self.stats.dropped)
                return
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="log-writer", daemon=True)
                self._thread.start()
        self._queue.put((kind, values))

    def _run(self) -> None:
        while not self._stopping:
            try:
                batch = [self._queue.get(timeout=60)]
            except queue.Empty:
                self._purge_if_due()
                continue
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write_until_done(batch)

    def _write_until_done(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> None:
        pause = self.pause
        while True:
            try:
                self._check_file()
                self._write(batch)
            except Exception as error:  # noqa: BLE001 - reported, retried; answering goes on
                self.stats.failures += 1
                self.stats.errors.append(str(error)[:300])
                log.error(
                    "问答日志写入失败，%.0f 秒后重试（%d 条待写） log write failed: %s",
                    pause, len(batch), error,
                )  # fmt: skip
                self._reset()
                time.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE)
                continue
            if self.stats.failures and pause > self.pause:
                log.error("问答日志已恢复写入 log writes resumed (%d 条)", len(batch))
            self.stats.written += len(batch)
            self._purge_if_due()
            with self._idle:
                self._pending -= len(batch)
                self._idle.notify_all()
            return

    def _write(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> None:
        answers = [values for kind, values in batch if kind == "answer"]
        votes = [values for kind, values in batch if kind == "feedback"]
        audits = [values for kind, values in batch if kind == "audit"]
        with self.engine().begin() as connection:
            if answers:
                connection.execute(schema.answers.insert(), answers)
            for vote in votes:  # the latest vote on an answer replaces an earlier one
                table = schema.feedback
                connection.execute(table.delete().where(table.c.answer_id == vote["answer_id"]))
                connection.execute(table.insert(), vote)
            if audits:
                connection.execute(schema.audit.insert(), audits)

    def _check_file(self) -> None:
        """Report an SQLite file removed under the running app; the next write creates it."""
        if self._engine is None or not str(self.url).startswith("sqlite:///"):
            return
        path = Path(str(self.url).removeprefix("sqlite:///"))
        if not path.exists():
            log.error("问答日志数据库 %s 已不存在，重新创建 log database removed, recreating", path)
            self._reset()

    def _reset(self) -> None:
        with self._connecting:
            if self._engine is not None:
                self._engine.dispose()
            self._engine = None

    def _purge_if_due(self) -> None:
        if not self.days or (self._purged and now() - self._purged < PURGE_EVERY):
            return
        try:
            if gone := self.purge():
                log.warning("已删除 %d 天前的问答日志 %d 条 purged", self.days, gone)
        except Exception as error:  # noqa: BLE001 - tried again tomorrow
            self._purged = now()
            log.error("问答日志清理失败 log purge failed: %s", error)
