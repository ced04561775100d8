"""Passages as a reader gets them: consecutive passages of one document joined in one.

Chunking cuts a document every ``chunk_size`` characters at most, so a long paragraph or
list may end in the next passage. When search ranks two consecutive passages of one
document among its best (:func:`with_neighbours`), they are one passage to the reader:
shown and answered from together, in the place of the better one, up to
``settings.joined_chars``; only passages on one page join (a PDF's passage cites its page).
:func:`joined` is also how :mod:`.procedure` joins a whole section.
"""

from __future__ import annotations

from dataclasses import replace

from ..documents.sentences import sentences
from ..types import Chunk, Hit, Part, content_hash

GAP = 2  # consecutive passages: the next starts at most this far after the previous ends


def joined(chunks: list[Chunk], path: tuple[str, ...] | None = None) -> Chunk:
    """Consecutive passages of one document as one, under ``path`` (default: the first
    passage's section path; the gaps between them, line breaks in the document, kept as
    line breaks)."""
    return _joined(chunks, path)[0]


def joined_hit(hit: Hit, hits: list[Hit], path: tuple[str, ...] | None = None) -> Hit:
    """``hit`` (its scores) with the passages of ``hits`` (consecutive, of one document)
    joined in one (:func:`joined`), knowing which passages of the index it is made of and
    where each starts in its text (:attr:`~assistant.types.Hit.parts`): their sentences'
    stored vectors are looked up when an answer reads them, and an answer scores them as in
    their own passages (found at their own scores, under their own section paths — or all
    under ``path`` when given)."""
    ordered = sorted(hits, key=lambda h: h.chunk.start)
    chunk, offsets = _joined([h.chunk for h in ordered], path)
    parts = tuple(
        replace(p, start=at + p.start, end=at + p.end, section_path=path or p.section_path)
        for h, at in zip(ordered, offsets, strict=True)
        for p in h.pieces
    )
    return replace(hit, chunk=chunk, row=None, parts=parts)


def _joined(chunks: list[Chunk], path: tuple[str, ...] | None) -> tuple[Chunk, list[int]]:
    """:func:`joined`, and where each passage's text starts in the joined text."""
    text, offsets = chunks[0].text, [0]
    for before, after in zip(chunks, chunks[1:], strict=False):
        text += "\n" * max(1, after.start - before.end)
        offsets.append(len(text))
        text += after.text
    first, last = chunks[0], chunks[-1]
    chunk = replace(
        first,
        id=content_hash(first.id, last.id),
        section_path=first.section_path if path is None else path,
        text=text,
        end=last.end,
        page_end=last.page_end,
        ocr=any(c.ocr for c in chunks),
    )
    return chunk, offsets


def with_neighbours(hits: list[Hit], limit: int) -> list[Hit]:
    """``hits`` (best first) with each joined to the hits that continue it in its document
        (the passage just before or after it), while the whole fits ``limit`` characters
    (0 = none joined).

        The joined passage takes the better hit's place and scores; the other leaves the list.
        It has no row in the index, but its parts (:func:`joined_hit`).
    """
    if not limit:
        return hits
    groups: list[list[Hit]] = []
    for hit in hits:
        if any(_inside(hit, g) for g in groups):
            continue
        touching = [i for i, g in enumerate(groups) if _continues(g, hit)]
        # the groups it continues, and itself, as one while that fits; else the first alone
        for chosen in (touching, touching[:1]):
            merged = [hit, *(h for i in chosen for h in groups[i])]
            if chosen and _length(merged) <= limit:
                at = chosen[0]
                groups[at] = sorted(merged, key=lambda h: hits.index(h))
                groups = [g for i, g in enumerate(groups) if i == at or i not in chosen]
                break
        else:
            groups.append([hit])
    return [_one(group) for group in groups]


def _one(group: list[Hit]) -> Hit:
    if len(group) == 1:
        return group[0]
    return joined_hit(group[0], group)


def _continues(group: list[Hit], hit: Hit) -> bool:
    """Whether ``hit``'s passage comes right before or after the passages of ``group``."""
    c = hit.chunk
    first = min((h.chunk for h in group), key=lambda x: x.start)
    last = max((h.chunk for h in group), key=lambda x: x.end)
    return c.doc == first.doc and (
        (0 <= first.start - c.end <= GAP and _one_page(c, first))
        or (0 <= c.start - last.end <= GAP and _one_page(last, c))
    )


def _one_page(before: Chunk, after: Chunk) -> bool:
    """Whether two passages are on one page (or in a document without pages): a passage
    cites its page, and a passage across pages would cite the wrong one for half of it."""
    return before.page_start == before.page_end == after.page_start == after.page_end


def _inside(hit: Hit, group: list[Hit]) -> bool:
    """Whether ``hit``'s passage lies within ``group``'s (inside a section joined already)."""
    c = hit.chunk
    return any(h.chunk.doc == c.doc and h.chunk.start <= c.start < h.chunk.end for h in group)


def _length(group: list[Hit]) -> int:
    return sum(len(h.chunk.text) for h in group)


def ranked_parts(hits: list[Hit]) -> list[list[tuple[Part, int]]]:
    """Each hit's passages (its parts, or itself whole) with the rank each was found at
    among all of them, as if none had been joined: by the scores search found them with
    (ties in the order given); a part joined in without being found (the rest of a
    procedure's section) takes its hit's best rank."""
    pieces = [
        list(hit.pieces) or [Part(-1, 0, len(hit.chunk.text), hit.chunk.section_path, hit.score)]
        for hit in hits
    ]
    found = [
        (i, j, score)
        for i, (hit, own) in enumerate(zip(hits, pieces, strict=True))
        for j, score in [(j, p.score) for j, p in enumerate(own) if p.score is not None]
        or [(0, hit.score)]
    ]
    rank = {(i, j): r for r, (i, j, _) in enumerate(sorted(found, key=lambda f: -f[2]))}
    best: dict[int, int] = {}
    for (i, _), r in rank.items():
        best[i] = min(r, best.get(i, r))
    return [
        [(p, rank.get((i, j), best[i])) for j, p in enumerate(own)] for i, own in enumerate(pieces)
    ]


def passage_sentences(hit: Hit) -> list[tuple[int, int]]:
    """The spans of ``hit``'s quotable sentences (:func:`~assistant.documents.sentences.
    sentences`), a joined passage's as each of its passages has them (the spans whose
    vectors the index stores; a short passage of headings alone keeps them quotable)."""
    if not hit.parts:
        return sentences(hit.chunk.text)
    text = hit.chunk.text
    return [
        (p.start + a, p.start + b) for p in hit.parts for a, b in sentences(text[p.start : p.end])
    ]
