"""The 问答 tab's filters: document types, issuing bodies and years, from the documents.

An issuer line names one or more bodies: ``广州市民政局、广州市财政局`` is issued by
each, ``广州市人力资源社会保障局（越秀区政府网转载）`` by the body before its note,
and ``市财政局`` after ``广州市医疗保障局、`` is 广州市财政局. The 发文机关 filter
lists bodies, and a document passes when it is issued by the chosen one.

One body is written several ways, and the filter lists it once: an official short name
stands for the full one (市人社局, 市人力资源社会保障局 → 市人力资源和社会保障局), and
a body named without its place takes it from the document's jurisdiction (市人社局 in
a 广州市 document is 广州市人力资源和社会保障局, 天河区教育局 in a 广州市天河区 one is
广州市天河区教育局).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..answering.search import Filters
from ..documents.places import Place, gazetteer
from ..types import DocumentInfo

ALL = "全部"
NOTE = re.compile(r"[（(][^）)]*[）)]")
SEPARATORS = re.compile(r"[、，,；;/／\s]+")
# A co-issuer named without its place (市财政局, 区委统战部): the place comes from the first.
SHORT = re.compile(r"^[市区县](?!场)")
PLACES = {"市": re.compile(r"^\w{1,8}?市(?!场)"), "区": re.compile(r"^\w{1,12}?[区县]")}
PLACES["县"] = PLACES["区"]


# Official short names of bodies (as issuer lines write them) and the full names they stand for.
SHORT_NAMES = {
    "人力资源社会保障局": "人力资源和社会保障局",
    "人社局": "人力资源和社会保障局",
    "人力资源社会保障厅": "人力资源和社会保障厅",
    "人社厅": "人力资源和社会保障厅",
    "住建局": "住房和城乡建设局",
    "市场监管局": "市场监督管理局",
    "医保局": "医疗保障局",
    "卫健委": "卫生健康委员会",
}


def issuer_bodies(issuer: str, jurisdiction: str = "") -> list[str]:
    """The bodies an issuer line names, in order, notes in brackets dropped.

    Args:
        issuer: The issuer line.
        jurisdiction: The document's (``Source.jurisdiction``): where a body named
            without its place (市人社局, 天河区教育局) is.
    """
    return list(_bodies(issuer, jurisdiction))


@functools.lru_cache(maxsize=4096)
def _bodies(issuer: str, jurisdiction: str) -> tuple[str, ...]:
    names = [n for n in SEPARATORS.split(NOTE.sub(" ", issuer)) if n]
    place = gazetteer().resolve(jurisdiction) if jurisdiction else None
    bodies: list[str] = []
    for name in names:
        found = PLACES[name[0]].match(names[0]) if SHORT.match(name) and bodies else None
        body = _placed(_full_name(found.group() + name[1:] if found else name), place)
        if body not in bodies:
            bodies.append(body)
    return tuple(bodies)


def _full_name(body: str) -> str:
    """``body`` with an official short name at its end written in full."""
    for short, full in SHORT_NAMES.items():
        if body.endswith(short):
            return body[: -len(short)] + full
    return body


def _placed(body: str, place: Place | None) -> str:
    """``body`` with the place it lacks: 市… and 区… from ``place``, a county's body
    (天河区教育局) with its city."""
    if place is None or place.level < 1:
        return body
    city = place.names[-2] if place.level == 3 else place.names[-1]
    if SHORT.match(body):
        if body[0] == "市" and city.endswith("市"):
            return city + body[1:]
        return place.label + body[1:] if place.level == 3 else body
    if place.level == 3 and body.startswith(place.name) and city.endswith("市"):
        return city + body
    return body


def filter_choices(documents: Iterable[DocumentInfo]) -> tuple[list[str], list[str], list[str]]:
    """Document types, issuing bodies and years (newest first) of the documents."""
    sources = [d.source for d in documents]
    types = sorted({s.doc_type for s in sources if s.doc_type})
    bodies = sorted({b for s in sources for b in issuer_bodies(s.issuer, s.jurisdiction)})
    years = sorted({s.issued_on[:4] for s in sources if s.issued_on}, reverse=True)
    return types, bodies, years


@dataclass(frozen=True)
class BodyFilters(Filters):
    """:class:`Filters` whose issuer is a body: it passes the documents that body issued,
    alone or with others, and (as before) those whose issuer line contains it."""

    def allows(self, document: DocumentInfo) -> bool:
        """Whether a document passes the filters."""
        rest = Filters(self.doc_type, "", self.year, self.docs)
        issuer, place = document.source.issuer, document.source.jurisdiction
        issued = (
            not self.issuer or self.issuer in issuer or self.issuer in issuer_bodies(issuer, place)
        )
        return issued and rest.allows(document)


def chosen_filters(doc_type: str, issuer: str, year: str) -> BodyFilters:
    """The filters chosen; empty and 全部 mean no restriction."""
    return BodyFilters(*(v.strip() if v and v != ALL else "" for v in (doc_type, issuer, year)))
