"""Whether a document is in force, from its own words.

:func:`in_force` reads the 施行日期 ("本办法自2024年4月1日起施行", "自印发之日起施行") and
the 有效期 ("有效期5年", "有效期至2026年12月31日") of the document's own final
clauses; :func:`repeals` the documents it repeals ("《…》（穗民规字〔2024〕5号）同时废止");
:func:`successors` finds, among the indexed documents, those another repeals, and
:func:`link_repeals` marks them.
The status itself is :meth:`assistant.types.Source.validity`, taken on the day asked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from ..chinese.dates import parse_date
from ..chinese.doc_numbers import DOC_NUMBER, normalize_doc_number
from ..chinese.numerals import ONES, TEN, to_number
from ..types import DocumentInfo

# The document speaking of itself: 本办法, 本通知, 本实施细则 …
_ITSELF = (
    r"本(?:实施细则|实施办法|实施方案|细则|办法|通知|规定|条例|意见|方案|决定|指引|公告|通告"
    r"|规则|措施)"
)
_DAY = r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日"
_EFFECTIVE = re.compile(rf"{_ITSELF}[^。；]{{0,12}}?自(.{{2,16}}?)起(?:施行|实施|执行|生效)")
# "现予公布，自2021年5月1日起施行" (a 政府令's preamble)
_PROMULGATED = re.compile(rf"现予(?:公布|发布|印发)，自({_DAY})起施行")
_YEARS = re.compile(rf"{_ITSELF}[^。]{{0,40}}?有效期(?:为)?([{ONES}{TEN}\d]{{1,3}})年")
_UNTIL = re.compile(rf"有效期(?:调整)?至({_DAY})")
_UNTIL_ITSELF = re.compile(rf"{_ITSELF}[^。]{{0,40}}?有效期(?:调整)?至({_DAY})")
# "…《X》（文号）、《Y》同时废止", "原《X》不再执行"
_REPEAL = re.compile(r"[》）)]\s*(?:同时|即行|予以|一并)?(?:废止|不再执行|停止执行)")
_TITLE = re.compile(r"《([^《》]{4,120})》")


def in_force(
    text: str, *, issued_on: str = "", printed_on: str = "", published_on: str = ""
) -> tuple[str, str]:
    """The document's 施行日期 and last day in force, each ``YYYY-MM-DD`` or empty.

    Args:
        text: The cleaned text.
        issued_on: The signature date (for "自印发之日起", when there is no 印发 line).
        printed_on: The 印发 line's date.
        published_on: The publication date (for "自发布之日起").
    """
    effective = ""
    if m := _EFFECTIVE.search(text) or _PROMULGATED.search(text):
        when = m.group(1)
        if "印发" in when:
            effective = printed_on or issued_on
        elif "发布" in when or "公布" in when:
            effective = published_on or issued_on
        else:
            effective = parse_date(when)
    expires = ""
    if m := _UNTIL_ITSELF.search(text) or _UNTIL.search(text):
        expires = parse_date(m.group(1))
    elif (m := _YEARS.search(text)) and (start := effective or issued_on):
        years = m.group(1)
        count = int(years) if years.isdigit() else to_number(years, strict=True)
        expires = _years_later(start, int(count)) if count is not None else ""
    return effective, expires


def clauses(text: str) -> list[tuple[int, int]]:
    """Where ``text`` states its own 施行日期 or 有效期 ("本办法自…起施行", "有效期5年"),
    the spans :func:`in_force` reads, in order."""
    found = (_EFFECTIVE, _PROMULGATED, _YEARS, _UNTIL_ITSELF)
    return sorted({m.span() for pattern in found for m in pattern.finditer(text)})


def repeals(text: str) -> tuple[str, ...]:
    """The titles (without 《》) and 文号 of the documents ``text`` says it repeals."""
    named: list[str] = []
    for m in _REPEAL.finditer(text):  # the verb, then its sentence back to 。；or a line break
        start = max(text.rfind(stop, 0, m.start()) for stop in "。；\n") + 1
        sentence = text[start : m.end()]
        numbers = [normalize_doc_number(n) for n in DOC_NUMBER.findall(sentence)]
        named += [*_TITLE.findall(sentence), *numbers]
    return tuple(dict.fromkeys(named))


def successors(documents: list[DocumentInfo]) -> dict[int, int]:
    """Which document repeals which: row of the repealed → row of the one repealing it.

    A document is repealed when another names its 文号, its title, or the
    title it was issued under ("关于印发〈X〉的通知" names X) in a repeal clause.
    """
    named_by: dict[tuple[str, str], list[int]] = {}  # ("文号" | "title", key) → rows
    for i, document in enumerate(documents):
        own = document.source
        for key in (("文号", own.doc_number), ("title", title_core(own.title))):
            if key[1]:
                named_by.setdefault(key, []).append(i)
    found: dict[int, int] = {}
    for j, repealer in enumerate(documents):  # the first document naming one repeals it
        for named in repealer.repeals:
            by_title = named_by.get(("title", title_core(named)), [])
            for i in named_by.get(("文号", named), []) + by_title:
                if i != j:
                    found.setdefault(i, j)
    return found


def link_repeals(documents: list[DocumentInfo]) -> list[DocumentInfo]:
    """``documents`` with ``source.repealed_by`` citing the document that repeals
    each (:func:`successors`); one already set (``metadata.csv``'s 状态) is kept."""
    linked = list(documents)
    for i, j in successors(documents).items():
        source = documents[i].source
        if not source.repealed_by:
            linked[i] = replace(
                documents[i], source=replace(source, repealed_by=_cite(documents[j]))
            )
    return linked


def title_core(title: str) -> str:
    """A title without spaces and its wrapping: "关于(重新)印发/发布〈X〉的通知" → X; other titles
    as they are, without spaces."""
    title = re.sub(r"\s+", "", title)
    if m := re.search(r"关于(?:重新)?(?:印发|发布|公布)[〈<《]?(.+?)[〉>》]?的通知$", title):
        return m.group(1)
    return title


def _cite(document: DocumentInfo) -> str:
    source = document.source
    return f"《{source.title}》" + (f"（{source.doc_number}）" if source.doc_number else "")


def _years_later(start: str, years: int) -> str:
    """The last day of a term of ``years`` years from ``start`` (2021-12-06, 5 → 2026-12-05)."""
    day = dt.date.fromisoformat(start)
    try:
        end = day.replace(year=day.year + years)
    except ValueError:  # 29 February
        end = day.replace(year=day.year + years, day=28)
    return (end - dt.timedelta(days=1)).isoformat()
