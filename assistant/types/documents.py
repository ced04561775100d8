"""What documents become: ``Document → Chunk``, with their citation fields (:class:`Source`).

Frozen dataclasses, imported by every stage and importing none. Ids are content hashes, so
the same file and the same settings always give the same ids. A document's citation fields
live in one :class:`Source`, shared by its chunks.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any


def content_hash(*parts: str, length: int = 16) -> str:
    """Return a short, stable sha256 hex digest of ``parts``."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


class FileStatus(StrEnum):
    """What a build or an ingest did with one corpus file."""

    OK = "ok"
    WARNED = "warned"
    FAILED = "failed"
    DUPLICATE = "duplicate"
    UNCHANGED = "unchanged"

    @property
    def label(self) -> str:
        """The Chinese name shown to people: 已收录, 未收录 …"""
        return _STATUS_LABELS[self]

    @property
    def mark(self) -> str:
        """The one-character mark of the CLI's per-file lines."""
        return _STATUS_MARKS[self]


_STATUS_LABELS = {
    FileStatus.OK: "已收录",
    FileStatus.WARNED: "已收录（有提示）",
    FileStatus.FAILED: "未收录",
    FileStatus.DUPLICATE: "重复，未重复收录",
    FileStatus.UNCHANGED: "未变",
}
_STATUS_MARKS = {
    FileStatus.OK: "✓",
    FileStatus.WARNED: "!",
    FileStatus.FAILED: "✗",
    FileStatus.DUPLICATE: "=",
    FileStatus.UNCHANGED: "·",
}


class Validity(StrEnum):
    """Whether a document is in force, as its own text (or ``metadata.csv``) says."""

    CURRENT = "现行有效"
    EXPIRED = "已过期"
    REPEALED = "已废止"
    UNKNOWN = "未注明"


@dataclass(frozen=True)
class Source:
    """Where a passage comes from: the citation fields of its document.

    Attributes:
        title: Document title, e.g. 关于政协…提案答复的函 (without 《》).
        doc_number: 文号, e.g. ``官市监函〔2020〕18号``; empty when unknown.
        issuer: 发文机关, e.g. ``官渡区市场监督管理局``; empty when unknown.
        issued_on: Issue date as ``YYYY-MM-DD``: the signed date (成文日期), else the
            date of the 印发 line, else the publication date; empty when unknown.
        doc_type: 文种 such as 函, 通知, 办法, 报告, 预算; empty when unknown.
        jurisdiction: Where the document applies, as a full place name
            (``广东省广州市天河区``, ``全国``; see :mod:`assistant.documents.places`);
            empty when unknown.
        url: Where the original is published (``出处链接`` of ``metadata.csv``).
        effective_on: 施行日期 as ``YYYY-MM-DD`` ("自…起施行"); empty when not stated.
        expires_on: The last day in force as ``YYYY-MM-DD`` ("有效期5年", "有效期至…").
        repealed_by: The document that repeals this one (its title or 文号).
        published_on: 发布日期, the date the page was published as ``YYYY-MM-DD`` (a
            web page's 发布日期/发布时间; often days after the signed date); empty when
            not stated.
    """

    title: str = ""
    doc_number: str = ""
    issuer: str = ""
    issued_on: str = ""
    doc_type: str = ""
    jurisdiction: str = ""
    url: str = ""
    effective_on: str = ""
    expires_on: str = ""
    repealed_by: str = ""
    published_on: str = ""

    def validity(self, today: dt.date | None = None) -> Validity:
        """Repealed, expired (after ``expires_on``), current (a stated date), or unknown."""
        today = today or dt.date.today()
        if self.repealed_by:
            return Validity.REPEALED
        if self.expires_on and dt.date.fromisoformat(self.expires_on) < today:
            return Validity.EXPIRED
        if self.expires_on or self.effective_on:
            return Validity.CURRENT
        return Validity.UNKNOWN

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        """The source held by a flat row (extra keys ignored, missing ones empty)."""
        return cls(**{f.name: data.get(f.name) or "" for f in fields(cls)})


@dataclass(frozen=True)
class Stated:
    """What a file says about itself outside its text, as written (dates not yet parsed).

    A government web page carries a publication line ("发布日期：2025-10-17 来源：广州市民政局")
    and often a 基本信息 box (文号, 实施日期, 失效日期, 发布机关).

    Attributes:
        doc_number: The box's 文号.
        issuer: The box's 发布机关.
        published_on: The page's publication date (发布日期, 发表时间 …).
        publisher: The page's 来源 / 信息来源.
        effective_on: The box's 实施日期.
        expires_on: The box's 失效日期.
    """

    doc_number: str = ""
    issuer: str = ""
    published_on: str = ""
    publisher: str = ""
    effective_on: str = ""
    expires_on: str = ""


@dataclass(frozen=True)
class Extracted:
    """What a reader gets from one file, before cleaning.

    Attributes:
        pages: Raw text of each page (a single item for formats without pages).
            Table rows are lines whose cells are separated by a tab.
        paginated: Whether ``pages`` are real pages (PDF) whose numbers are cited.
        title: A title hint from the file itself (HTML ``<title>``, PDF metadata).
        warnings: Problems worth reporting that did not stop the extraction.
        stated: What the file says about itself outside its text (a web page's head).
        ocr_pages: The pages (1-based) whose text was recognized by OCR.
    """

    pages: tuple[str, ...]
    paginated: bool = False
    title: str = ""
    warnings: tuple[str, ...] = ()
    stated: Stated = Stated()
    ocr_pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class DocumentInfo:
    """An indexed document without its text: a row of the index's document list.

    Attributes:
        path: Path relative to the corpus root, with ``/`` separators.
        sha256: Hex digest of the file's bytes.
        source: Its citation fields.
        pages: Number of pages, 0 for formats without pages.
        warnings: Problems found while loading and cleaning.
        repeals: Titles and 文号 of the documents it says it repeals.
    """

    path: str
    sha256: str
    source: Source
    pages: int = 0
    warnings: tuple[str, ...] = ()
    repeals: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A flat JSON row (the citation fields beside the path)."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            **asdict(self.source),
            "warnings": list(self.warnings),
            "pages": self.pages,
            "repeals": list(self.repeals),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentInfo:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            data["path"],
            data["sha256"],
            Source.from_dict(data),
            int(data.get("pages") or 0),
            tuple(data.get("warnings", ())),
            tuple(data.get("repeals", ())),
        )


@dataclass(frozen=True)
class Document:
    """One source file, cleaned, with its citation metadata.

    Attributes:
        path: Path relative to the corpus root, with ``/`` separators.
        sha256: Hex digest of the file's bytes.
        source: Title, 文号, issuer, date and 文种.
        text: The cleaned text that chunks point into.
        page_starts: Offset in ``text`` where each page begins (PDF only).
        warnings: Problems found while loading and cleaning.
        repeals: Titles and 文号 of the documents it says it repeals.
        ocr_pages: The pages (1-based) whose text was recognized by OCR.
    """

    path: str
    sha256: str
    source: Source
    text: str
    page_starts: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()
    repeals: tuple[str, ...] = ()
    ocr_pages: tuple[int, ...] = ()

    @property
    def pages(self) -> int:
        """Number of pages, 0 for formats without pages."""
        return len(self.page_starts)

    def page_at(self, offset: int) -> int | None:
        """Return the 1-based page holding character ``offset``, if paginated."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def info(self) -> DocumentInfo:
        """The document without its text, as the index keeps it."""
        return DocumentInfo(
            self.path, self.sha256, self.source, self.pages, self.warnings, self.repeals
        )


@dataclass(frozen=True)
class Chunk:
    """A passage of a document with everything needed to cite it.

    ``start``/``end`` are offsets into the document's cleaned text, so
    ``document.text[start:end] == text`` (table chunks may repeat a header row).
    ``ocr`` tells that (some of) its pages were recognized by OCR.
    """

    id: str
    doc: str
    source: Source
    section_path: tuple[str, ...]
    text: str
    start: int
    end: int
    page_start: int | None = None
    page_end: int | None = None
    ocr: bool = False

    @property
    def section(self) -> str:
        """The section path joined for display: ``二、… › （一）… › 2. …``."""
        return " › ".join(self.section_path)

    def to_dict(self) -> dict[str, Any]:
        """Flat JSON data: the citation fields beside the chunk's own."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "source"}
        return {
            "id": self.id,
            "doc": self.doc,
            **asdict(self.source),
            **data,
            "section_path": list(self.section_path),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        """Rebuild a chunk from :meth:`to_dict` output."""
        own = {f.name for f in fields(cls)} - {"source", "section_path"}
        return cls(
            **{k: v for k, v in data.items() if k in own},
            source=Source.from_dict(data),
            section_path=tuple(data["section_path"]),
        )
