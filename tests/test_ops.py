"""The admin throttle and audit, grouping by meaning (the bundled model), the period's
statistics and the CSV/XLSX exports, on a real SQLite log."""

from __future__ import annotations

import csv
import dataclasses
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from assistant.app.ops_tab import period
from assistant.app.throttle import AdminGate, Throttle
from assistant.records import Logged, Recorder
from assistant.records.grouping import Vectors, group, wordings_only
from assistant.records.reports import audit_rows, daily, entries, write_csv, write_xlsx
from assistant.records.writer import now


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def recorder(tmp_path: Path) -> Recorder:
    return Recorder(f"sqlite:///{tmp_path / 'log.sqlite3'}")


def test_the_sixth_wrong_password_waits_and_the_right_one_works_after(tmp_path: Path) -> None:
    clock = Clock()
    log = recorder(tmp_path)
    guard = AdminGate("正确-密码", log, Throttle(clock=clock))
    for _ in range(4):
        assert guard.log_in("错的", "browser-a") == (False, "密码不正确。")
    ok, message = guard.log_in("还是错的", "browser-a")  # the 5th: the next one must wait
    assert not ok and message == "密码不正确。请 5 秒后再试。"
    clock.now += 2
    ok, message = guard.log_in("正确-密码", "browser-a")  # not even checked during the wait
    assert not ok and "密码错误次数过多，请 3 秒后再试" in message
    assert guard.log_in("正确-密码", "browser-b") == (True, "已登录。")  # another browser
    clock.now += 3
    assert guard.log_in("错的", "browser-a") == (False, "密码不正确。请 10 秒后再试。")  # grows
    clock.now += 10
    assert guard.log_in("正确-密码", "browser-a") == (True, "已登录。")
    assert guard.throttle.wait("browser-a") == 0  # forgotten after a success
    assert log.flush()
    rows = audit_rows(log.engine())
    assert [(r[1], r[2]) for r in rows].count(("登录", "失败")) == 7
    assert [(r[1], r[2]) for r in rows].count(("登录", "成功")) == 2
    assert sum("尝试过多，未核对" in r[4] for r in rows) == 1
    log.close()


def test_twenty_wrong_passwords_from_anywhere_throttle_everyone() -> None:
    clock = Clock()
    throttle = Throttle(clock=clock)
    for n in range(20):
        throttle.failed(f"script-{n}")
    assert throttle.wait("the-admin") == 5.0
    clock.now += 901  # the window is 15 minutes
    assert throttle.wait("the-admin") == 0


def test_questions_are_grouped_by_meaning_with_the_bundled_model() -> None:
    from assistant.index.embedders import load_embedder
    from assistant.settings import DEFAULT_MODEL

    embedder = load_embedder(DEFAULT_MODEL, "onnx-int8", 0)
    asked = [
        "低保每月多少钱", "一次性创业补贴怎么申请？", "广州低保标准是多少",
        "低保每月多少钱？", "公租房补贴期限是几年", "低保标准是多少钱一个月",
    ]  # fmt: skip
    groups = group(asked, embedder.encode_queries)
    assert groups[0].members == (0, 2, 3, 5) and groups[0].wording == "低保每月多少钱"
    assert sorted(g.members for g in groups[1:]) == [(1,), (4,)]
    # The 运营 tab does not wait for the model: what is not embedded yet groups by wording
    # (the same question typed again), and by meaning once the background thread is done.
    vectors = Vectors(embedder.encode_queries, budget=0.0)
    assert sorted(g.members for g in group(asked, vectors)) == [(0, 3), (1,), (2,), (4,), (5,)]
    deadline = time.monotonic() + 60
    while vectors.pending and time.monotonic() < deadline:
        time.sleep(0.05)
    assert vectors.pending == 0
    assert [g.members for g in group(asked, vectors)] == [g.members for g in groups]


def test_a_first_open_over_many_new_questions_does_not_wait_for_nothing() -> None:
    """The vectors of 300 new questions cannot be made within the 1 s budget at the model's pace
    (5 ms a question here): the call returns after the first batch, not after the budget."""

    def model(batch: list[str]) -> np.ndarray:  # a model that takes 5 ms a question
        time.sleep(0.005 * len(batch))
        return wordings_only(batch)

    vectors = Vectors(model, budget=1.0)
    started = time.monotonic()
    vectors([f"第{n}个新问题" for n in range(300)])
    assert time.monotonic() - started < 0.7 and vectors.pending > 200
    deadline = time.monotonic() + 30
    while vectors.pending and time.monotonic() < deadline:
        time.sleep(0.05)
    few = vectors(["又一个新问题", "再一个新问题"])  # within reach: waited for
    assert vectors.pending == 0 and np.count_nonzero(few[:, :64]) == few[:, :64].size


def test_statistics_and_exports_of_a_period(tmp_path: Path) -> None:
    log = recorder(tmp_path)
    today = date.today()
    rows = []
    for n, (question, found) in enumerate(
        [("书房补助多少", True), ("=HYPERLINK(\"x\")", False), ("火星签证", False)]
    ):
        row = Logged.of(
            question, None, error="未受理", channel="web", conversation="c", history=0,
            filters={}, seconds=0.01, generation="g",
        )  # fmt: skip
        row = dataclasses.replace(row, outcome="found" if found else "refused")
        if n == 2:
            row = dataclasses.replace(row, asked_at=now() - timedelta(days=40))
        rows.append(row)
        log.answered(row)
    log.rate(rows[0].id, "down", "信息过时", "去年的标准")
    assert log.flush()
    found = entries(log.engine(), *period("", ""))
    assert [e.question for e in found] == ["书房补助多少", '=HYPERLINK("x")']
    assert found[0].rating == "down" and found[0].vote_reason == "信息过时"
    (today_row,) = [d for d in daily(found, *period("", "")) if d[0] == today.isoformat()]
    assert today_row == [today.isoformat(), 2, 1, "50%", 0, 1]
    assert [e.question for e in entries(log.engine(), search="过时")] == ["书房补助多少"]
    with open(write_csv(found, tmp_path / "log.csv"), "rb") as raw:
        assert raw.read(3) == b"\xef\xbb\xbf"  # the BOM Excel needs
    with open(tmp_path / "log.csv", encoding="utf-8-sig", newline="") as text:
        table = list(csv.reader(text))
    assert table[0][:4] == ["时间", "渠道", "会话", "问题"] and len(table) == 3
    assert table[2][3] == "'=HYPERLINK(\"x\")"  # not a formula in Excel
    from openpyxl import load_workbook

    book = load_workbook(write_xlsx(found, tmp_path / "log.xlsx", [["t", "登录", "成功", "", ""]]))
    assert book.sheetnames == ["问答日志", "管理操作"]
    assert [c.value for c in book["问答日志"]["D"]][1:] == ["书房补助多少", "'=HYPERLINK(\"x\")"]
    assert period(None, None) == period("", " ") == (today - timedelta(days=29), today)
    with pytest.raises(ValueError, match="日期格式"):
        period("2024/1/1", "")
    with pytest.raises(ValueError, match="开始日期晚于结束日期"):
        period("2024-02-01", "2024-01-01")
    log.close()


def test_log_stats_and_export_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv
    import io
    import json

    from assistant.app.cli import main

    database = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("ASSISTANT_DB", str(database))
    log = Recorder(f"sqlite:///{database}")
    for question, outcome in [("书房补助多少", "found"), ("书房补助多少？", "found"),
                              ("火星签证", "refused")]:  # fmt: skip
        row = Logged.of(
            question, None, error="没有相关文件", channel="api", conversation="c", history=0,
            filters={}, seconds=0.01, generation="g",
        )  # fmt: skip
        log.answered(dataclasses.replace(row, outcome=outcome))
    assert log.flush()
    out = io.StringIO()
    assert main(["log", "stats", "--json", "--index", str(tmp_path / "none")], stdout=out) == 0
    stats = json.loads(out.getvalue())
    assert (stats["questions"], stats["refused"], stats["refused_share"]) == (3, 1, 0.3333)
    assert stats["hot"][0]["count"] == 2 and stats["hot"][0]["wording"] == "书房补助多少"
    assert [t["wording"] for t in stats["unanswered"]] == ["火星签证"]
    out = io.StringIO()
    assert main(["log", "export", "--format", "jsonl", "--since", "2020-01-01"], stdout=out) == 0
    assert [json.loads(line)["question"] for line in out.getvalue().splitlines()] == [
        "书房补助多少", "书房补助多少？", "火星签证",
    ]  # fmt: skip
    out = io.StringIO()
    assert main(["log", "export", "--since", "2020-01-01"], stdout=out) == 0  # CSV by default
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(rows) == 4 and "火星签证" in rows[3]
    target = tmp_path / "out.xlsx"
    assert main(["log", "export", "--format", "xlsx", "-o", str(target)]) == 0
    from openpyxl import load_workbook

    assert load_workbook(target)["问答日志"].max_row == 4
    assert main(["log", "export", "--format", "xlsx"]) == 2  # no -o: a clear error
    log.close()


def test_without_an_admin_password_neither_admin_tab_is_on_the_page(
    tmp_path: Path,
) -> None:
    from assistant.app.admin import Library
    from assistant.app.ui import create_app
    from assistant.index import build

    from .conftest import hash_settings

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "通知.txt").write_text("关于书房的通知\n书房每周开放六天。\n")
    settings = hash_settings(tmp_path / "corpus", min_score=0.0)
    build(settings)
    for password, tabs in (("", {"问答", "文件库"}), ("密码", {"问答", "文件库", "管理", "运营"})):
        app = create_app(Library(settings), admin_password=password, recorder=recorder(tmp_path))
        shown = {b.label for b in app.blocks.values() if type(b).__name__ == "Tab"}
        assert shown == tabs


def test_the_xlsx_writer_round_trips_through_openpyxl(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from assistant.records.xlsx import write_xlsx as write

    rows = [
        ["时间", "问题", "用时（毫秒）"],
        ["2026-01-02 03:04:05", "补助<多少>&“标准”？\x07", 12.5],
        ["", "  前后有空格  ", 7],
        [None, "第二行\n换行", 0.0],
    ]
    book = load_workbook(write(tmp_path / "t.xlsx", [("问答日志", iter(rows)), ("空 & 表", [])]))
    assert book.sheetnames == ["问答日志", "空 & 表"]
    got = [[c.value for c in row] for row in book["问答日志"].iter_rows()]
    assert got[1] == ["2026-01-02 03:04:05", "补助<多少>&“标准”？", 12.5]  # control char dropped
    assert got[2] == [None, "  前后有空格  ", 7] and got[3] == [None, "第二行\n换行", 0]
    assert book["空 & 表"].max_row == 1 and book["空 & 表"]["A1"].value is None


def test_a_page_that_kept_no_conversation_leaves_the_chat_as_it_is() -> None:
    """The page-load event that restores the kept conversation changes nothing when none was
    kept: a question asked before it ran (a slow server) keeps its reply."""
    import gradio as gr

    from assistant.app.ui import _restored

    for kept in ({"chat": [], "ids": {}}, None, {"chat": "不是列表"}):
        assert _restored(kept) == (gr.skip(), gr.skip())
    chat = [{"role": "user", "content": "书房补助多少"}]
    assert _restored({"chat": chat, "ids": {1: 7}}) == (chat, {"1": "7"})
