"""Readers: one module per file format, each ``read_<format>(path) -> Extracted``.

:data:`READERS` maps a suffix to its reader; :func:`read` dispatches on it. The
errors, text decoding and the garbled-text check every reader uses are in
:mod:`.base`. Readers import nothing of the pipeline but :mod:`assistant.types`.
"""

from __future__ import annotations

from pathlib import Path

from ...types import Extracted
from .base import (
    CorruptFile,
    EmptyFile,
    EncryptedFile,
    LoadError,
    NoTextLayer,
    Reader,
    UnsupportedFormat,
    sha256_file,
)
from .docx import read_docx
from .html import read_html
from .ofd import read_ofd
from .pdf import read_pdf
from .text import read_text

__all__ = [
    "READERS",
    "CorruptFile",
    "EmptyFile",
    "EncryptedFile",
    "LoadError",
    "NoTextLayer",
    "UnsupportedFormat",
    "read",
    "sha256_file",
]

READERS: dict[str, Reader] = {
    ".pdf": read_pdf,
    ".txt": read_text,
    ".md": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".docx": read_docx,
    ".ofd": read_ofd,
}
_HINTS = (
    (".doc .wps .wpt .dot .rtf .odt", "请另存为 .docx 或 PDF"),
    (".ceb .xps .caj", "请导出为 PDF"),
    (".jpg .jpeg .png .gif .bmp .tif .tiff .webp", "图片需要先做 OCR"),
    (".zip .rar .7z .gz .tar .bz2 .xz", "压缩包请先解压"),
)


def read(path: Path) -> Extracted:
    """Read one file with the loader registered for its suffix.

    Raises:
        UnsupportedFormat: The suffix is not in :data:`READERS`.
        LoadError: The file is missing or unreadable; a subclass when it is
            encrypted, corrupt, empty or a scan without text.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if (reader := READERS.get(suffix)) is None:
        hint = next((h for group, h in _HINTS if suffix in group.split()), "")
        shown = suffix or "（无扩展名）"
        detail = f"不支持的文件格式 {shown}：{path.name}（{hint or '支持 ' + ' '.join(READERS)}）"
        raise UnsupportedFormat(path, detail, f"unsupported format {shown}")
    if not path.is_file():
        raise LoadError(path, f"文件不存在或不是普通文件：{path.name}", "missing")
    if path.stat().st_size == 0:
        raise EmptyFile(path, f"文件为空（0 字节）：{path.name}")
    return reader(path)
