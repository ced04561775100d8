"""The 文件库 tab: every indexed document in a table that fits a laptop screen.

The table has five columns (:attr:`Library.COLUMNS`: title, 文号, issuer, date,
validity); a search box above it keeps the rows holding every word typed; selecting
a row shows the document's details (place, dates, pages, warnings, links to its
published page and its original file) and its passages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..answering.place import place_label
from ..answering.render import escape, links_html, page_label, validity_label
from ..types import Chunk
from .admin import Library

WIDTHS = ["44%", "18%", "18%", "9%", "11%"]  # of the table: no side-scrolling at 1366 px
SEARCH_HINT = "输入标题、文号、发文机关、年份或状态中的字词"


@dataclass(frozen=True)
class LibraryTab:
    """The tab's components that a refresh (start, rebuild) updates, in :func:`refresh` order."""

    search: Any
    table: Any
    shown: Any
    details: Any

    def outputs(self) -> list[Any]:
        """The components :func:`refresh` gives values for."""
        return [self.search, self.table, self.shown, self.details]


def library_tab(library: Library) -> LibraryTab:
    """Lay out the tab (inside its ``gr.Tab``) and wire its search and selection."""
    search = gr.Textbox(
        label="搜索文件", placeholder=SEARCH_HINT, elem_id="docs-search", max_lines=1
    )
    table = gr.Dataframe(
        headers=list(Library.COLUMNS), interactive=False, wrap=True, elem_id="docs",
        buttons=[], column_widths=WIDTHS, max_height=420, label="已收录的文件", show_label=False,
    )  # fmt: skip
    shown = gr.State([])  # the document (row of Library.rows) behind each row shown
    details = gr.HTML(elem_id="doc-details")
    private = {"api_visibility": "private"}

    def searched(words: str) -> tuple[Any, list[int]]:
        rows, documents = matching(library, words)
        return gr.update(value=rows), documents

    def selected(documents: list[int], event: gr.SelectData) -> str:
        row = event.index[0] if isinstance(event.index, list | tuple) else event.index
        return details_html(library, documents[row]) if 0 <= row < len(documents) else ""

    search.change(searched, search, [table, shown], queue=False, **private)  # set at page load
    table.select(selected, shown, details, **private)
    return LibraryTab(search, table, shown, details)


def refresh(library: Library) -> list[Any]:
    """Values for :meth:`LibraryTab.outputs`: no search, every document, nothing selected."""
    rows, documents = matching(library, "")
    return [gr.update(value=""), gr.update(value=rows), documents, ""]


def matching(library: Library, words: str) -> tuple[list[list[Any]], list[int]]:
    """The table's rows holding every one of ``words`` (any case), and their documents."""
    wanted = words.lower().split()
    found = [
        (list(row), n)
        for n, row in enumerate(library.rows())
        if all(w in " ".join(map(str, row)).lower() for w in wanted)
    ]
    return [row for row, _ in found], [n for _, n in found]


def details_html(library: Library, document: int) -> str:
    """One document's details, links and passages as escaped HTML."""
    if library.searcher is None:
        return ""
    info = library.searcher.index.documents[document]
    source, passages = info.source, library.passages(document)
    fields = [
        ("标题", source.title),
        ("文号", source.doc_number),
        ("发文机关", source.issuer),
        ("管辖范围", place_label(source.jurisdiction)),
        ("日期", source.issued_on),
        ("网页发布日期", source.published_on if source.published_on != source.issued_on else ""),
        ("施行日期", source.effective_on),
        ("有效期至", source.expires_on),
        ("状态", validity_label(source)),
        ("文件", info.path),
        ("页数", str(info.pages or "")),
        ("段落数", str(len(passages))),
        ("提示", "；".join(info.warnings)),
    ]
    items = "".join(f"<dt>{name}</dt><dd>{escape(value)}</dd>" for name, value in fields if value)
    cards = "".join(
        f'<div class="passage-card"><div class="where">{escape(where(c) or "正文")}</div>'
        f'<div class="passage">{escape(c.text)}</div></div>'
        for c in passages
    )
    return (
        f'<div class="answer doc-details"><dl>{items}</dl>'
        f"{links_html(source, info.path)}{cards}</div>"
    )


def where(chunk: Chunk) -> str:
    """A passage's section path and page: ``二、… › （一）… · 第3页（OCR识别）``."""
    return " · ".join(x for x in (chunk.section, page_label(chunk)) if x)
