"""What every reader shares: the errors, the decoding of Chinese text, the binary check.

A file that cannot be used raises a :class:`LoadError` subclass whose message is
``"<keyword> — <中文说明，含文件名>"``; smaller problems become
``Extracted.warnings``. Readers do not clean: line breaks and per-page text are
kept as extracted, so that :mod:`assistant.documents.cleaning` can re-join lines
and cite pages.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from ...types import Extracted


class LoadError(Exception):
    """A file that cannot be used.

    Attributes:
        path: The file.
        keyword: Short English reason for reports, e.g. ``encrypted``.
        detail: Chinese explanation naming the file.
    """

    keyword = "unreadable"

    def __init__(self, path: Path, detail: str, keyword: str = "") -> None:
        self.path, self.detail = path, detail
        self.keyword = keyword or self.keyword
        super().__init__(f"{self.keyword} — {detail}")


class UnsupportedFormat(LoadError):
    """The suffix is not one of :data:`READERS`."""

    keyword = "unsupported format"


class EncryptedFile(LoadError):
    """The file needs a password."""

    keyword = "encrypted"


class CorruptFile(LoadError):
    """The file is damaged or is not what its suffix says."""

    keyword = "corrupt"


class EmptyFile(LoadError):
    """The file holds no text."""

    keyword = "empty"


class NoTextLayer(LoadError):
    """A PDF without any text (a scan): it needs OCR first."""

    keyword = "no text layer — needs OCR"


class Reader(Protocol):
    """A loader: reads one file into :class:`Extracted`."""

    def __call__(self, path: Path) -> Extracted: ...


def sha256_file(path: Path) -> str:
    """Return the hex sha256 digest of the file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------- text
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# U+FFFD, controls, PUA, Greek/Cyrillic, box drawing, kana, Latin-1 letters: what a
# wrong decoding produces (Big5 read as GB18030 gives kana and PUA, GBK as cp1252 Latin-1).
_JUNK = re.compile(
    "[\ufffd\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\u0370-\u04ff\u2500-\u257f\u3040-\u30fa]"
    "|[^\x00-\xa0§¥°±²³·×÷àáèéìíòóùúü\u0100-\U0010ffff]"
)
_LENIENT = ("utf-8", "gb18030")
# Bytes that no Chinese text encoding without a BOM produces (NUL and C0 controls
# other than tab, line breaks, form feed and ESC): in a .txt they mean binary data.
_BINARY_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
# What a binary file renamed to .txt most often is, by its first bytes.
_MAGIC = (
    (b"%PDF", "PDF 文件，请改用 .pdf 扩展名"),
    (b"PK\x03\x04", "ZIP 压缩包或 .docx/.xlsx 文件"),
    (b"\xd0\xcf\x11\xe0", "旧版 Office 文件 .doc/.xls，请另存为 .docx 或 PDF"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
)


def garbled_share(text: str) -> float:
    """Share of non-space characters that look like a wrong decoding (see ``_JUNK``)."""
    visible = len(text) - sum(text.count(c) for c in " \n\t\r\u3000")
    return len(_JUNK.findall(text)) / visible if visible > 0 else 0.0


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode the bytes of a Chinese text file; return ``(text, encoding)``.

    A BOM (UTF-8/16/32) wins, then strict UTF-8. Otherwise the cleanest (lowest
    :func:`garbled_share`) of GB18030, cp950/Big5-HKSCS and charset-normalizer's
    guess is kept, ties in that order: GB18030 (a superset of GBK) beats a
    cp1252/latin-1 guess. Big5 bytes always decode as GB18030 too, but into kana
    and private-use characters, so Big5 wins for Traditional text. UTF-8 and
    GB18030 with damaged bytes replaced (U+FFFD) compete last, so a file with a
    few bad bytes keeps the rest of its text.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace").lstrip("\ufeff"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    found: list[tuple[str, str]] = []
    for encoding in ("gb18030", "cp950", "big5hkscs"):
        try:
            found.append((data.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    if (guess := from_bytes(data).best()) is not None and guess.encoding:
        found.append((str(guess), guess.encoding))
    # Last, lenient: a few damaged bytes (a download cut mid-character) must not turn
    # a whole UTF-8 or GBK file into mojibake.
    # (An encoding that already decoded strictly would give the same text again.)
    strict = {encoding for _, encoding in found}
    found += [(data.decode(e, errors="replace"), e) for e in _LENIENT if e not in strict]
    return min(found, key=lambda pair: garbled_share(pair[0]))


def garbled_warnings(text: str) -> tuple[str, ...]:
    """``("garbled text N%",)`` when over 5% of ``text`` looks wrongly decoded, else ``()``."""
    share = garbled_share(text)
    return (f"garbled text {share:.0%}",) if share > 0.05 else ()


def read_bytes(path: Path) -> bytes:
    """The file's bytes.

    Raises:
        LoadError: The file cannot be read (permissions, I/O error).
    """
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"无法读取文件：{path.name}（{exc.strerror or exc}）") from exc


def check_not_binary(path: Path, data: bytes) -> None:
    """Refuse a text file that is binary data (another format renamed to .txt).

    Raises:
        CorruptFile: It starts like a PDF, ZIP/Office file or image, or over 1% of
            its first 64 KiB are bytes no text encoding writes (a UTF-16/32 file
            with a BOM is text).
    """
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return
    kind = next((what for magic, what in _MAGIC if data.startswith(magic)), "")
    head = data[: 64 * 1024]
    share = (len(head) - len(head.translate(None, _BINARY_BYTES))) / max(1, len(head))
    if kind or share > 0.01:
        what = f"像是{kind}" if kind else f"{share:.0%} 是二进制数据"
        raise CorruptFile(path, f"不是文本文件（{what}），可能是改了扩展名：{path.name}")


@contextmanager
def quiet(*names: str) -> Iterator[None]:
    """Silence the named loggers and Python warnings for the duration."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
