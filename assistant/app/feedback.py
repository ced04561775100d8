"""Every question the app answers, logged; and what the user thinks of the answer.

:class:`Asking` answers as the 问答 tab and the API do and hands each answer to the
:class:`~assistant.records.Recorder` (a queue: answering never waits for the
database). It also serves the API's ``/ask_json`` and ``/feedback`` and the chat's
👍/👎 (:func:`vote_panel`): a 👎 asks for a reason, and the user is told the vote was
received.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any

import gradio as gr

from ..answering.answer import answer
from ..records import Logged, Recorder
from ..records.curated import CuratedStore
from ..records.writer import REASONS, Rating
from ..types import Answer
from .admin import Library
from .filters import chosen_filters
from .inputs import checked, clean
from .suggest import Suggester

VOTE_PROMPT = "这条回答哪里不满意？"
LOG_OFF = "本站未开启问答日志，无法记录评价。"
LOGGED_CHARS = 2000  # of a refused question or filter, at most this much is logged


class Asking:
    """The app's answering, logged.

    Args:
        library: The corpus and index questions are answered from.
        recorder: Where answers and votes go.
        curated: The 人工审核答案 served above the answers (by default those of the
            database ``ASSISTANT_DB`` names, whether or not the log is on).
    """

    def __init__(
        self, library: Library, recorder: Recorder, curated: CuratedStore | None = None
    ) -> None:
        self.library = library
        self.recorder = recorder
        self.curated = curated or CuratedStore(library.settings.db_url)
        self._salt = secrets.token_bytes(16)

    def conversation(self, session: str | None) -> str:
        """A conversation id for a browser session (or API client): random per app run,
        not derivable from the session."""
        if not session:
            return secrets.token_hex(16)
        return hmac.new(self._salt, session.encode(), hashlib.sha256).hexdigest()[:32]

    def ask(
        self,
        question: object,
        *,
        channel: str,
        session: str | None,
        history: object = None,
        doc_type: object = "",
        issuer: object = "",
        year: object = "",
        on_text: Callable[[str], None] | None = None,
    ) -> tuple[Answer, str]:
        """Answer ``question`` and log it; return the answer and its ``answer_id``.

        The inputs are checked as :func:`.inputs.checked` does (a script may send anything).

        Raises:
            ValueError: The question or a filter is refused, or there is no index yet
                (logged too, as ``invalid``).
        """
        started = time.perf_counter()
        searcher = self.library.searcher
        context: dict[str, Any] = {
            "channel": channel, "conversation": self.conversation(session),
            "generation": searcher.index.manifest.generation if searcher else "",
        }  # fmt: skip
        try:
            asked = checked(question, history, doc_type, issuer, year)
            chosen = chosen_filters(asked.doc_type, asked.issuer, asked.year)
            searcher = self.library.ready()
            reply = answer(
                searcher, asked.question, filters=chosen, history=asked.history,
                on_text=on_text,
            )  # fmt: skip
            reply = self.curated.serve(searcher, reply, asked.question, asked.history)
        except ValueError as error:
            text = clean(question)[:LOGGED_CHARS] if isinstance(question, str) else ""
            filters = {"doc_type": doc_type, "issuer": issuer, "year": year}
            self.recorder.answered(Logged.of(
                text, None, error=str(error), seconds=time.perf_counter() - started,
                history=len(history) if isinstance(history, list | tuple) else 0,
                filters={k: str(v)[:LOGGED_CHARS] for k, v in filters.items() if v}, **context,
            ))  # fmt: skip
            raise
        filters = {"doc_type": asked.doc_type, "issuer": asked.issuer, "year": asked.year}
        row = Logged.of(
            asked.question, reply, seconds=time.perf_counter() - started,
            history=len(asked.history), filters=filters, **context,
        )  # fmt: skip
        self.recorder.answered(row)
        return reply, row.id

    def rate(self, answer_id: str, rating: str, reason: str = "", comment: str = "") -> str:
        """Record a vote; the message for the user (raises ``ValueError`` as
        :meth:`Recorder.rate` does)."""
        if not self.recorder.enabled:
            raise ValueError(LOG_OFF)
        return self.recorder.rate(answer_id, rating, reason, comment)

    def ask_json(
        self,
        question: object,
        doc_type: object = "",
        issuer: object = "",
        year: object = "",
        history: object = None,
        session: str | None = None,
        suggester: Suggester | None = None,
    ) -> dict[str, Any]:
        """The ``assistant ask --json`` shape plus ``answer_id`` and, with a ``suggester``,
        ``related`` (猜你想问); a refused input gives ``{"question", "error", "answer_id"}``."""
        from ..answering.render import as_json

        try:
            reply, answer_id = self.ask(
                question, channel="api", session=session, history=history,
                doc_type=doc_type, issuer=issuer, year=year,
            )  # fmt: skip
        except ValueError as error:
            shown = clean(question)[:LOGGED_CHARS] if isinstance(question, str) else ""
            return {"question": shown, "error": str(error), "answer_id": ""}
        result = {**as_json(reply), "answer_id": answer_id}
        if suggester is not None:
            earlier = [q for q in history or [] if isinstance(q, str)]
            result["related"] = suggester.related(reply, [*earlier, reply.question])
        return result

    def feedback(
        self, answer_id: object, rating: object, reason: object = "", comment: object = ""
    ) -> dict[str, Any]:
        """``{"ok": bool, "message": str}`` for a vote through the API (any input checked)."""
        given = {"answer_id": answer_id, "rating": rating, "reason": reason, "comment": comment}
        wrong = [name for name, value in given.items() if not isinstance(value, str | None)]
        if wrong:
            return {"ok": False, "message": f"{'、'.join(wrong)} 应是文字。"}
        texts = [clean(str(value or "")) for value in given.values()]
        try:
            return {"ok": True, "message": self.rate(*texts)}
        except ValueError as error:
            return {"ok": False, "message": str(error)}


def vote_panel(chat: Any, asking: Asking) -> Any:
    """Under the chat: 👍/👎 on each reply; a 👎 opens a reason form. Returns the
    ``gr.State`` (chat message index as a string → answer id) the chat's handler keeps up
    to date (string keys: it is also kept in the browser)."""
    ids = gr.State({})
    voted = gr.State("")
    with gr.Column(visible=False, elem_id="vote-form") as form:
        reason = gr.Radio(list(REASONS), label=VOTE_PROMPT, elem_id="vote-reason")
        comment = gr.Textbox(
            label="补充说明（可选）", max_lines=3, max_length=500, elem_id="vote-comment"
        )
        with gr.Row():
            submit = gr.Button("提交", variant="primary", elem_id="vote-submit", scale=0)
            cancel = gr.Button("取消", elem_id="vote-cancel", scale=0)
    thanks = gr.Markdown(elem_id="vote-status")

    def on_vote(known: dict[str, str], data: gr.LikeData) -> list[Any]:
        index = data.index if isinstance(data.index, int) else data.index[0]
        answer_id = known.get(str(index), "")
        if data.liked not in (True, False):  # a vote taken back
            return [gr.update(visible=False), "", ""]
        rating = Rating.UP if data.liked is True else Rating.DOWN
        try:
            message = asking.rate(answer_id, rating)
        except ValueError as error:
            return [gr.update(visible=False), "", f"无法记录评价：{error}"]
        if rating == Rating.UP:
            return [gr.update(visible=False), "", message]
        return [gr.update(visible=True), answer_id, "已记下您的 👎，请选择原因后提交。"]

    def on_submit(answer_id: str, why: str | None, text: str) -> list[Any]:
        if not why:
            return [gr.update(visible=True), answer_id, "请选择一个原因。", gr.update(), text]
        try:
            message = asking.rate(answer_id, Rating.DOWN, why, text or "")
        except ValueError as error:
            return [gr.update(visible=True), answer_id, f"无法记录评价：{error}", why, text]
        return [gr.update(visible=False), "", message, None, ""]

    private = {"api_visibility": "private"}
    if not asking.recorder.enabled:  # nothing to store a vote in: no 👍/👎
        return ids
    chat.like(on_vote, ids, [form, voted, thanks], **private)
    submit.click(on_submit, [voted, reason, comment], [form, voted, thanks, reason, comment],
                 **private)  # fmt: skip
    cancel.click(lambda: [gr.update(visible=False), "", ""], None, [form, voted, thanks], **private)
    return ids
