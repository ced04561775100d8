"""A period of the log counted in the database (``GROUP BY``, the same statements on SQLite and
PostgreSQL through SQLAlchemy Core): what the 运营 tab and ``assistant log stats`` sum up,
without reading every answer into Python (100,000 answers: about 20 times less to read).

:func:`tallied` gives one :class:`Tally` per distinct question, outcome, reason and vote;
:func:`tally` makes the same from answers already read (the simple oracle the tests compare
the database's counts with). :func:`daily_counts` is :func:`.reports.daily` counted in
15-minute UTC buckets, each put in its local day (time zones are offset by multiples of
15 minutes, so a bucket never straddles two local days).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Integer, case, cast, func, literal_column, select

from . import schema
from .reports import Entry, local, per_day, within
from .writer import Outcome, Rating

BUCKET = 900  # seconds: the per-day counts are made of 15-minute buckets
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class Tally:
    """The answers of a period that share a question, outcome, reason and vote.

    Attributes:
        count: How many.
        first: When the first of them was asked (local time) and the smallest of their
            ids: orders questions by first asking, ties settled the same way everywhere.
    """

    question: str
    outcome: str
    reason: str
    rating: str  # "" when not voted
    count: int
    first: tuple[datetime, str]


def tally(found: Iterable[Entry]) -> list[Tally]:
    """``found`` counted, first asked first."""
    counts: dict[tuple[str, str, str, str], list[Any]] = {}
    for e in found:
        seen = counts.get(k := (e.question, e.outcome, e.reason, e.rating))
        if seen is None:
            counts[k] = [1, e.asked_at, e.id]
        else:
            seen[0] += 1
            seen[1] = min(seen[1], e.asked_at)
            seen[2] = min(seen[2], e.id)
    made = [Tally(*k, count, (at, first)) for k, (count, at, first) in counts.items()]
    return sorted(made, key=lambda t: t.first)


def tallied(engine: Engine, since: date | None = None, until: date | None = None) -> list[Tally]:
    """The answers asked from ``since`` to ``until`` (local days, included), counted by the
    database, first asked first."""
    a, f = schema.answers, schema.feedback
    query = (
        select(a.c.question, a.c.outcome, a.c.reason, f.c.rating, func.count(),
               func.min(a.c.asked_at), func.min(a.c.id))
        .select_from(a.outerjoin(f, f.c.answer_id == a.c.id))
        .where(*within(a.c.asked_at, since, until))
        .group_by(a.c.question, a.c.outcome, a.c.reason, f.c.rating)
    )  # fmt: skip
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    made = [
        Tally(question, outcome, reason, rating or "", int(count), (local(at), first))
        for question, outcome, reason, rating, count, at, first in rows
    ]
    return sorted(made, key=lambda t: t.first)


def daily_counts(engine: Engine, since: date, until: date) -> list[list[Any]]:
    """:func:`.reports.daily`'s rows for the period, counted by the database."""
    a, f = schema.answers, schema.feedback
    if engine.dialect.name == "sqlite" and engine.dialect.dbapi.sqlite_version_info >= (3, 38):
        seconds: Any = func.unixepoch(a.c.asked_at, type_=Integer)  # 2× strftime('%s')
    elif engine.dialect.name == "sqlite":
        seconds = cast(func.strftime("%s", a.c.asked_at), Integer)
    else:
        seconds = cast(func.floor(func.extract("epoch", a.c.asked_at)), Integer)
    bucket = (seconds // literal_column(str(BUCKET), Integer)).label("bucket")  # no parameter: the
    # same expression in GROUP BY, as PostgreSQL requires; integers: divided without FLOOR(),
    # which not every SQLite build has
    query = (
        select(bucket, func.count(),
               func.sum(case((a.c.outcome != Outcome.FOUND.value, 1), else_=0)),
               func.sum(case((f.c.rating == Rating.UP.value, 1), else_=0)),
               func.sum(case((f.c.rating == Rating.DOWN.value, 1), else_=0)))
        .select_from(a.outerjoin(f, f.c.answer_id == a.c.id))
        .where(*within(a.c.asked_at, since, until))
        .group_by(bucket)
    )  # fmt: skip
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return per_day(
        ((local(_EPOCH + timedelta(seconds=int(b) * BUCKET)).date(), n, refused, up, down)
         for b, n, refused, up, down in rows),
        since, until,
    )  # fmt: skip
