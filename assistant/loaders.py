"""Read one file into raw text: PDF, TXT/MD, HTML and DOCX.

Loaders do not clean: line breaks and per-page text are kept as extracted, so
that ``assistant.cleaning`` can re-join lines and cite pages. A file that cannot
be used raises a :class:`LoadError` subclass whose message is ``"<keyword> —
<中文说明，含文件名>"``; smaller problems become ``Extracted.warnings``. The HTML
loader is in :mod:`assistant.html_text`.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from assistant.models import Extracted


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
_PAGE_MARK = re.compile(r"^[ \t]*=+[ \t]*PAGE[ \t]+(\d+)[ \t]*=+[ \t]*$", re.M)


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


def _read_text(path: Path) -> Extracted:
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


# ----------------------------------------------------------------------------- PDF
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


def _read_pdf(path: Path) -> Extracted:
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


# ---------------------------------------------------------------------------- DOCX
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


def _read_docx(path: Path) -> Extracted:
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


# ------------------------------------------------------------------------ dispatch
def _read_html(path: Path) -> Extracted:
    """Read a saved web page with :func:`assistant.html_text.read_html` (imported on use)."""
    from .html_text import read_html

    return read_html(path)


READERS: dict[str, Reader] = {
    ".pdf": _read_pdf,
    ".txt": _read_text,
    ".md": _read_text,
    ".html": _read_html,
    ".htm": _read_html,
    ".docx": _read_docx,
}
_HINTS = (
    (".doc .wps .wpt .dot .rtf .odt", "请另存为 .docx 或 PDF"),
    (".ofd .ceb .xps .caj", "请导出为 PDF"),
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
