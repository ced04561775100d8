"""人工审核答案 in the 运营 tab, behind the 管理 login: write the answer to a question and cite
the passages it rests on; saved, it is served at once (:mod:`assistant.answering.curated`).

The question comes from the log (the period's unanswered questions and 👎 answers, newest
first) or is typed from scratch. The admin searches the index, ticks at least one passage,
writes the answer (the ticked passages' text is offered to quote and edit) and saves. The
list below shows every curated answer, those whose cited document was removed, replaced or
expired marked 需复核 with the reason; one is picked by its number (or by clicking its row) to
be removed, or loaded into the form to be edited and saved under the same number (保存修改:
citing a current passage serves a 需复核 answer again).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import gradio as gr

from ..answering.curated import Cited, cite, review
from ..answering.procedure import document_chunks
from ..records import Recorder
from ..records.curated import CuratedStore
from ..records.reports import entries
from ..types import Chunk
from .admin import Library

LIST = ("编号", "更新日期", "状态", "问题", "其他问法", "答案", "引用", "最后修改")
FROM_LOG_DAYS = 30
PASSAGES_SHOWN = 8
LOGIN_FIRST = "请先在“管理”页登录。"


def asked_in_log(recorder: Recorder, days: int = FROM_LOG_DAYS) -> list[str]:
    """The last ``days`` days' unanswered questions and those whose answer got 👎, newest
    first, each once."""
    if not recorder.enabled:
        return []
    logged = entries(recorder.engine(), date.today() - timedelta(days=days - 1), date.today())
    wanted = [e for e in logged if e.outcome == "refused" or e.rating == "down"]
    wanted.sort(key=lambda e: e.asked_at, reverse=True)
    return list(dict.fromkeys(e.question for e in wanted if e.question))


def curated_rows(store: CuratedStore, library: Library) -> list[list[Any]]:
    """The curated answers for the list, with 需复核 and its reason where it applies."""
    searcher = library.searcher
    documents = {d.path: d for d in searcher.index.documents} if searcher else None
    rows = []
    for e in store.entries():
        reason = review(e, documents) if documents is not None else ""
        rows.append([
            e.id, e.updated_at.strftime("%Y-%m-%d"), f"需复核：{reason}" if reason else "生效",
            e.question, "；".join(e.phrasings), e.answer,
            "；".join(f"{c.doc} · {c.section}" if c.section else c.doc for c in e.citations),
            f"{e.editor} {e.edited_at:%Y-%m-%d %H:%M}" if e.edited_at else "",
        ])  # fmt: skip
    return rows


def picked(event: gr.SelectData) -> Any:
    """The number of the list's row that was clicked."""
    row = event.row_value or []
    return int(row[0]) if row and str(row[0]).isdigit() else gr.update()


def curated_section(library: Library, recorder: Recorder, store: CuratedStore, authed: Any) -> None:
    """The section's content (its own column, shown once logged in). ``authed`` is the 管理
    tab's login state.

    Over 60 lines: the layout, then its handlers.
    """
    with gr.Column(visible=False, elem_id="curated-section") as panel:
        gr.Markdown("### 人工审核答案\n为未能回答或不满意的问题写出答案并引用文件段落；"
                    "保存后立即生效，意思相同的提问先看到“人工审核答案”。")  # fmt: skip
        with gr.Row():
            from_log = gr.Dropdown(label="从日志中选择问题（未能回答、👎）", choices=[],
                                   elem_id="curated-from-log", scale=4)  # fmt: skip
            reload = gr.Button("刷新", elem_id="curated-reload", scale=0)
        question = gr.Textbox(label="问题", elem_id="curated-question")
        phrasings = gr.Textbox(label="其他问法（每行一个，可选）", lines=2,
                               elem_id="curated-phrasings")  # fmt: skip
        with gr.Row():
            words = gr.Textbox(label="在文件库中查找段落", elem_id="curated-search", scale=4)
            look = gr.Button("查找", elem_id="curated-search-button", scale=0)
        passages = gr.CheckboxGroup(label="引用的段落（至少选一个）", choices=[],
                                    elem_id="curated-passages")  # fmt: skip
        quote = gr.Button("引用所选段落原文到答案", elem_id="curated-quote", size="sm")
        text = gr.Textbox(label="答案", lines=4, elem_id="curated-answer")
        with gr.Row():
            save = gr.Button("保存并生效", variant="primary", elem_id="curated-save")
            update = gr.Button("保存修改", elem_id="curated-update")
        status = gr.Markdown(elem_id="curated-status")
        listed = gr.Dataframe(headers=list(LIST), label="人工审核答案（需复核的不会提供给用户）",
                              wrap=True, elem_id="curated-list")  # fmt: skip
        with gr.Row():
            number = gr.Number(label="编号（或点击列表中的一行）", precision=0,
                               elem_id="curated-id", scale=1)  # fmt: skip
            load = gr.Button("修改该答案", elem_id="curated-load", scale=0)
            remove = gr.Button("删除该答案", elem_id="curated-remove", scale=0)
    editing = gr.State(None)  # the number of the answer loaded into the form

    rows_of: dict[str, dict[str, int]] = {}  # index generation → chunk id → row

    def chunk_of(chunk_id: str) -> Chunk:
        index = library.ready().index
        generation = index.manifest.generation
        if generation not in rows_of:
            rows_of.clear()
            rows_of[generation] = {index.chunk(r).id: r for r in range(len(index))}
        row = rows_of[generation].get(chunk_id)
        if row is None:
            raise ValueError("所选段落已不在索引中，请重新查找")
        return index.chunk(row)

    def label(chunk: Chunk) -> str:
        return f"《{chunk.source.title}》 · {chunk.section or '正文'}：{chunk.text[:120]}"

    def still(chosen: list[str] | None) -> list[Chunk]:
        found = []
        for chunk_id in chosen or []:
            try:
                found.append(chunk_of(chunk_id))
            except ValueError:
                continue
        return found

    def refreshed(ok: bool) -> list[Any]:
        if not ok:
            return [gr.update(), gr.update()]
        try:
            asked = asked_in_log(recorder)
        except Exception as error:  # noqa: BLE001 - the log is away: say so, keep the rest
            return [gr.update(choices=[]), f"**无法读取问答日志：{error}**"]
        return [gr.update(choices=asked, value=None), gr.update()]

    def search(query: str, chosen: list[str] | None, ok: bool) -> Any:
        if not ok or not (query or "").strip():
            return gr.update()
        try:
            hits = library.ready().search(query, k=PASSAGES_SHOWN)
        except ValueError as error:
            raise gr.Error(str(error)) from None
        kept = still(chosen)  # what is ticked stays, first
        found = kept + [h.chunk for h in hits if h.chunk.id not in {c.id for c in kept}]
        return gr.update(choices=[(label(c), c.id) for c in found], value=[c.id for c in kept])

    def quoted(chosen: list[str] | None, written: str) -> str:
        texts = [c.text for c in still(chosen) if c.text not in (written or "")]
        return "\n".join(x for x in [written or "", *texts] if x)

    def cited_of(chosen: list[str] | None) -> list[Cited]:
        if not chosen:
            raise ValueError("请至少选择一个引用的段落")
        index = library.ready().index
        cited = []
        for chunk_id in chosen:
            chunk = chunk_of(chunk_id)
            cited.append(cite(index.documents, lambda doc: document_chunks(index, doc),
                              chunk.doc, chunk_id=chunk_id))  # fmt: skip
        return cited

    def saved(asked: str, others: str, written: str, chosen: list[str] | None, ok: bool) -> list:
        if not ok:
            return [LOGIN_FIRST, gr.update()]
        try:
            cited = cited_of(chosen)
            made = store.add(asked or "", written or "", cited, (others or "").splitlines())
        except ValueError as error:
            return [f"**无法保存：{error}**", gr.update()]
        recorder.audit("curated", True, detail=f"人工审核答案 {made}：{asked.strip()}")
        return [f"已保存人工审核答案 {made}，已生效。", curated_rows(store, library)]

    def loaded(chosen: float | None, ok: bool) -> list:
        """The answer numbered ``chosen`` into the form: its question, other wordings,
        answer and the cited passages the index still holds, ticked."""
        if not ok:
            return [LOGIN_FIRST, *[gr.update()] * 5, None]
        entry = next((e for e in store.entries() if chosen is not None and e.id == int(chosen)),
                     None)  # fmt: skip
        if entry is None:
            shown = f"没有编号为 {int(chosen)} 的人工审核答案" if chosen is not None else ""
            shown = shown or "请填写要修改的编号"
            return [f"**{shown}**", *[gr.update()] * 5, None]
        found = still([c.chunk_id for c in entry.citations])
        lost = len(entry.citations) - len(found)
        note = f"原引用的段落有 {lost} 个已不在索引中，请重新查找并勾选。" if lost else ""
        return [
            f"正在修改人工审核答案 {entry.id}：改好后点“保存修改”（编号不变）。{note}",
            entry.question, "\n".join(entry.phrasings), entry.answer,
            gr.update(choices=[(label(c), c.id) for c in found], value=[c.id for c in found]),
            entry.question, entry.id,
        ]  # fmt: skip

    def updated(
        number: int | None, asked: str, others: str, written: str, chosen: list[str] | None,
        ok: bool,
    ) -> list:  # fmt: skip
        if not ok:
            return [LOGIN_FIRST, gr.update()]
        if number is None:
            return ["**请先选择要修改的答案（填写编号后点“修改该答案”）**", gr.update()]
        try:
            cited = cited_of(chosen)
            store.edit(number, asked or "", written or "", cited, (others or "").splitlines())
        except ValueError as error:
            return [f"**无法保存修改：{error}**", gr.update()]
        recorder.audit("curated", True, detail=f"修改人工审核答案 {number}：{asked.strip()}")
        return [f"已修改人工审核答案 {number}，已生效。", curated_rows(store, library)]

    def removed(chosen: float | None, ok: bool) -> list:
        if not ok:
            return [LOGIN_FIRST, gr.update()]
        try:
            if chosen is None:
                raise ValueError("请填写要删除的编号")
            store.remove(int(chosen))
        except ValueError as error:
            return [f"**{error}**", gr.update()]
        recorder.audit("curated", True, detail=f"删除人工审核答案 {int(chosen)}")
        return [f"已删除人工审核答案 {int(chosen)}。", curated_rows(store, library)]

    def shown(ok: bool) -> list[Any]:
        rows = curated_rows(store, library) if ok else []
        return [gr.update(visible=ok), rows, *refreshed(ok)]

    private = {"api_visibility": "private"}
    authed.change(shown, authed, [panel, listed, from_log, status], **private)
    reload.click(lambda ok: [*refreshed(ok), curated_rows(store, library) if ok else []],
                 authed, [from_log, status, listed], **private)  # fmt: skip
    from_log.change(lambda q: q or gr.update(), from_log, question, **private).then(
        lambda q: q or gr.update(), from_log, words, **private
    )
    look.click(search, [words, passages, authed], passages, **private)
    words.submit(search, [words, passages, authed], passages, **private)
    quote.click(quoted, [passages, text], text, **private)
    save.click(saved, [question, phrasings, text, passages, authed], [status, listed], **private)
    save.click(lambda: None, None, editing, **private)  # a new answer: 保存修改 edits none
    remove.click(removed, [number, authed], [status, listed], **private)
    form = [question, phrasings, text, passages, words]
    load.click(loaded, [number, authed], [status, *form, editing], **private)
    listed.select(picked, None, number, **private)
    update.click(updated, [editing, question, phrasings, text, passages, authed],
                 [status, listed], **private)  # fmt: skip
