"""The data that flows through the pipeline: ``Document → Chunk → Hit → Answer``.

All are frozen dataclasses, imported by every stage and importing none. Ids are
content hashes, so the same file and the same settings always give the same ids.
A document's citation fields live in one :class:`Source`, shared by its chunks.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field, fields
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


@dataclass(frozen=True)
class Part:
    """A passage of the index inside a joined passage (:mod:`assistant.answering.passages`).

    Attributes:
        row: The passage's row in the index.
        start: Where its text starts in the joined passage's text.
        end: Where it ends (exclusive).
        section_path: Its own section path (what its sentences are read under).
        score: The score search found it with (``None``: joined in without being found,
            as the rest of a procedure's section).
    """

    row: int
    start: int
    end: int
    section_path: tuple[str, ...] = ()
    score: float | None = None


@dataclass(frozen=True)
class Hit:
    """A chunk returned by a search, with its score (higher is better).

    Attributes:
        chunk: The passage.
        score: The ranking score (fused, dense or BM25, by search mode).
        dense: Cosine similarity to the question, when dense search saw it.
        bm25: BM25 score, when keyword search saw it.
        row: The chunk's row in the index it was found in (``None`` when not from one,
            or when it joins several: see ``parts``).
        parts: The index's passages a joined passage is made of, in text order (empty
            for one passage): answering looks up their stored sentence vectors.
    """

    chunk: Chunk
    score: float
    dense: float | None = None
    bm25: float | None = None
    row: int | None = None
    parts: tuple[Part, ...] = ()

    @property
    def pieces(self) -> tuple[Part, ...]:
        """The index's passages this hit's text is made of: its own row, whole, or its
        ``parts`` (none for a passage from elsewhere)."""
        if self.row is not None:
            return (Part(self.row, 0, len(self.chunk.text), self.chunk.section_path, self.score),)
        return self.parts

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``assistant search --json``."""
        c, s = self.chunk, self.chunk.source
        return {
            "doc": c.doc,
            "title": s.title,
            "doc_number": s.doc_number,
            "issuer": s.issuer,
            "issued_on": s.issued_on,
            "jurisdiction": s.jurisdiction,
            "section": c.section,
            "page": c.page_start,
            "text": c.text,
            "score": round(self.score, 6),
            "chunk_id": c.id,
        }


@dataclass(frozen=True)
class Quote:
    """A sentence quoted verbatim in an answer.

    Attributes:
        marker: Its citation number: ``[marker]`` points to ``citations[marker - 1]``.
        start: Where the sentence starts in the cited chunk's ``text``.
        end: Where it ends (exclusive).
        emphasis: Spans of the chunk's text inside it to emphasize: the figures a
            direct answer gives (an amount, a date).
    """

    marker: int
    start: int
    end: int
    emphasis: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Curated:
    """A 人工审核答案: an answer an admin wrote to a question like this one, served first.

    Attributes:
        id: Its id in the database (``assistant curated list``).
        question: The curated question it was matched by.
        text: The answer as the admin wrote it.
        on: The day it was last changed, ``YYYY-MM-DD`` (shown as 人工审核答案 · date).
        citations: The passages it cites, as the index holds them now.
        similarity: The cosine of the question to the nearest of its wordings.
    """

    id: int
    question: str
    text: str
    on: str
    citations: tuple[Hit, ...] = ()
    similarity: float = 0.0


@dataclass(frozen=True)
class Answer:
    """What the assistant says to a question: structure only, rendered elsewhere.

    Renderers (:mod:`assistant.answering.render`) turn it into plain text, the
    API's Markdown or the app's HTML; nothing parses rendered text back.

    Attributes:
        question: The question as asked, normalized (for a follow-up, the follow-up
            itself, not what was searched).
        found: Whether the documents answer it.
        citations: When found, the cited hits in marker order; otherwise the
            nearest documents' best passages, offered as "the closest documents".
        quotes: What is quoted under the direct answer, in answer order: the clause
            the direct answer belongs to and nearly as good sentences of other
            passages (empty when not found, or when the clause is the direct answer).
        reason: When not found, why, in Chinese.
        understood: For a follow-up that did not name its topic, the topic it was
            taken in (shown as 按“…”理解); empty for a question with its own topic.
        direct: When found, the sentence that answers, quoted on the first line.
        generated: A language model's plain-language answer, with ``[n]`` markers of
            ``citations``, shown above the quotes only once verified against them
            (:mod:`assistant.answering.llm`); empty without one.
        note: Why a configured model's answer is not shown (未采用模型回答：…, 模型回答超时…).
        kind: What the question asks for (``amount``, ``time``, ``condition`` …; see
            :mod:`assistant.answering.kinds`); empty when not found.
        unlisted: What of the procedure asked the document answered from does not list
            (《…》未列出所需材料; :mod:`assistant.answering.procedure`), said under the
            direct answer; empty otherwise.
        curated: The 人工审核答案 shown above the rest (:mod:`assistant.answering.curated`),
            when the question means the same as a curated one; ``None`` otherwise.
    """

    question: str
    found: bool
    citations: tuple[Hit, ...] = field(default_factory=tuple)
    quotes: tuple[Quote, ...] = field(default_factory=tuple)
    reason: str = ""
    understood: str = ""
    direct: Quote | None = None
    kind: str = ""
    generated: str = ""
    note: str = ""
    unlisted: str = ""
    curated: Curated | None = None

    @property
    def answered_by(self) -> str:
        """``curated`` when a 人工审核答案 leads the reply, ``llm`` when a verified model
        answer does, else ``extractive``."""
        if self.curated is not None:
            return "curated"
        return "llm" if self.generated else "extractive"

    def quoted(self, marker: int) -> list[Quote]:
        """The quotes of citation ``marker`` (1-based), in passage order."""
        return sorted((q for q in self.quotes if q.marker == marker), key=lambda q: q.start)
