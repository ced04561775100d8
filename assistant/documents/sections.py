"""Sections of a passage: a procedure's section quoted whole, or the part of it that answers.

A section (五、所需材料, 办理方式, 第二十五条 …程序如下) is quoted whole under its heading
when it fits (:func:`under_heading`); a longer one — a flattened FAQ page's run of questions
and answers, an article's six steps — by the part that answers (:func:`answering_part`):
the nested blocks its lines open (:func:`blocks`: numbered headings, an FAQ's questions, a
list's intros, unnumbered headings) say where that part starts and ends.
"""

from __future__ import annotations

from .headings import LEVELS, heading_kind, heading_label, is_part_title, starts_part
from .sentences import (
    HEADING_CHARS,
    ITEM_KINDS,
    clause,
    line_spans,
    opening,
    sentences_around,
    span_text,
)


def under_heading(
    text: str, label: str, start: int, end: int, limit: int
) -> tuple[list[tuple[int, int]], bool]:
    """The spans that quote the section headed ``label`` (a section-path label, see
    :func:`~.headings.heading_label`) around the sentence ``text[start:end]``, and whether
    they quote it whole.

    Whole: its heading line (when ``text`` has it) and every line after it, items in order,
    up to the next heading of the same or a higher level (一、 ends at 二、, 第十六条 at
    第十七条; an unnumbered heading at the next part title), when that fits in ``limit``
    characters. Otherwise the part of it that answers (:func:`answering_part`).
    """
    lines = line_spans(text)
    at = next((i for i, (a, b) in enumerate(lines) if a <= start < b), None)
    if at is None:
        return [clause(text, start, end)], False
    labels = (heading_label(span_text(text, lines[i])) for i in range(at, -1, -1))
    head = next((at - n for n, found in enumerate(labels) if found == label), None)
    kind = heading_kind(label)
    stop = len(lines)
    for i in range(at + 1, len(lines)):
        line = span_text(text, lines[i])
        if kind is not None:
            other = heading_kind(line)
            if other is not None and LEVELS[other] <= LEVELS[kind]:
                stop = i
                break
        elif starts_part(line) or (
            i + 1 < len(lines) and is_part_title(line, span_text(text, lines[i + 1]))
        ):
            stop = i
            break
    first = head if head is not None else 0
    if lines[stop - 1][1] - lines[first][0] <= limit:
        return [(lines[first][0], lines[stop - 1][1])], True
    return answering_part(text, lines[first:stop], (start, end), limit), False


def answering_part(
    text: str, lines: list[tuple[int, int]], sentence: tuple[int, int], limit: int
) -> list[tuple[int, int]]:
    """The part of a section (its ``lines``) that answers with ``sentence``, within ``limit``
    characters: never a quote that opens mid-sentence, a list always under its own heading.

    A section is nested blocks (:func:`blocks`), each opened by a line that says what
    follows it — a numbered heading, an FAQ's question, a list's intro, an unnumbered
    heading. The part is the widest block holding the sentence that fits (else the
    sentence's line, cut by whole sentences when too long); when it is an item of a list,
    the list's other items by their own lines (:func:`_outline`), else the blocks and lines
    that follow it in the block around it, whole, while they fit; under that block's
    opening line (a list keeps its heading) and the section's own heading line, when they
    fit.
    """
    at = next((i for i, (a, b) in enumerate(lines) if a <= sentence[0] < b), 0)
    kinds = _kinds(text, lines)
    found = blocks(text, lines, kinds)
    holding = [(i, stop) for i, stop in found if i <= at < stop]  # outermost first
    fitting = [k for k, (i, s) in enumerate(holding) if lines[s - 1][1] - lines[i][0] <= limit]
    k = fitting[0] if fitting else len(holding)
    around = holding[k - 1] if k else (-1, len(lines))  # the block it is in, which does not fit
    first, last = holding[k] if fitting else (at, at + 1)
    last -= 1
    # the section's heading, then the opening line of the block around it, when they fit
    heads = sorted({i for i in (0 if holding[:1] == [(0, len(lines))] else -1, around[0])})
    heads = [i for i in heads if 0 <= i < first]
    core = lines[last][1] - lines[first][0]
    while heads and core + sum(_size(lines[i]) for i in heads) > limit:
        heads.pop(0)
    room = limit - sum(_size(lines[i]) for i in heads)
    if core > room:  # the sentence's own line is too long: its sentences around it, from
        a, b = sentences_around(text, lines[at], sentence, room)  # where the first opens
        return [*(lines[i] for i in heads), (min(a, opening(text, a)), b)]
    ends = dict(found)
    if (outline := _outline(lines, kinds, ends, around, (first, last + 1), room)) is not None:
        return [*(lines[i] for i in heads), *outline]
    while last + 1 < around[1]:  # what follows: its list's next items, lines, while they fit
        after = ends.get(last + 1, last + 2) - 1
        bare = after == last + 1 and _size(lines[after]) < HEADING_CHARS  # a heading alone
        if kinds[last + 1] in _PEERS or bare or lines[after][1] - lines[first][0] > room:
            break  # not another question, intro or part: what it answers ends there
        last = after
    return [*(lines[i] for i in heads), (lines[first][0], lines[last][1])]


def _outline(
    lines: list[tuple[int, int]],
    kinds: list[str | None],
    ends: dict[int, int],
    around: tuple[int, int],
    item: tuple[int, int],
    room: int,
) -> list[tuple[int, int]] | None:
    """A list too long to quote whole, by its items' own lines (1.《申报表》 without the
    notes under it) and ``item`` — the block answering — whole, when that fits ``room``;
    ``None`` when ``item`` is not one of two or more items of the block ``around``."""
    kind = kinds[item[0]]
    if kind not in ITEM_KINDS or around[0] < 0:
        return None
    items, j = [], around[0] + 1
    while j < around[1]:
        stop = ends.get(j, j + 1)
        if kinds[j] == kind:
            items.append((j, stop))
        j = stop
    if item not in items or len(items) < 2:
        return None
    spans = [(lines[a][0], lines[b - 1][1]) if (a, b) == item else lines[a] for a, b in items]
    return spans if sum(_size(span) for span in spans) <= room else None


def blocks(
    text: str, lines: list[tuple[int, int]], kinds: list[str | None] | None = None
) -> list[tuple[int, int]]:
    """The blocks of a section's ``lines``, as (opening line, line after its last), in order
    of their opening lines: a numbered heading's runs to the next heading of its level or a
    higher one; an FAQ's question (a line ending in ？) or an unnumbered heading (a part
    title) to the next question or part title; a list's intro (a line ending in ：) to the
    next intro as well; each ends with the block holding it, and a part title or a numbered
    heading that is not a list item (一、, 第十六条) ends them all but the numbered ones
    above it. ``kinds``: what each line opens (:func:`_kinds`), when known."""
    kinds = kinds or _kinds(text, lines)
    found: list[tuple[int, int]] = []
    open_: list[tuple[int, str]] = []
    for j, kind in enumerate(kinds):
        if kind is None:
            continue
        ended = next((n for n, (_, b) in enumerate(open_) if _ends(b, kind)), len(open_))
        found += [(i, j) for i, _ in open_[ended:]]
        open_ = [*open_[:ended], (j, kind)]
    found += [(i, len(lines)) for i, _ in open_]
    return sorted(found)


def _kinds(text: str, lines: list[tuple[int, int]]) -> list[str | None]:
    """The kind of block each of ``lines`` opens (:func:`_opens`)."""
    words = [span_text(text, line) for line in lines]
    return [_opens(w, words[j + 1] if j + 1 < len(words) else "") for j, w in enumerate(words)]


def _opens(line: str, following: str) -> str | None:
    """The kind of block ``line`` opens: its heading kind, ``"question"``, ``"intro"``,
    ``"title"`` (an unnumbered heading), or ``None``."""
    if kind := heading_kind(line):
        return kind
    if line.endswith(("？", "?")):
        return "question"
    if line.endswith(("：", ":")):
        return "intro"
    return "title" if starts_part(line) or is_part_title(line, following) else None


_PEERS = {"question": {"question", "title"}, "title": {"question", "title"}}
_PEERS["intro"] = {"question", "title", "intro"}


def _ends(block: str, kind: str) -> bool:
    """Whether a line opening a block of ``kind`` ends an open block of kind ``block``."""
    if block in LEVELS:
        return kind == "title" or (kind in LEVELS and LEVELS[kind] <= LEVELS[block])
    return kind in _PEERS[block] or (kind in LEVELS and kind not in ITEM_KINDS)


def _size(span: tuple[int, int]) -> int:
    return span[1] - span[0]
