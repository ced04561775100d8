"""Answers: the cited reply to a question, or a clear "not found".

Entry point: :func:`answer`. Until sentence selection lands (issue 5), the
answer is the best passage, quoted verbatim, with its citation.
"""

from __future__ import annotations

from .models import Answer, Hit
from .search import Filters, Searcher

NOT_FOUND = "未在已收录的文件中找到与该问题直接相关的内容"


def is_relevant(hits: list[Hit], min_score: float) -> bool:
    """Whether the best passage is close enough to the question to answer from.

    Uses the dense cosine similarity of the best passages, which is comparable
    across questions (RRF and BM25 scores are not).
    """
    best = max((h.dense for h in hits if h.dense is not None), default=None)
    return best is not None and best >= min_score


def citation(hit: Hit) -> str:
    """One source line: 《title》 文号 · issuer · date · section · page."""
    c = hit.chunk
    page = f"第{c.page_start}页" if c.page_start else ""
    if c.page_end and c.page_end != c.page_start:
        page = f"第{c.page_start}–{c.page_end}页"
    head = f"《{c.title}》" + (f" {c.doc_number}" if c.doc_number else "")
    return " · ".join(x for x in (head, c.issuer, c.issued_on, c.section, page) if x)


def answer(
    searcher: Searcher, question: str, k: int | None = None, filters: Filters | None = None
) -> Answer:
    """Answer ``question`` from the index, citing every passage used.

    Raises:
        ValueError: Empty or over-long question.
    """
    hits = searcher.search(question, k, filters=filters)
    if not is_relevant(hits, searcher.settings.min_score):
        return Answer(question, False, NOT_FOUND, tuple(hits))
    best = hits[0]
    text = f"{best.chunk.text} [1]\n\n[1] {citation(best)}"
    return Answer(question, True, text, tuple(hits))
