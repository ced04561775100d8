"""The 管理 tab: log in (throttled, audited); upload files (each checked on arrival, a
same-name file replaced only when confirmed); move a document to the trash; rebuild the index.
Every login and action is written to the log's audit table (:class:`.throttle.AdminGate`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from ..answering.render import escape
from ..index import IndexUnavailable
from .admin import Library
from .guard import ADMINS, SET_COOKIE_JS
from .throttle import AdminGate


def admin_tab(
    library: Library,
    gate: AdminGate,
    refreshed: list[Any],
    refresh: Callable[[], list[Any]],
) -> Any:
    """The 管理 tab's content (only built when a password is set); returns its ``gr.State``
    of whether the session is logged in. ``refresh`` gives new values of ``refreshed``.

    Over 60 lines: the layout, then one handler per button, in page order.
    """
    authed = gr.State(False)
    with gr.Row():
        entered = gr.Textbox(label="管理员密码", type="password", elem_id="admin-password")
        login = gr.Button("登录", elem_id="admin-login")
        token = gr.Textbox(visible=False)  # the upload cookie's token (see .guard)
    status = gr.Markdown(elem_id="admin-status")
    with gr.Column(visible=False) as panel:
        # No file_types: Gradio would refuse a .doc with its own English message; every
        # file is read on arrival instead and refused with a Chinese reason.
        uploads = gr.File(
            label="上传文件（PDF、DOCX、TXT、HTML）", file_count="multiple", elem_id="upload"
        )
        with gr.Row(visible=False) as held_row:
            held = gr.CheckboxGroup(
                label="与已有文件同名的上传（尚未保存）：替换后原文件移到回收站（不删除）",
                elem_id="held",
            )
            replace = gr.Button("替换同名文件", elem_id="replace")
            keep = gr.Button("不替换", elem_id="keep")
        with gr.Row():
            chosen = gr.Dropdown(label="移除文件（移到回收站，不删除）", elem_id="remove-file")
            remove = gr.Button("移除", elem_id="remove")
        pending = gr.Markdown(elem_id="pending")
        rebuild = gr.Button("重建索引", variant="primary", elem_id="rebuild")
        report = gr.Markdown(elem_id="report")
    files = [held, held_row, chosen, pending]

    def view() -> list[Any]:
        """The held uploads, the documents that can be removed and the pending changes."""
        waiting = library.files.held()
        return [
            gr.update(choices=waiting, value=waiting),
            gr.update(visible=bool(waiting)),
            gr.update(choices=library.files.documents(), value=None),
            library.pending_markdown(),
        ]

    def unchanged() -> list[Any]:
        return [gr.update() for _ in files]

    def listed(messages: list[str]) -> str:
        return "\n".join(f"- {escape(message)}" for message in messages)

    def audited(action: str, messages: list[str], request: gr.Request) -> list[str]:
        gate.audit(action, session(request), "\n".join(messages))
        return messages

    def log_in(text: str, request: gr.Request) -> list[Any]:
        ok, message = gate.log_in(text, session(request))
        shown = view() if ok else unchanged()
        key = ADMINS.issue() if ok else ""
        return [ok, key, message, gr.update(visible=ok), *shown]

    def upload(paths: list[str] | None, ok: bool, request: gr.Request) -> list[Any]:
        if not ok:
            return ["请先登录。", gr.update(), *unchanged()]
        saved = audited("upload", library.save_uploads(paths or []), request)
        return [listed(saved), None, *view()]

    def confirm(names: list[str] | None, ok: bool, request: gr.Request) -> list[Any]:
        if not ok:
            return ["请先登录。", *unchanged()]
        done = audited("replace", library.files.replace(names or []), request)
        return [listed(done) or "请勾选要替换的文件。", *view()]

    def decline(names: list[str] | None, ok: bool) -> list[Any]:
        if not ok:
            return ["请先登录。", *unchanged()]
        return [listed(library.files.discard(names or [])) or "请勾选不替换的文件。", *view()]

    def remove_file(relative: str | None, ok: bool, request: gr.Request) -> list[Any]:
        if not ok:
            return ["请先登录。", *unchanged()]
        done = audited("remove", [library.files.remove(relative or "")], request)
        return [listed(done), *view()]

    def rebuild_index(
        ok: bool, request: gr.Request, progress: Any = gr.Progress(track_tqdm=True)
    ) -> list[Any]:
        if not ok:
            return ["请先登录。", *(gr.update() for _ in refreshed), *unchanged()]
        try:
            text = library.rebuild(lambda done, desc: progress(done, desc=desc))
            gate.audit("rebuild", session(request), text.split("\n", 1)[0])
        except IndexUnavailable as error:
            text = f"重建失败，仍在使用原索引：{escape(str(error))}"
            gate.audit("rebuild", session(request), str(error), ok=False)
        return [text, *refresh(), *view()]

    private = {"api_visibility": "private"}
    logged = [authed, token, status, panel, *files]
    for event in (login.click, entered.submit):
        event(log_in, entered, logged, **private).then(None, token, None, js=SET_COOKIE_JS)
    uploads.upload(upload, [uploads, authed], [report, uploads, *files], **private)
    replace.click(confirm, [held, authed], [report, *files], **private)
    keep.click(decline, [held, authed], [report, *files], **private)
    remove.click(remove_file, [chosen, authed], [report, *files], **private)
    rebuild.click(
        rebuild_index, authed, [report, *refreshed, *files], concurrency_id="rebuild",
        concurrency_limit=1, **private,
    )  # fmt: skip
    return authed


def session(request: gr.Request | None) -> str:
    """A short form of the browser session's random id, for the audit table."""
    return (request.session_hash or "")[:12] if request else ""
