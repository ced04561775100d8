"""What the 运营 tab and the exports read from the log: a period's answers with their votes,
per-day counts, a search, CSV (UTF-8 with BOM, for Excel) and XLSX files.

Times are stored in UTC and shown in the server's local time zone, in which days are counted.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from itertools import chain
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine, and_, or_, select

from . import schema

COLUMNS = (
    "时间", "渠道", "会话", "问题", "结果", "原因", "问题类型", "回答方式", "回答", "引用",
    "评价", "评价原因", "评价说明", "用时（毫秒）", "索引版本", "回答编号",
)  # fmt: skip
AUDIT_COLUMNS = ("时间", "操作", "结果", "会话", "说明")
OUTCOMES = {"found": "已回答", "refused": "未能回答", "invalid": "未受理"}
VOTES = {"up": "👍", "down": "👎", "": ""}
ACTIONS = {
    "login": "登录", "upload": "上传", "replace": "替换", "remove": "移除", "rebuild": "重建索引",
    "curated": "人工审核答案",
    "synonyms": "同义词",
}  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """One logged answer with its vote (``rating`` empty when none)."""

    id: str
    asked_at: datetime  # local time
    conversation: str
    channel: str
    question: str
    outcome: str
    reason: str
    kind: str
    answered_by: str
    answer: str
    cited_json: str  # the citations as stored; read when shown (:attr:`citations`)
    latency_ms: float
    generation: str
    rating: str
    vote_reason: str
    comment: str

    @cached_property
    def citations(self) -> tuple[dict[str, Any], ...]:
        return tuple(json.loads(self.cited_json or "[]"))

    def cited(self) -> str:
        """The citations in one line: ``[1] 《title》文号 §section 第n页``."""
        return "；".join(
            f"[{c.get('marker', n)}] 《{c.get('title', '')}》{c.get('doc_number', '')}"
            + (f" {c['section']}" if c.get("section") else "")
            + (f" 第{c['page']}页" if c.get("page") else "")
            for n, c in enumerate(self.citations, 1)
        )

    def row(self) -> list[Any]:
        """The entry in :data:`COLUMNS` order."""
        return [
            self.asked_at.strftime("%Y-%m-%d %H:%M:%S"), self.channel, self.conversation,
            self.question, OUTCOMES.get(self.outcome, self.outcome), self.reason, self.kind,
            self.answered_by, self.answer, self.cited(), VOTES.get(self.rating, self.rating),
            self.vote_reason, self.comment, self.latency_ms, self.generation, self.id,
        ]  # fmt: skip


def bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """UTC bounds of the local days ``since``…``until`` (both included)."""
    return (_utc(since) if since else None, _utc(until + timedelta(days=1)) if until else None)


def within(column: Any, since: date | None, until: date | None) -> list[Any]:
    """Conditions: ``column`` (a stored time) falls in the local days ``since``…``until``."""
    start, end = bounds(since, until)
    return [*([column >= start] if start else []), *([column < end] if end else [])]


def entries(
    engine: Engine,
    since: date | None = None,
    until: date | None = None,
    search: str = "",
    rating: str = "",
) -> list[Entry]:
    """The answers asked from ``since`` to ``until`` (local days, included), oldest first,
    with their votes; with ``search``, those whose question, answer, reason, or vote reason
    or comment holds it; with ``rating`` (``up`` or ``down``), those voted so."""
    a, f = schema.answers, schema.feedback
    query = select(a, f.c.rating, f.c.reason.label("vote_reason"), f.c.comment).select_from(
        a.outerjoin(f, f.c.answer_id == a.c.id)
    )
    conditions = within(a.c.asked_at, since, until)
    if rating:
        conditions.append(f.c.rating == rating)
    if search.strip():
        like = f"%{search.strip()}%"
        conditions.append(
            or_(*(c.like(like) for c in (a.c.question, a.c.answer, a.c.reason, f.c.reason,
                                         f.c.comment)))
        )  # fmt: skip
    if conditions:
        query = query.where(and_(*conditions))
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(a.c.asked_at, a.c.id)).mappings().all()
    return [_entry(r) for r in rows]


def audit_rows(
    engine: Engine, since: date | None = None, until: date | None = None
) -> list[list[Any]]:
    """The audit rows of the period, newest first, in :data:`AUDIT_COLUMNS` order."""
    t = schema.audit
    query = select(t).where(*within(t.c.at, since, until))
    query = query.order_by(t.c.at.desc(), t.c.id.desc())
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        [local(r["at"]).strftime("%Y-%m-%d %H:%M:%S"), ACTIONS.get(r["action"], r["action"]),
         "成功" if r["ok"] else "失败",
         r["session"], r["detail"]]
        for r in rows
    ]  # fmt: skip


def daily(found: Sequence[Entry], since: date, until: date) -> list[list[Any]]:
    """Per day of the period: [日期, 提问, 未能回答, 未能回答占比, 👍, 👎]."""
    return per_day(
        ((e.asked_at.date(), 1, e.outcome != "found", e.rating == "up", e.rating == "down")
         for e in found),
        since, until,
    )  # fmt: skip


def per_day(
    counted: Iterable[tuple[date, int, int, int, int]], since: date, until: date
) -> list[list[Any]]:
    """:func:`daily`'s rows from counts (day, asked, refused, 👍, 👎), several per day allowed."""
    days: dict[date, list[int]] = {}
    day = since
    while day <= until:
        days[day] = [0, 0, 0, 0]
        day += timedelta(days=1)
    for day, *numbers in counted:
        counts = days.setdefault(day, [0, 0, 0, 0])
        for n, number in enumerate(numbers):
            counts[n] += int(number)
    return [
        [d.isoformat(), n, refused, share(refused, n), up, down]
        for d, (n, refused, up, down) in sorted(days.items())
    ]


def share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "—"


def write_csv(found: Iterable[Entry], path: Path) -> Path:
    """The entries as a CSV file, UTF-8 with a byte-order mark (Excel reads it as UTF-8)."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        write_csv_rows(found, out)
    return path


def write_csv_rows(found: Iterable[Entry], out: TextIO) -> None:
    """The entries as CSV rows under their header, written to ``out``."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows([cell(v) for v in entry.row()] for entry in found)


def write_xlsx(found: Iterable[Entry], path: Path, audit: Iterable[list[Any]] = ()) -> Path:
    """The entries as an XLSX workbook (sheet 问答日志), the audit rows in sheet 管理操作."""
    from .xlsx import write_xlsx as write

    return write(path, [
        ("问答日志", chain([COLUMNS], ([cell(v) for v in e.row()] for e in found))),
        ("管理操作", chain([AUDIT_COLUMNS], ([cell(v) for v in row] for row in audit))),
    ])  # fmt: skip


def cell(value: Any) -> Any:
    """A value Excel keeps as text: no formula from a question that starts with ``=``."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _entry(row: Any) -> Entry:
    return Entry(
        id=row["id"], asked_at=local(row["asked_at"]), conversation=row["conversation"],
        channel=row["channel"], question=row["question"], outcome=row["outcome"],
        reason=row["reason"], kind=row["kind"], answered_by=row["answered_by"],
        answer=row["answer"], cited_json=row["citations"],
        latency_ms=float(row["latency_ms"]), generation=row["generation"],
        rating=row["rating"] or "", vote_reason=row["vote_reason"] or "",
        comment=row["comment"] or "",
    )  # fmt: skip


def _utc(day: date) -> datetime:
    """Local midnight of ``day`` in UTC, without a zone (as stored)."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC).replace(tzinfo=None)


def local(stored: datetime) -> datetime:
    """A stored UTC time in the server's local time, without a zone."""
    return stored + _offset(stored.replace(minute=0, second=0, microsecond=0))


@lru_cache(maxsize=4096)
def _offset(hour: datetime) -> timedelta:
    """The local time zone's offset from UTC during the UTC ``hour`` (one lookup per hour,
    not per row: 100,000 rows read in a third less time)."""
    return hour.replace(tzinfo=UTC).astimezone().utcoffset() or timedelta()
