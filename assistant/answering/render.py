"""Renderers: a structured :class:`~assistant.types.Answer` as plain text, Markdown, HTML or JSON.

Citation lines are made here and only here, for the CLI, the API and the app:
``《title》 文号 · issuer · date · 适用地区：place · section path · page``. The HTML escapes every
string that comes from a document, so a ``<script>`` in a document never runs.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from ..types import Answer, Hit, Quote, Source
from .place import place_label

SOURCES_HEAD = "来源："
NEAREST_HEAD = "最接近的文件（可能不含答案）："
ELISION = "……"
MODEL_HEAD = "模型回答（数字与出处已与原文核对）："
QUOTES_HEAD = "原文摘录："


def document_line(source: Source) -> str:
    """《title》 文号 · issuer · date · 适用地区：place — the document part of a citation."""
    head = f"《{source.title}》" + (f" {source.doc_number}" if source.doc_number else "")
    place = f"适用地区：{place_label(source.jurisdiction)}" if source.jurisdiction else ""
    return " · ".join(x for x in (head, source.issuer, source.issued_on, place) if x)


def page_label(hit: Hit) -> str:
    """第3页, 第3–4页, or ``""`` for a document without pages."""
    c = hit.chunk
    if not c.page_start:
        return ""
    if c.page_end and c.page_end != c.page_start:
        return f"第{c.page_start}–{c.page_end}页"
    return f"第{c.page_start}页"


def citation(hit: Hit) -> str:
    """One source line: 《title》 文号 · issuer · date · 适用地区：place · section · page."""
    parts = (document_line(hit.chunk.source), hit.chunk.section, page_label(hit))
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
    return "".join(parts)


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
    if reply.generated:  # the model's answer first, the quotes it was checked against under it
        lines[:0] = [MODEL_HEAD, reply.generated, "", QUOTES_HEAD]
    elif reply.note:
        lines.insert(0, f"（{reply.note}）")
    return "\n".join(lines)


def as_text(reply: Answer, emphasize: Callable[[str], str] = str) -> str:
    """The answer as plain text: how a follow-up was understood, :func:`body`, the sources."""
    text = body(reply, emphasize)
    if reply.found:
        sources = "\n".join(f"[{n}] {citation(hit)}" for n, hit in enumerate(reply.citations, 1))
        text = f"{text}\n\n{SOURCES_HEAD}\n{sources}"
    return "\n".join(x for x in (understood_line(reply), text) if x)


def nearest(reply: Answer) -> str:
    """A refusal's list of the nearest documents, under its heading."""
    docs = "\n".join(f"- {document_line(h.chunk.source)}" for h in reply.citations)
    return f"{NEAREST_HEAD}\n{docs}"


def as_markdown(reply: Answer) -> str:
    """The answer as Markdown for API clients: :func:`as_text` with hard line breaks."""
    return as_text(reply, lambda figure: f"**{figure}**").replace("\n", "  \n")


def as_json(reply: Answer) -> dict[str, Any]:
    """The JSON shape of ``assistant ask --json``."""
    return {
        "question": reply.question,
        "understood": reply.understood,
        "found": reply.found,
        "kind": reply.kind,
        "answered_by": reply.answered_by,
        "note": reply.note,
        "direct": direct_line(reply),
        "answer": as_text(reply),
        "citations": [hit.to_dict() for hit in reply.citations],
    }


def as_html(reply: Answer) -> str:
    """The answer as one HTML block: quotes with markers, then collapsible source cards.

    One card per cited document (its citation head once, then each cited passage with
    its marker, section path and page), the quoted sentences marked. Every document
    string is escaped.
    """
    understood = understood_line(reply)
    head = f'<p class="understood">{escape(understood)}</p>' if understood else ""
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
        body = f'<p class="direct">{strong} {marker}</p>' + (
            f'<p class="clause">{body}</p>' if body else ""
        )
    else:
        body = f"<p>{body}</p>"
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
    head = "".join(f"[{m}]" for m in markers) + " " + document_line(first.chunk.source)
    passages = []
    for marker in markers:
        hit = reply.citations[marker - 1]
        text, parts, at = hit.chunk.text, [], 0
        for quote in _highlighted(reply, marker):
            quoted = escape(text[quote.start : quote.end])
            parts += [escape(text[at : quote.start]), f"<mark>{quoted}</mark>"]
            at = quote.end
        parts.append(escape(text[at:]))
        where = f"[{marker}] " + " · ".join(x for x in (hit.chunk.section, page_label(hit)) if x)
        passages.append(
            f'<p class="where">{escape(where)}</p><div class="passage">{"".join(parts)}</div>'
        )
    return f'<details class="source"><summary>{escape(head)}</summary>{"".join(passages)}</details>'


def _highlighted(reply: Answer, marker: int) -> list[Quote]:
    """What a source card marks in its passage: the direct answer's sentence in its own
    passage (not the whole clause around it), the quoted sentences in the others."""
    if reply.direct is not None and reply.direct.marker == marker:
        return [reply.direct]
    return reply.quoted(marker)


def escape(text: str) -> str:
    """Escape document text for HTML, keeping its line breaks."""
    return html.escape(text).replace("\n", "<br>")
