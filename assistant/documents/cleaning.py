"""Cleaning: turn a loader's raw pages into exact, readable text.

One entry point, :func:`clean`. It keeps every content word in order and only
removes layout noise:

* page-number lines ("- 3 -", "第 3 页 共 9 页", "3/9") and headers/footers
  repeated across pages;
* line breaks made by wrapping or page breaks ("推动大众创业，" / "万众创新"
  become one line), while real paragraph and list boundaries stay;
* spaces a PDF put between CJK characters and numbers ("401 万元" → "401万元");
* markdown emphasis leftovers ("**一是**" → "一是");
* full-width digits and letters ("２０１８" → "2018"), compatibility ideographs.

The result has one paragraph (or table row) per line; table rows keep their
cells separated by a tab.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ..types import Extracted
from .headings import heading_kind

CJK = r"\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_FULLWIDTH = {
    cp: cp - 0xFEE0
    for cp in (
        *range(0xFF10, 0xFF1A),
        *range(0xFF21, 0xFF3B),
        *range(0xFF41, 0xFF5B),
        0xFF05,
        0xFF0B,
        0xFF0D,
        0xFF0E,
    )
}
_TRANSLATE = {
    **_FULLWIDTH,
    0x3000: " ",
    0x00A0: " ",
    0x200B: None,
    0xFEFF: None,
    0x00AD: None,
    0x200C: None,
    0x200D: None,
    0x2060: None,
    ord("\r"): None,
    0x0B: "\n",
    0x0C: "\n",
}
_COMPAT = re.compile(r"[\u2e80-\u2fdf\uf900-\ufaff]")
_PAGE_NUMBER = re.compile(
    r"^(?:[-－—–_~～·•]*\s*\d{1,4}\s*[-－—–_~～·•]+|[-－—–_~～·•]+\s*\d{1,4}\s*[-－—–_~～·•]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}"
    r"|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"^\d{1,4}$")
# A table-of-contents line: "三、部门预算表………………………… 12" (page furniture, like page numbers).
_CONTENTS_LINE = re.compile(r"(?:[.…·．。]\s*){6,}\s*\d{0,4}\s*$")
_EMPHASIS = re.compile(r"\*\*|__")
_SPACE_AFTER_CJK = re.compile(rf"(?<=[{CJK}])[ \t]+(?=\S)")
_SPACE_BEFORE_CJK = re.compile(rf"(?<=\S)[ \t]+(?=[{CJK}])")
_IDEOGRAPHS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_SPACED_CHAR = re.compile(r"(?:^|\s)\S(?=\s)")
_NUMERIC_CELL = re.compile(r"^[-+]?[\d,，]*\d(?:\.\d+)?%?$")
_TERMINAL = re.compile(r"[。！？；!?;…][”’」』）)】〕\"']*$")
_CONTINUES = re.compile(r"[，、（《“‘(\[【—]$")
_WIDE = re.compile(rf"[{CJK}]")


@dataclass(frozen=True)
class _Line:
    page: int
    text: str
    table: bool


def clean(extracted: Extracted) -> tuple[str, tuple[int, ...]]:
    """Clean a loader's output.

    Args:
        extracted: Raw pages from :func:`assistant.documents.readers.read`.

    Returns:
        The cleaned text (one paragraph or table row per line) and, for
        paginated documents, the offset in it where each page begins.
    """
    pages = [normalize_chars(page).split("\n") for page in extracted.pages]
    pages = [[line.strip() for line in page] for page in pages]
    pages = [[line for line in page if line] for page in pages]
    if extracted.paginated:
        pages = _drop_page_furniture(pages)
    lines = [_Line(number, *_tidy(line)) for number, page in enumerate(pages) for line in page]
    return _join(lines, len(pages), extracted.paginated)


def normalize_chars(text: str) -> str:
    """Map full-width digits/letters to ASCII, drop invisible characters.

    Chinese punctuation (，。（）：) is kept: it is the standard form.
    Kangxi radicals and compatibility ideographs that PDFs emit become the
    unified ideographs (⽣ → 生).
    """
    text = text.translate(_TRANSLATE)
    return _COMPAT.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def squeeze_spaces(text: str) -> str:
    """Remove the spaces a PDF puts around CJK text: "2017 年 401 万元" → "2017年401万元".

    A space between two ideographs ("王丽红 联系电话") is a real separator and
    stays, unless the line is letter-spaced ("邮 编 ： 223100").
    """
    if len(_SPACED_CHAR.findall(text)) >= 3:
        return _SPACE_BEFORE_CJK.sub("", _SPACE_AFTER_CJK.sub("", text))
    text = _SPACE_AFTER_CJK.sub(_keep_between_ideographs, text)
    return _SPACE_BEFORE_CJK.sub(_keep_between_ideographs, text)


def _keep_between_ideographs(match: re.Match[str]) -> str:
    text, start, end = match.string, match.start(), match.end()
    around = text[start - 1 : start] + text[end : end + 1]
    return " " if len(around) == 2 and _IDEOGRAPHS.fullmatch(around) else ""


def _tidy(line: str) -> tuple[str, bool]:
    """Return the line without emphasis marks and stray spaces, and whether it is a table row."""
    line = _EMPHASIS.sub("", line).strip()
    if "\t" in line:
        return "\t".join(squeeze_spaces(c.strip()) for c in line.split("\t")), True
    cells = line.split()
    numeric = sum(1 for c in cells if _NUMERIC_CELL.match(c))
    if len(cells) >= 3 and numeric >= 2 and _NUMERIC_CELL.match(cells[-1]):
        return "\t".join(cells), True
    return re.sub(r"[ \t]{2,}", " ", squeeze_spaces(line)), False


def _drop_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers and headers/footers that repeat across pages."""
    edge = 2
    shape = Counter(
        re.sub(r"\d+", "#", line) for page in pages for line in set(page[:edge] + page[-edge:])
    )
    repeated = {key for key, n in shape.items() if len(pages) >= 3 and n >= max(3, len(pages) // 2)}
    cleaned = []
    for page in pages:
        keep = []
        for i, line in enumerate(page):
            at_edge = i < edge or i >= len(page) - edge
            if _PAGE_NUMBER.match(line) or (at_edge and _BARE_NUMBER.match(line)):
                continue
            if _CONTENTS_LINE.search(line):
                continue
            if at_edge and not _TERMINAL.search(line) and re.sub(r"\d+", "#", line) in repeated:
                continue
            keep.append(line)
        cleaned.append(keep)
    return cleaned


def _width(text: str) -> int:
    return len(text) + len(_WIDE.findall(text))


def _wrap_width(lines: Iterable[_Line]) -> int:
    widths = sorted(_width(line.text) for line in lines if not line.table)
    return widths[int(len(widths) * 0.9)] if widths else 0


def _continues(line: _Line, following: _Line, wrap: int, paginated: bool) -> bool:
    """Whether ``following`` is the rest of a paragraph that ``line`` started."""
    if line.table or following.table or heading_kind(following.text):
        return False
    text = line.text
    if _TERMINAL.search(text) or _PAGE_NUMBER.match(following.text):
        return False
    if _CONTINUES.search(text):
        return True
    full = _width(text) >= 0.85 * wrap if paginated else _width(text) >= 80
    if text.endswith((":", "：")):
        return full and paginated
    return full


def _join(lines: list[_Line], page_count: int, paginated: bool) -> tuple[str, tuple[int, ...]]:
    wrap = _wrap_width(lines) if paginated else 0
    parts: list[str] = []
    offset = 0
    page_starts: list[int] = []
    previous: _Line | None = None
    for line in lines:
        if previous is None:
            separator = ""
        elif _continues(previous, line, wrap, paginated):
            ascii_pair = (
                previous.text[-1:].isascii()
                and previous.text[-1:].isalnum()
                and (line.text[:1].isascii() and line.text[:1].isalnum())
            )
            separator = " " if ascii_pair else ""
        else:
            separator = "\n"
        parts.append(separator)
        offset += len(separator)
        while len(page_starts) <= line.page:
            page_starts.append(offset)
        parts.append(line.text)
        offset += len(line.text)
        previous = line
    while len(page_starts) < page_count:
        page_starts.append(offset)
    return "".join(parts), tuple(page_starts) if paginated else ()
