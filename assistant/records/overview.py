"""A period of the log summed up: what the 运营 tab shows and ``assistant log stats`` prints.

:func:`summarize` has the database count the period (:mod:`.tally`) and reads whole only the
disliked answers; :func:`overview` makes the same from answers already read. Questions are
grouped by meaning (:func:`.grouping.cluster`) among the :data:`MAX_GROUPED` most asked
distinct wordings; ``embed`` is the index's embedder (queries).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from .grouping import Embed, cluster, key
from .reports import OUTCOMES, Entry, daily, entries, share
from .tally import Tally, daily_counts, tallied, tally
from .writer import Outcome, Rating

MAX_GROUPED = 2000  # distinct questions grouped by meaning; rarer ones are left out


@dataclass(frozen=True)
class Topic:
    """A group of questions and how they went; ``members``: its answers, for the disliked
    ones only (their table lists each; the others are counted, not read)."""

    count: int
    wording: str
    answered: int
    refused: int
    up: int
    down: int
    others: tuple[str, ...]
    reasons: tuple[str, ...]
    members: tuple[Entry, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count, "wording": self.wording, "answered": self.answered,
            "refused": self.refused, "up": self.up, "down": self.down,
            "others": list(self.others), "reasons": list(self.reasons),
        }  # fmt: skip


@dataclass(frozen=True)
class Overview:
    """A period: totals, per-day rows, and the grouped questions."""

    since: date
    until: date
    questions: int
    refused: int
    up: int
    down: int
    days: list[list[Any]]
    hot: list[Topic]
    unanswered: list[Topic]
    disliked: list[Topic]

    @property
    def summary(self) -> str:
        return (
            f"{self.since} 至 {self.until}：共 {self.questions} 次提问，未能回答 {self.refused} 次"
            f"（{share(self.refused, self.questions)}），👍 {self.up}，👎 {self.down}。"
        )

    def to_dict(self, top: int = 10) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(), "until": self.until.isoformat(),
            "questions": self.questions, "refused": self.refused,
            "refused_share": round(self.refused / self.questions, 4) if self.questions else None,
            "up": self.up, "down": self.down,
            "days": [dict(zip(("day", "questions", "refused", "refused_share", "up", "down"),
                              d, strict=True)) for d in self.days],
            "hot": [t.to_dict() for t in self.hot[:top]],
            "unanswered": [t.to_dict() for t in self.unanswered[:top]],
        }  # fmt: skip


def topics(counted: Sequence[Tally], embed: Embed, members: Sequence[Entry] = ()) -> list[Topic]:
    """The groups of the ``counted`` answers, biggest first (ties: first asked first), among
    their :data:`MAX_GROUPED` most asked wordings; each with the ``members`` of it."""
    asked: dict[str, list[Tally]] = {}  # the tallies of each wording (key)
    for t in counted:
        asked.setdefault(key(t.question), []).append(t)
    count = {k: sum(t.count for t in ts) for k, ts in asked.items()}
    first = {k: min(t.first for t in ts) for k, ts in asked.items()}
    kept = sorted(asked, key=lambda k: (-count[k], first[k]))[:MAX_GROUPED]
    wording = {k: min(asked[k], key=lambda t: t.first).question for k in kept}
    made: list[tuple[Topic, tuple[datetime, str]]] = []  # each with its first asking
    for c in cluster([wording[k] for k in kept], embed):
        keys = [kept[n] for n in c]
        inside, grouped = [t for k in keys for t in asked[k]], set(keys)
        others = _ordered((t.question, t.first) for k in keys[1:] for t in asked[k])
        reasons = _ordered(
            (f"{OUTCOMES.get(t.outcome, t.outcome)}：{t.reason}", t.first)
            for t in inside if t.outcome != Outcome.FOUND
        )  # fmt: skip
        topic = Topic(
            count=sum(count[k] for k in keys), wording=wording[keys[0]],
            answered=sum(t.count for t in inside if t.outcome == Outcome.FOUND),
            refused=sum(t.count for t in inside if t.outcome != Outcome.FOUND),
            up=sum(t.count for t in inside if t.rating == Rating.UP),
            down=sum(t.count for t in inside if t.rating == Rating.DOWN),
            others=others, reasons=reasons,
            members=tuple(e for e in members if key(e.question) in grouped),
        )  # fmt: skip
        made.append((topic, min(first[k] for k in keys)))
    return [t for t, _ in sorted(made, key=lambda m: (-m[0].count, m[1]))]


def summarize(engine: Engine, since: date, until: date, embed: Embed) -> Overview:
    """The period ``since``…``until`` of the log, counted by the database (:mod:`.tally`);
    the disliked answers are read whole (their table lists each). The per-day counts and the
    disliked answers are read in a second thread meanwhile (the drivers let go of the GIL
    while the database works), as the questions are grouped."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="summary") as pool:
        days = pool.submit(daily_counts, engine, since, until)
        disliked = pool.submit(entries, engine, since, until, rating=Rating.DOWN)
        return _summed(tallied(engine, since, until), days.result, disliked.result,
                       since, until, embed)  # fmt: skip


def overview(found: Sequence[Entry], since: date, until: date, embed: Embed) -> Overview:
    """The period ``since``…``until`` of ``found`` (the entries asked in it): what
    :func:`summarize` makes from the database, made from the answers read."""
    return _summed(
        tally(found), lambda: daily(found, since, until),
        lambda: [e for e in found if e.rating == Rating.DOWN], since, until, embed,
    )  # fmt: skip


def _summed(
    counted: Sequence[Tally],
    days: Callable[[], list[list[Any]]],
    disliked: Callable[[], Sequence[Entry]],
    since: date,
    until: date,
    embed: Embed,
) -> Overview:
    """The overview of the ``counted`` answers; ``days`` and ``disliked`` asked for last."""
    hot = topics(counted, embed)
    unanswered = topics([t for t in counted if t.outcome != Outcome.FOUND], embed)
    down = disliked()
    return Overview(
        since=since, until=until, questions=sum(t.count for t in counted),
        refused=sum(t.count for t in counted if t.outcome != Outcome.FOUND),
        up=sum(t.count for t in counted if t.rating == Rating.UP),
        down=sum(t.count for t in counted if t.rating == Rating.DOWN),
        days=days(), hot=hot, unanswered=unanswered, disliked=topics(tally(down), embed, down),
    )  # fmt: skip


def _ordered(items: Iterable[tuple[str, tuple[datetime, str]]]) -> tuple[str, ...]:
    """The distinct texts of ``items``, each at its earliest time, earliest first."""
    earliest: dict[str, tuple[datetime, str]] = {}
    for text, at in items:
        earliest[text] = min(at, earliest.get(text, at))
    return tuple(sorted(earliest, key=earliest.__getitem__))
