"""Refusals that the user's filters cause, said as such.

With a filter on (发文机关, 文种, 年份), a question whose topic lies in documents the filter
leaves out must not be answered from an unrelated passage of those it keeps. :func:`outside`
compares the best passage of the filtered documents with the best of all: when the best of
all comes from a document the filter excludes, can answer (:func:`.refusal.answerable`), and
the filtered documents hold nothing nearly as close (a dense cosine at most
:data:`CLOSE` lower), the reply says so:
"在所选的发文机关“X”的文件中没有找到…；不加筛选时，《…》可能相关".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..tuning import TUNING
from ..types import Hit
from .question import Question
from .search import Filters, Searcher

CLOSE = TUNING.filtered_close  # the filtered documents' best passage this close to the best
SUGGESTED = 3  # documents named as relevant without the filters


@dataclass(frozen=True)
class Outside:
    """A question whose topic the filters leave out.

    Attributes:
        reason: What the refusal says (the filters, and the documents found without them).
        hits: The best passages without the filters, best first.
    """

    reason: str
    hits: list[Hit]


def label(filters: Filters) -> str:
    """The filters as the refusal names them: 发文机关“淮安市人民政府”、年份“2024”."""
    parts = [
        f"{name}“{value}”"
        for name, value in (
            ("发文机关", filters.issuer),
            ("文种", filters.doc_type),
            ("年份", filters.year),
        )
        if value
    ]
    return "、".join(parts)


def outside(
    searcher: Searcher,
    query: Question,
    hits: list[Hit],
    filters: Filters | None,
    k: int | None,
    usable: Callable[[list[Hit]], list[Hit]],
) -> Outside | None:
    """Whether ``filters`` keep the topic of ``query`` out (see the module); ``None`` if not.

    Args:
        searcher: The opened index.
        query: What was searched.
        hits: The passages found with the filters.
        filters: The filters; only 发文机关, 文种 and 年份 count (a conversation's
            documents are not the user's choice).
        k: How many passages to search.
        usable: The passages of a list that can answer the question (empty when none).
    """
    if filters is None or not label(filters):
        return None
    unfiltered = replace(filters, doc_type="", issuer="", year="")
    everywhere = searcher.search(query, k, filters=unfiltered)
    documents = {d.path: d for d in searcher.index.documents}
    usable_everywhere = usable(everywhere)
    if not usable_everywhere or filters.allows(documents[usable_everywhere[0].chunk.doc]):
        return None
    best = usable_everywhere[0].dense or 0.0
    here = max((h.dense or 0.0 for h in hits), default=None)
    if here is not None and here >= best - CLOSE:
        return None
    titles = dict.fromkeys(
        f"《{h.chunk.source.title}》"
        for h in usable_everywhere
        if not filters.allows(documents[h.chunk.doc])
    )
    suggested = "、".join(list(titles)[:SUGGESTED])
    reason = f"在所选的{label(filters)}的文件中没有找到与该问题直接相关的内容"
    return Outside(f"{reason}；不加筛选时，{suggested}可能相关", everywhere)
