"""Refusals: whether the passages found can answer a question by the plain rule, and the
"not found" answer.

:func:`answerable` is the rule an index built with another embedder than the bundled model
is judged by (:class:`.relevance.Relevance` uses it then, and the benches); :func:`named_bodies`
finds the places and organisations a question names, for it and for the model's signals;
:func:`not_found` is the refusal, with the nearest documents to look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..documents.places import gazetteer
from ..types import Answer, Hit
from .place import Coverage

NOT_FOUND = "未在已收录的文件中找到与该问题直接相关的内容"
NEAREST_DOCUMENTS = 3

# Places and bodies a question may name: 深圳市, 普陀区, 教育局, 市场监督管理局 (3+ characters,
# so that common words such as 小区, 社区, 全市 are not taken for names).
_NOT_IN_NAMES = "的是在了和与及或把被对向从到为个哪些几多少什么怎年月日全本各该每这那其我您你他她它"
_NAMED = re.compile(
    rf"(?:(?![{_NOT_IN_NAMES}])[\u4e00-\u9fff]){{2,8}}?(?:自治区|街道|委员会|省|市|区|县|镇|乡|局|厅)"
)
_DIVISIONS = ("省", "市", "区", "县")  # names with these ends must be real places


def named_bodies(question: str) -> list[str]:
    """Place and organisation names in ``question`` (e.g. ``["深圳市"]``).

    A name that ends like a division (市, 区, 县, 省) is the real division's name
    that ends it (:func:`~assistant.documents.places.gazetteer`), or none: "我住番禺区"
    names 番禺区, and "问区教育局" names 教育局 but no place.
    """
    names = []
    for name in _NAMED.findall(question):
        if name.endswith(_DIVISIONS):
            ends = [m.surface for m in gazetteer().find(name) if name.endswith(m.surface)]
            name = ends[-1] if ends else ""
        if name:
            names.append(name)
    return names


def answerable(
    question: str,
    hits: list[Hit],
    min_score: float,
    places: Coverage | None = None,
    unmentioned: Sequence[str] = (),
    wordings: Callable[[str], list[str]] | None = None,
) -> list[Hit]:
    """The passages of ``hits`` that may answer ``question``; empty when none can.

    None can when the question asks about a topic no document mentions
    (``unmentioned``: its terms found by :meth:`Searcher.unmentioned`, such as
    结婚登记 in a corpus without a word on marriage). With ``places`` (the index's
    :class:`Coverage`), a question that names a place (深圳, 天河区) keeps only the
    passages of documents that apply there. Then two checks, both needed: the best
    dense cosine similarity of the passages kept reaches ``min_score`` (comparable
    across questions, unlike RRF or BM25 scores), and every other body the question
    names (教育局, 司法局) appears in them or their documents' titles and issuers, in
    any of its ``wordings`` (市场监管局 or 市场监督管理局: the index's
    :meth:`~assistant.index.vocabulary.Vocabulary.wordings`) — a question about another
    agency is not answered from a look-alike document.
    Without ``places``, named places are checked like bodies, by their names.
    """
    if unmentioned:
        return []
    bodies = named_bodies(question)
    if places is not None and (named := places.named(question)):
        hits = [h for h in hits if places.applies(h, named)]
        bodies = [b for b in bodies if not any(m.surface in b for m in named)]
    best = max((h.dense for h in hits if h.dense is not None), default=None)
    if best is None or best < min_score:
        return []
    context = "".join(f"{h.chunk.source.title}{h.chunk.source.issuer}{h.chunk.text}" for h in hits)
    said = wordings or (lambda name: [name])
    return hits if all(any(w in context for w in said(name)) for name in bodies) else []


def not_found(question: str, hits: list[Hit], why: str = "") -> Answer:
    """The refusal, with the best passage of each of the nearest documents to look at.

    Args:
        question: The question (normalized).
        hits: The passages found, best first.
        why: What more to say than :data:`NOT_FOUND` (e.g. which place is not covered).
    """
    seen: dict[str, Hit] = {}
    for hit in hits:
        seen.setdefault(hit.chunk.doc, hit)
    nearest = tuple(seen.values())[:NEAREST_DOCUMENTS]
    return Answer(question, False, nearest, reason=f"{NOT_FOUND}。{why}" if why else NOT_FOUND)
