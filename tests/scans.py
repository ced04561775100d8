"""Real scans for the OCR tests: pages of the shared PDFs rendered to images.

A "scan" here is a page of a real PDF of ``../shared/corpus/pdf`` drawn by PDFium
at :data:`DPI` and written back as an image-only PDF (Pillow), so its text layer
is gone and the original page's text layer is the reference for OCR.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from .conftest import SHARED_CORPUS

DPI = 200
HONGZE_2023 = (
    SHARED_CORPUS / "pdf" / "洪泽区人民政府2023年政府信息公开工作年度报告_hzq2023_working.pdf"
)
# What the scanned test file is made of: (PDF, page) — two text pages.
SCANNED = ((HONGZE_2023, 1), (HONGZE_2023, 5))
# A fact of the second scanned page, in its own words.
FACT = "全年收取政府信息公开信息处理费0元"
_PAGE_NUMBER = re.compile(r"^\s*[-—–]?\s*\d{1,4}\s*[-—–]?\s*$")
_LEADER = re.compile(r"[.·]{3,}")  # after NFKC, "…" is "..."


def render(pdf: Path, number: int, dpi: int = DPI) -> Image.Image:
    """Page ``number`` (1-based) of ``pdf`` as a grayscale image."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[number - 1].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        document.close()


def image_pdf(path: Path, images: Sequence[Image.Image], dpi: int = DPI) -> Path:
    """Write ``images`` as an image-only PDF, one page each, at ``dpi``."""
    first, *rest = images
    first.save(path, "PDF", save_all=True, append_images=rest, resolution=dpi)
    return path


def text_layer(pdf: Path, number: int) -> str:
    """The text layer of page ``number`` (1-based) of ``pdf``."""
    return PdfReader(pdf).pages[number - 1].extract_text()


def squash(text: str) -> str:
    """Text compared for CER: NFKC (full-width punctuation = half-width), no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def body(text: str) -> str:
    """``text`` squashed (:func:`squash`), without page-number lines ("- 5 -") and dot
    leaders ("………"): where a PDF's content stream puts page numbers (first) and where
    they are printed (last) differ, and how many dots a leader has is not text; neither
    is an OCR error."""
    lines = (line for line in text.splitlines() if not _PAGE_NUMBER.match(line))
    return _LEADER.sub("", squash("\n".join(lines)))


def cer(recognized: str, reference: str) -> float:
    """Character error rate: edit distance / reference length, of their :func:`body`."""
    a, b = body(recognized), body(reference)
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        previous = current
    return previous[-1] / max(1, len(b))


# ---------------------------------------------------------------------------- OFD
_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def write_ofd(path: Path, pages: Sequence[Sequence[str] | bytes], title: str = "") -> Path:
    """Write a valid OFD package (GB/T 33190): one A4 page per item of ``pages``.

    An item is the page's lines (one ``TextObject`` per line, one ``TextCode``
    per character with ``DeltaX``, listed bottom line first so that reading order
    must come from the positions), or PNG bytes for a page that is one image.
    """
    entries = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {_NS} Version="1.0" '
        'DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>0c1d</ofd:DocID>'
        f"<ofd:Title>{title}</ofd:Title></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    }
    media, page_list, next_id = [], [], 10
    for number, page in enumerate(pages):
        objects = []
        if isinstance(page, bytes):
            entries[f"Doc_0/Res/page{number}.png"] = page
            media.append(
                f'<ofd:MultiMedia ID="{next_id}" Type="Image">'
                f"<ofd:MediaFile>page{number}.png</ofd:MediaFile></ofd:MultiMedia>"
            )
            objects.append(
                f'<ofd:ImageObject ID="{next_id + 1}" Boundary="0 0 210 297" '
                f'CTM="210 0 0 297 0 0" ResourceID="{next_id}"/>'
            )
            next_id += 2
        else:
            for row, line in reversed(list(enumerate(page))):
                codes = "".join(
                    f'<ofd:TextCode X="{5 * i}" Y="5">{char}</ofd:TextCode>'
                    for i, char in enumerate(line)
                )
                objects.append(
                    f'<ofd:TextObject ID="{next_id}" Boundary="25 {30 + 8 * row} 160 8" '
                    f'Font="2" Size="5">{codes}</ofd:TextObject>'
                )
                next_id += 1
        layer = f'<ofd:Layer ID="{next_id}">{"".join(objects)}</ofd:Layer>'
        next_id += 1
        entries[f"Doc_0/Pages/Page_{number}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {_NS}>'
            f"<ofd:Content>{layer}</ofd:Content></ofd:Page>"
        )
        page_list.append(f'<ofd:Page ID="{number + 1}" BaseLoc="Pages/Page_{number}/Content.xml"/>')
    entries["Doc_0/Document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {_NS}><ofd:CommonData>'
        f"<ofd:MaxUnitID>{next_id}</ofd:MaxUnitID><ofd:PageArea>"
        "<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
        "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData>"
        f"<ofd:Pages>{''.join(page_list)}</ofd:Pages></ofd:Document>"
    )
    entries["Doc_0/PublicRes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {_NS} BaseLoc="Res"><ofd:Fonts>'
        '<ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
    )
    entries["Doc_0/DocumentRes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {_NS} BaseLoc="Res">'
        f"<ofd:MultiMedias>{''.join(media)}</ofd:MultiMedias></ofd:Res>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in entries.items():
            package.writestr(name, data)
    return path


def squashed_lines(text: str) -> list[str]:
    """The non-empty lines of ``text``, spaces removed."""
    return [re.sub(r"\s", "", line) for line in text.splitlines() if line.strip()]
