"""A period of the log summed up: what the 运营 tab shows and ``assistant log stats`` prints.

Questions are grouped by meaning (:func:`.grouping.group`) among the :data:`MAX_GROUPED`
most asked distinct wordings; ``embed`` is the index's embedder (queries).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .grouping import Embed, Group, group, key
from .reports import OUTCOMES, Entry, daily, share

MAX_GROUPED = 2000  # distinct questions grouped by meaning; rarer ones are left out


@dataclass(frozen=True)
class Topic:
    """A group of questions and how they went."""

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


def grouped(found: Sequence[Entry], embed: Embed) -> list[Group]:
    """``found``'s questions grouped by meaning; members index ``found``."""
    counts = Counter(key(e.question) for e in found)
    kept = {k for k, _ in counts.most_common(MAX_GROUPED)}
    chosen = [i for i, e in enumerate(found) if key(e.question) in kept]
    groups = group([found[i].question for i in chosen], embed)
    return [Group(tuple(chosen[i] for i in g.members), g.wording) for g in groups]


def topics(found: Sequence[Entry], embed: Embed) -> list[Topic]:
    """The groups of ``found``, biggest first, with their counts."""
    made = []
    for g in grouped(found, embed):
        members = tuple(found[i] for i in g.members)
        others = dict.fromkeys(e.question for e in members if key(e.question) != key(g.wording))
        reasons = dict.fromkeys(
            f"{OUTCOMES.get(e.outcome, e.outcome)}：{e.reason}"
            for e in members
            if e.outcome != "found"
        )
        made.append(Topic(
            count=g.count, wording=g.wording,
            answered=sum(e.outcome == "found" for e in members),
            refused=sum(e.outcome != "found" for e in members),
            up=sum(e.rating == "up" for e in members),
            down=sum(e.rating == "down" for e in members),
            others=tuple(others), reasons=tuple(reasons), members=members,
        ))  # fmt: skip
    return made


def overview(found: Sequence[Entry], since: date, until: date, embed: Embed) -> Overview:
    """The period ``since``…``until`` of ``found`` (the entries asked in it)."""
    return Overview(
        since=since, until=until, questions=len(found),
        refused=sum(e.outcome != "found" for e in found),
        up=sum(e.rating == "up" for e in found), down=sum(e.rating == "down" for e in found),
        days=daily(found, since, until), hot=topics(found, embed),
        unanswered=topics([e for e in found if e.outcome != "found"], embed),
        disliked=topics([e for e in found if e.rating == "down"], embed),
    )  # fmt: skip
