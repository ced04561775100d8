"""Answers: the cited reply to a question, or a clear "not found".

Entry point: :func:`answer`. Until sentence selection lands (issue 5), the
answer is the best passage, quoted verbatim, with its citation.
"""

from __future__ import annotations

import re

from .models import Answer, Hit
from .search import Filters, Searcher

NOT_FOUND = "未在已收录的文件中找到与该问题直接相关的内容"


# Places and bodies a question may name: 深圳市, 普陀区, 教育局, 市场监督管理局 (3+ characters,
# so that common words such as 小区, 社区, 全市 are not taken for names).
_NOT_IN_NAMES = "的是在了和与及或把被对向从到为个哪些几多少什么怎年月日全本各该每这那其我您你他她它"
_NAMED = re.compile(
    rf"(?:(?![{_NOT_IN_NAMES}])[\u4e00-\u9fff]){{2,8}}?(?:自治区|街道|委员会|省|市|区|县|镇|乡|局|厅)"
)


def named_bodies(question: str) -> list[str]:
    """Place and organisation names in ``question`` (e.g. ``["深圳市"]``)."""
    return _NAMED.findall(question)


def is_relevant(question: str, hits: list[Hit], min_score: float) -> bool:
    """Whether the passages found can answer ``question``.

    Two checks, both needed: the best dense cosine similarity reaches
    ``min_score`` (comparable across questions, unlike RRF or BM25 scores), and
    every place or body the question names (深圳市, 教育局) appears in the passages
    or their documents' titles and issuers — a question about another city or
    another agency is not answered from a look-alike document.
    """
    best = max((h.dense for h in hits if h.dense is not None), default=None)
    if best is None or best < min_score:
        return False
    context = "".join(f"{h.chunk.title}{h.chunk.issuer}{h.chunk.text}" for h in hits)
    return all(name in context for name in named_bodies(question))


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
    if not is_relevant(question, hits, searcher.settings.min_score):
        return Answer(question, False, NOT_FOUND, tuple(hits))
    best = hits[0]
    text = f"{best.chunk.text} [1]\n\n[1] {citation(best)}"
    return Answer(question, True, text, tuple(hits))
