"""The office's own words in the page: listed in the 文件库 tab, added and removed in 管理,
proposed from the unanswered questions in 运营.

An admin adds a group of equivalent terms (the documents' term first: 老年人优待证 老人卡)
or removes the groups holding a term; ``synonyms.csv`` is edited
(:mod:`assistant.index.office_words`), the next question is expanded with it, every edit is
written to the audit table, and the next build keeps it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import gradio as gr

from ..answering.render import escape
from ..index.lexicon import lexicon
from ..index.office_words import add_group, office_groups, remove_term
from ..records import Recorder
from ..records.reports import entries
from .admin import Library
from .admin_tab import session
from .throttle import AdminGate
from .word_candidates import dismiss, dismissed, proposals

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


PROPOSALS = ("词", "次数", "例句", "最接近的文件用语")
PROPOSAL_DAYS = 30


def proposals_section(
    library: Library, recorder: Recorder, gate: AdminGate, authed: Any, shown: Any
) -> None:
    """The 运营 tab's 同义词建议: words of the last 30 days' unanswered questions that no
    document holds (:mod:`.word_candidates`), to accept as a group or dismiss."""
    gr.Markdown("### 同义词建议（近30天未能回答的问题中，文件里没有的词）")
    find = gr.Button("查找建议", elem_id="words-propose", scale=0)
    table = gr.Dataframe(headers=list(PROPOSALS), wrap=True, elem_id="words-proposals")
    nearest = gr.State({})
    with gr.Row():
        word = gr.Dropdown(label="建议的词", elem_id="words-proposal-word")
        term = gr.Dropdown(label="对应的文件用语（可改写）", allow_custom_value=True,
                           elem_id="words-proposal-term")  # fmt: skip
        accept = gr.Button("采纳", variant="primary", elem_id="words-accept", scale=0)
        dismiss_button = gr.Button("忽略", elem_id="words-dismiss", scale=0)
    status = gr.Markdown(elem_id="words-proposal-status")

    def found(ok: bool) -> list[Any]:
        if not ok:
            return [gr.update(), {}, gr.update(), gr.update(), "请先在“管理”页登录。"]
        searcher = library.searcher
        if searcher is None:
            return [gr.update(), {}, gr.update(), gr.update(), "索引尚未建好。"]
        engine = recorder.engine()
        since = date.today() - timedelta(days=PROPOSAL_DAYS - 1)
        refused = [e.question for e in entries(engine, since) if e.outcome == "refused"]
        listed = proposals(searcher, refused, dismissed(engine))
        rows = [[p.word, p.count, p.example, "、".join(p.nearest)] for p in listed]
        choices = [p.word for p in listed]
        first = listed[0].nearest if listed else ()
        said = f"找到 {len(listed)} 个建议。" if listed else "没有新的建议。"
        return [
            rows, {p.word: list(p.nearest) for p in listed},
            gr.update(choices=choices, value=choices[0] if choices else None),
            gr.update(choices=list(first), value=first[0] if first else None), said,
        ]  # fmt: skip

    def chosen(picked: str | None, known: dict[str, list[str]]) -> Any:
        terms = known.get(picked or "", [])
        return gr.update(choices=terms, value=terms[0] if terms else None)

    def accepted(picked: str | None, to: str | None, ok: bool, request: gr.Request) -> list[Any]:
        if not ok:
            return ["请先在“管理”页登录。", gr.update()]
        if not picked or not (to or "").strip():
            return ["请选择建议的词和对应的文件用语。", gr.update()]
        try:
            group = add_group(library.settings.corpus, [str(to).strip(), picked])
        except ValueError as error:
            return [escape(str(error)), gr.update()]
        gate.audit("synonyms", session(request), f"采纳 {' / '.join(group)}")
        return [f"已添加：{escape(' / '.join(group))}（下一个问题起生效）", words_html(library)]

    def dismissed_word(picked: str | None, ok: bool, request: gr.Request) -> str:
        if not ok:
            return "请先在“管理”页登录。"
        if not picked:
            return "请选择建议的词。"
        dismiss(recorder.engine(), picked)
        gate.audit("synonyms", session(request), f"忽略 {picked}")
        return f"已忽略“{escape(picked)}”，不再建议。"

    private = {"api_visibility": "private"}
    find.click(found, authed, [table, nearest, word, term, status], **private)
    word.change(chosen, [word, nearest], term, **private)
    accept.click(accepted, [word, term, authed], [status, shown], **private)
    dismiss_button.click(dismissed_word, [word, authed], status, **private)
