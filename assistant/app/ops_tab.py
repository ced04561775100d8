"""The 运营 tab, behind the 管理 login: what people asked, how it went, what they thought.

For a chosen period: questions per day (a chart and a table), the share not answered and
the 👍/👎 counts; **热点问题**, questions grouped by meaning (:mod:`assistant.records.grouping`
with the index's embedder), biggest first; **未能回答的问题** and **不满意的回答** grouped the
same way, with the answer given, its citations and the reason; a search over the log; the
period exported as CSV or XLSX; the admin actions (audit rows).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from ..records import Recorder
from ..records.grouping import Vectors, wordings_only
from ..records.overview import MAX_GROUPED, Overview, summarize
from ..records.reports import AUDIT_COLUMNS, COLUMNS, audit_rows, entries, write_csv, write_xlsx
from .admin import Library

DEFAULT_DAYS = 30
EXPORT_KEPT = 300.0  # seconds an export stays in the temp folder
DAILY = ("日期", "提问", "未能回答", "未能回答占比", "👍", "👎")
HOT = ("次数", "代表问法", "已回答", "未能回答", "👍", "👎", "其他问法")
UNANSWERED = ("次数", "代表问法", "原因", "其他问法")
DISLIKED = ("组", "问题", "回答", "引用", "原因", "说明", "时间")  # newest first
LOGIN_FIRST = "请先在“管理”页登录。"


class Ops:
    """The data behind the tab; embeddings of questions are kept between refreshes."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._vectors: Vectors | None = None
        self._exports: Path | None = None

    def export_path(self, name: str) -> Path:
        """Where to write an export called ``name``. Gradio serves a copy from its own cache
        (emptied within minutes), so this one is deleted after :data:`EXPORT_KEPT` seconds:
        the log's contents do not pile up in the temp folder."""
        if self._exports is None or not self._exports.is_dir():
            self._exports = Path(tempfile.mkdtemp(prefix="assistant-export-"))
        path = self._exports / name
        later = threading.Timer(EXPORT_KEPT, path.unlink, kwargs={"missing_ok": True})
        later.daemon = True
        later.start()
        return path

    def embed(self, questions: Sequence[str]) -> np.ndarray:
        """Query vectors of ``questions`` from the index's embedder, made in the background
        (:class:`Vectors`); without an index, one vector per distinct wording, so that only the
        same question groups."""
        searcher = self.library.searcher
        if searcher is None:
            return wordings_only(questions)
        if self._vectors is None or self._vectors.encode != searcher.embedder.encode_queries:
            self._vectors = Vectors(searcher.embedder.encode_queries, keep=4 * MAX_GROUPED)
        return self._vectors(questions)

    @property
    def pending(self) -> int:
        """Questions still waiting for their vectors (grouped by wording only until then)."""
        return self._vectors.pending if self._vectors else 0


def period(since: str | None, until: str | None) -> tuple[date, date]:
    """The period typed (``YYYY-MM-DD``; empty: the last :data:`DEFAULT_DAYS` days).

    Raises:
        ValueError: A date that does not parse, or an end before the start (in Chinese).
    """
    since, until = (since or "").strip(), (until or "").strip()
    try:
        end = date.fromisoformat(until) if until else date.today()
        start = date.fromisoformat(since) if since else end - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise ValueError(f"日期格式应为 YYYY-MM-DD，例如 {date.today().isoformat()}") from None
    if start > end:
        raise ValueError("开始日期晚于结束日期。")
    if (end - start).days > 3660:
        raise ValueError("时间段过长（最长 10 年）。")
    return start, end


def ops_tab(library: Library, recorder: Recorder, authed: Any) -> None:
    """The tab's content. ``authed`` is the 管理 tab's login state.

    Over 60 lines: the layout, then its handlers.
    """
    ops = Ops(library)
    if not recorder.enabled:
        gr.Markdown("问答日志已关闭（`ASSISTANT_LOG=off`），没有可统计的数据。", elem_id="ops-off")
        return
    notice = gr.Markdown(LOGIN_FIRST, elem_id="ops-login-first")
    with gr.Column(visible=False) as panel:
        with gr.Row():
            since = gr.Textbox(label="开始日期", placeholder="YYYY-MM-DD（默认近30天）",
                               elem_id="ops-since")  # fmt: skip
            until = gr.Textbox(label="结束日期", placeholder="YYYY-MM-DD（默认今天）",
                               elem_id="ops-until")  # fmt: skip
            show = gr.Button("刷新统计", variant="primary", elem_id="ops-refresh", scale=0)
        summary = gr.Markdown(elem_id="ops-summary")
        chart = gr.BarPlot(x="日期", y="提问", label="每日提问数", elem_id="ops-chart")
        per_day = gr.Dataframe(headers=list(DAILY), label="每日统计", elem_id="ops-daily")
        hot = gr.Dataframe(headers=list(HOT), label="热点问题（按含义归组，问得最多的在前）",
                           wrap=True, elem_id="ops-hot")  # fmt: skip
        unanswered = gr.Dataframe(headers=list(UNANSWERED), label="未能回答的问题",
                                  wrap=True, elem_id="ops-unanswered")  # fmt: skip
        disliked = gr.Dataframe(headers=list(DISLIKED), label="不满意的回答（👎）",
                                wrap=True, elem_id="ops-disliked")  # fmt: skip
        with gr.Row():
            words = gr.Textbox(label="搜索日志（问题、回答、原因、评价）", elem_id="ops-search")
            search = gr.Button("搜索", elem_id="ops-search-button", scale=0)
        found = gr.Dataframe(headers=list(COLUMNS), label="搜索结果", wrap=True,
                             elem_id="ops-search-results")  # fmt: skip
        with gr.Row():
            as_csv = gr.Button("导出 CSV", elem_id="ops-export-csv", scale=0)
            as_xlsx = gr.Button("导出 XLSX", elem_id="ops-export-xlsx", scale=0)
            exported = gr.File(label="导出文件", elem_id="ops-file")
        audit = gr.Dataframe(headers=list(AUDIT_COLUMNS), label="管理操作记录",
                             elem_id="ops-audit")  # fmt: skip
    shown = [summary, chart, per_day, hot, unanswered, disliked, audit]

    def refresh(start_text: str, end_text: str, ok: bool) -> list[Any]:
        if not ok:
            return [LOGIN_FIRST, *(gr.update() for _ in shown[1:])]
        try:
            start, end = period(start_text, end_text)
            summed = summarize(recorder.engine(), start, end, ops.embed)
            actions = audit_rows(recorder.engine(), start, end)
        except ValueError as error:
            return [f"**{error}**", *(gr.update() for _ in shown[1:])]
        except Exception as error:  # noqa: BLE001 - the database is away: say so
            return [f"**无法读取问答日志：{error}**", *(gr.update() for _ in shown[1:])]
        import pandas as pd

        days = summed.days
        later = (
            f"（还有 {ops.pending} 种问法正在按含义归组，稍后点“刷新统计”再看）"
            if ops.pending
            else ""
        )
        return [
            f"**{summed.summary}**{later}",
            pd.DataFrame({"日期": [d[0] for d in days], "提问": [d[1] for d in days]}),
            days, *_tables(summed), actions,
        ]  # fmt: skip

    def look_up(text: str | None, start_text: str, end_text: str, ok: bool) -> Any:
        if not ok or not (text or "").strip():
            return []
        try:
            start, end = period(start_text, end_text)
        except ValueError:
            start = end = None  # type: ignore[assignment]
        return [e.row() for e in entries(recorder.engine(), start, end, text or "")][-500:]

    def export(kind: str, start_text: str, end_text: str, ok: bool) -> Any:
        if not ok:
            return None
        try:
            start, end = period(start_text, end_text)
        except ValueError as error:
            raise gr.Error(str(error)) from None
        logged = entries(recorder.engine(), start, end)
        path = ops.export_path(f"问答日志_{start}_{end}.{kind}")
        if kind == "csv":
            return str(write_csv(logged, path))
        return str(write_xlsx(logged, path, audit_rows(recorder.engine(), start, end)))

    private = {"api_visibility": "private"}
    asked = [since, until, authed]
    show.click(refresh, asked, shown, **private)
    authed.change(
        lambda ok: [gr.update(visible=not ok), gr.update(visible=ok)], authed, [notice, panel],
        **private,
    ).then(refresh, asked, shown, **private)  # fmt: skip
    search.click(look_up, [words, *asked], found, **private)
    words.submit(look_up, [words, *asked], found, **private)
    as_csv.click(lambda *a: export("csv", *a), asked, exported, **private)
    as_xlsx.click(lambda *a: export("xlsx", *a), asked, exported, **private)


def _tables(summed: Overview) -> list[list[list[Any]]]:
    """The hot, unanswered and disliked tables."""
    hot = [
        [t.count, t.wording, t.answered, t.refused, t.up, t.down, "；".join(t.others[:5])]
        for t in summed.hot[:50]
    ]
    unanswered = [
        [t.count, t.wording, "；".join(t.reasons), "；".join(t.others[:5])]
        for t in summed.unanswered[:100]
    ]
    disliked = sorted(
        ([n, e.question, _short(e.answer), e.cited(), e.vote_reason, e.comment,
          e.asked_at.strftime("%Y-%m-%d %H:%M:%S")]
         for n, t in enumerate(summed.disliked, 1) for e in t.members),
        key=lambda row: row[-1], reverse=True,
    )  # newest first; 组 numbers the groups by meaning, biggest first  # fmt: skip
    return [hot, unanswered, disliked]


def _short(text: str, limit: int = 160) -> str:
    """``text`` cut to ``limit`` characters for a table cell (the export has it whole)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
