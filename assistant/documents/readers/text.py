"""The reader of ``.txt`` and ``.md`` files in UTF-8/16/32, GB18030/GBK or Big5."""

from __future__ import annotations

import re
from pathlib import Path

from ...types import Extracted
from .base import EmptyFile, check_not_binary, decode_text, garbled_warnings, read_bytes

_PAGE_MARK = re.compile(r"^[ \t]*=+[ \t]*PAGE[ \t]+(\d+)[ \t]*=+[ \t]*$", re.M)


def read_text(path: Path) -> Extracted:
    """Read ``.txt``/``.md``; a file made of ``===PAGE n===`` blocks is split into pages."""
    data = read_bytes(path)
    check_not_binary(path, data)
    text = decode_text(data)[0].replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EmptyFile(path, f"文件为空（只有空白字符）：{path.name}")
    pages, paginated, marks = (text,), False, list(_PAGE_MARK.finditer(text))
    numbered = [int(m.group(1)) for m in marks] == list(range(1, len(marks) + 1))
    if marks and numbered and not _PAGE_MARK.sub("", text).strip():
        raise EmptyFile(path, f"只有 {len(marks)} 个分页标记，没有正文：{path.name}")
    if marks and numbered and not text[: marks[0].start()].strip():
        ends = [m.start() for m in marks[1:]] + [len(text)]
        pages = tuple(text[m.end() : end].strip("\n") for m, end in zip(marks, ends, strict=True))
        paginated = True
    return Extracted(pages=pages, paginated=paginated, warnings=garbled_warnings(text))
