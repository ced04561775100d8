"""The 问答 tab's filters: document types, issuing bodies and years, from the documents.

An issuer line names one or more bodies: ``广州市民政局、广州市财政局`` is issued by
each, ``广州市人力资源社会保障局（越秀区政府网转载）`` by the body before its note,
and ``市财政局`` after ``广州市医疗保障局、`` is 广州市财政局. The 发文机关 filter
lists bodies, and a document passes when it is issued by the chosen one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..answering.search import Filters
from ..types import DocumentInfo

ALL = "全部"
NOTE = re.compile(r"[（(][^）)]*[）)]")
SEPARATORS = re.compile(r"[、，,；;/／\s]+")
# A co-issuer named without its place (市财政局, 区委统战部): the place comes from the first.
SHORT = re.compile(r"^[市区县](?!场)")
PLACES = {"市": re.compile(r"^\w{1,8}?市(?!场)"), "区": re.compile(r"^\w{1,12}?[区县]")}
PLACES["县"] = PLACES["区"]


def issuer_bodies(issuer: str) -> list[str]:
    """The bodies an issuer line names, in order, notes in brackets dropped."""
    names = [n for n in SEPARATORS.split(NOTE.sub(" ", issuer)) if n]
    bodies: list[str] = []
    for name in names:
        place = PLACES[name[0]].match(names[0]) if SHORT.match(name) and bodies else None
        body = place.group() + name[1:] if place else name
        if body not in bodies:
            bodies.append(body)
    return bodies


def filter_choices(documents: Iterable[DocumentInfo]) -> tuple[list[str], list[str], list[str]]:
    """Document types, issuing bodies and years (newest first) of the documents."""
    sources = [d.source for d in documents]
    types = sorted({s.doc_type for s in sources if s.doc_type})
    bodies = sorted({b for s in sources for b in issuer_bodies(s.issuer)})
    years = sorted({s.issued_on[:4] for s in sources if s.issued_on}, reverse=True)
    return types, bodies, years


@dataclass(frozen=True)
class BodyFilters(Filters):
    """:class:`Filters` whose issuer is a body: it passes the documents that body issued,
    alone or with others, and (as before) those whose issuer line contains it."""

    def allows(self, document: DocumentInfo) -> bool:
        """Whether a document passes the filters."""
        rest = Filters(self.doc_type, "", self.year, self.docs)
        issuer = document.source.issuer
        issued = not self.issuer or self.issuer in issuer or self.issuer in issuer_bodies(issuer)
        return issued and rest.allows(document)


def chosen_filters(doc_type: str, issuer: str, year: str) -> BodyFilters:
    """The filters chosen; empty and 全部 mean no restriction."""
    return BodyFilters(*(v.strip() if v and v != ALL else "" for v in (doc_type, issuer, year)))
