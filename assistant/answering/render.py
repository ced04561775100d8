"""Renderers: a structured :class:`~assistant.types.Answer` as plain text, Markdown, HTML or JSON.

Citation lines are made here and only here, for the CLI, the API and the app:
``《title》 文号 · issuer · date · 适用地区：place · section path · page``, and beside them whether
the document is in force (:func:`validity_label`), its 出处链接 and the link to the original file
the app serves (:func:`original_href`). The HTML escapes every string that comes from a document,
so a ``<script>`` in a document never runs.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote as url_quote
from urllib.parse import urlsplit

from ..chinese.doc_numbers import DOC_NUMBER
from ..types import Answer, Chunk, Curated, Hit, Quote, Source, Validity
from .place import place_label

SOURCES_HEAD = "来源："
NEAREST_HEAD = "最接近的文件（可能不含答案）："
ELISION = "……"
MODEL_HEAD = "模型回答（数字与出处已与原文核对）："
QUOTES_HEAD = "原文摘录："
CURATED_HEAD = "人工审核答案"
RETRIEVED_HEAD = "检索到的原文答案："
CURATED_SOURCES = "依据："
ORIGINALS = "original/"  # where the app serves a document's original file: original/<its path>
LINK_HEAD, ORIGINAL_HEAD = "出处链接", "原文件"


def document_line(source: Source) -> str:
    """《title》 文号 · issuer · date · 适用地区：place — the document part of a citation."""
    head = f"《{source.title}》" + (f" {source.doc_number}" if source.doc_number else "")
    place = f"适用地区：{place_label(source.jurisdiction)}" if source.jurisdiction else ""
    return " · ".join(x for x in (head, source.issuer, source.issued_on, place) if x)


def validity_label(source: Source, today: dt.date | None = None) -> str:
    """现行有效, 未注明, 已过期（2026-12-06）or 已废止（被《…》废止）."""
    status = source.validity(today)
    if status is Validity.EXPIRED:
        return f"{status}（{source.expires_on}）"
    if status is Validity.REPEALED:
        return f"{status}（被{_named(source.repealed_by)}废止）"
    return str(status)


def validity_note(source: Source, today: dt.date | None = None) -> str:
    """The warning an answer quoting an expired or repealed document carries; else ``""``."""
    status = source.validity(today)
    if status is Validity.EXPIRED:
        return f"该文件已于{source.expires_on}到期，请以最新规定为准"
    if status is Validity.REPEALED:
        return f"该文件已被{_named(source.repealed_by)}废止，请以最新规定为准"
    return ""


def validity_notes(reply: Answer) -> list[str]:
    """One warning per cited document no longer in force: ``[2] 该文件已于…到期，…``."""
    if not reply.found:
        return []
    notes = []
    for markers in _by_document(reply).values():
        note = validity_note(reply.citations[markers[0] - 1].chunk.source)
        if note:
            notes.append("".join(f"[{m}]" for m in markers) + f" {note}")
    return notes


def original_href(path: str) -> str:
    """The app's address of a document's original file, relative to the page: ``original/…``."""
    return ORIGINALS + url_quote(path)


def source_url(source: Source) -> str:
    """The document's 出处链接 when it is a web address (http or https), else ``""``."""
    return source.url if urlsplit(source.url).scheme in ("http", "https") else ""


def page_label(c: Chunk) -> str:
    """第3页, 第3–4页, 第3页（OCR识别） for a passage read by OCR, ``""`` without pages."""
    if not c.page_start:
        return ""
    ocr = "（OCR识别）" if c.ocr else ""
    if c.page_end and c.page_end != c.page_start:
        return f"第{c.page_start}–{c.page_end}页{ocr}"
    return f"第{c.page_start}页{ocr}"


def citation(hit: Hit) -> str:
    """One source line: 《title》 文号 · issuer · date · 适用地区：place · section · page."""
    parts = (document_line(hit.chunk.source), hit.chunk.section, page_label(hit.chunk))
    return " · ".join(x for x in parts if x)


def said(reply: Answer) -> list[tuple[int, str]]:
    """What is said: per cited passage, its marker and its quotes joined.

    Quotes of one passage that are not adjacent are joined by ``……``.
    """
    lines = []
    for marker, hit in enumerate(reply.citations, 1):
        text, quotes = hit.chunk.text, reply.quoted(marker)
        if not quotes:
            continue
        parts = [text[quotes[0].start : quotes[0].end]]
        for before, after in zip(quotes, quotes[1:], strict=False):
            gap = text[before.end : after.start].strip()
            parts.append((ELISION if gap else "") + text[after.start : after.end])
        lines.append((marker, "".join(parts)))
    return lines


def direct_line(reply: Answer, emphasize: Callable[[str], str] = str) -> str:
    """The direct answer's sentence, its figures passed through ``emphasize``; ``""`` if none."""
    if reply.direct is None:
        return ""
    quote = reply.direct
    text = reply.citations[quote.marker - 1].chunk.text
    parts, at = [], quote.start
    for start, end in quote.emphasis:
        parts += [text[at:start], emphasize(text[start:end])]
        at = end
    parts.append(text[at : quote.end])
    return " ".join("".join(parts).split("\n"))  # a heading and its value on one line


def understood_line(reply: Answer) -> str:
    """按“一次性创业补贴”理解 for a follow-up taken in its conversation's topic, else ``""``."""
    return f"按“{reply.understood}”理解" if reply.understood else ""


def body(reply: Answer, emphasize: Callable[[str], str] = str) -> str:
    """What is said, without the source lines: the direct answer on the first line, then
    the quotes with markers, one line per passage.

    A refusal: its reason, then the nearest documents.
    """
    if not reply.found:
        return reply.reason + "。" + (f"\n\n{nearest(reply)}" if reply.citations else "")
    lines = [f"{line} [{marker}]" for marker, line in said(reply)]
    if reply.direct is not None:
        lines.insert(0, f"{direct_line(reply, emphasize)} [{reply.direct.marker}]")
    if reply.unlisted:  # not listed: said first, what the document does say under it
        lines.insert(0, f"（{reply.unlisted}。）")
    if reply.generated:  # the model's answer first, the quotes it was checked against under it
        lines[:0] = [MODEL_HEAD, reply.generated, "", QUOTES_HEAD]
    elif reply.note:
        lines.insert(0, f"（{reply.note}）")
    return "\n".join(lines)


def as_text(
    reply: Answer,
    emphasize: Callable[[str], str] = str,
    links: Callable[[Hit], list[str]] = lambda hit: [],
    clean: Callable[[str], str] = str,
) -> str:
    """The answer as plain text: how a follow-up was understood, :func:`body`, a warning per
    cited document no longer in force, the sources (each with its validity when stated, and
    ``links``). Every text but the links passes through ``clean`` (HTML-escaped for
    Markdown: :func:`as_markdown`)."""
    text = clean("\n".join([body(reply, emphasize), *validity_notes(reply)]))
    if reply.curated is not None:
        text = clean(curated_text(reply.curated)) + "\n\n" + clean(RETRIEVED_HEAD) + "\n" + text
    if reply.found:
        stated = [[citation(hit), *_stated(hit.chunk.source)] for hit in reply.citations]
        sources = "\n".join(
            f"[{n}] " + " · ".join([*map(clean, parts), *links(hit)])
            for n, (hit, parts) in enumerate(zip(reply.citations, stated, strict=True), 1)
        )
        text = f"{text}\n\n{SOURCES_HEAD}\n{sources}"
    return "\n".join(x for x in (clean(understood_line(reply)), text) if x)


def curated_head(curated: Curated) -> str:
    """人工审核答案 · 2026-12-07"""
    return f"{CURATED_HEAD} · {curated.on}"


def curated_text(curated: Curated) -> str:
    """A 人工审核答案 as plain text: its head, the text, the passages it rests on."""
    cited = "\n".join(f"- {citation(hit)}" for hit in curated.citations)
    return f"{curated_head(curated)}\n{curated.text}\n{CURATED_SOURCES}\n{cited}"


def nearest(reply: Answer) -> str:
    """A refusal's list of the nearest documents, under its heading."""
    docs = "\n".join(f"- {document_line(h.chunk.source)}" for h in reply.citations)
    return f"{NEAREST_HEAD}\n{docs}"


def as_markdown(reply: Answer, app_url: str = "") -> str:
    """The answer as Markdown for API clients: :func:`as_text` with hard line breaks, figures in
    bold, and on each source line links to its 出处链接 and (given the app's ``app_url``, ending
    in ``/``) its original file."""

    def links(hit: Hit) -> list[str]:
        url = source_url(hit.chunk.source)
        found = [f"[{LINK_HEAD}](<{url}>)"] if url else []
        if app_url:
            found.append(f"[{ORIGINAL_HEAD}](<{app_url}{original_href(hit.chunk.doc)}>)")
        return found

    return as_text(reply, lambda figure: f"**{figure}**", links, markdown_escape).replace(
        "\n", "  \n"
    )


def markdown_escape(text: str) -> str:
    """``text`` for Markdown that a renderer allowing HTML shows as text: ``&``, ``<`` and
    ``>`` as entities (the question, the history's topic, the documents' words)."""
    return html.escape(text, quote=False)


def json_line(data: Any) -> str:
    """``data`` as one line of JSON whose strings hold no raw ``<``, ``>`` or ``&``
    (written ``\\u003c`` …): the values are the same, and the line is safe to embed in HTML."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def as_json(reply: Answer) -> dict[str, Any]:
    """The JSON shape of ``assistant ask --json``."""
    return {
        "question": reply.question,
        "understood": reply.understood,
        "found": reply.found,
        "kind": reply.kind,
        "answered_by": reply.answered_by,
        "note": reply.note,
        "unlisted": reply.unlisted,
        "direct": direct_line(reply),
        "answer": as_text(reply),
        "validity_notes": validity_notes(reply),
        "citations": [
            {**hit.to_dict(), "validity": validity_label(hit.chunk.source)}
            for hit in reply.citations
        ],
        "curated_id": reply.curated.id if reply.curated else None,
        "curated": _curated_json(reply.curated) if reply.curated else None,
    }


def _curated_json(curated: Curated) -> dict[str, Any]:
    return {
        "id": curated.id, "question": curated.question, "answer": curated.text,
        "date": curated.on, "similarity": curated.similarity,
        "citations": [
            {**hit.to_dict(), "validity": validity_label(hit.chunk.source)}
            for hit in curated.citations
        ],
    }  # fmt: skip


def curated_html(curated: Curated) -> str:
    """A 人工审核答案 as an HTML block: its head, the text, a card per cited passage."""
    cards = "".join(
        f'<details class="source"><summary>{escape(citation(hit))}</summary>'
        f"{links_html(hit.chunk.source, hit.chunk.doc)}"
        f'<div class="passage">{escape(hit.chunk.text)}</div></details>'
        for hit in curated.citations
    )
    return (
        f'<div class="curated"><p class="curated-head">{escape(curated_head(curated))}</p>'
        f'<div class="curated-text">{escape(curated.text)}</div>{cards}</div>'
        f'<p class="model-head">{escape(RETRIEVED_HEAD)}</p>'
    )


def as_html(reply: Answer) -> str:
    """The answer as one HTML block: quotes with markers, then collapsible source cards.

    One card per cited document (its citation head once, then each cited passage with
    its marker, section path and page), the quoted sentences marked. Every document
    string is escaped.
    """
    understood = understood_line(reply)
    head = f'<p class="understood">{escape(understood)}</p>' if understood else ""
    if reply.curated is not None:
        head += curated_html(reply.curated)
    if not reply.found:
        parts = [head, f"<p>{escape(reply.reason + '。')}</p>"]
        if reply.citations:
            parts.append(f'<p class="nearest">{escape(nearest(reply))}</p>')
        return f'<div class="answer">{"".join(parts)}</div>'
    body = "<br>".join(
        f'{escape(line)} <span class="marker">[{marker}]</span>' for marker, line in said(reply)
    )
    if reply.generated:
        model = f'<p class="model-head">{escape(MODEL_HEAD)}</p>'
        model += f'<div class="generated">{escape(reply.generated)}</div>'
        head += model + f'<p class="model-head">{escape(QUOTES_HEAD)}</p>'
    elif reply.note:
        head += f'<p class="note">{escape(reply.note)}</p>'
    if reply.direct is not None:
        line = direct_line(reply, lambda figure: f"\0{figure}\1")
        strong = escape(line).replace("\0", "<strong>").replace("\1", "</strong>")
        marker = f'<span class="marker">[{reply.direct.marker}]</span>'
        unlisted = (
            f'<p class="unlisted">（{escape(reply.unlisted)}。）</p>' if reply.unlisted else ""
        )
        body = f'{unlisted}<p class="direct">{strong} {marker}</p>' + (
            f'<p class="clause">{body}</p>' if body else ""
        )
    else:
        body = f"<p>{body}</p>"
    body += "".join(f'<p class="validity-note">{escape(n)}</p>' for n in validity_notes(reply))
    cards = "".join(_card(reply, markers) for markers in _by_document(reply).values())
    return f'<div class="answer">{head}{body}{cards}</div>'


def _by_document(reply: Answer) -> dict[str, list[int]]:
    """The citation markers of each cited document, documents in order of first citation."""
    groups: dict[str, list[int]] = {}
    for marker, hit in enumerate(reply.citations, 1):
        groups.setdefault(hit.chunk.doc, []).append(marker)
    return groups


def _card(reply: Answer, markers: list[int]) -> str:
    """One collapsible source card per document: its citation head, then each cited passage
    under its marker, section path and page, the quoted sentences marked."""
    first = reply.citations[markers[0] - 1]
    source = first.chunk.source
    head = escape("".join(f"[{m}]" for m in markers) + " " + document_line(source))
    head += f' · <span class="validity">{escape(validity_label(source))}</span>'
    passages = [links_html(source, first.chunk.doc)]
    if note := validity_note(source):
        passages.append(f'<p class="validity-note">{escape(note)}</p>')
    for marker in markers:
        hit = reply.citations[marker - 1]
        text, parts, at = hit.chunk.text, [], 0
        for quote in _highlighted(reply, marker):
            quoted = escape(text[quote.start : quote.end])
            parts += [escape(text[at : quote.start]), f"<mark>{quoted}</mark>"]
            at = quote.end
        parts.append(escape(text[at:]))
        where = f"[{marker}] " + " · ".join(
            x for x in (hit.chunk.section, page_label(hit.chunk)) if x
        )
        passages.append(
            f'<p class="where">{escape(where)}</p><div class="passage">{"".join(parts)}</div>'
        )
    return f'<details class="source"><summary>{head}</summary>{"".join(passages)}</details>'


def links_html(source: Source, path: str) -> str:
    """A document's links as HTML: its 出处链接 (when a web address) and its original file."""
    url = source_url(source)
    links = [(url, LINK_HEAD)] if url else []
    links.append((original_href(path), ORIGINAL_HEAD))
    anchors = (
        f'<a href="{html.escape(href)}" target="_blank" rel="noopener noreferrer">{text}</a>'
        for href, text in links
    )
    return f'<p class="links">{" · ".join(anchors)}</p>'


def _stated(source: Source) -> list[str]:
    """The document's validity for a source line, when its text states one."""
    return [] if source.validity() is Validity.UNKNOWN else [validity_label(source)]


def _named(document: str) -> str:
    """A repealing document as written in a sentence: 《title》, or a 文号 as it is."""
    if document.startswith("《") or DOC_NUMBER.search(document):
        return document
    return f"《{document}》"


def _highlighted(reply: Answer, marker: int) -> list[Quote]:
    """What a source card marks in its passage: the direct answer's sentence in its own
    passage (not the whole clause around it), the quoted sentences in the others."""
    if reply.direct is not None and reply.direct.marker == marker:
        return [reply.direct]
    return reply.quoted(marker)


def escape(text: str) -> str:
    """Escape document text for HTML, keeping its line breaks."""
    return html.escape(text).replace("\n", "<br>")
