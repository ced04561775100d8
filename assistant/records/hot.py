"""The questions people asked lately that went well: what 智能提示 and 猜你想问 offer.

:func:`hot_questions` reads the log of the last :data:`DAYS` days: questions answered
(not refused, not invalid) and not voted 👎, the same question typed twice counted once
per asking (spaces and punctuation aside), with the documents its answers cited.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from . import schema
from .grouping import key
from .masking import MASKED
from .writer import Outcome, Rating, now

DAYS = 30


@dataclass(frozen=True)
class Hot:
    """A question asked lately, answered and not disliked.

    Attributes:
        question: Its most recent wording.
        count: How many times it was asked.
        docs: The documents its answers cited (paths in the index).
    """

    question: str
    count: int
    docs: frozenset[str]


def hot_questions(engine: Engine, days: int = DAYS, at: datetime | None = None) -> list[Hot]:
    """The questions of the last ``days`` days answered and not disliked, most asked first.

    The database counts each wording (and gives the citations of one of its answers); the
    wordings that differ only in spaces and punctuation are then counted together."""
    a, f = schema.answers, schema.feedback
    since = (at or now()) - timedelta(days=days)
    query = (
        select(a.c.question, func.count(), func.max(a.c.asked_at), func.max(a.c.citations))
        .select_from(a.outerjoin(f, f.c.answer_id == a.c.id))
        .where(a.c.asked_at >= since, a.c.outcome == Outcome.FOUND)
        .where((f.c.rating.is_(None)) | (f.c.rating != Rating.DOWN))
        .group_by(a.c.question)
    )
    counts: dict[str, int] = {}
    latest: dict[str, tuple[datetime, str]] = {}
    docs: dict[str, set[str]] = {}
    with engine.connect() as connection:
        for question, count, last, citations in connection.execute(query):
            folded = key(question)
            if not folded or MASKED.search(question):  # a personal case, not a common question
                continue
            counts[folded] = counts.get(folded, 0) + int(count)
            if folded not in latest or last > latest[folded][0]:
                latest[folded] = (last, question.strip())
            docs.setdefault(folded, set()).update(_cited(citations))
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    return [Hot(latest[k][1], counts[k], frozenset(docs[k])) for k in ranked]


def _cited(citations: str | None) -> Sequence[str]:
    try:
        found = json.loads(citations or "[]")
    except ValueError:
        return ()
    return [c["doc"] for c in found if isinstance(c, dict) and isinstance(c.get("doc"), str)]
