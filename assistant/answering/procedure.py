"""Procedure questions answered from the procedure: the sections whose headings say it.

A citizen asks how (怎么申请), where (去哪办, 网上从哪进), what to bring (要带什么材料), on what
conditions (什么条件, 谁可以申请) or how long (多久批下来): an :class:`Aspect` of a procedure.
The documents say it in sections whose headings name it — 申请条件, 所需材料, 办理流程,
第二十五条 …申请、审核程序, 六、办理时限 — and chunking keeps every passage's section path.
``procedure.tsv`` beside this module maps each aspect to the words that ask for it and the
words of the headings that say it (:func:`wordings`); then:

- search raises the passages of the topic's documents whose section path names what is
  asked (:func:`section_fit`, used by :meth:`.shifts.Shifts.by_procedure`, weighed by
  ``settings.procedure_weight``);
- the answer prefers the sentences of those sections and quotes the list or the steps
  whole, under their heading, or, when the section is longer than
  :data:`PROCEDURE_CHARS`, the part of it that answers: the FAQ's question and its answer,
  the list under the heading asked for (:func:`quoted_section`);
- when the document answered from has no section for what is asked and the answer does
  not state it either, the answer says so (:func:`unlisted`: 《…》未列出所需材料).
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ..documents.headings import heading_kind, heading_label
from ..documents.sections import under_heading
from ..index import Store
from ..tuning import TUNING
from ..types import Answer, Chunk, Hit
from .kinds import MATERIALS, without_cases
from .passages import joined_hit

VOCABULARY = Path(__file__).with_name("procedure.tsv")
# A section of an aspect that answers the one asked (the steps, for where to go) fits this much.
ANSWERING = TUNING.procedure_answering
LIST_CHARS = 1000  # a section's passages are joined up to this length (search)
PROCEDURE_CHARS = TUNING.procedure_chars  # a section is quoted whole up to this, else its part


class Aspect(StrEnum):
    """What of a procedure a question asks for."""

    CONDITIONS = "conditions"
    MATERIALS = "materials"
    STEPS = "steps"
    PLACE = "place"
    TIME_LIMIT = "time_limit"


@dataclass(frozen=True)
class Wording:
    """One line of ``procedure.tsv``: how an aspect is asked for and how headings name it.

    Attributes:
        aspect: The aspect.
        name: How an answer names it (所需材料).
        asked: Matches a (normalized) question that asks for it.
        heading: Matches a section-path label of a section that says it.
        said: Matches a sentence that states it outside such a section (``<materials>``
            in the file: :data:`.kinds.MATERIALS`); ``None``: an answer never says it is
            not listed.
        answered_by: The other aspects whose sections answer it too.
    """

    aspect: Aspect
    name: str
    asked: re.Pattern[str]
    heading: re.Pattern[str]
    said: re.Pattern[str] | None
    answered_by: frozenset[Aspect]


@functools.cache
def wordings(path: Path = VOCABULARY) -> dict[Aspect, Wording]:
    """The aspects' wordings read from ``path`` (tab-separated, ``#`` comments).

    Raises:
        ValueError: A line with an unknown aspect, a missing field or a bad regex; the
            message names the line.
    """
    rows = [line for line in path.read_text("utf-8").splitlines() if not line.startswith("#")]
    found: dict[Aspect, Wording] = {}
    for number, row in enumerate(csv.DictReader(rows, delimiter="\t"), 2):
        try:
            also = (row["answered_by"] or "").split()
            found[Aspect(row["aspect"])] = Wording(
                Aspect(row["aspect"]),
                row["name"],
                re.compile(row["asked"]),
                re.compile(row["heading"]),
                re.compile(row["said"].replace("<materials>", MATERIALS.pattern))
                if row["said"]
                else None,
                frozenset(Aspect(a) for a in also),
            )
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise ValueError(f"{path.name}: 第{number}行无法解析 bad line ({exc})") from exc
    return found


def asked_aspects(question: str) -> frozenset[Aspect]:
    """The aspects of a procedure a (normalized) question asks for (empty: none)."""
    return frozenset(a for a, w in wordings().items() if w.asked.search(question))


@functools.lru_cache(maxsize=4096)
def heading_aspects(label: str) -> frozenset[Aspect]:
    """The aspects a section-path label names: 五、所需材料 → materials; 第二十五条 …申请、
    审核程序如下 → steps; 办理时限 → time limit.

    An article's label is its opening words (:func:`~assistant.documents.headings.heading_label`):
    they name an aspect only when they are its whole first clause (第十六条 申请办理市场主体
    登记，应当提交下列材料), not a sentence cut at the label's length (第八条 申请…材料齐全、符…).
    """
    if heading_kind(label) == "article" and label.endswith("…"):
        return frozenset()
    return frozenset(a for a, w in wordings().items() if w.heading.search(label))


def lead_aspects(line: str) -> frozenset[Aspect]:
    """The aspects a heading line names. An article names one only by a lead-in: its first
    clause ending in ：or 如下 (第十六条 申请办理市场主体登记，应当提交下列材料：, 第二十一条 申请…
    应当同时符合下列条件：), not a rule that happens to say 材料 (第八条 …申请人材料齐全的,…。)."""
    if heading_kind(line) != "article":
        return heading_aspects(heading_label(line))
    lead = re.split(r"[。：:；;]", line, maxsplit=1)[0]
    introduces = line[len(lead) : len(lead) + 1] in ("：", ":") or lead.endswith("如下")
    return heading_aspects(lead.strip()) if introduces else frozenset()


# What each label of a document's section paths names (:func:`document_headings`).
Headings = Mapping[str, frozenset[Aspect]]
NO_HEADINGS: Headings = MappingProxyType({})


@functools.lru_cache(maxsize=64)
def document_headings(index: Store, doc: str) -> Headings:
    """What each label of document ``doc``'s section paths names, read from its heading
    lines (:func:`lead_aspects`): an article's label is cut at 24 characters, its lead-in
    is not."""
    headings: dict[str, frozenset[Aspect]] = {}
    for chunk in document_chunks(index, doc):
        labels = set(chunk.section_path)
        for line in chunk.text.splitlines():
            line = line.strip()
            if line and (label := heading_label(line)) in labels:
                headings[label] = headings.get(label, frozenset()) | lead_aspects(line)
    return headings


def document_chunks(index: Store, doc: str) -> list[Chunk]:
    """The passages of document ``doc`` (its path in the index), in order."""
    return [index.chunk(r) for r in document_rows(index, doc)]


def document_rows(index: Store, doc: str) -> list[int]:
    """The rows of document ``doc``'s passages in the index, in order."""
    number = next(i for i, d in enumerate(index.documents) if d.path == doc)
    return [int(r) for r in np.flatnonzero(index.chunk_docs == number)]


def answering(asked: Iterable[Aspect]) -> frozenset[Aspect]:
    """The aspects whose sections answer ``asked``: each, and those it is answered by."""
    table = wordings()
    return frozenset(a for aspect in asked for a in (aspect, *table[aspect].answered_by))


def section_fit(
    asked: frozenset[Aspect], path: Sequence[str], headings: Headings = NO_HEADINGS
) -> float:
    """How well a passage's section path says what is asked: 1 when a label names an asked
    aspect, :data:`ANSWERING` when one names an aspect that answers it, else 0 (the labels
    read as ``headings`` has them, else by :func:`heading_aspects`)."""
    if not asked:
        return 0.0
    named = frozenset(a for label in path for a in _named(label, headings))
    if named & asked:
        return 1.0
    return ANSWERING if named & answering(asked) else 0.0


def quoted_section(
    chunk: Chunk, start: int, end: int, asked: frozenset[Aspect], headings: Headings = NO_HEADINGS
) -> list[tuple[int, int]]:
    """The spans of ``chunk.text`` to quote for its sentence ``[start, end)`` when its
    section says what is asked: the list or the steps whole, under their heading
    (:func:`~assistant.documents.sections.under_heading`), the widest section that fits
    :data:`PROCEDURE_CHARS` among those whose labels name the asked aspects, then those
    that answer them; when none fits, the part of the outermost that answers, within
    :data:`PROCEDURE_CHARS` (:func:`~assistant.documents.sections.answering_part`: the
    FAQ's question and its answer, a list under its own heading). Empty when no label of
    its path names an asked aspect."""
    trimmed: list[tuple[int, int]] = []
    for depth in _depths(chunk.section_path, asked, headings):
        label = chunk.section_path[depth]
        spans, whole = under_heading(chunk.text, label, start, end, PROCEDURE_CHARS)
        if whole:
            return spans
        trimmed = trimmed or spans
    return trimmed


def asked_in(
    index: Store, question: str, hits: list[Hit], on: bool = True
) -> tuple[frozenset[Aspect], list[Hit], Headings]:
    """What of a procedure ``question`` asks (nothing when not ``on``), ``hits`` with their
    sections whole (:func:`whole_sections`), and what the labels of the topic's document —
    the first hit's — name (:func:`document_headings`)."""
    asked = asked_aspects(question) if on else frozenset()
    if not asked or not hits:
        return asked, hits, NO_HEADINGS
    hits = whole_sections(index, hits, asked)
    return asked, hits, document_headings(index, hits[0].chunk.doc)


def whole_sections(index: Store, hits: list[Hit], asked: frozenset[Aspect]) -> list[Hit]:
    """``hits`` with each passage of the topic's document (the first hit's) in a section
    headed by what is asked replaced by the whole section, its passages joined
    (:func:`section_of`): a list whose items chunking split (五、所需材料 › （一）必需材料 ›
    1.… / 2.… / 3.…) is quoted whole. Another document's sections stay as they are; a
    passage inside a section already there is left out."""
    if not asked or not hits:
        return hits
    topic = hits[0].chunk.doc
    joined = [
        (section_of(index, hit, asked) if hit.chunk.doc == topic else None) or hit for hit in hits
    ]
    kept: list[Hit] = []
    for hit in joined:
        c = hit.chunk
        if any(
            k.chunk.doc == c.doc and k.chunk.start <= c.start and c.end <= k.chunk.end for k in kept
        ):
            continue
        kept = [
            k
            for k in kept
            if not (k.chunk.doc == c.doc and c.start <= k.chunk.start and k.chunk.end <= c.end)
        ]
        kept.append(hit)
    return kept


def section_of(index: Store, hit: Hit, asked: frozenset[Aspect]) -> Hit | None:
    """The whole section around ``hit`` whose heading names what is asked, its passages
    joined in one (the hit's scores kept): the widest that fits :data:`LIST_CHARS`;
    ``None`` when the passage is in no such section or is the section alone."""
    path = hit.chunk.section_path
    depths = _depths(path, asked, document_headings(index, hit.chunk.doc))
    if not depths:
        return None
    rows = document_rows(index, hit.chunk.doc)
    chunks = [index.chunk(r) for r in rows]
    at = next((i for i, c in enumerate(chunks) if c.id == hit.chunk.id), None)
    if at is None:
        return None
    for depth in depths:
        prefix = path[: depth + 1]
        first = last = at
        while first > 0 and chunks[first - 1].section_path[: depth + 1] == prefix:
            first -= 1
        while last + 1 < len(chunks) and chunks[last + 1].section_path[: depth + 1] == prefix:
            last += 1
        if first == last or chunks[last].end - chunks[first].start > LIST_CHARS:
            continue
        section = [Hit(c, hit.score, row=r) for c, r in zip(chunks, rows, strict=True)]
        whole = joined_hit(hit, section[first : last + 1], prefix)
        # the passage found keeps its score; the rest of the section is read at its rank
        found = tuple(p if p.row == hit.row else replace(p, score=None) for p in whole.parts)
        return replace(whole, parts=found)
    return None


def _depths(path: Sequence[str], asked: frozenset[Aspect], headings: Headings) -> list[int]:
    """Where in ``path`` the labels naming an asked aspect are, outermost first, then
    those naming an aspect that answers it."""
    wanted = answering(asked)
    named = [i for i, label in enumerate(path) if _named(label, headings) & asked]
    return named + [
        i for i, label in enumerate(path) if i not in named and _named(label, headings) & wanted
    ]


def _named(label: str, headings: Headings) -> frozenset[Aspect]:
    """What ``label`` names: as ``headings`` has it, else by :func:`heading_aspects`."""
    found = headings.get(label)
    return heading_aspects(label) if found is None else found


def unlisted(asked: frozenset[Aspect], named: frozenset[Aspect], quoted: str) -> list[Wording]:
    """The asked aspects a document does not list: none of its sections is headed by one
    (``named``: what its headings name) and the ``quoted`` answer does not state it either
    (only aspects with :attr:`Wording.said` words, outside the clauses naming a case:
    提供虚假证明等材料的 states no materials)."""
    table = wordings()
    return [
        table[a]
        for a in sorted(asked)
        if table[a].said is not None
        and a not in named
        and not table[a].said.search(without_cases(quoted))
    ]


def unlisted_note(index: Store, reply: Answer, asked: frozenset[Aspect]) -> str:
    """``《title》未列出所需材料`` when the document of ``reply``'s direct answer has no section
    for an asked aspect and what is quoted from it does not state it (:func:`unlisted`);
    ``""`` otherwise."""
    if not asked or reply.direct is None:
        return ""
    doc = reply.citations[reply.direct.marker - 1].chunk
    headings = document_headings(index, doc.doc)
    named = frozenset(
        a for c in document_chunks(index, doc.doc) for label in c.section_path
        for a in _named(label, headings)
    )  # fmt: skip
    quoted = "".join(
        hit.chunk.text[q.start : q.end]
        for marker, hit in enumerate(reply.citations, 1)
        if hit.chunk.doc == doc.doc
        for q in (*reply.quoted(marker), reply.direct)
        if q.marker == marker
    )
    missing = unlisted(asked, named, quoted)
    return f"《{doc.source.title}》未列出{'、'.join(w.name for w in missing)}" if missing else ""
