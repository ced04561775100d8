"""Chunking: split a cleaned document into cited, structure-aware passages.

One entry point, :func:`chunk`. It follows the heading hierarchy of official
documents — 第X章 / 第X节 / 第X条, 一、 （一） 1. （1） ①, and 一是/二是 runs —
so every :class:`~assistant.types.Chunk` knows its ``section_path``. Chunks end
at paragraph or clause boundaries; a paragraph longer than ``chunk_size`` is
split at sentence ends (。！？；), then at commas, never inside a number, a
date or a 文号. Table rows are grouped, and every group repeats the header row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..types import Chunk, Document, content_hash
from .headings import (
    CN_NUMERALS,
    LABEL_CHARS,
    LEVELS,
    heading_kind,
    heading_label,
    is_part_title,
    starts_part,
)

_SENTENCE_END = re.compile(rf"[。！？；!?;][”’」』）)】\"']*|[：:](?=[{CN_NUMERALS}]{{1,2}}是)")
_CLAUSE_END = re.compile(r"[，,、：:][”’」』）)】\"']*")
_NO_BREAK = re.compile(r"[0-9A-Za-z〔〕\[\]年月日号.%,/\-]")


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    path: tuple[str, ...]
    heading_only: bool = False
    table: bool = False


def chunk(document: Document, chunk_size: int = 500, chunk_min: int = 120) -> list[Chunk]:
    """Split ``document`` into chunks.

    Args:
        document: A cleaned document.
        chunk_size: Largest chunk in characters (table chunks may add a header row).
        chunk_min: A chunk smaller than this absorbs the next paragraph when that
            paragraph sits in a subsection of it (so a lone heading never stands alone).

    Returns:
        Chunks in document order; ``document.text[c.start:c.end]`` is each chunk's own span.
    """
    text = document.text
    groups = _group(list(_units(text, chunk_size)), chunk_size, chunk_min)
    chunks = []
    for units in groups:
        start, end = units[0].start, units[-1].end
        body = text[start:end]
        if units[0].table:
            header = _table_header(text, start)
            if header and not body.startswith(header):
                body = header + "\n" + body
        first, last = document.page_at(start), document.page_at(max(start, end - 1))
        chunks.append(
            Chunk(
                id=content_hash(document.sha256, str(start), body),
                doc=document.path,
                source=document.source,
                section_path=next((u.path for u in units if not u.heading_only), units[-1].path),
                text=body,
                start=start,
                end=end,
                page_start=first,
                page_end=last,
                ocr=bool(first and any(first <= p <= (last or first) for p in document.ocr_pages)),
            )
        )
    return chunks


def _lines(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for line in text.split("\n"):
        if line.strip():
            yield start, start + len(line)
        start += len(line) + 1


def _units(text: str, chunk_size: int) -> Iterator[_Unit]:
    """Paragraphs with their section path; long paragraphs cut into sentence runs."""
    stack: list[tuple[str, str]] = []
    lines = list(_lines(text))
    for i, (start, end) in enumerate(lines):
        line = text[start:end]
        kind = None if "\t" in line else heading_kind(line)
        following = text[slice(*lines[i + 1])] if i + 1 < len(lines) else ""
        if kind is None and (starts_part(line) or is_part_title(line, following)):
            kind, stack = "part", []
        if kind:
            kinds = [k for k, _ in stack]
            if kind in kinds:
                del stack[kinds.index(kind) :]
            else:  # a part (level -1) stays open
                while stack and LEVELS.get(stack[-1][0], -1) > LEVELS.get(kind, -1):
                    stack.pop()
            stack.append((kind, heading_label(line)))
        path = tuple(label for _, label in stack)
        if "\t" in line:
            yield _Unit(start, end, path, table=True)
            continue
        heading_only = bool(kind) and len(line) <= LABEL_CHARS + 6 and heading_label(line) == line
        if end - start <= chunk_size:
            yield _Unit(start, end, path, heading_only)
            continue
        yield from _split(text, start, end, path, chunk_size)


def _split(text: str, start: int, end: int, path: tuple[str, ...], size: int) -> Iterator[_Unit]:
    """Cut one long paragraph at sentence ends, labelling 一是/二是 runs."""
    shi: str | None = None
    for piece_start, piece_end in _pieces(text, start, end, size):
        sentence = text[piece_start:piece_end]
        if heading_kind(sentence) == "shi":
            shi = heading_label(sentence)
        yield _Unit(piece_start, piece_end, path + ((shi,) if shi else ()))


def _pieces(text: str, start: int, end: int, size: int) -> Iterator[tuple[int, int]]:
    """Sentences of ``text[start:end]``; over-long ones cut at clauses, then safely."""
    cuts = [m.end() for m in _SENTENCE_END.finditer(text, start, end)]
    bounds = sorted({start, *cuts, end})
    for a, b in zip(bounds, bounds[1:], strict=False):
        while b - a > size:
            clauses = [m.end() for m in _CLAUSE_END.finditer(text, a, a + size)]
            cut = clauses[-1] if clauses else _safe_cut(text, a, a + size)
            yield a, cut
            a = cut
        if b > a:
            yield a, b


def _safe_cut(text: str, start: int, limit: int) -> int:
    """The last position ≤ ``limit`` that is not inside a number, date or 文号."""
    cut = limit
    while (
        start + 1 < cut < len(text)
        and _NO_BREAK.match(text[cut - 1])
        and _NO_BREAK.match(text[cut])
    ):
        cut -= 1
    return cut if cut > start + 1 else limit


def _group(units: list[_Unit], size: int, minimum: int) -> list[list[_Unit]]:
    """Merge consecutive units of one section (or table) into chunks of at most ``size``."""
    groups: list[list[_Unit]] = []
    for unit in units:
        current = groups[-1] if groups else None
        if current and _fits(current, unit, size, minimum):
            current.append(unit)
        else:
            groups.append([unit])
    return groups


def _fits(current: list[_Unit], unit: _Unit, size: int, minimum: int) -> bool:
    length = unit.end - current[0].start
    if length > size:
        return False
    if current[-1].table != unit.table:
        return unit.table and all(u.heading_only for u in current)
    path = next((u.path for u in current if not u.heading_only), current[-1].path)
    small = all(u.heading_only for u in current) or current[-1].end - current[0].start < minimum
    if unit.table or path == unit.path:
        return True
    if _same_section(path, unit.path):  # the next item of a 一是/二是 run
        return small
    return small and unit.path[: len(path)] == path


def _same_section(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Equal paths, but for the trailing 一是/二是 label (or its absence)."""
    if a[:-1] == b and _is_shi(a[-1]) or b[:-1] == a and _is_shi(b[-1]):
        return True
    return len(a) == len(b) and a[:-1] == b[:-1] and _is_shi(a[-1]) and _is_shi(b[-1])


def _is_shi(label: str) -> bool:
    return heading_kind(label) == "shi"


def _table_header(text: str, start: int) -> str:
    """The first row of the table that the row at ``start`` belongs to."""
    header_start = start
    while header_start > 0:
        previous_end = header_start - 1
        previous_start = text.rfind("\n", 0, previous_end) + 1
        if "\t" not in text[previous_start:previous_end]:
            break
        header_start = previous_start
    header_end = text.find("\n", header_start)
    return text[header_start : header_end if header_end >= 0 else len(text)]
