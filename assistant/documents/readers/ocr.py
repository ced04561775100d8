"""OCR of page images (RapidOCR), cached per image, for the readers of scans.

A reader that finds pages without text (a scanned PDF page, an image-only OFD
page) hands :func:`recognize` their numbers and a function that renders one; it
gets back each page's text in reading order (:mod:`.layout`) and its confidence.
What the build wants (on or off, the page limit, the cache folder, progress) is
set around the reading by :func:`ocr_options`, so readers keep the signature
``read_<format>(path) -> Extracted``.

The models (PP-OCR detection and recognition, ONNX) ship inside the
``rapidocr`` wheel and run on ``onnxruntime``: nothing is downloaded. Each page
image is hashed (with :data:`RECIPE`); a page already recognized is read from the
cache, one JSON file per image written to a temporary name and ``os.replace``\\ d,
so a crash never leaves a half-written entry and a rebuild never reads a page twice.
(RapidOCR's version is part of each image's key: an upgrade reads pages afresh.)
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from .layout import Box, is_rotated, reading_order

if TYPE_CHECKING:
    from PIL.Image import Image

# Pages are rendered at this resolution: 200 dpi reads body text (五号, 10.5 pt) with a
# character error rate of 0–1.4 % (bench/ocr.py); more costs time and no accuracy.
DPI = 200
# Lines the recognizer is less sure of than this are left out of the text (they still
# lower the page's confidence): RapidOCR's own default cut-off.
MIN_LINE_SCORE = 0.5
# A page whose mean confidence (per character) is below this is named in a warning:
# clean scans of printed text score 0.99, a blurred or faint page scores lower.
LOW_CONFIDENCE = 0.9
# RapidOCR's direction classifier (which turns a line it deems upside down) is off: on
# upright printed pages it turned whole lines of the shared PDFs into nonsense
# ("《国四（《国", bench/ocr.py). A page upside down is then read as nonsense with a low
# confidence, and warned about.
USE_CLS = False
# What makes a cached result valid besides the image: the engine and what it was asked
# (the rapidocr version is added).
RECIPE = f"PP-OCRv6 small, text_score=0, use_cls={USE_CLS}"
# A page image with fewer dark pixels than this share is blank: no OCR.
INK = 0.0005
# A page with fewer visible characters than this has no text worth keeping (a page
# number, "- 3 -"): it is read by OCR.
FURNITURE = 10


@dataclass(frozen=True)
class OcrStep:
    """Progress of the OCR of one file: page ``done`` of ``total`` has been read.

    Attributes:
        file: The file's name.
        page: The page number just read.
        done: Pages of this file read so far (cached ones included).
        total: Pages of this file to read.
    """

    file: str
    page: int
    done: int
    total: int


@dataclass(frozen=True)
class OcrOptions:
    """What the build wants of OCR (see :func:`ocr_options`).

    Attributes:
        enabled: Whether pages without text are recognized; if not, they are
            reported "needs OCR" as before there was OCR.
        max_pages: At most this many pages of one file are recognized.
        cache: Folder of recognized pages, ``None`` for no cache.
        on_step: Called after each page.
    """

    enabled: bool = True
    max_pages: int = 200
    cache: Path | None = None
    on_step: Callable[[OcrStep], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class OcrPage:
    """One recognized page.

    Attributes:
        number: The page number (1-based).
        text: Its lines in reading order, one per line.
        confidence: The recognizer's mean confidence per character (0 when
            nothing was recognized), lines below :data:`MIN_LINE_SCORE` included.
        rotated: Whether the text stands sideways (the page is turned by 90°),
            which leaves the order of the lines in doubt.
    """

    number: int
    text: str
    confidence: float
    rotated: bool = False

    @property
    def doubtful(self) -> bool:
        """Whether the page is named in the low-confidence warning."""
        return self.rotated or self.confidence < LOW_CONFIDENCE


@dataclass(frozen=True)
class OcrResult:
    """The OCR of one file's pages without text.

    Attributes:
        pages: The pages recognized (blank ones left out).
        skipped: Pages past :attr:`OcrOptions.max_pages`, not recognized.
        failed: Pages that could not be rendered.
        blank: Pages rendered blank (no ink), not recognized.
    """

    pages: tuple[OcrPage, ...] = ()
    skipped: tuple[int, ...] = ()
    failed: tuple[int, ...] = ()
    blank: tuple[int, ...] = ()

    @property
    def seen(self) -> set[int]:
        """The pages OCR looked at: recognized or found blank."""
        return {p.number for p in self.pages} | set(self.blank)

    def applied(self, texts: Sequence[str]) -> list[str]:
        """``texts`` (one per page) with the pages OCR found text on replaced by it."""
        found = {p.number: p.text for p in self.pages if p.text.strip()}
        return [found.get(n, text) for n, text in enumerate(texts, 1)]

    @property
    def read(self) -> tuple[int, ...]:
        """The numbers of the pages that OCR found text on."""
        return tuple(p.number for p in self.pages if p.text.strip())

    def warnings(self, limit: int) -> tuple[str, ...]:
        """The per-file report: pages recognized, mean confidence, low pages, the rest."""
        found: list[str] = []
        if read := [p for p in self.pages if p.text.strip()]:
            mean = sum(p.confidence for p in read) / len(read)
            found.append(
                f"OCR: {len(read)} 页经 OCR 识别（{page_list(self.read)}），平均置信度 {mean:.3f}"
            )
        if doubtful := [p for p in self.pages if p.doubtful]:
            named = "、".join(
                f"第{p.number}页（{'页面旋转，' if p.rotated else ''}置信度 {p.confidence:.3f}）"
                for p in doubtful
            )
            found.append(
                f"low OCR confidence: OCR 识别可能有误：{named}"
                f"（置信度低于 {LOW_CONFIDENCE:.2f} 或页面旋转），请核对原件"
            )
        if self.skipped:
            found.append(
                f"OCR page limit: 超过每个文件 {limit} 页的 OCR 上限，"
                f"{page_list(self.skipped)}未识别"
            )
        if self.failed:
            found.append(f"OCR failed: {page_list(self.failed)}无法渲染，未做 OCR 识别")
        return tuple(found)


def page_list(numbers: Sequence[int]) -> str:
    """第1、2、5页."""
    return "第" + "、".join(map(str, numbers)) + "页"


def textless(texts: Sequence[str], skip: Sequence[int] = ()) -> list[int]:
    """The pages (1-based, ``skip`` left out) with fewer than :data:`FURNITURE` characters."""
    return [
        n
        for n, text in enumerate(texts, 1)
        if n not in skip and len("".join(text.split())) < FURNITURE
    ]


_OPTIONS: ContextVar[OcrOptions] = ContextVar("ocr_options", default=OcrOptions())


@contextmanager
def ocr_options(options: OcrOptions) -> Iterator[None]:
    """Read files with ``options`` in force (in this thread or task)."""
    token = _OPTIONS.set(options)
    try:
        yield
    finally:
        _OPTIONS.reset(token)


def current_options() -> OcrOptions:
    """The options in force (defaults: on, 200 pages, no cache)."""
    return _OPTIONS.get()


def recognize(path: Path, numbers: Sequence[int], render: Callable[[int], Image]) -> OcrResult:
    """Recognize the pages ``numbers`` of ``path``, each rendered by ``render(number)``.

    Pages past the limit in force are skipped; blank pages (no ink) are left out;
    a page whose rendering fails is named in :attr:`OcrResult.failed`.
    """
    options = current_options()
    todo, skipped = list(numbers[: options.max_pages]), tuple(numbers[options.max_pages :])
    pages: list[OcrPage] = []
    failed: list[int] = []
    blank: list[int] = []
    for done, number in enumerate(todo, start=1):
        try:
            image = render(number)
        except Exception:  # noqa: BLE001 - one bad page must not lose the others
            failed.append(number)
            continue
        if (page := _page(number, image, options.cache)) is not None:
            pages.append(page)
        else:
            blank.append(number)
        if options.on_step:
            options.on_step(OcrStep(path.name, number, done, len(todo)))
    return OcrResult(tuple(pages), skipped, tuple(failed), tuple(blank))


def recognizer_calls() -> int:
    """How many page images the recognizer has read in this process (cache hits not counted)."""
    return _ENGINE.calls


def _page(number: int, image: Image, cache: Path | None) -> OcrPage | None:
    """One page's OCR, from the cache when it holds the image; ``None`` when blank."""
    import numpy as np

    gray = np.asarray(image.convert("L"))
    if (gray < 128).mean() < INK:
        return None
    recipe = f"rapidocr {version('rapidocr')} {RECIPE} {gray.shape}"
    key = hashlib.sha256(recipe.encode() + gray.tobytes()).hexdigest()
    boxes = _cached(cache, key)
    if boxes is None:
        boxes = _ENGINE.read(image)
        if cache is not None:
            _store(cache, key, boxes)
    kept = [b for b in boxes if b.score >= MIN_LINE_SCORE]
    chars = sum(len(b.text) for b in boxes)
    confidence = sum(len(b.text) * b.score for b in boxes) / chars if chars else 0.0
    text = "\n".join(reading_order(kept))
    return OcrPage(number, text, round(confidence, 4), is_rotated(kept))


def _cached(cache: Path | None, key: str) -> list[Box] | None:
    if cache is None:
        return None
    try:
        data = json.loads((cache / key[:2] / f"{key}.json").read_text(encoding="utf-8"))
        return [Box(**box) for box in data["boxes"]]
    except (OSError, ValueError, KeyError, TypeError):  # absent or unreadable: read again
        return None


def _store(cache: Path, key: str, boxes: list[Box]) -> None:
    """Write one entry crash-safely: a temporary file, synced, then renamed."""
    folder = cache / key[:2]
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f"{key}.{os.getpid()}.{threading.get_ident()}.tmp"
    data = {"recipe": RECIPE, "rapidocr": version("rapidocr"), "boxes": [asdict(b) for b in boxes]}
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, folder / f"{key}.json")


class _Engine:
    """The RapidOCR engine, loaded on first use, one page at a time, counted."""

    def __init__(self) -> None:
        self.calls = 0
        self._engine: object | None = None
        self._lock = threading.Lock()

    def read(self, image: Image) -> list[Box]:
        """Every line the recognizer finds on ``image``, with its box and confidence."""
        import numpy as np

        with self._lock:
            if self._engine is None:
                from rapidocr import RapidOCR

                params = {
                    "Global.log_level": "error",
                    "Global.text_score": 0.0,
                    "Global.use_cls": USE_CLS,
                }
                self._engine = RapidOCR(params=params)
            result = self._engine(np.asarray(image.convert("RGB")))  # type: ignore[operator]
            self.calls += 1
        if result.boxes is None or result.txts is None or result.scores is None:
            return []
        return [
            Box(
                text,
                float(points[:, 0].min()),
                float(points[:, 1].min()),
                float(points[:, 0].max()),
                float(points[:, 1].max()),
                round(float(score), 4),
            )
            for points, text, score in zip(result.boxes, result.txts, result.scores, strict=True)
        ]


_ENGINE = _Engine()
