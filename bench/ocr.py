"""OCR benchmark: ``python bench/ocr.py [--pages 2] [--dpi 200]``.

The sample: from each PDF of ``../shared/corpus/pdf``, the first ``--pages`` pages
whose text layer holds at least 200 characters, and the table pages of :data:`TABLES`
(the table names them). Each is rendered by the reader's own renderer (PDFium) at
``--dpi`` and the pages of one PDF are written as an image-only PDF (Pillow), its
text layer gone. The scans are
then indexed by a real build (hash embedder: only reading is measured) with a
fresh OCR cache, after one warm-up page. Printed, one table:

* per page: its kind by its text layer (``text``; ``table`` when over a fifth of
  its characters are digits, or one of :data:`TABLES`; ``contents`` with dot
  leaders; ``clipped`` for the pages in :data:`CLIPPED`, whose text layer holds
  lines the printed page does not show, so they cannot be recognized), seconds
  from the previous page's end to this one's (render and recognize; a file's first page also
  opens it; ``cached`` when an identical page image was recognized before) and the
  character error rate against the original page's text layer (spaces,
  full/half-width, page-number lines and dot leaders aside, see ``tests/scans.py``),
  and the share of the reference's characters found in any order (``found``: a table
  whose cells come out in another order has a high CER yet every character);
* the mean and worst of both over the text pages (targets: ≤ 8 s per page, CER ≤ 3 %)
  and over all pages;
* recognizer calls on a second build with nothing changed, and on a full rebuild
  (chunk size changed, every file read again) — both target 0: the cache answers;
* the machine's load average at start and end (the machine is shared: read the
  seconds with it).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the scans and CER are the tests' (tests/scans.py)

from assistant.answering.evaluation import table  # noqa: E402
from assistant.documents.ingest import OCR_CACHE  # noqa: E402
from assistant.documents.readers import read  # noqa: E402
from assistant.documents.readers.ocr import (  # noqa: E402
    OcrOptions,
    ocr_options,
    recognizer_calls,
)
from assistant.documents.readers.pdf import rendered_pages  # noqa: E402
from assistant.index import build  # noqa: E402
from assistant.index.builder import Progress  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from tests.scans import body, cer, image_pdf, squash, text_layer  # noqa: E402

PDFS = ROOT.parent / "shared" / "corpus" / "pdf"
MIN_CHARS = 200
HEADER = ["file", "page", "kind", "chars", "seconds", "CER", "found"]
# Table pages added to the sample: the 2023 report's statistics tables.
TABLES = {"洪泽区人民政府2023年政府信息公开工作年度报告_hzq2023_working.pdf": (3, 4)}
LEADERS = re.compile(r"[.…·．]{6,}")
# Pages whose text layer runs past the printed page (seen on the rendered page).
CLIPPED = {
    ("上海市普陀区司法局2026年部门预算_dept_budget.pdf", 4): "（八）–（十） cut off at the bottom"
}


def sample(pdf: Path, count: int) -> list[int]:
    """The first ``count`` pages of ``pdf`` with at least :data:`MIN_CHARS` characters."""
    from pypdf import PdfReader

    pages = PdfReader(pdf).pages
    wanted = [n for n in range(1, len(pages) + 1) if len(squash(text_layer(pdf, n))) >= MIN_CHARS]
    return sorted({*wanted[:count], *TABLES.get(pdf.name, ())})


def kind(pdf: Path, number: int, reference: str) -> str:
    """``clipped``, ``contents``, ``table`` or ``text`` (see the module docstring)."""
    if (pdf.name, number) in CLIPPED:
        return "clipped"
    if number in TABLES.get(pdf.name, ()):
        return "table"
    if len(LEADERS.findall(reference)) >= 3:
        return "contents"
    chars = squash(reference)
    return "table" if sum(c.isdigit() for c in chars) > len(chars) / 5 else "text"


def summary(label: str, times: list[float], errors: list[float]) -> list[list[str]]:
    """A mean row and a worst row."""
    mean = f"{statistics.mean(times):.2f}" if times else "-"
    worst = f"{max(times):.2f}" if times else "-"
    return [
        [f"mean, {label}", "", "", "", mean, f"{statistics.mean(errors):.2%}", ""],
        [f"worst, {label}", "", "", "", worst, f"{max(errors):.2%}", ""],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2, help="text pages per PDF (default 2)")
    parser.add_argument("--dpi", type=int, default=200, help="rendering resolution")
    args = parser.parse_args()
    load_start = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="ocr-bench-"))
    corpus = work / "corpus"
    corpus.mkdir()
    scans: dict[str, list[tuple[Path, int]]] = {}
    for number, pdf in enumerate(sorted(PDFS.glob("*.pdf"))):
        pages = sample(pdf, args.pages)
        with rendered_pages(pdf) as render:
            images = [render(n) for n in pages]
        name = f"scan{number}.pdf"
        image_pdf(corpus / name, images, args.dpi)
        scans[name] = [(pdf, n) for n in pages]
    # Warm-up: the models load and run once, outside the measurement and the cache.
    read(image_pdf(work / "warm.pdf", [images[0]], args.dpi))

    settings = Settings(corpus=corpus, index=work / "index", model="hash")
    seconds: dict[tuple[str, int], float | None] = {}  # None: read from the cache
    last, calls = time.perf_counter(), recognizer_calls()

    def on_embed(progress: Progress) -> None:
        nonlocal last, calls
        if progress.file:
            fresh = recognizer_calls() > calls
            seconds[progress.file, progress.done] = time.perf_counter() - last if fresh else None
        last, calls = time.perf_counter(), recognizer_calls()

    def on_file(_: object) -> None:
        nonlocal last
        last = time.perf_counter()

    before = recognizer_calls()
    build(settings, on_file=on_file, on_embed=on_embed)
    first_calls = recognizer_calls() - before

    rows: list[list[str]] = []
    measured: dict[str, tuple[list[float], list[float]]] = {"text pages": ([], []), "all": ([], [])}
    cache = OcrOptions(cache=settings.index / OCR_CACHE)
    for name, pages in scans.items():
        with ocr_options(cache):
            extracted = read(corpus / name)
        for i, (pdf, number) in enumerate(pages, start=1):
            reference, recognized = text_layer(pdf, number), extracted.pages[i - 1]
            error, took, what = (
                cer(recognized, reference),
                seconds[name, i],
                kind(pdf, number, reference),
            )
            found = Counter(body(recognized)) & Counter(body(reference))
            share = sum(found.values()) / max(1, len(body(reference)))
            shown = "cached" if took is None else f"{took:.2f}"
            size = str(len(squash(reference)))
            rows.append(
                [pdf.name[:24], str(number), what, size, shown, f"{error:.2%}", f"{share:.1%}"]
            )
            for label in ("text pages", "all") if what == "text" else ("all",):
                times, errors = measured[label]
                errors.append(error)
                if took is not None:
                    times.append(took)

    calls = recognizer_calls()
    unchanged = build(settings)
    unchanged_calls = recognizer_calls() - calls
    full = build(settings.with_(chunk_size=settings.chunk_size - 100))
    full_calls = recognizer_calls() - calls - unchanged_calls
    load_end = os.getloadavg()

    for label, (times, errors) in measured.items():
        rows += summary(label, times, errors)
    print(table(rows, HEADER))
    times, errors = measured["text pages"]
    slow, wrong = sum(t > 8 for t in times), sum(e > 0.03 for e in errors)
    print(
        f"\n{len(rows) - 4} pages at {args.dpi} dpi, {first_calls} recognizer calls in the first "
        f"build; text pages: {len(errors)}, over 8 s: {slow}, over 3 % CER: {wrong}"
    )
    print(
        f"recognizer calls: rebuild with nothing changed {unchanged_calls} "
        f"(changed={unchanged.changed}); full rebuild ({full.full_reason}) {full_calls}"
    )
    start, end = (" ".join(f"{x:.2f}" for x in load) for load in (load_start, load_end))
    print(f"{os.cpu_count()} CPUs; load average {start} at start, {end} at end")


if __name__ == "__main__":
    main()
