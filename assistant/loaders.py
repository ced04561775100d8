"""Read one file into raw text: PDF, TXT/MD, HTML and DOCX.

Loaders do not clean: line breaks and per-page text are kept as extracted, so
that ``assistant.cleaning`` can re-join lines and cite pages. A file that cannot
be used raises a :class:`LoadError` subclass whose message is ``"<keyword> —
<中文说明，含文件名>"``; smaller problems become ``Extracted.warnings``.
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
    and private-use characters, so Big5 wins for Traditional text.
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
    if not found:
        return data.decode("gb18030", errors="replace"), "gb18030"
    return min(found, key=lambda pair: garbled_share(pair[0]))


def _garbled(text: str) -> tuple[str, ...]:
    share = garbled_share(text)
    return (f"garbled text {share:.0%}",) if share > 0.05 else ()


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"无法读取文件：{path.name}（{exc.strerror or exc}）") from exc


def _read_text(path: Path) -> Extracted:
    """Read ``.txt``/``.md``; a file made of ``===PAGE n===`` blocks is split into pages."""
    text = decode_text(_read_bytes(path))[0].replace("\r\n", "\n").replace("\r", "\n")
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
    return Extracted(pages=pages, paginated=paginated, warnings=_garbled(text))


@contextmanager
def _quiet(*names: str) -> Iterator[None]:
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
    with _quiet("pypdf"):
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
    found = list(_garbled("".join(texts)))
    if scanned:
        found.append(f"no text layer — needs OCR: {_pages(scanned)}无文本层")
    if empty := [n for n in blank if n not in scanned]:
        found.append(f"blank pages: {_pages(empty)}没有文字")
    if failed:
        found.append(f"page extraction failed: {_pages(failed)}提取出错")
    title = "" if len(title) < 2 or _BAD_TITLE.search(title) else title
    return Extracted(pages=tuple(texts), paginated=True, title=title, warnings=tuple(found))


# ---------------------------------------------------------------------------- HTML
_CELL = "\u2409"  # ␉ marks a tab in table rows while trafilatura runs (it drops tabs/PUA)
_FAVOR_RECALL = False  # balanced mode: see tests/test_loaders.py and the stage report
_DROP = "script style noscript template svg canvas iframe object embed select button input"
_DROP_TAGS = (*_DROP.split(), "textarea", "nav", "aside", "header", "footer")
_BLOCK = frozenset(
    "p div li ul ol h1 h2 h3 h4 h5 h6 tr table section article main blockquote pre dd dt dl "
    "address center form br".split()
)
_CHROME = frozenset(
    "nav navbar navigation menu breadcrumb breadcrumbs crumb crumbs bread footer share toolbar "
    "login logout search copyright sidebar topbar location position ewm qrcode print".split()
)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_SEP, _SITE = r"\s*(?:[_|｜]|[-—–]{1,2})\s*", r"[^_|｜\-—–]{2,40}?(?:网站|政府网|门户|官网)"
_SITE_AFFIXES = (re.compile(_SEP + _SITE + "$"), re.compile("^" + _SITE + _SEP))


def _decode_html(data: bytes) -> str:
    """Decode with the page's ``<meta charset>`` when it fits, else like a text file."""
    declared = _META_CHARSET.search(data[:8192])
    if declared and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\xfe\xff")):
        name = declared.group(1).decode("ascii").lower()
        name = "gb18030" if name in {"gb2312", "gbk", "x-gbk", "gb_2312-80"} else name
        try:
            return data.decode(codecs.lookup(name).name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)[0]


def _words(text: str) -> str:
    return " ".join(text.split())


def _render(el: Any) -> str:
    """Visible text of an element: one line per block, whitespace runs collapsed."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node.tag, str):
            block = "\n" if node.tag in _BLOCK else ""
            parts.extend((block, re.sub(r"[ \t\r\n\f]+", " ", node.text or "")))
            for child in node:
                walk(child)
            parts.append(block)
        if node is not el:
            parts.append(re.sub(r"[ \t\r\n\f]+", " ", node.tail or ""))

    walk(el)
    return "\n".join(line.strip() for line in "".join(parts).split("\n") if line.strip())


def _is_chrome(el: Any) -> bool:
    """Menu-like by class/id (``Breadcrumb``, ``fontSize``, ``sjbEwm``…) and short or all links."""
    names = f"{el.get('class', '')} {el.get('id', '')}"
    found = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", names)}
    if not (found & _CHROME or "fontsize" in names.lower()):
        return False
    size = len(_words(el.text_content()))
    links = sum(len(_words(a.text_content())) for a in el.iter("a"))
    return size - links < 200 or links * 2 > size


def _is_link_list(el: Any) -> bool:
    """A list of >= 8 short items, mostly links (department directories, site menus)."""
    items = el.findall("li") if el.tag in ("ul", "ol") else []
    if len(items) < 8 or max(len(_words(li.text_content())) for li in items) > 20:
        return False
    return sum(li.find(".//a") is not None for li in items) * 2 >= len(items)


def _span(cell: Any, name: str) -> int:
    value = cell.get(name, "1").strip()
    return min(int(value), 100) if value.isdigit() and int(value) > 0 else 1


def _flatten_table(table: Any) -> None:
    """Replace a data table by one ``<p>`` per row: cells joined by ``_CELL``, rowspans repeated."""
    from lxml.html import Element

    rows = [[c for c in tr if c.tag in ("td", "th")] for tr in table.iter("tr")]
    if sum(len(cells) >= 2 for cells in rows) < 2:
        return  # not a grid: a layout table, left to trafilatura
    box, spans = Element("div"), {}  # grid column -> [rows left, text, colspan]
    for cells in rows:
        texts, col, queue = [], 0, list(cells)
        while queue or any(k >= col and v[0] > 0 for k, v in spans.items()):
            if col in spans and spans[col][0] > 0:
                spans[col][0] -= 1
                texts.append(spans[col][1])
                col += spans[col][2]
            elif queue:
                cell = queue.pop(0)
                texts.append(" ".join(_render(cell).split()))
                if _span(cell, "rowspan") > 1:
                    spans[col] = [_span(cell, "rowspan") - 1, texts[-1], _span(cell, "colspan")]
                col += _span(cell, "colspan")
            else:
                col += 1
        if any(texts):
            box.append(Element("p"))
            box[-1].text = _CELL.join(texts)
    box.tail = table.tail
    table.getparent().replace(table, box)


def _prune(root: Any) -> bool:
    """Drop scripts, hidden parts, menus, link lists and repeated copies of a block.

    Data tables are flattened to rows. Returns True when a block (>= 200
    characters) that repeats an earlier one elsewhere on the page was dropped.
    """
    doomed, seen, repeated = list(root.iter(*_DROP_TAGS)), {}, False
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag not in ("html", "body"):
            hidden = el.get("hidden") is not None or _HIDDEN.search(el.get("style", ""))
            if hidden or _is_chrome(el) or _is_link_list(el):
                doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    for el in list(root.iter("div", "section", "article")):
        if el.getroottree().getroot() is root and len(text := _words(el.text_content())) >= 200:
            first = seen.setdefault(text, el)
            if first is not el and first not in el.iterancestors():
                el.drop_tree()
                repeated = True
    for table in [t for t in root.iter("table") if t.find(".//table") is None]:
        links = sum(len(a.text_content().strip()) for a in table.iter("a"))
        if links * 2 < len(table.text_content().strip()):
            _flatten_table(table)
    return repeated


def _html_title(root: Any) -> str:
    """``ArticleTitle``/``og:title`` meta, ``<title>`` without the site name, or an h1."""
    xpath = "//meta[@name='ArticleTitle' or @property='og:title']/@content|//title//text()"
    titles = [_words(t) for t in root.xpath(xpath)]
    for i, title in enumerate(titles):
        for affix in _SITE_AFFIXES:
            if len(shorter := affix.sub("", titles[i])) >= 4:
                titles[i] = shorter
    titles += [_words(h.text_content()) for h in root.iter("h1")]
    titles = [t for t in titles if t and "位置" not in t and ">" not in t]
    return next((t for t in titles if len(t) >= 6), titles[0] if titles else "")


def _read_html(path: Path) -> Extracted:
    """Main text of a saved web page (trafilatura), tables as tab-separated rows."""
    import lxml.html
    import trafilatura

    text = re.sub(r"^\ufeff?\s*<\?xml[^>]*>", "", _decode_html(_read_bytes(path)))
    try:
        root = lxml.html.document_fromstring(text)
    except Exception as exc:  # noqa: BLE001 - lxml raises ParserError or ValueError
        raise CorruptFile(path, f"无法解析 HTML：{path.name}（{exc}）") from exc
    title, found = _html_title(root), []
    if _prune(root):
        found.append("duplicate text removed: 页面中重复的正文只保留第一份")
    with _quiet("trafilatura", "htmldate", "courlan"):
        body = trafilatura.extract(
            lxml.html.tostring(root, encoding="unicode"), include_tables=True,
            include_comments=False, favor_recall=_FAVOR_RECALL, deduplicate=False,
        ) or ""  # fmt: skip
    if len(body.strip()) < 20:
        body = _render(root)
        found.append("main-content extraction failed — used whole page text")
    lines = [line.strip().replace(_CELL, "\t") for line in body.split("\n") if line.strip()]
    if not lines:
        raise EmptyFile(path, f"网页中没有正文：{path.name}")
    result = "\n".join(lines)
    return Extracted(pages=(result,), title=title, warnings=(*found, *_garbled(result)))


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

    data = _read_bytes(path)
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
    return Extracted(pages=(text,), warnings=_garbled(text))


# ------------------------------------------------------------------------ dispatch
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
