"""OCR of scanned PDF pages, on real scans made from the shared PDFs.

One corpus is built once (hash embedder, real RapidOCR): a two-page scan, a mixed
PDF (a text page and the scan's second page) and a page turned by 90°, another by
180°. That is four pages recognized for the whole module (the mixed PDF's image page is the
scan's, read from the OCR cache); every other test reads through that cache.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from assistant.answering.render import citation, page_label
from assistant.answering.search import Searcher
from assistant.app.files import CorpusFiles
from assistant.documents.ingest import OCR_CACHE, ingest
from assistant.documents.readers import NoTextLayer, read
from assistant.documents.readers.layout import Box, reading_order
from assistant.documents.readers.ocr import OcrOptions, ocr_options, recognizer_calls
from assistant.index import build, read_manifest
from assistant.index.builder import BuildReport, Progress
from assistant.settings import Settings
from assistant.types import Chunk, FileStatus, Source

from .conftest import CorpusWriter, hash_settings
from .scans import FACT, HONGZE_2023, SCANNED, cer, image_pdf, render, squash, text_layer

SCAN, MIXED, ROTATED, UPSIDE_DOWN = (
    "扫描件 2023年报.pdf",
    "混合 2023年报.pdf",
    "旋转.pdf",
    "倒置.pdf",
)


@dataclass(frozen=True)
class Scanned:
    """The OCR corpus built once: its settings, build report, progress lines, OCR calls."""

    settings: Settings
    report: BuildReport
    progress: tuple[str, ...]
    calls: int

    def problems(self, path: str) -> str:
        return " ".join(next(r for r in self.report.files if r.path == path).problems)

    def chunks(self, path: str) -> list[Chunk]:
        return next(r for r in self.report.files if r.path == path).chunks


def mixed_pdf(path: Path, scan: Path) -> None:
    """Page 1 of the 2023 report with its text layer, then the scan's image-only page 2."""
    writer = PdfWriter()
    writer.add_page(PdfReader(HONGZE_2023).pages[0])
    writer.add_page(PdfReader(scan).pages[1])
    writer.write(path)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    corpus = tmp_path_factory.mktemp("ocr") / "corpus"
    corpus.mkdir()
    images = [render(pdf, number) for pdf, number in SCANNED]
    image_pdf(corpus / SCAN, images)
    mixed_pdf(corpus / MIXED, corpus / SCAN)
    image_pdf(corpus / ROTATED, [images[1].rotate(90, expand=True, fillcolor=255)])
    image_pdf(corpus / UPSIDE_DOWN, [images[1].rotate(180)])
    settings = hash_settings(corpus, min_score=0.0)
    lines: list[str] = []
    before = recognizer_calls()
    report = build(settings, on_embed=lambda p: lines.append(p.text))
    return Scanned(settings, report, tuple(lines), recognizer_calls() - before)


@pytest.fixture(scope="module")
def searcher(scanned: Scanned) -> Iterator[Searcher]:
    searcher = Searcher.open(scanned.settings)
    yield searcher
    searcher.index.close()


def cached(scanned: Scanned, max_pages: int = 200) -> OcrOptions:
    """OCR options that read the module's build cache."""
    return OcrOptions(max_pages=max_pages, cache=scanned.settings.index / OCR_CACHE)


def test_each_page_image_is_recognized_once(scanned: Scanned) -> None:
    assert scanned.calls == 4  # two scanned pages and two turned ones; the mixed PDF's is cached


def test_scanned_pdf_is_indexed_with_its_ocr_report(scanned: Scanned) -> None:
    report = next(r for r in scanned.report.files if r.path == SCAN)
    assert report.status == FileStatus.WARNED and report.used
    found = re.search(
        r"OCR: 2 页经 OCR 识别（第1、2页），平均置信度 (\d\.\d{3})", scanned.problems(SCAN)
    )
    assert found and float(found.group(1)) >= 0.95
    assert "low OCR confidence" not in scanned.problems(SCAN)
    assert report.document is not None and report.document.ocr_pages == (1, 2)
    assert all(c.ocr for c in report.chunks)


def test_ocr_text_matches_the_text_layer(scanned: Scanned) -> None:
    before = recognizer_calls()
    with ocr_options(cached(scanned)):
        extracted = read(scanned.settings.corpus / SCAN)
    assert recognizer_calls() == before  # read from the build's cache
    for page, (pdf, number) in zip(extracted.pages, SCANNED, strict=True):
        reference = text_layer(pdf, number)
        assert len(squash(reference)) > 80
        assert cer(page, reference) <= 0.03, (page, reference)


def test_fact_on_a_scanned_page_is_found_and_cited_as_ocr(searcher: Searcher) -> None:
    hits = searcher.search("全年收取的政府信息公开信息处理费是多少", k=5)
    hit = next(h for h in hits if FACT in squash(h.chunk.text) and h.chunk.doc != ROTATED)
    assert hit.chunk.doc in (SCAN, MIXED) and hit.chunk.page_end == 2 and hit.chunk.ocr
    pages = "2" if hit.chunk.page_start == 2 else "1–2"
    assert f"第{pages}页（OCR识别）" in citation(hit)


def test_a_second_build_recognizes_nothing(scanned: Scanned, tmp_path: Path) -> None:
    before = recognizer_calls()
    again = build(scanned.settings)
    assert not again.changed and recognizer_calls() == before
    # A full rebuild (chunking changed) reads every file again, the scans from the cache.
    index = tmp_path / "index"
    shutil.copytree(scanned.settings.index, index)
    rebuilt = build(scanned.settings.with_(index=index, chunk_size=300))
    assert rebuilt.full_reason and rebuilt.embedded > 0
    assert recognizer_calls() == before
    scan = next(r for r in rebuilt.files if r.path == SCAN)
    assert scan.chunks and all(c.ocr for c in scan.chunks)
    assert not list((index / OCR_CACHE).rglob("*.tmp"))  # entries written whole


class Crash(Exception):
    """The build dies (as by ``kill -9``) right after a page was recognized."""


def crash(progress: Progress) -> None:
    if progress.file:
        raise Crash


def test_a_crash_mid_build_keeps_the_pages_already_read(scanned: Scanned, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(scanned.settings.corpus / SCAN, corpus / SCAN)
    settings = hash_settings(corpus, tmp_path / "index", min_score=0.0)
    before = recognizer_calls()
    with pytest.raises(Crash):
        build(settings, on_embed=crash)  # dies after page 1 of 2
    assert recognizer_calls() == before + 1 and read_manifest(settings.index) is None
    report = build(settings)
    assert recognizer_calls() == before + 2  # page 2 only: page 1 came from the cache
    assert report.files[0].document and report.files[0].document.ocr_pages == (1, 2)


def test_mixed_pdf_is_read_page_by_page(scanned: Scanned) -> None:
    chunks = scanned.chunks(MIXED)
    assert {c.page_start for c in chunks} == {1, 2}
    assert all(c.ocr == (c.page_end == 2) for c in chunks)
    assert "OCR: 1 页经 OCR 识别（第2页）" in scanned.problems(MIXED)
    text = squash("".join(c.text for c in chunks))
    assert "洪泽区人民政府坚持以习近平新时代中国特色社会" in text and FACT in text


def test_turned_page_gets_a_low_confidence_warning(scanned: Scanned) -> None:
    problems = scanned.problems(ROTATED)
    assert "low OCR confidence: OCR 识别可能有误：第1页（页面旋转" in problems, problems


def test_upside_down_page_gets_a_low_confidence_warning(scanned: Scanned) -> None:
    problems = scanned.problems(UPSIDE_DOWN)  # read as nonsense, and said so
    found = re.search(r"low OCR confidence: OCR 识别可能有误：第1页（置信度 (\d\.\d+)）", problems)
    assert found and float(found.group(1)) < 0.9, problems


def test_an_upload_is_read_on_arrival_and_not_again_by_the_rebuild(
    small_corpus: CorpusWriter, tmp_path: Path
) -> None:
    settings = small_corpus({"a.txt": "一、社区图书角每周开放六天，周一闭馆。"})
    build(settings)
    scan = image_pdf(tmp_path / "扫描 年报.pdf", [render(*SCANNED[1])])
    before = recognizer_calls()
    message = CorpusFiles(settings).receive(scan)
    assert "未保存" not in message and recognizer_calls() == before + 1, message
    report = build(settings)
    assert recognizer_calls() == before + 1  # the page came from the index's OCR cache
    [uploaded] = [r for r in report.files if r.path.endswith("扫描 年报.pdf")]
    assert uploaded.document and uploaded.document.ocr_pages == (1,)


def test_build_progress_shows_ocr_pages(scanned: Scanned) -> None:
    assert f"页 1/2 OCR识别：{SCAN}" in scanned.progress
    assert f"页 2/2 OCR识别：{SCAN}" in scanned.progress
    assert Progress(3, 12, 0.0, "a.pdf").text == "页 3/12 OCR识别：a.pdf"


def test_page_limit_skips_and_names_the_rest(scanned: Scanned) -> None:
    before = recognizer_calls()
    with ocr_options(cached(scanned, max_pages=1)):
        extracted = read(scanned.settings.corpus / SCAN)
    assert recognizer_calls() == before
    assert extracted.ocr_pages == (1,) and not extracted.pages[1].strip()
    assert "OCR page limit: 超过每个文件 1 页的 OCR 上限，第2页未识别" in extracted.warnings


def test_ocr_off_reports_needs_ocr(scanned: Scanned, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_OCR", "off")
    settings = Settings.from_env(corpus=scanned.settings.corpus)
    assert settings.ocr == "off"
    with pytest.raises(NoTextLayer):
        with ocr_options(OcrOptions(enabled=False)):
            read(settings.corpus / SCAN)
    reports = {r.path: r for r in ingest(settings.corpus, settings)}
    assert reports[SCAN].status == FileStatus.FAILED
    assert "needs OCR" in reports[SCAN].problems[0]
    assert "needs OCR: 第2页无文本层" in " ".join(reports[MIXED].problems)


def test_ocr_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_OCR_MAX_PAGES", "12")
    assert Settings.from_env().ocr_max_pages == 12
    with pytest.raises(ValueError, match="ocr"):
        Settings(ocr="auto")


def test_citation_marks_ocr_pages() -> None:
    chunk = Chunk("c", "a.pdf", Source("通知"), (), "正文", 0, 2, 3, 3, ocr=True)
    assert page_label(chunk) == "第3页（OCR识别）"
    assert page_label(replace(chunk, page_end=4)) == "第3–4页（OCR识别）"
    assert page_label(replace(chunk, ocr=False)) == "第3页"


# -------------------------------------------------------------------- reading order
def line(text: str, left: float, top: float, width: float = 0.0) -> Box:
    return Box(text, left, top, left + (width or 20 * len(text)), top + 20)


def test_reading_order_rows_then_columns() -> None:
    title = line("两栏排版的标题行横跨整个页面宽度", 0, 0, 900)
    left = [line(f"左栏第{i}行", 0, 40 + 30 * i, 400) for i in range(4)]
    right = [line(f"右栏第{i}行", 500, 55 + 30 * i, 400) for i in range(4)]
    footer = line("页脚横跨两栏的一行文字说明", 0, 300, 900)
    order = reading_order([footer, *reversed(right), *left, title])
    assert order == [title.text, *(b.text for b in left), *(b.text for b in right), footer.text]


def test_reading_order_keeps_table_rows_and_joins_pieces() -> None:
    cells = [line(f"项目{r}", 0, 30 * r) for r in range(4)]
    cells += [line(f"{r}件", 600, 30 * r) for r in range(4)]
    assert reading_order(cells) == [f"项目{r}\t{r}件" for r in range(4)]
    pieces = [line("一、", 0, 0), line("总体情况", 42, 2)]  # one line cut in two boxes
    assert reading_order(pieces) == ["一、总体情况"]
