"""Retrieval evaluation on question sets in ``shared/eval`` format.

Each line of a QA file is ``{"question", "doc", "answer", ...}``; ``doc`` is a
file name (``null`` for unanswerable questions). A retrieved passage is a hit
when it comes from that file and its text contains the answer, both compared
without whitespace and with the characters normalized as the documents are
(an answer's full-width ``50％`` matches the indexed ``50%``). Entry point:
:func:`evaluate`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ..documents.cleaning import normalize_chars
from ..types import Chunk, Hit
from .answer import is_relevant
from .conversation import search_in_conversation
from .search import MODES, Searcher

CUTOFFS = (1, 3, 5, 10)


@dataclass(frozen=True)
class Scores:
    """Metrics of one search mode on one question set."""

    mode: str
    answerable: int
    unanswerable: int
    hits: dict[int, float]
    mrr: float
    refused_answerable: float | None
    refused_unanswerable: float | None
    ranks: tuple[int | None, ...] = ()

    def interval(self, k: int = 5, level: float = 0.9, draws: int = 2000) -> tuple[float, float]:
        """A bootstrap ``level`` interval of hit@``k``: the questions drawn again with
        replacement ``draws`` times (seeded, so a rerun prints the same)."""
        return bootstrap([r is not None and r < k for r in self.ranks], level, draws)

    def row(self) -> list[str]:
        """Table cells: mode, hit@k…, MRR, refusals."""

        def pct(x: float | None) -> str:
            return "–" if x is None else f"{x:.0%}"

        return [
            self.mode,
            *(f"{self.hits[k]:.3f}" for k in CUTOFFS),
            f"{self.mrr:.3f}",
            pct(self.refused_unanswerable),
            pct(self.refused_answerable),
        ]


HEADER = ["mode", *(f"hit@{k}" for k in CUTOFFS), "MRR", "unans. refused", "ans. refused"]


def read_questions(path: Path) -> list[dict[str, Any]]:
    """Questions of a QA JSONL file."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def compact(text: str) -> str:
    """``text`` without whitespace, its characters normalized like the indexed documents."""
    return re.sub(r"\s+", "", normalize_chars(text))


def is_hit(question: dict[str, Any], chunk: Chunk) -> bool:
    """Whether ``chunk`` comes from the question's document and contains its answer.

    ``doc`` may also be a list of acceptable file names, and ``answer`` may be
    empty (any passage of the right document is a hit).
    """
    docs = question["doc"] if isinstance(question["doc"], list) else [question["doc"]]
    same_doc = PurePosixPath(chunk.doc).name in docs
    return same_doc and compact(question.get("answer") or "") in compact(chunk.text)


def evaluate(
    searcher: Searcher,
    questions: list[dict[str, Any]],
    modes: tuple[str, ...] = MODES,
    k: int = 10,
) -> list[Scores]:
    """Score ``searcher`` on ``questions`` for each mode.

    A question with a ``history`` (its conversation's earlier turns) is searched in
    it, as ``assistant ask`` does (:func:`search_in_conversation`). Refusals use the
    same rule as ``assistant ask`` (:func:`is_relevant` on the hybrid hits) and are
    reported on the hybrid row.
    """
    results = []
    answerable = [q for q in questions if q.get("doc")]
    unanswerable = [q for q in questions if not q.get("doc")]
    for mode in modes:
        ranks: list[int | None] = []
        refused = 0
        for q in answerable:
            relevant, hits = _search(searcher, q, k, mode)
            ranks.append(next((i for i, h in enumerate(hits) if is_hit(q, h.chunk)), None))
            refused += not relevant
        hybrid = mode == "hybrid"
        refusals = hybrid and sum(not _search(searcher, q, k)[0] for q in unanswerable)
        n = max(1, len(answerable))
        results.append(
            Scores(
                mode=mode,
                answerable=len(answerable),
                unanswerable=len(unanswerable),
                hits={c: sum(1 for r in ranks if r is not None and r < c) / n for c in CUTOFFS},
                mrr=sum(1 / (r + 1) for r in ranks if r is not None) / n,
                refused_answerable=refused / n if hybrid and answerable else None,
                refused_unanswerable=refusals / len(unanswerable)
                if hybrid and unanswerable
                else None,
                ranks=tuple(ranks),
            )
        )
    return results


def bootstrap(outcomes: list[bool], level: float = 0.9, draws: int = 2000) -> tuple[float, float]:
    """A bootstrap ``level`` interval of the share of true ``outcomes``."""
    import numpy as np

    if not outcomes:
        return (0.0, 0.0)
    values = np.asarray(outcomes, dtype=np.float64)
    rng = np.random.default_rng(0)
    means = values[rng.integers(0, len(values), (draws, len(values)))].mean(axis=1)
    tail = (1 - level) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def _search(
    searcher: Searcher, question: dict[str, Any], k: int, mode: str = "hybrid"
) -> tuple[bool, list[Hit]]:
    """Whether ``assistant ask`` would answer a question row, and its ``k`` best passages."""
    history = question.get("history") or ()
    understood, hits = search_in_conversation(searcher, question["question"], history, k, mode)
    query = understood.query
    min_score, unmentioned = searcher.min_score(query), searcher.unmentioned(query)
    wordings = searcher.index.vocabulary.wordings
    relevant = is_relevant(query.text, hits, min_score, searcher.places, unmentioned, wordings)
    return relevant, hits


def table(rows: list[list[str]], header: list[str] = HEADER) -> str:
    """A plain-text table with aligned columns."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
