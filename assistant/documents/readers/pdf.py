"""The reader of PDF files (pypdf), page by page; pages without text read by OCR.

A page whose text layer is empty, or holds only page furniture (fewer than
:data:`.ocr.FURNITURE` characters, e.g. "- 3 -"), is rendered and recognized
(:mod:`.ocr`), so scans and mixed PDFs are read page by page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...types import Extracted
from .base import (
    CorruptFile,
    EmptyFile,
    EncryptedFile,
    LoadError,
    NoTextLayer,
    garbled_warnings,
    quiet,
)
from .ocr import DPI, OcrResult, current_options, page_list, recognize, textless

if TYPE_CHECKING:
    from PIL.Image import Image

_BAD_TITLE = re.compile(
    r"^(microsoft\s+(word|excel|powerpoint)\s*-.*|untitled|document|无标题|标题|新建.*)$"
    r"|\.(docx?|wps|pdf|xlsx?|pptx?|txt|rtf|ofd)$|^[\w.()\-]+$",
    re.I | re.A,
)


def _has_images(page: Any) -> bool:
    try:
        return bool(page["/Resources"].get_object().get("/XObject"))
    except Exception:  # noqa: BLE001 - no resources, no images
        return False


@contextmanager
def rendered_pages(path: Path) -> Iterator[Callable[[int], Image]]:
    """A function that renders page ``number`` of the PDF as a grayscale image at :data:`DPI`.

    PDFium (pypdfium2) draws the page as printed: every image of it composited
    (a scan cut into strips, masks, JBIG2 and CCITT faxes that pypdf cannot
    decode without extra packages), the page's rotation and cropping applied,
    and vector-drawn text rendered too. pypdf's ``page.images`` would only give
    the embedded images one by one, untransformed, so it is not used for OCR.
    A PDF that pypdf reads but PDFium refuses gives a function that raises
    ``ValueError`` (the pages are then reported "OCR failed").
    """
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as error:
        refused = str(error)
        document = None

    def render(number: int) -> Image:
        if document is None:
            raise ValueError(f"PDFium cannot open {path.name}: {refused}")
        return document[number - 1].render(scale=DPI / 72, grayscale=True).to_pil()

    try:
        yield render
    finally:
        if document is not None:
            document.close()


def _ocr(path: Path, texts: list[str], failed: list[int]) -> OcrResult:
    """OCR of the pages with no text worth keeping (see :func:`.ocr.textless`)."""
    if not (wanted := textless(texts, failed)):
        return OcrResult()
    with rendered_pages(path) as render:
        return recognize(path, wanted, render)


def read_pdf(path: Path) -> Extracted:
    """Read a PDF page by page with pypdf (``paginated=True``, title from metadata).

    Pages without text are read by OCR unless it is off (:mod:`.ocr`).
    """
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    texts: list[str] = []
    failed: list[int] = []
    with quiet("pypdf"):
        try:
            reader = PdfReader(path)
            if reader.is_encrypted and not reader.decrypt(""):
                raise EncryptedFile(path, f"PDF 已加密，需要密码才能打开：{path.name}")
            pages = list(reader.pages)
        except (FileNotDecryptedError, DependencyError) as exc:
            raise EncryptedFile(path, f"PDF 已加密，无法解密：{path.name}（{exc}）") from exc
        except LoadError:
            raise
        except Exception as exc:  # noqa: BLE001 - pypdf raises many types on bad files
            raise CorruptFile(path, f"PDF 已损坏，无法解析：{path.name}（{exc}）") from exc
        try:
            title = " ".join(str(reader.metadata.title or "").split()) if reader.metadata else ""
        except Exception:  # noqa: BLE001 - a broken info dictionary is not fatal
            title = ""
        for number, page in enumerate(pages, start=1):
            try:
                texts.append(page.extract_text() or "")
            except Exception:  # noqa: BLE001 - one bad page must not lose the others
                texts.append("")
                failed.append(number)
    if not pages:
        raise EmptyFile(path, f"PDF 没有任何页面：{path.name}")
    if len(failed) == len(pages):
        raise CorruptFile(path, f"PDF 的每一页都无法提取文字：{path.name}")
    options = current_options()
    ocr = _ocr(path, texts, failed) if options.enabled else OcrResult()
    texts = ocr.applied(texts)
    with quiet("pypdf"):
        blank = [n for n, t in enumerate(texts, 1) if not t.strip() and n not in failed]
        scanned = [n for n in blank if n not in ocr.seen and _has_images(pages[n - 1])]
    if len(blank) + len(failed) == len(pages):
        if ocr.seen:
            raise EmptyFile(path, f"没有文字（空白页，OCR 也未识别出文字）：{path.name}")
        detail = f"扫描件，没有文本层，需要先做 OCR：{path.name}（共 {len(pages)} 页）"
        raise NoTextLayer(path, detail)
    found = list(garbled_warnings("".join(texts))) + list(ocr.warnings(options.max_pages))
    if scanned:
        found.append(f"no text layer — needs OCR: {page_list(scanned)}无文本层")
    if empty := [n for n in blank if n not in scanned]:
        found.append(f"blank pages: {page_list(empty)}没有文字")
    if failed:
        found.append(f"page extraction failed: {page_list(failed)}提取出错")
    title = "" if len(title) < 2 or _BAD_TITLE.search(title) else title
    return Extracted(
        pages=tuple(texts), paginated=True, title=title, warnings=tuple(found), ocr_pages=ocr.read
    )
