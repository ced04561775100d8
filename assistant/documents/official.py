"""Check extracted citation metadata against an official list of documents.

The list is a CSV such as ``shared/corpus/html/meta/官方文件表.csv`` (columns 文档标题,
发文机关, 文号, 发布日期, 出处链接). :func:`read_official` reads it, :func:`files_of`
finds the file each row describes, :func:`compare` says which fields agree.
Used by ``bench/metadata.py`` and the tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from ..chinese.doc_numbers import DOC_NUMBER, file_form, normalize_doc_number
from ..types import Source

# A signed date may precede the publication date by this many days.
SIGNED_BEFORE_DAYS = 14


@dataclass(frozen=True)
class Official:
    """One row of the official list.

    Attributes:
        title: 文档标题.
        issuer: 发文机关 as written (may name several bodies, or one in brackets).
        doc_number: The document's own 文号; empty when the cell is a note
            ("（年度方案）", "（依据…）").
        published_on: 发布日期, ``YYYY-MM-DD``.
        url: 出处链接.
    """

    title: str
    issuer: str
    doc_number: str
    published_on: str
    url: str


@dataclass(frozen=True)
class Comparison:
    """Which extracted fields agree with the official row (``None``: nothing to compare)."""

    doc_number: bool | None
    issued_on: bool
    issuer: bool


def read_official(path: Path) -> list[Official]:
    """The rows of an official list (UTF-8, with or without BOM)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    found = []
    for row in rows:
        number = normalize_doc_number(row.get("文号", ""))
        found.append(
            Official(
                title=row.get("文档标题", "").strip(),
                issuer=row.get("发文机关", "").strip(),
                doc_number=number if DOC_NUMBER.fullmatch(number) else "",
                published_on=row.get("发布日期", "").strip(),
                url=row.get("出处链接", "").strip(),
            )
        )
    return found


def files_of(rows: list[Official], files: list[Path]) -> dict[Official, Path]:
    """The saved page each row describes: the one holding its URL's last part
    (``post_9795789.html``), else the one whose name holds its 文号 (穗府办规2024-13号),
    else the one whose page title is the row's title. Rows with none are left out."""
    pages = {f: f.read_bytes().decode("utf-8", "replace") for f in files}
    found: dict[Official, Path] = {}
    for row in rows:
        tail = row.url.rstrip("/").rsplit("/", 1)[-1]
        number = file_form(row.doc_number)
        title = re.compile(rf"<title>\s*{re.escape(row.title)}\s*[<_|-]") if row.title else None
        for test in (
            lambda f: bool(tail) and tail in pages[f],
            lambda f: bool(number) and number in f.name,
            lambda f: bool(title and title.search(pages[f])),
        ):
            if match := next((f for f in files if test(f)), None):
                found[row] = match
                break
    return found


def compare(row: Official, source: Source) -> Comparison:
    """Compare an extracted :class:`Source` with an official row.

    A 文号 is compared when the row has one. A date agrees when the document's date
    is the row's 发布日期 or up to :data:`SIGNED_BEFORE_DAYS` days before it (a signed
    date), or when the page's own 发布日期 (``published_on``) is the row's. An issuer
    agrees when its first body is one the row names, written in full or shortened
    (市人社局 for 广州市人力资源和社会保障局).
    """
    number = source.doc_number == row.doc_number if row.doc_number else None
    dated = False
    if source.issued_on and row.published_on:
        days = (
            dt.date.fromisoformat(row.published_on) - dt.date.fromisoformat(source.issued_on)
        ).days
        dated = 0 <= days <= SIGNED_BEFORE_DAYS
    dated = dated or (bool(row.published_on) and source.published_on == row.published_on)
    return Comparison(number, dated, _same_body(source.issuer, row.issuer))


def _bodies(text: str) -> list[str]:
    """The bodies a cell names: "广州市人民政府门户（市医保局供稿）" → both, without 供稿."""
    parts = re.split(r"[、，,\s（）()]+|等\d部门", text)
    return [b for p in parts if len(b := re.sub(r"(供稿|解读|发布|转载)$", "", p)) >= 2]


def _same_body(found: str, official: str) -> bool:
    first = next(iter(_bodies(found)), "")
    return bool(first) and any(
        abbreviates(first, body) or abbreviates(body, first) for body in _bodies(official)
    )


def abbreviates(short: str, full: str) -> bool:
    """Whether ``short`` is ``full`` or an abbreviation of it: its characters in
    order, ending alike (市医保局 / 广州市医疗保障局)."""
    if short[-1] != full[-1]:
        return False
    rest = iter(full)
    return all(c in rest for c in short)
