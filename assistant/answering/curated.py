"""人工审核答案: answers an admin wrote, served first to a question that means the same.

An admin ties an answer to a question (and other wordings of it) and to passages of indexed
documents (:class:`Entry`; stored by :mod:`assistant.records.curated`). A new question gets it
(:func:`curated_reply`) when

* its embedding (the index's model, as a query) is at least :data:`THRESHOLD` alike one of the
  entry's wordings — measured on paraphrase pairs and other questions (``bench/curated.py``,
  docs/curated.md); a follow-up is compared in its conversation's topic (the glued reading of
  :mod:`.conversation`);
* it asks for the same kind of answer (:func:`.kinds.question_kind`: a time, an amount, the
  materials …) when both say, and names no other place, year or document than the entry
  (:func:`guard`): its places lie
  within or around those the entry's wordings name or its documents apply to, its
  years are among those of the entry's wordings, answer and passages, and a document it names
  (文号 or title, :mod:`.named`) is one the entry cites;
* every document the entry cites is still indexed, unchanged and in force (:func:`review`):
  otherwise it is not served and is listed for review (需复核) with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from ..chinese.dates import years_named
from ..documents.places import Place, gazetteer
from ..types import Chunk, Curated, DocumentInfo, Hit, Validity
from .kinds import Kind, question_kind
from .named import Named
from .place import place_of
from .question import normalize_question

if TYPE_CHECKING:
    from .search import Searcher

# Cosine (bundled multilingual-e5-small, query to query) from which a question means the same
# as a curated wording; measured with bench/curated.py (docs/curated.md).
THRESHOLD = 0.93

Embed = Callable[[Sequence[str]], np.ndarray]


class Review(StrEnum):
    """Why a curated answer is not served and waits for an admin (需复核)."""

    REMOVED = "引用的文件已删除"
    REPLACED = "引用的文件已更换"
    EXPIRED = "引用的文件已过期"
    REPEALED = "引用的文件已废止"


@dataclass(frozen=True)
class Cited:
    """A passage a curated answer cites.

    Attributes:
        doc: The document's path in the corpus (as the index lists it).
        sha256: The file's digest when it was cited (a replaced file differs).
        section: The passage's section path, as shown (``二、… › （一）…``).
        chunk_id: The passage's id in the index.
        passage: The passage's text when it was cited.
    """

    doc: str
    sha256: str
    section: str = ""
    chunk_id: str = ""
    passage: str = ""


@dataclass(frozen=True)
class Entry:
    """A curated answer as stored.

    Attributes:
        id: Its id in the database.
        question: The question it answers.
        phrasings: Other wordings of the question.
        answer: The answer text.
        author: Who wrote it.
        updated_at: When it was last changed (UTC).
        citations: The passages it cites (at least one).
        editor: Who edited it last (``""`` when never edited).
        edited_at: When it was edited last (UTC), or ``None``.
    """

    id: int
    question: str
    phrasings: tuple[str, ...]
    answer: str
    author: str
    updated_at: dt.datetime
    citations: tuple[Cited, ...] = field(default_factory=tuple)
    editor: str = ""
    edited_at: dt.datetime | None = None

    @property
    def wordings(self) -> tuple[str, ...]:
        """The question and its other wordings, normalized as questions are."""
        return tuple(dict.fromkeys(normalize_question(w) for w in (self.question, *self.phrasings)))


def review(
    entry: Entry, documents: Mapping[str, DocumentInfo], today: dt.date | None = None
) -> str:
    """Why ``entry`` may not be served (a :class:`Review` reason with the file), or ``""``.

    Args:
        entry: The curated answer.
        documents: The indexed documents by path.
        today: The day validity is judged on (today by default).
    """
    for cited in entry.citations:
        document = documents.get(cited.doc)
        if document is None:
            return f"{Review.REMOVED}：{cited.doc}"
        if document.sha256 != cited.sha256:
            return f"{Review.REPLACED}：{cited.doc}"
        status = document.source.validity(today)
        if status is Validity.EXPIRED:
            return f"{Review.EXPIRED}（{document.source.expires_on}）：{cited.doc}"
        if status is Validity.REPEALED:
            return f"{Review.REPEALED}：{cited.doc}"
    return "" if entry.citations else f"{Review.REMOVED}：没有引用"


def places_in(text: str) -> list[tuple[Place, ...]]:
    """The places ``text`` names: per mention, the places it may be."""
    return [m.places for m in gazetteer().find(text)]


def years_in(text: str) -> set[str]:
    """The years ``text`` names (2024年, 2024年度)."""
    return set(years_named(text))


def guard(
    question: str,
    entry: Entry,
    documents: Mapping[str, DocumentInfo],
    named: Callable[[str], Named] | None = None,
) -> bool:
    """Whether ``question`` asks for the same kind of answer as ``entry`` and names no other
    place, year or document (module docstring). ``named`` resolves the documents a text
    names (none checked without it)."""
    own = [p for w in entry.wordings for mention in places_in(w) for p in mention]
    jurisdictions = (documents[c.doc].source.jurisdiction for c in entry.citations
                     if c.doc in documents)  # fmt: skip
    own += [p for j in jurisdictions if j and (p := place_of(j)) is not None]
    for mention in places_in(question):
        if own and not any(p.related(o) for p in mention for o in own):
            return False
    asks = question_kind(normalize_question(question))
    kinds = {question_kind(w) for w in entry.wordings}
    if asks is not Kind.OTHER and Kind.OTHER not in kinds and asks not in kinds:
        return False  # 要交哪些材料 is not 什么时候拨付
    said = (*entry.wordings, entry.answer, *(c.passage for c in entry.citations))
    years = set().union(*(years_in(t) for t in said))
    if not years_in(question) <= years:
        return False
    if named is None:
        return True
    asked = named(question)
    if asked.absent:
        return False
    return not asked.docs or bool(asked.docs & {c.doc for c in entry.citations})


class Matcher:
    """The curated wordings' vectors, embedded once per distinct text (a changed entry's new
    wordings are embedded when first compared; those of removed entries are dropped)."""

    def __init__(self, embed: Embed) -> None:
        self.embed = embed
        self._vectors: dict[str, np.ndarray] = {}

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts`` (one row each)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for text, vector in zip(missing, np.asarray(self.embed(missing)), strict=True):
                self._vectors[text] = _unit(np.asarray(vector, dtype=np.float32))
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])

    def keep_only(self, entries: Sequence[Entry]) -> None:
        """Forget the vectors of wordings no entry has any more."""
        kept = {w for e in entries for w in e.wordings}
        self._vectors = {t: v for t, v in self._vectors.items() if t in kept}

    def ranked(self, question: np.ndarray, entries: Sequence[Entry]) -> list[tuple[float, Entry]]:
        """``entries`` by their best wording's cosine to the ``question`` vector, best first."""
        scored = []
        query = _unit(np.asarray(question, dtype=np.float32).reshape(-1))
        for entry in entries:
            cosines = self.vectors(entry.wordings) @ query
            scored.append((float(cosines.max()), entry))
        return sorted(scored, key=lambda pair: -pair[0])


def best_match(
    question: str,
    vector: np.ndarray,
    entries: Sequence[Entry],
    matcher: Matcher,
    documents: Mapping[str, DocumentInfo],
    *,
    named: Callable[[str], Named] | None = None,
    threshold: float = THRESHOLD,
) -> tuple[float, Entry] | None:
    """The most alike servable entry at ``threshold`` or above that the guard lets through."""
    servable = [e for e in entries if not review(e, documents)]
    for score, entry in matcher.ranked(vector, servable):
        if score < threshold:
            return None
        if guard(question, entry, documents, named):
            return score, entry
    return None


def cited_hits(entry: Entry, chunks_of: Callable[[str], Sequence[Chunk]]) -> tuple[Hit, ...]:
    """The passages ``entry`` cites, as the index holds them (by id, else the passage
    holding the cited text, else the first of the cited section)."""
    hits = []
    for cited in entry.citations:
        chunks = list(chunks_of(cited.doc))
        chosen = (
            next((c for c in chunks if c.id == cited.chunk_id), None)
            or next((c for c in chunks if cited.passage and cited.passage in c.text), None)
            or next((c for c in chunks if cited.section and c.section == cited.section), None)
            or (chunks[0] if chunks else None)
        )
        if chosen is not None:
            hits.append(Hit(chosen, 1.0))
    return tuple(hits)


def as_curated(entry: Entry, score: float, hits: tuple[Hit, ...]) -> Curated:
    """What the answer carries of a matched entry."""
    return Curated(entry.id, entry.question, entry.answer,
                   entry.updated_at.date().isoformat(), hits, round(score, 4))  # fmt: skip


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def curated_reply(
    searcher: Searcher,
    question: str,
    history: Sequence[str],
    entries: Sequence[Entry],
    matcher: Matcher,
    threshold: float = THRESHOLD,
) -> Curated | None:
    """The curated answer for ``question`` asked after ``history`` (a follow-up compared in
    its conversation's topic), or ``None``.

    Raises:
        ValueError: Empty or over-long question.
    """
    from .conversation import Conversation, understood_in
    from .procedure import document_chunks

    if not entries:
        return None
    understood, topic = understood_in(searcher, question, history)
    readings = [understood.query]  # a follow-up without its own topic: glued to the topic
    if topic and not understood.topic:
        glued = Conversation.understand_as_follow_up(
            understood.question, topic, searcher.index.tokenizer
        )
        readings.append(glued.query)  # its own words first, then in the conversation's topic
    documents = {d.path: d for d in searcher.index.documents}
    for query in readings:
        found = best_match(
            query.text, searcher.query_vector(query), entries, matcher, documents,
            named=searcher.named, threshold=threshold,
        )  # fmt: skip
        if found is not None:
            score, entry = found
            hits = cited_hits(entry, lambda doc: document_chunks(searcher.index, doc))
            return as_curated(entry, score, hits)
    return None


def cite(
    documents: Sequence[DocumentInfo],
    chunks_of: Callable[[str], Sequence[Chunk]],
    file: str,
    section: str = "",
    answer: str = "",
    chunk_id: str = "",
) -> Cited:
    """The passage a curated answer cites: of the indexed document ``file`` names (its path,
    its file name or its title), the one with ``chunk_id``, else among those of ``section``
    (a part of its section path) the one sharing most with ``answer``.

    Raises:
        ValueError: No such document, section or passage (in Chinese).
    """
    from .composition import bigrams

    wanted = file.strip().removeprefix("《").removesuffix("》")
    document = next((d for d in documents if d.path == wanted), None)
    if document is None:
        alike = [d for d in documents if d.path.rsplit("/", 1)[-1] == wanted
                 or d.source.title == wanted]  # fmt: skip
        if len(alike) != 1:
            raise ValueError(f"未收录文件：{file}" if not alike else f"文件名不唯一：{file}")
        document = alike[0]
    chunks = list(chunks_of(document.path))
    if chunk_id:
        chunks = [c for c in chunks if c.id == chunk_id]
    elif section.strip():
        chunks = [c for c in chunks if section.strip() in c.section]
    if not chunks:
        where = f"段落 {chunk_id}" if chunk_id else f"章节“{section.strip()}”"
        raise ValueError(f"《{document.source.title or document.path}》中没有{where}")
    said = bigrams(answer)
    chosen = max(chunks, key=lambda c: len(said & bigrams(c.text)))  # the first of equals
    return Cited(document.path, document.sha256, chosen.section, chosen.id, chosen.text)
