"""A streaming XLSX writer for the log's exports: sheets of text and number cells, nothing else.

An XLSX file is a zip of a few XML parts. Written directly (inline strings, no styles beyond the
default) 100,000 logged answers take a few seconds, where openpyxl's write-only mode took 18 s
(``bench/records.py``). openpyxl stays the oracle that reads them back in the tests.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "application/vnd.openxmlformats-officedocument"


def write_xlsx(path: Path, sheets: Sequence[tuple[str, Iterable[Sequence[Any]]]]) -> Path:
    """Write ``sheets`` — (name, rows) pairs, each row a sequence of str/int/float/None — to
    ``path``; rows are streamed, never held in memory as XML."""
    names = [name for name, _ in sheets]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", _content_types(len(names)))
        book.writestr("_rels/.rels", _rels([("officeDocument", "xl/workbook.xml")], _PKG))
        book.writestr("xl/workbook.xml", _workbook(names))
        book.writestr("xl/_rels/workbook.xml.rels", _rels(
            [("worksheet", f"worksheets/sheet{n}.xml") for n in range(1, len(names) + 1)]
            + [("styles", "styles.xml")], _PKG,
        ))  # fmt: skip
        book.writestr("xl/styles.xml", _STYLES)
        for n, (_, rows) in enumerate(sheets, 1):
            with book.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as part:
                part.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{_MAIN}">'
                           "<sheetData>".encode())  # fmt: skip
                chunk: list[str] = []
                for row in rows:
                    chunk.append("<row>" + "".join(map(_cell, row)) + "</row>")
                    if len(chunk) == 1000:
                        part.write("".join(chunk).encode())
                        chunk.clear()
                part.write(("".join(chunk) + "</sheetData></worksheet>").encode())
    return path


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float):
        return f"<c><v>{value!r}</v></c>"
    text = escape(_NOT_XML.sub("", str(value)))
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _content_types(sheets: int) -> str:
    parts = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        f'ContentType="{_DOC}.spreadsheetml.worksheet+xml"/>'
        for n in range(1, sheets + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_DOC}.spreadsheetml.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_DOC}.spreadsheetml.styles+xml"/>'
        f"{parts}</Types>"
    )


def _rels(targets: list[tuple[str, str]], namespace: str) -> str:
    items = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/{kind}" Target="{target}"/>'
        for n, (kind, target) in enumerate(targets, 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{namespace}">{items}'
        "</Relationships>"
    )


def _workbook(names: list[str]) -> str:
    sheets = "".join(
        f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(names, 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f"<sheets>{sheets}</sheets></workbook>"
    )


_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<styleSheet xmlns="{_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    "</styleSheet>"
)
