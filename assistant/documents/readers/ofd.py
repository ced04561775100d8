"""The reader of OFD files (GB/T 33190), parsed directly: a ZIP of XML pages.

``OFD.xml`` names the document (``DocBody/DocRoot``) and its title; the
document's ``Pages`` list each page's content file in page order. A page's text
is its ``TextObject``\\ s' ``TextCode`` runs, placed by the object's ``Boundary``
and the run's ``X``/``Y`` (and ``DeltaX``), put in reading order by
:mod:`.layout`. A page without text whose content holds an ``ImageObject`` (a
scan) is read by OCR from its largest image. Template pages (letterheads drawn
behind every page) are not read.

The PyPI package ``easyofd`` was tried first: it converts OFD to PDF or images
rather than giving text with positions, needs PyMuPDF (AGPL-3.0), reportlab and
another Pillow, and logs font errors on import, so it is not used.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...types import Extracted
from .base import CorruptFile, EmptyFile, NoTextLayer, garbled_warnings, quiet
from .layout import Box, reading_order
from .ocr import OcrResult, current_options, page_list, recognize, textless

if TYPE_CHECKING:
    from PIL.Image import Image

_DELTA = re.compile(r"g\s+(\d+)\s+(\S+)|(\S+)")


@dataclass(frozen=True)
class _Page:
    """One page of the package: its text pieces and the images drawn on it."""

    boxes: tuple[Box, ...]
    images: tuple[str, ...]  # package paths, largest drawn first


def read_ofd(path: Path) -> Extracted:
    """Read an OFD file page by page (``paginated=True``, title from ``DocInfo``).

    Raises:
        CorruptFile: Not a ZIP, or its XML is missing or broken.
        EmptyFile: It has no pages, or no text even after OCR.
        NoTextLayer: Its pages are images and OCR is off.
    """
    try:
        with zipfile.ZipFile(path) as package:
            title, pages = _read_package(package)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CorruptFile(path, f"OFD 已损坏，无法解析：{path.name}（{exc}）") from exc
    if not pages:
        raise EmptyFile(path, f"OFD 没有任何页面：{path.name}")
    texts = ["\n".join(reading_order(page.boxes)) for page in pages]
    options = current_options()
    ocr = OcrResult()
    if options.enabled and (wanted := [n for n in textless(texts) if pages[n - 1].images]):
        with zipfile.ZipFile(path) as package:

            def render(number: int) -> Image:
                return _image(package, pages[number - 1].images[0])

            ocr = recognize(path, wanted, render)
    texts = ocr.applied(texts)
    blank = [n for n, text in enumerate(texts, 1) if not text.strip()]
    scanned = [n for n in blank if pages[n - 1].images and n not in ocr.seen]
    if len(blank) == len(pages):
        if scanned:
            detail = f"OFD 页面是图片，没有文字，需要先做 OCR：{path.name}（共 {len(pages)} 页）"
            raise NoTextLayer(path, detail)
        raise EmptyFile(path, f"没有文字（空白页，OCR 也未识别出文字）：{path.name}")
    found = list(garbled_warnings("".join(texts))) + list(ocr.warnings(options.max_pages))
    if scanned:
        found.append(f"no text layer — needs OCR: {page_list(scanned)}无文本层")
    if empty := [n for n in blank if n not in scanned]:
        found.append(f"blank pages: {page_list(empty)}没有文字")
    return Extracted(tuple(texts), True, title, tuple(found), ocr_pages=ocr.read)


def _read_package(package: zipfile.ZipFile) -> tuple[str, list[_Page]]:
    """The title and the pages of an OFD package.

    Raises:
        KeyError: A file it names is missing.
        ValueError: Its XML is broken or it is not an OFD.
    """
    root = _xml(package, "OFD.xml")
    doc_root = next((e.text for e in _all(root, "DocRoot") if e.text), None)
    if doc_root is None:
        raise ValueError("OFD.xml 没有 DocRoot")
    title = next((" ".join((e.text or "").split()) for e in _all(root, "Title")), "")
    document_path = _resolve("", doc_root, package)
    document = _xml(package, document_path)
    folder = posixpath.dirname(document_path)
    media: dict[str, str] = {}
    for tag in ("PublicRes", "DocumentRes"):
        for e in _all(document, tag):
            media.update(_media(package, _resolve(folder, e.text or "", package)))
    pages = []
    for entry in _all(document, "Page"):
        content_path = _resolve(folder, entry.get("BaseLoc", ""), package)
        content = _xml(package, content_path)
        own = dict(media)
        for e in _all(content, "PageRes"):
            own.update(
                _media(package, _resolve(posixpath.dirname(content_path), e.text or "", package))
            )
        pages.append(_page(content, own))
    return title, pages


def _page(content: Any, media: dict[str, str]) -> _Page:
    """A page's text pieces and images (largest first) from its content XML."""
    boxes = [box for obj in _all(content, "TextObject") for box in _text_boxes(obj)]
    images = []
    for obj in _all(content, "ImageObject"):
        if (file := media.get(obj.get("ResourceID", ""))) is not None:
            x, y, width, height = _numbers(obj.get("Boundary", "0 0 0 0"), 4)
            images.append((-width * height, file))
    return _Page(tuple(boxes), tuple(file for _, file in sorted(images)))


def _text_boxes(obj: Any) -> Iterator[Box]:
    """One box per ``TextCode`` of a ``TextObject`` (positions in mm, y downwards)."""
    left, top, _, height = _numbers(obj.get("Boundary", "0 0 0 0"), 4)
    size = float(obj.get("Size") or height or 1)
    x = y = 0.0
    for code in _all(obj, "TextCode"):
        text = code.text or ""
        x = float(code.get("X", x))
        y = float(code.get("Y", y))
        deltas = _deltas(code.get("DeltaX", ""))
        width = sum(deltas[: max(0, len(text) - 1)]) + size if deltas else size * len(text)
        if text.strip():
            yield Box(text, left + x, top + y - size, left + x + width, top + y)


def _deltas(value: str) -> list[float]:
    """``DeltaX`` as a list: ``"g 3 5.2 4"`` is ``[5.2, 5.2, 5.2, 4.0]``."""
    deltas: list[float] = []
    for match in _DELTA.finditer(value):
        if match.group(1):
            deltas += [float(match.group(2))] * int(match.group(1))
        else:
            deltas.append(float(match.group(3)))
    return deltas


def _numbers(value: str, count: int) -> list[float]:
    numbers = [float(n) for n in value.split()[:count]]
    return numbers + [0.0] * (count - len(numbers))


def _media(package: zipfile.ZipFile, res_path: str) -> dict[str, str]:
    """``MultiMedia`` ids of a resource file, mapped to their files in the package."""
    res = _xml(package, res_path)
    base = _resolve(posixpath.dirname(res_path), res.get("BaseLoc", ""), package)
    found = {}
    for item in _all(res, "MultiMedia"):
        location = next((e.text for e in _all(item, "MediaFile") if e.text), "")
        if location:
            found[item.get("ID", "")] = _resolve(base, location, package)
    return found


def _image(package: zipfile.ZipFile, name: str) -> Image:
    from PIL import Image

    with quiet("PIL"):
        image = Image.open(io.BytesIO(package.read(name)))
        image.load()
    return image


def _resolve(folder: str, location: str, package: zipfile.ZipFile) -> str:
    """A location as the package names it: absolute (``/Doc_0/…``) or relative to ``folder``."""
    location = location.strip()
    if location.startswith("/"):
        return location.lstrip("/")
    joined = posixpath.normpath(posixpath.join(folder, location)) if location else folder
    names = set(package.namelist())
    return joined if joined in names or location not in names else location


def _xml(package: zipfile.ZipFile, name: str) -> Any:
    """The root element of the package's XML file ``name`` (no entities, no network)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(package.read(name), parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"{name}: {exc}") from exc


def _all(element: Any, name: str) -> Iterator[Any]:
    """Every descendant named ``name``, with or without the ``ofd:`` namespace."""
    return element.iter(name, f"{{*}}{name}")
