"""Sentences of a passage: what an answer quotes and what search finds a passage by.

:func:`sentences` splits a passage into the sentences an answer may quote;
:func:`units` groups them into the small units that are embedded on their own
(see :mod:`assistant.index.units`), so that a passage is found by its best
sentence and not only by its whole text.
"""

from __future__ import annotations

import re

from ..chinese.dates import CN_DATE, DATE
from ..chinese.words import words
from .headings import LABEL_CHARS, heading_kind

# A sentence ends at 。！？； (and closing quotes after them) or at a line break.
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)]*|\n+")
_FULL_STOP = re.compile(r"[。！？!?]+[”’」』）)]*")  # where a sentence ends, not a clause (；)
HEADING_CHARS = 14  # a shorter line without an end mark is a heading: it joins the next sentence
UNIT_MAX_CHARS = 200  # short sentences are joined into a unit up to this length


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text`` that can be quoted, surrounding whitespace excluded.

    A sentence ends at 。！？； or a line break, so a table row is one sentence.
    Headings (a short line without an end mark or a tab, such as "2.加大投入")
    are left out: they are already in the citation's section path, and they serve
    as the next sentence's context. Only a text of nothing but headings gives them.
    """
    spans: list[tuple[int, int]] = []
    headings: list[tuple[int, int]] = []
    start = 0
    for end in [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]:
        piece = text[start:end]
        left = start + len(piece) - len(piece.lstrip())
        right = start + len(piece.rstrip())
        start = end
        if right <= left:
            continue
        line = text[left:right]
        is_heading = len(line) < HEADING_CHARS and "\t" not in line
        (headings if is_heading and not _SENTENCE_END.match(line[-1]) else spans).append(
            (left, right)
        )
    return spans or headings


def units(text: str, min_chars: int) -> list[tuple[int, int]]:
    """Spans of the units of ``text``: its sentences, short ones joined to the next.

    A unit grows sentence by sentence until it holds ``min_chars`` characters, as
    long as it stays within :data:`UNIT_MAX_CHARS` (a longer sentence is a unit of
    its own). A table row is a sentence, so a row of some length is a unit.

    Args:
        text: A passage.
        min_chars: The shortest unit, unless the passage ends first.
    """
    spans: list[tuple[int, int]] = []
    for start, end in sentences(text):
        first, last = spans[-1] if spans else (start, start)
        if spans and last - first < min_chars and end - first <= UNIT_MAX_CHARS:
            spans[-1] = (first, end)
        else:
            spans.append((start, end))
    return spans


# A signature: the bodies that issue a document and the date, nothing said (…局2020年2月3日,
# …秘书处2025年7月4日印发).
_SIGNED = re.compile(rf"(?:{DATE.pattern}|{CN_DATE.pattern})\s*(?:印发|发布|公布)?\s*$")
_CLAUSE_MARKS = re.compile(r"[，。；：,;:！？!?]")


def is_signature(sentence: str) -> bool:
    """Whether ``sentence`` is a signature — issuing bodies, maybe after a caption, then the
    date they signed (广州市民政局 2024年1月2日) — and so says nothing a question asks of
    the text (who issued a document and when are read from its metadata)."""
    sentence = sentence.strip()
    signed = _SIGNED.search(sentence)
    if signed is None or _CLAUSE_MARKS.search(sentence):
        return False
    bodies = sentence[: signed.start()].split()
    return bool(bodies) and bodies[-1].endswith(words("documents", "issuer_ends"))


CLAUSE_CHARS = 120  # the context under a direct answer: its paragraph or list, at most this long


def clause(text: str, start: int, end: int, limit: int = CLAUSE_CHARS) -> tuple[int, int]:
    """The span of the paragraph or list that the sentence ``text[start:end]`` belongs to.

    A paragraph is its line. A list is a line ending in ：, its numbered items (1.,
    （一）, ① …: the heading grammar of :mod:`.headings`) and the sentence's sibling
    items. The span is trimmed to ``limit`` characters by whole items — the
    sentence's own first, then those after it, then those before — so that no item
    is cut; a long paragraph is trimmed by whole sentences around the sentence.
    The span always holds the sentence.
    """
    lines = line_spans(text)
    at = next(i for i, (a, b) in enumerate(lines) if a <= start < b or (a >= start and b >= end))
    first = last = at
    if lines[at][1] - lines[at][0] > limit:
        return sentences_around(text, lines[at], (start, end), limit)
    is_item = [heading_kind(text[a:b]) in ITEM_KINDS for a, b in lines]
    if text[lines[at][0] : lines[at][1]].rstrip().endswith(("：", ":")):
        stop = at + 1  # an intro: the items that follow it
        while stop < len(lines) and is_item[stop]:
            stop += 1
        candidates_after = range(at + 1, stop)
        candidates_before: range = range(0)
    elif is_item[at]:
        top = _intro(text, lines, is_item, at)  # an item: its siblings, and the intro above them
        bottom = at + 1
        while bottom < len(lines) and is_item[bottom]:
            bottom += 1
        candidates_after, candidates_before = range(at + 1, bottom), range(at - 1, top - 1, -1)
    else:
        return lines[at]
    for i in candidates_after:  # whole items, while they fit
        if lines[i][1] - lines[first][0] > limit:
            break
        last = i
    for i in candidates_before:
        if lines[last][1] - lines[i][0] > limit:
            break
        first = i
    return lines[first][0], lines[last][1]


def _intro(text: str, lines: list[tuple[int, int]], is_item: list[bool], at: int) -> int:
    """The line of the intro (…如下：) of the list whose item is line ``at``, or its first item."""
    top = at
    while top > 0 and is_item[top - 1]:
        top -= 1
    if top > 0 and text[lines[top - 1][0] : lines[top - 1][1]].rstrip().endswith(("：", ":")):
        top -= 1
    return top


def list_intro(text: str, start: int) -> tuple[int, int] | None:
    """The span of the intro line (…限额标准如下：) of the list whose item holds ``start``, when
    ``text`` has it; ``None`` for a sentence that is not a list item."""
    lines = line_spans(text)
    at = next((i for i, (a, b) in enumerate(lines) if a <= start < b), None)
    if at is None or heading_kind(span_text(text, lines[at])) not in ITEM_KINDS:
        return None
    is_item = [heading_kind(span_text(text, line)) in ITEM_KINDS for line in lines]
    top = _intro(text, lines, is_item, at)
    return lines[top] if top < at and not is_item[top] else None


OPENING_CHARS = 100  # a quote opens this far back at most, where its sentence opens


def opening(text: str, start: int) -> int:
    """Where the sentence holding ``text[start]`` opens: a quote of a clause after ；，or ：
    (…50%提高到60%；符合困难企业…) starts with its sentence, on its line, when that is
    at most :data:`OPENING_CHARS` before it."""
    line = text.rfind("\n", 0, start) + 1
    ends = [m.end() for m in _FULL_STOP.finditer(text, line, start)]
    opens = ends[-1] if ends else line
    while opens < start and text[opens].isspace():
        opens += 1
    return opens if start - opens <= OPENING_CHARS else start


def span_text(text: str, span: tuple[int, int]) -> str:
    return text[span[0] : span[1]]


ITEM_KINDS = frozenset({"paren_cn", "arabic", "paren_arabic", "circled", "shi"})
BARE_VALUE = 30  # a value line this short is quoted with its heading (see :func:`headed`)


def headed(text: str, start: int, end: int) -> int:
    """Where a quote of ``text[start:end]`` starts: a bare value on a line of its own
    (795万元: short, no clause punctuation) starts at the heading line right above it
    (六、年度预算安排), which says what the value is."""
    line = text[start:end]
    bare = len(line) <= BARE_VALUE and not re.search(r"[，。；：,;:]", line)
    if not bare or start < 2 or text[start - 1] != "\n" or text[end : end + 1] not in ("", "\n"):
        return start
    above = text.rfind("\n", 0, start - 1) + 1
    heading = text[above : start - 1]
    return above if heading_kind(heading) and len(heading) <= LABEL_CHARS else start


def line_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the non-empty lines of ``text``, surrounding whitespace excluded."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        left = match.start() + len(line) - len(line.lstrip())
        right = match.start() + len(line.rstrip())
        if right > left:
            spans.append((left, right))
    return spans


def sentences_around(
    text: str, line: tuple[int, int], sentence: tuple[int, int], limit: int
) -> tuple[int, int]:
    """Whole sentences of ``line`` around ``sentence``, within ``limit`` characters."""
    spans = [(line[0] + a, line[0] + b) for a, b in sentences(text[line[0] : line[1]])]
    spans = spans or [sentence]
    at = next((i for i, (a, b) in enumerate(spans) if a <= sentence[0] < b), 0)
    first = last = at
    while True:
        grown = False
        if last + 1 < len(spans) and spans[last + 1][1] - spans[first][0] <= limit:
            last, grown = last + 1, True
        if first > 0 and spans[last][1] - spans[first - 1][0] <= limit:
            first, grown = first - 1, True
        if not grown:
            break
    return min(spans[first][0], sentence[0]), max(spans[last][1], sentence[1])
