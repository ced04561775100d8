"""Sentences of a passage: what an answer quotes and what search finds a passage by.

:func:`sentences` splits a passage into the sentences an answer may quote;
:func:`units` groups them into the small units that are embedded on their own
(see :mod:`assistant.index.units`), so that a passage is found by its best
sentence and not only by its whole text.
"""

from __future__ import annotations

import re

# A sentence ends at 。！？； (and closing quotes after them) or at a line break.
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)]*|\n+")
_HEADING_CHARS = 14  # a shorter line without an end mark is a heading: it joins the next sentence
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
        is_heading = len(line) < _HEADING_CHARS and "\t" not in line
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
