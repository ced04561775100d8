"""Reading order of positioned text: OCR lines and OFD glyph runs become page lines.

OCR (a box around each recognized line) and OFD (text placed at X/Y) both give
pieces of text with positions and no order. :func:`reading_order` puts them in the
order a person reads a Chinese official document: rows top to bottom, the pieces
of a row left to right, and a two-column page column by column (a full-width title
or table above or below the columns stays where it is). A row's pieces far apart
(table cells, a date pushed to the right) are joined by a tab, as the readers
write table rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# A gap wider than this many row heights between two pieces of a row separates cells.
CELL_GAP = 1.5
# A box is vertical text (a page rotated by 90°) when it is this much taller than wide.
VERTICAL = 1.5


@dataclass(frozen=True)
class Box:
    """A piece of text and where it sits on its page (y grows downwards).

    Attributes:
        text: The text.
        left: Left edge.
        top: Top edge.
        right: Right edge.
        bottom: Bottom edge.
        score: The recognizer's confidence in ``text`` (1 for text read from a file).
    """

    text: str
    left: float
    top: float
    right: float
    bottom: float
    score: float = 1.0

    @property
    def height(self) -> float:
        """Height, at least 1."""
        return max(1.0, self.bottom - self.top)

    @property
    def middle(self) -> float:
        """The vertical centre."""
        return (self.top + self.bottom) / 2


def reading_order(boxes: Iterable[Box]) -> list[str]:
    """The page's lines in reading order (see the module docstring).

    Args:
        boxes: The page's pieces of text, in any order.

    Returns:
        One string per row; a row's far-apart pieces separated by a tab.
    """
    boxes = [b for b in boxes if b.text.strip()]
    gutter = _gutter(boxes)
    if gutter is None:
        return [_join(row) for row in _rows(boxes)]
    lines: list[str] = []
    band: list[Box] = []
    spanning = False
    for box in sorted(boxes, key=lambda b: (b.top, b.left)):
        crosses = box.left < gutter < box.right
        if band and crosses != spanning:
            lines += _band(band, gutter, spanning)
            band = []
        band.append(box)
        spanning = crosses
    return lines + _band(band, gutter, spanning)


def is_rotated(boxes: Sequence[Box]) -> bool:
    """Whether most of the text stands in vertical boxes: a page turned by 90°."""
    total = sum(len(b.text) for b in boxes)
    upright = sum(
        len(b.text) for b in boxes if len(b.text) > 1 and b.height > VERTICAL * (b.right - b.left)
    )
    return total > 0 and upright > total / 2


def _band(boxes: list[Box], gutter: float, spanning: bool) -> list[str]:
    """A band's lines: a full-width band row by row, a band of columns column by column."""
    if spanning:
        return [_join(row) for row in _rows(boxes)]
    left = [b for b in boxes if b.right <= gutter]
    right = [b for b in boxes if b.right > gutter]
    return [_join(row) for part in (left, right) for row in _rows(part)]


def _rows(boxes: Iterable[Box]) -> list[list[Box]]:
    """Boxes grouped into rows (a box whose centre lies in a row's band joins it)."""
    rows: list[list[Box]] = []
    top = bottom = 0.0
    for box in sorted(boxes, key=lambda b: (b.middle, b.left)):
        if rows and top <= box.middle <= bottom:
            rows[-1].append(box)
            bottom = max(bottom, box.bottom)
        else:
            rows.append([box])
            top, bottom = box.top, box.bottom
    return [sorted(row, key=lambda b: b.left) for row in rows]


def _join(row: list[Box]) -> str:
    """A row's text: close pieces joined directly, far-apart ones by a tab."""
    height = sorted(b.height for b in row)[len(row) // 2]
    text = row[0].text.strip()
    for before, box in zip(row, row[1:], strict=False):
        gap = box.left - before.right
        if gap > CELL_GAP * height:
            text += "\t"
        elif gap > height / 3 and text[-1:].isascii() and box.text[:1].isascii():
            text += " "
        text += box.text.strip()
    return text


def _gutter(boxes: list[Box]) -> float | None:
    """The x of the gap between two text columns, or ``None`` for a single column.

    A gap in the middle half of the text's width that no narrow box crosses, with
    at least three rows on either side that are not side by side (side-by-side rows
    are a table, read row by row).
    """
    if len(boxes) < 6:
        return None
    start, end = min(b.left for b in boxes), max(b.right for b in boxes)
    span = end - start
    narrow = [b for b in boxes if b.right - b.left < 0.6 * span]
    bins = [0] * 100
    for box in narrow:
        first = int((box.left - start) / span * 99)
        last = int((box.right - start) / span * 99)
        for i in range(first, last + 1):
            bins[i] += 1
    empty = [i for i in range(25, 76) if bins[i] == 0]
    if not empty:
        return None
    gutter = start + span * (empty[len(empty) // 2] + 0.5) / 100
    left = [b for b in narrow if b.right <= gutter]
    right = [b for b in narrow if b.left >= gutter]
    if len(_rows(left)) < 3 or len(_rows(right)) < 3:
        return None
    beside = sum(any(r.top <= b.middle <= r.bottom for r in right) for b in left)
    return gutter if beside < len(left) / 2 else None
