"""The Gradio web app: 问答 (cited chat, 👍/👎), 文件库 (indexed documents), 管理 (upload,
rebuild) and 运营 (the Q&A log's statistics, :mod:`.ops_tab`).

Entry point: :func:`serve` (``python app.py`` / ``assistant serve``). On first
start with no index it serves at once and builds one from the corpus in the
background; questions meanwhile get the build's progress. Respects
``GRADIO_SERVER_NAME``/``GRADIO_SERVER_PORT``, the ``ASSISTANT_*`` settings and
``ASSISTANT_ADMIN_PASSWORD`` (the 管理 and 运营 tabs are shown only when it is set, and
work only after it is entered; it is never stored in the index). Every answer is logged
(:mod:`.feedback`, :mod:`assistant.records`); 人工审核答案 are written in 运营
(:mod:`.curated_tab`) and served above the answers.

Document text is always shown as text: every string from a document is
HTML-escaped before it reaches the page, and messages are single HTML blocks so
Markdown does not reinterpret it either.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from ..answering.render import as_html, as_markdown, escape, markdown_escape
from ..records import Recorder
from ..settings import Settings
from ..types import Answer
from . import library_tab as files
from .admin import Library
from .admin_tab import admin_tab
from .chinese import LABELS_JS, TRANSLATIONS
from .curated_tab import curated_section
from .feedback import Asking, vote_panel
from .filters import ALL, filter_choices
from .guard import app_url
from .inputs import checked_history, clean, without_surrogates
from .ops_tab import ops_tab
from .server import run
from .suggest import SUGGEST_CSS, SUGGEST_JS, Suggester
from .throttle import AdminGate
from .words_tab import proposals_section, words_admin, words_html, words_view

CITIZEN_EXAMPLES = [
    "公租房的住房租赁补贴期限是几年？",
    "在广州，一个家庭一年之内领的临时救助金最多能有多少？",
    "一次性创业补贴怎么申请？",
]
STAFF_EXAMPLES = [
    "2018年知识产权专项经费是多少？",
    "淮安市2024年全市一共受理了多少件政府信息公开申请？",
    "广州市老年人助餐配餐服务管理办法的文号是什么？",
]
UPLOADS_KEPT = (60, 300)  # every 60 s, delete the uploads older than 300 s
VOTES = ["Like", "Dislike"]  # Gradio draws these two as 👍 and 👎
KEPT_EMPTY: dict[str, Any] = {"chat": [], "ids": {}}
PAGE_JS = f"() => {{ ({LABELS_JS})(); ({SUGGEST_JS})(); }}"  # run on page load
PROVISIONAL = "模型回答中（尚未与原文核对）："
CSS = """
.answer .marker {color: var(--color-accent); font-weight: 600}
.answer details.source {border: 1px solid var(--border-color-primary); border-radius: 6px;
  padding: 4px 8px; margin-top: 6px}
.answer details.source summary {cursor: pointer; font-size: 0.92em}
.answer .passage {white-space: pre-wrap; font-size: 0.92em; margin-top: 2px}
.answer .where {color: var(--body-text-color-subdued); font-size: 0.85em; margin: 8px 0 0}
.answer mark {background: #fff3b0; color: inherit}
.answer .nearest {color: var(--body-text-color-subdued)}
.answer .understood {color: var(--body-text-color-subdued); font-size: 0.92em}
.answer .direct {font-size: 1.15em; font-weight: 500; margin-bottom: 6px}
.answer .direct strong {color: var(--color-accent)}
.answer .clause {font-size: 0.95em}
.answer .generated {font-size: 1.1em; white-space: pre-wrap; margin-bottom: 6px}
.answer .provisional {color: var(--body-text-color-subdued)}
.answer .model-head, .answer .note {color: var(--body-text-color-subdued); font-size: 0.9em}
.answer .validity-note {color: var(--color-red-600, #c2410c); font-weight: 500}
.answer .links {font-size: 0.9em; margin: 4px 0 0}
.answer .curated {border-left: 4px solid var(--color-accent); padding: 4px 10px; margin-bottom: 8px}
.answer .curated-head {color: var(--color-accent); font-weight: 600; margin: 0 0 4px}
.answer .curated-text {font-size: 1.1em; white-space: pre-wrap; margin-bottom: 6px}
.doc-details dl {display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0}
.doc-details dt {color: var(--body-text-color-subdued)}
.doc-details dd {margin: 0}
"""


def create_app(
    library: Library,
    admin_password: str | None = None,
    recorder: Recorder | None = None,
    suggester: Suggester | None = None,
) -> Any:
    """Build the Gradio Blocks app over the library's index.

    Over 60 lines: the Blocks layout reads top to bottom as the page does.

    Args:
        library: The corpus and index (with no index yet, its first build starts here).
        admin_password: Shows the 管理 and 运营 tabs; ``ASSISTANT_ADMIN_PASSWORD`` by default.
        recorder: Where answered questions are logged (by default as the library's
            settings say: ``ASSISTANT_DB``, ``ASSISTANT_LOG``).
        suggester: What offers 猜你想问 under a reply (by default one on ``recorder``).
    """
    if library.searcher is None:  # first start: serve at once, answer when the index is built
        library.build_first_index()
    if admin_password is None:
        admin_password = os.environ.get("ASSISTANT_ADMIN_PASSWORD", "")
    asking = Asking(library, recorder or Recorder.from_settings(library.settings))
    suggester = suggester or Suggester(library, asking.recorder)
    suggester.curated = suggester.curated or asking.curated  # the curated questions offered

    def respond(
        question: str,
        history: list[dict[str, Any]],
        doc_type: str,
        issuer: str,
        year: str,
        ids: dict[str, str],
        request: gr.Request,
    ) -> Iterator[tuple[str, list[dict[str, Any]], dict[str, str]]]:
        history = without_surrogates(history)  # a script may send anything
        earlier = _user_turns(history)
        turn = [*history, _message("user", clean(question) if isinstance(question, str) else "")]
        logged: list[str] = []
        related: list[str] = []

        def ask(on_text: Callable[[str], None]) -> Answer:
            reply, answer_id = asking.ask(
                question, channel="web", session=request.session_hash, history=earlier,
                doc_type=doc_type, issuer=issuer, year=year, on_text=on_text,
            )  # fmt: skip
            logged.append(answer_id)
            related.extend(suggester.related(reply, [*earlier, reply.question]))
            return reply

        for reply in _replies(ask):
            known = {**ids, str(len(turn)): logged[0]} if logged else ids
            yield "", [*turn, _message("assistant", reply, related)], known

    def ask_related(
        history: list[dict[str, Any]],
        doc_type: str,
        issuer: str,
        year: str,
        ids: dict[str, str],
        chosen: gr.SelectData,
        request: gr.Request,
    ) -> Iterator[tuple[str, list[dict[str, Any]], dict[str, str]]]:
        """A click on a 猜你想问 question asks it in the conversation."""
        yield from respond(str(chosen.value), history, doc_type, issuer, year, ids, request)

    def ask_api(
        question: str,
        doc_type: str = "",
        issuer: str = "",
        year: str = "",
        history: list[str] | None = None,
        request: gr.Request | None = None,
    ) -> str:
        """Answer a question: Markdown with [n] markers and one source line per citation.

        Optional filters, as in the 问答 tab: 文件类型 ``doc_type`` (e.g. 通知, 答复函),
        发文机关 ``issuer`` (a part of its name) and 年份 ``year`` (e.g. 2024). Optional
        ``history``: the earlier questions of the conversation, oldest first; a
        follow-up that does not name its topic (那需要什么材料？) is taken in theirs.
        Each source line links to the document's original file on this app.
        """
        try:
            reply, _ = asking.ask(
                question, channel="api", session=request.session_hash if request else None,
                history=history, doc_type=doc_type, issuer=issuer, year=year,
            )  # fmt: skip
            text = as_markdown(reply, app_url(library.settings, request))
            note = checked_history(history)[1]  # the history was checked: this cannot raise
            return f"{note}  \n{text}" if note else text
        except ValueError as error:
            return markdown_escape(str(error))

    def ask_json(
        question: str,
        doc_type: str = "",
        issuer: str = "",
        year: str = "",
        history: list[str] | None = None,
        request: gr.Request | None = None,
    ) -> dict[str, Any]:
        """Answer a question as ``assistant ask --json`` does, plus its ``answer_id`` (for
        ``/feedback``) and ``related`` (up to 3 questions to ask next, 猜你想问). Same inputs
        as ``/ask``; a refused question gives ``error``."""
        session = request.session_hash if request else None
        return asking.ask_json(question, doc_type, issuer, year, history, session, suggester)

    def feedback(
        answer_id: str, rating: str, reason: str = "", comment: str = ""
    ) -> dict[str, Any]:
        """Rate an answer of ``/ask_json``: ``rating`` is ``up`` or ``down``; with ``down``,
        an optional ``reason`` (答非所问, 信息过时, 不完整, 引用有误 or 其他) and ``comment``.
        Returns ``{"ok": …, "message": …}``; a later vote on the same answer replaces it."""
        return asking.feedback(answer_id, rating, reason, comment)

    # Uploaded files leave Gradio's temp folder within minutes (the 管理 tab copies them).
    with gr.Blocks(title="政策问答助手", delete_cache=UPLOADS_KEPT) as app:
        gr.Markdown(
            "# 政策问答助手\n根据已收录的政策文件和答复函回答问题，"
            "答案逐字引自原文，并注明文件、文号、发文机关、日期、章节和页码。"
        )
        with gr.Tabs():
            with gr.Tab("问答", id="qa"):
                with gr.Row():
                    with gr.Column(scale=4):
                        chat = gr.Chatbot(
                            label="对话", height=520, elem_id="chat", buttons=["copy"],
                            feedback_options=VOTES if asking.recorder.enabled else None,
                        )  # fmt: skip
                        answer_ids = vote_panel(chat, asking)
                        with gr.Row():
                            question = gr.Textbox(
                                label="您的问题",
                                placeholder="例如：2018年知识产权专项经费是多少？",
                                scale=5,
                                elem_id="question",
                            )
                            send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
                        examples = [
                            gr.Examples(CITIZEN_EXAMPLES, inputs=question, label="市民常问"),
                            gr.Examples(STAFF_EXAMPLES, inputs=question, label="工作人员常问"),
                        ]
                    with gr.Column(scale=1):
                        gr.Markdown("### 筛选")
                        doc_type = gr.Dropdown(label="文件类型", elem_id="doc-type")
                        issuer = gr.Dropdown(label="发文机关", elem_id="issuer")
                        year = gr.Dropdown(label="年份", elem_id="year")
                        clear = gr.Button("清空对话", elem_id="clear")
            with gr.Tab("文件库", id="library"):
                refreshed = [*files.library_tab(library).outputs(), doc_type, issuer, year]
                vocabulary = words_view(library)
            if admin_password:  # without one, neither tab is shown
                with gr.Tab("管理", id="admin"):
                    gate = AdminGate(admin_password, asking.recorder)
                    authed = admin_tab(library, gate, refreshed, lambda: refresh(gr, library))
                    words_admin(library, gate, authed, vocabulary)
                with gr.Tab("运营", id="ops"):
                    ops_tab(library, asking.recorder, authed)
                    curated_section(library, asking.recorder, asking.curated, authed)
                    if asking.recorder.enabled:
                        proposals_section(library, asking.recorder, gate, authed, vocabulary)

        asked = [question, chat, doc_type, issuer, year, answer_ids]
        replied, private = [question, chat, answer_ids], {"api_visibility": "private"}
        # The conversation is kept in the browser (localStorage) until 清空对话.
        kept = gr.BrowserState(KEPT_EMPTY, storage_key="policy-assistant-chat")
        answered = [
            send.click(respond, asked, replied, **private),
            question.submit(respond, asked, replied, **private),
            # a click on an example asks it, as 提问 would
            *(e.load_input_event.then(respond, asked, replied, **private) for e in examples),
            # a click on a 猜你想问 question under a reply asks it
            chat.option_select(ask_related, asked[1:], replied, **private),
        ]
        for event in answered:
            event.then(lambda c, i: {"chat": c, "ids": i}, [chat, answer_ids], kept, **private)
        clear.click(lambda: ([], {}, KEPT_EMPTY), None, [chat, answer_ids, kept], **private)
        # What a page reads when it opens goes outside the queue: queued, these joins raced
        # the first question's (a second event stream of the session, and Gradio drops a
        # session's waiting events when one of its streams closes: the page then waits for
        # ever; seen on a loaded machine, docs/hardening.md).
        instant = {**private, "queue": False}
        app.load(_restored, kept, [chat, answer_ids], **instant)
        app.load(lambda: refresh(gr, library), None, refreshed, **instant)
        app.load(lambda: words_html(library), None, vocabulary, **instant)
        gr.api(ask_api, api_name="ask")
        gr.api(ask_json, api_name="ask_json")
        gr.api(feedback, api_name="feedback")
    return app.queue(default_concurrency_limit=2, max_size=512)


def refresh(gr: Any, library: Library) -> list[Any]:
    """Current values of the 文件库 tab (:func:`files.refresh`) and of the filters."""
    choices = filter_choices(library.searcher.index.documents if library.searcher else ())
    return [
        *files.refresh(library),
        *(gr.update(choices=[ALL, *c], value=ALL) for c in choices),
    ]


def serve(settings: Settings | None = None) -> None:
    """Start the app (with no index yet, it serves while :func:`create_app` builds one):
    in Chinese, without Gradio's footer, beside the original files (:mod:`.server`)."""
    settings = settings or Settings.from_env()
    library = Library(settings)
    recorder = Recorder.from_settings(settings)
    suggester = Suggester(library, recorder)
    suggester.start()
    # Gradio refuses a larger upload itself, in English: files up to twice the limit get
    # through, for the 管理 tab to refuse them with a Chinese reason.
    try:
        run(
            create_app(library, recorder=recorder, suggester=suggester), library,
            suggester=suggester, css=CSS + SUGGEST_CSS, js=PAGE_JS, footer_links=[],
            i18n=gr.I18n(**TRANSLATIONS), max_file_size=2 * settings.max_file_bytes,
        )  # fmt: skip
    finally:
        recorder.close()


def _replies(ask: Callable[[Callable[[str], None]], Answer]) -> Iterator[str]:
    """The reply as HTML blocks: while a model streams its answer, the text so far, marked as
    not yet checked; then the final reply (``ask`` runs in a thread and gets the callback)."""
    pieces: queue.SimpleQueue[str | None] = queue.SimpleQueue()
    done: list[str] = []
    failed: list[BaseException] = []

    def work() -> None:
        try:
            done.append(as_html(ask(pieces.put)))
        except ValueError as error:
            done.append(f'<div class="answer"><p><b>{escape(str(error))}</b></p></div>')
        except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
            failed.append(error)
        finally:
            pieces.put(None)

    threading.Thread(target=work, daemon=True).start()
    text = ""
    while (piece := pieces.get()) is not None:
        text += piece
        yield (
            f'<div class="answer"><p class="model-head">{PROVISIONAL}</p>'
            f'<div class="generated provisional">{escape(text)}</div></div>'
        )
    if failed:
        raise failed[0]
    yield done[0]


def _restored(kept: Any) -> tuple[Any, Any]:
    """The chat and its answer ids as the browser kept them; when it kept none (or nothing
    readable), no change: a question asked before this page-load event ran keeps its reply."""
    if not isinstance(kept, dict) or not isinstance(kept.get("chat"), list) or not kept["chat"]:
        return gr.skip(), gr.skip()
    ids = kept.get("ids") if isinstance(kept.get("ids"), dict) else {}
    return kept["chat"], {str(k): str(v) for k, v in ids.items()}


def _message(role: str, content: str, options: list[str] | None = None) -> dict[str, Any]:
    """A chat message; ``options`` are shown under it as questions to click (猜你想问)."""
    if not options:
        return {"role": role, "content": content}
    return {"role": role, "content": content, "options": [{"value": o} for o in options]}


def _user_turns(history: list[dict[str, Any]]) -> list[str]:
    """The user's questions in the chat's messages, oldest first.

    Gradio hands a message's content back as a list of parts (``{"type": "text",
    "text": …}``); a plain string is taken as it is.
    """
    turns = []
    for message in history:
        content = message.get("content")
        if message.get("role") != "user" or not content:
            continue
        parts = [content] if isinstance(content, str) else content
        texts = [p if isinstance(p, str) else p.get("text") or "" for p in parts]
        turns.append("".join(t for t in texts if isinstance(t, str)))
    return turns
