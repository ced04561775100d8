"""What answering makes of chunks: ``Hit → Answer`` (a search's passages, an answer's quotes).

Frozen dataclasses, imported by the answering stage and the app; they import only
:mod:`.documents`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .documents import Chunk


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
            (《…》未列出所需材料; :mod:`assistant.answering.procedure`), said first, above
            the direct answer (the closest the document comes); empty otherwise.
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
