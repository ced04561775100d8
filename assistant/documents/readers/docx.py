"""The reader of Word 2007+ files (python-docx): paragraphs and table rows in order."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...types import Extracted
from .base import (
    CorruptFile,
    EmptyFile,
    EncryptedFile,
    UnsupportedFormat,
    garbled_warnings,
    read_bytes,
)


def _docx_lines(body: Any, document: Any) -> Iterator[str]:
    """Paragraphs and table rows (cells joined by tabs) of a DOCX body, in order."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, document).text
        elif child.tag == qn("w:tbl"):
            for row in Table(child, document).rows:
                seen: list[Any] = []  # python-docx repeats a merged cell per grid column
                for cell in row.cells:
                    if not any(cell._tc is tc for tc in seen):
                        seen.append(cell._tc)
                texts = [_docx_cell(tc, document) for tc in seen]
                if any(texts):
                    yield "\t".join(texts)
        elif child.tag == qn("w:sdt") and (content := child.find(qn("w:sdtContent"))) is not None:
            yield from _docx_lines(content, document)


def _docx_cell(tc: Any, document: Any) -> str:
    from docx.table import _Cell

    return " ".join(p.text.strip() for p in _Cell(tc, document).paragraphs if p.text.strip())


def read_docx(path: Path) -> Extracted:
    """Read a Word 2007+ file with python-docx."""
    import docx

    data = read_bytes(path)
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE file: encrypted OOXML or an old .doc
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise EncryptedFile(path, f"Word 文件已加密，需要密码才能打开：{path.name}")
        detail = f"文件实际是旧版 .doc 格式：{path.name}（请另存为 .docx 或 PDF）"
        raise UnsupportedFormat(path, detail, "unsupported format .doc")
    try:
        document = docx.Document(io.BytesIO(data))
        text = "\n".join(_docx_lines(document.element.body, document))
    except Exception as exc:  # noqa: BLE001 - zipfile, KeyError, lxml and docx errors
        raise CorruptFile(path, f"DOCX 已损坏，无法解析：{path.name}（{exc}）") from exc
    if not text.strip():
        raise EmptyFile(path, f"Word 文件中没有文字：{path.name}")
    return Extracted(pages=(text,), warnings=garbled_warnings(text))
