"""The office's own words in the page: listed in the 文件库 tab, added and removed in 管理.

An admin adds a group of equivalent terms (the documents' term first: 老年人优待证 老人卡)
or removes the groups holding a term; ``synonyms.csv`` is edited
(:mod:`assistant.index.office_words`), the next question is expanded with it, every edit is
written to the audit table, and the next build keeps it.
"""

from __future__ import annotations

import re
from typing import Any

import gradio as gr

from ..answering.render import escape
from ..index.lexicon import lexicon
from ..index.office_words import add_group, office_groups, remove_term
from .admin import Library
from .admin_tab import session
from .throttle import AdminGate

_SPLIT = re.compile(r"[\s,，、/／|｜;；]+")


def words_html(library: Library) -> str:
    """The office's groups as an HTML list (text escaped), and how many the lexicon ships."""
    groups = office_groups(library.settings.corpus)
    shipped = f"<p class='note'>另有内置常用说法 {len(lexicon())} 组。</p>"
    if not groups:
        return "<p>本机关还没有添加同义词。</p>" + shipped
    items = "".join(f"<li>{escape(' / '.join(g.terms))}</li>" for g in groups)
    return f"<ul id='office-words'>{items}</ul>{shipped}"


def words_view(library: Library) -> Any:
    """The 文件库 tab's list of the office's words (inside an accordion); returns the HTML
    component the 管理 tab's edits update."""
    with gr.Accordion("同义词表（群众说法与文件用语）", open=False, elem_id="vocabulary"):
        return gr.HTML(words_html(library), elem_id="vocabulary-list")


def words_admin(library: Library, gate: AdminGate, authed: Any, shown: Any) -> None:
    """The 管理 tab's section for adding and removing groups; ``shown`` is the 文件库 list."""
    gr.Markdown("### 同义词（立即生效，无需重建索引）")
    with gr.Row():
        terms = gr.Textbox(
            label="同义词组：文件中的说法在前，群众的说法在后，用空格分隔",
            placeholder="例如：老年人优待证 老人卡", elem_id="words-add-terms", scale=4,
        )  # fmt: skip
        add = gr.Button("添加", elem_id="words-add", scale=1)
    with gr.Row():
        term = gr.Textbox(label="删除含有此词的词组", elem_id="words-remove-term", scale=4)
        remove = gr.Button("删除", elem_id="words-remove", scale=1)
    status = gr.Markdown(elem_id="words-status")
    listed = gr.HTML(words_html(library), elem_id="words-list")

    def added(text: str, ok: bool, request: gr.Request) -> list[Any]:
        if not ok:
            return ["请先登录。", gr.update(), gr.update(), gr.update()]
        try:
            group = add_group(library.settings.corpus, [t for t in _SPLIT.split(text or "") if t])
        except ValueError as error:
            return [escape(str(error)), gr.update(), gr.update(), gr.update()]
        shown_group = " / ".join(group)
        gate.audit("synonyms", session(request), f"添加 {shown_group}")
        view = words_html(library)
        return [f"已添加：{escape(shown_group)}（下一个问题起生效）", "", view, view]

    def removed(text: str, ok: bool, request: gr.Request) -> list[Any]:
        if not ok:
            return ["请先登录。", gr.update(), gr.update(), gr.update()]
        try:
            gone = remove_term(library.settings.corpus, text or "")
        except ValueError as error:
            return [escape(str(error)), gr.update(), gr.update(), gr.update()]
        said = "；".join(" / ".join(g) for g in gone)
        gate.audit("synonyms", session(request), f"删除 {said}")
        view = words_html(library)
        return [f"已删除：{escape(said)}", "", view, view]

    private = {"api_visibility": "private"}
    add.click(added, [terms, authed], [status, terms, listed, shown], **private)
    terms.submit(added, [terms, authed], [status, terms, listed, shown], **private)
    remove.click(removed, [term, authed], [status, term, listed, shown], **private)
