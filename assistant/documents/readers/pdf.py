"""The reader of PDF files with a text layer (pypdf), page by page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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

_BAD_TITLE = re.compile(
    r"^(microsoft\s+(word|excel|powerpoint)\s*-.*|untitled|document|无标题|标题|新建.*)$"
    r"|\.(docx?|wps|pdf|xlsx?|pptx?|txt|rtf|ofd)$|^[\w.()\-]+$",
    re.I | re.A,
)


def _pages(numbers: list[int]) -> str:
    return "第" + "、".join(map(str, numbers)) + "页"


def _has_images(page: Any) -> bool:
    try:
        return bool(page["/Resources"].get_object().get("/XObject"))
    except Exception:  # noqa: BLE001 - no resources, no images
        return False


def read_pdf(path: Path) -> Extracted:
    """Read a PDF page by page with pypdf (``paginated=True``, title from metadata)."""
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
        blank = [n for n, t in enumerate(texts, 1) if not t.strip() and n not in failed]
        scanned = [n for n in blank if _has_images(pages[n - 1])]
    if not pages:
        raise EmptyFile(path, f"PDF 没有任何页面：{path.name}")
    if len(failed) == len(pages):
        raise CorruptFile(path, f"PDF 的每一页都无法提取文字：{path.name}")
    if len(blank) + len(failed) == len(pages):
        detail = f"扫描件，没有文本层，需要先做 OCR：{path.name}（共 {len(pages)} 页）"
        raise NoTextLayer(path, detail)
    found = list(garbled_warnings("".join(texts)))
    if scanned:
        found.append(f"no text layer — needs OCR: {_pages(scanned)}无文本层")
    if empty := [n for n in blank if n not in scanned]:
        found.append(f"blank pages: {_pages(empty)}没有文字")
    if failed:
        found.append(f"page extraction failed: {_pages(failed)}提取出错")
    title = "" if len(title) < 2 or _BAD_TITLE.search(title) else title
    return Extracted(pages=tuple(texts), paginated=True, title=title, warnings=tuple(found))
