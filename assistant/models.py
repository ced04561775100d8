"""The data that flows through the pipeline: ``Document → Chunk → Hit → Answer``.

All are frozen dataclasses; ids are content hashes, so the same file and the
same settings always give the same ids.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


def content_hash(*parts: str, length: int = 16) -> str:
    """Return a short, stable sha256 hex digest of ``parts``."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass(frozen=True)
class Extracted:
    """What a loader reads from one file, before cleaning.

    Attributes:
        pages: Raw text of each page (a single item for formats without pages).
            Table rows are lines whose cells are separated by a tab.
        paginated: Whether ``pages`` are real pages (PDF) whose numbers are cited.
        title: A title hint from the file itself (HTML ``<title>``, PDF metadata).
        warnings: Problems worth reporting that did not stop the extraction.
    """

    pages: tuple[str, ...]
    paginated: bool = False
    title: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """One source file, cleaned, with its citation metadata.

    Attributes:
        path: Path relative to the corpus root, with ``/`` separators.
        sha256: Hex digest of the file's bytes.
        title: Document title, e.g. 《关于政协…提案答复的函》 without the brackets.
        doc_number: 文号, e.g. ``官市监函〔2020〕18号``; empty when unknown.
        issuer: 发文机关, e.g. ``官渡区市场监督管理局``; empty when unknown.
        issued_on: Issue date as ``YYYY-MM-DD``; empty when unknown.
        doc_type: 文种 such as 函, 通知, 办法, 报告, 预算; empty when unknown.
        text: The cleaned text that chunks point into.
        page_starts: Offset in ``text`` where each page begins (PDF only).
        warnings: Problems found while loading and cleaning.
    """

    path: str
    sha256: str
    title: str
    doc_number: str
    issuer: str
    issued_on: str
    doc_type: str
    text: str
    page_starts: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def pages(self) -> int:
        """Number of pages, 0 for formats without pages."""
        return len(self.page_starts)

    def page_at(self, offset: int) -> int | None:
        """Return the 1-based page holding character ``offset``, if paginated."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def to_dict(self) -> dict[str, Any]:
        """Return the document as plain JSON-able data."""
        data = asdict(self)
        data["page_starts"] = list(self.page_starts)
        data["warnings"] = list(self.warnings)
        return data


@dataclass(frozen=True)
class Chunk:
    """A passage of a document with everything needed to cite it.

    ``start``/``end`` are offsets into the document's cleaned text, so
    ``document.text[start:end] == text``.
    """

    id: str
    doc: str
    title: str
    doc_number: str
    issuer: str
    issued_on: str
    doc_type: str
    section_path: tuple[str, ...]
    text: str
    start: int
    end: int
    page_start: int | None = None
    page_end: int | None = None

    @property
    def section(self) -> str:
        """The section path joined for display: ``二、… › （一）… › 2. …``."""
        return " › ".join(self.section_path)

    def to_dict(self) -> dict[str, Any]:
        """Return the chunk as plain JSON-able data."""
        data = asdict(self)
        data["section_path"] = list(self.section_path)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        """Rebuild a chunk from :meth:`to_dict` output."""
        return cls(**{**data, "section_path": tuple(data["section_path"])})


@dataclass(frozen=True)
class Hit:
    """A chunk returned by a search, with its score (higher is better).

    Attributes:
        chunk: The passage.
        score: The ranking score (fused, dense or BM25, by search mode).
        dense: Cosine similarity to the question, when dense search saw it.
        bm25: BM25 score, when keyword search saw it.
    """

    chunk: Chunk
    score: float
    dense: float | None = None
    bm25: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``assistant search --json``."""
        c = self.chunk
        return {
            "doc": c.doc,
            "title": c.title,
            "doc_number": c.doc_number,
            "issuer": c.issuer,
            "issued_on": c.issued_on,
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
    """

    marker: int
    start: int
    end: int


@dataclass(frozen=True)
class Answer:
    """What the assistant says to a question, with the hits it cites.

    Attributes:
        question: The question as asked.
        found: Whether the documents answer it; if not, ``text`` says so.
        text: The answer with ``[n]`` markers, then one source line per citation.
        citations: When found, the cited hits in marker order; otherwise the
            nearest passages, offered as "the closest documents".
        quotes: The quoted sentences, in answer order (empty when not found).
    """

    question: str
    found: bool
    text: str
    citations: tuple[Hit, ...] = field(default_factory=tuple)
    quotes: tuple[Quote, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``assistant ask --json``."""
        return {
            "question": self.question,
            "found": self.found,
            "answer": self.text,
            "citations": [hit.to_dict() for hit in self.citations],
        }
