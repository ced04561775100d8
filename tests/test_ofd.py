"""OFD files (GB/T 33190): written by the test as real OFD packages, then read and indexed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from assistant.answering.render import citation
from assistant.answering.search import Searcher
from assistant.app.files import UPLOAD_DIR, CorpusFiles
from assistant.documents.readers import READERS, CorruptFile, NoTextLayer, read
from assistant.documents.readers.ocr import OcrOptions, ocr_options, recognizer_calls
from assistant.index import build, read_manifest

from .conftest import CorpusWriter
from .scans import FACT, SCANNED, render, squash, squashed_lines, write_ofd

PAGE_1 = [
    "广州市民政局关于调整最低生活保障标准的通知",
    "各区民政局：",
    "一、全市城乡最低生活保障标准调整为每人每月1309元。",
]
PAGE_2 = [
    "二、本通知自2025年7月1日起施行。",
    "广州市民政局",
    "2025年6月20日",
]


def test_ofd_is_read_page_by_page_in_reading_order(tmp_path: Path) -> None:
    path = write_ofd(tmp_path / "低保标准.ofd", [PAGE_1, PAGE_2], title="关于调整低保标准的通知")
    extracted = read(path)
    assert extracted.paginated and len(extracted.pages) == 2
    assert squashed_lines(extracted.pages[0]) == PAGE_1  # lines written bottom first
    assert squashed_lines(extracted.pages[1]) == PAGE_2
    assert extracted.title == "关于调整低保标准的通知"
    assert extracted.ocr_pages == () and extracted.warnings == ()


def test_ofd_is_indexed_and_cited_with_its_page(small_corpus: CorpusWriter) -> None:
    settings = small_corpus({})
    write_ofd(settings.corpus / "低保标准.ofd", [PAGE_1, PAGE_2])
    report = build(settings)
    assert [r.status for r in report.files] == ["ok"]
    searcher = Searcher.open(settings)
    try:
        hit = searcher.search("通知从哪天起施行", k=3, mode="bm25")[0]
    finally:
        searcher.index.close()
    assert hit.chunk.doc == "低保标准.ofd" and hit.chunk.page_end == 2 and not hit.chunk.ocr
    pages = "第2页" if hit.chunk.page_start == 2 else "第1–2页"
    assert pages in citation(hit) and "OCR" not in citation(hit)


def test_image_only_ofd_page_goes_through_ocr(tmp_path: Path) -> None:
    scan = render(*SCANNED[1])
    part = scan.crop((0, 0, scan.width, scan.height // 3))  # the page's top third: its text
    png = io.BytesIO()
    part.save(png, "PNG")
    path = write_ofd(tmp_path / "扫描版.ofd", [PAGE_1, png.getvalue()])
    before = recognizer_calls()
    extracted = read(path)
    assert recognizer_calls() == before + 1
    assert extracted.ocr_pages == (2,)
    assert FACT in squash(extracted.pages[1])
    assert any(w.startswith("OCR: 1 页经 OCR 识别（第2页）") for w in extracted.warnings)
    with pytest.raises(NoTextLayer), ocr_options(OcrOptions(enabled=False)):
        read(write_ofd(tmp_path / "only-image.ofd", [png.getvalue()]))


def broken_xml(path: Path) -> None:
    """A valid package whose page content is cut off."""
    whole = write_ofd(path.with_suffix(".whole"), [PAGE_1])
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(path, "w") as package:
        for name in source.namelist():
            cut = name.endswith("Content.xml")
            package.writestr(name, b"<ofd:Page><ofd:Content>" if cut else source.read(name))


def missing_page(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(
            "OFD.xml", "<OFD><DocBody><DocRoot>Doc_0/Document.xml</DocRoot></DocBody></OFD>"
        )


@pytest.mark.parametrize(
    "make",
    [
        lambda path: path.write_bytes(b"PK\x03\x04 not really a zip"),
        lambda path: path.write_bytes(b"%PDF-1.7 renamed"),
        broken_xml,
        missing_page,
    ],
    ids=["truncated zip", "pdf renamed", "broken xml", "missing document"],
)
def test_corrupt_ofd_is_reported(tmp_path: Path, make: object) -> None:
    path = tmp_path / "电子公文.ofd"
    make(path)  # type: ignore[operator]
    with pytest.raises(CorruptFile, match=r"^corrupt — OFD 已损坏，无法解析：电子公文\.ofd"):
        read(path)


def test_corrupt_ofd_is_skipped_by_the_build(small_corpus: CorpusWriter) -> None:
    settings = small_corpus(
        {"坏.ofd": b"PK\x03\x04 broken", "好.txt": "一、低保标准为每月1309元。"}
    )
    build(settings)
    manifest = read_manifest(settings.index)
    assert manifest is not None and [f.path for f in manifest.files] == ["好.txt"]
    assert "OFD 已损坏" in manifest.problems[0].problems[0]


def test_uploads_accept_ofd(small_corpus: CorpusWriter, tmp_path: Path) -> None:
    settings = small_corpus({"a.txt": "一、社区图书角每周开放六天。"})
    upload = write_ofd(tmp_path / "低保标准.ofd", [PAGE_1, PAGE_2])
    message = CorpusFiles(settings).receive(upload)
    assert "未保存" not in message, message
    assert (settings.corpus / UPLOAD_DIR / "低保标准.ofd").is_file() and ".ofd" in READERS
