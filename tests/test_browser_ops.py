"""The log, the votes and the 运营 tab against one real app process (``python -m assistant
serve``, hash embedder, a real SQLite file): ``/ask_json`` and ``/feedback`` through
``gradio_client``; 👎 with a reason in the chat, then the 运营 tab showing it among the
disliked answers and exporting the period; the conversation kept over a reload until
cleared; last, the database file removed under the
running app (answers go on, the error is reported, the file comes back)."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from gradio_client import Client
from playwright.sync_api import Browser, expect

from assistant.app.launch import running
from assistant.index import build
from assistant.records.schema import answers, connect, feedback

from .conftest import hash_app_env, hash_settings, needs_chromium
from .test_records import NOTICE

PASSWORD = "运营-密码-34"
TIMEOUT = 60_000  # ms


class App:
    def __init__(self, url: str, database: Path, output: Path) -> None:
        self.url, self.database, self.output = url, database, output
        self.client = Client(url, verbose=False)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The app on one notice, with the 管理 and 运营 tabs."""
    work = tmp_path_factory.mktemp("ops-app")
    corpus = work / "corpus"
    corpus.mkdir()
    (corpus / "书房通知.txt").write_text(NOTICE, encoding="utf-8")
    settings = hash_settings(corpus, work / "index", min_score=0.0)
    build(settings)
    env = hash_app_env(
        corpus,
        settings.index,
        ASSISTANT_DB="",
        ASSISTANT_LOG="on",
        ASSISTANT_ADMIN_PASSWORD=PASSWORD,
    )
    with running(env, log=work / "app.log", timeout=120) as url:
        running_app = App(url, work / "data" / "assistant.sqlite3", work / "app.log")
        yield running_app
        running_app.client.close()


def table(path: Path, which: sa.Table) -> list[dict[str, object]]:
    """The rows of ``which``; none while the app has not created it yet."""
    engine = connect(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(sa.select(which))]
    except sa.exc.OperationalError:
        return []
    finally:
        engine.dispose()


def wait_for(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_ask_json_gives_an_answer_id_that_feedback_rates(app: App) -> None:
    client = app.client
    reply = client.predict(question="城市书房的建设补助标准？", api_name="/ask_json")
    assert reply["found"] and "8.8万元" in reply["answer"] and len(reply["answer_id"]) == 32
    assert reply["citations"][0]["doc"] == "书房通知.txt"
    answer_id = reply["answer_id"]
    vote = client.predict(answer_id, "down", "不完整", "请写明拨付时间", api_name="/feedback")
    assert vote["ok"] and "不完整" in vote["message"]
    refused = client.predict(answer_id, "sideways", api_name="/feedback")
    assert not refused["ok"] and "up 或 down" in refused["message"]
    unknown = client.predict("f" * 32, "up", api_name="/feedback")
    assert not unknown["ok"] and "没有这个回答" in unknown["message"]
    bad = client.predict(question="书房" * 300, api_name="/ask_json")
    assert "问题过长" in bad["error"] and bad["answer_id"] == ""
    assert "8.8万元" in client.predict(question="城市书房补助标准是多少", api_name="/ask")
    wait_for(lambda: app.database.exists() and len(table(app.database, answers)) == 3)
    wait_for(lambda: len(table(app.database, feedback)) == 1)
    rows = {r["id"]: r for r in table(app.database, answers)}
    assert rows[answer_id]["channel"] == "api" and rows[answer_id]["outcome"] == "found"
    assert sorted(str(r["outcome"]) for r in rows.values()) == ["found", "found", "invalid"]
    (vote_row,) = table(app.database, feedback)
    assert (vote_row["answer_id"], vote_row["reason"]) == (answer_id, "不完整")


@needs_chromium
def test_a_dislike_with_its_reason_shows_in_the_ops_tab(
    app: App, browser: Browser, tmp_path: Path
) -> None:
    question = "申请城市书房补助要交哪些材料？"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT)
    page.goto(app.url)
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    chat = page.locator("#chat")
    chat.get_by_text("运营方案").first.wait_for()
    chat.get_by_role("button", name="踩").last.click()
    form = page.locator("#vote-form")
    form.wait_for(state="visible")
    page.locator("#vote-submit").click()
    page.locator("#vote-status").get_by_text("请选择一个原因").wait_for()
    page.locator("#vote-reason").get_by_label("引用有误").check()
    page.locator("#vote-comment textarea").fill("应引用第二段，电话13812345678")
    page.locator("#vote-submit").click()
    page.locator("#vote-status").get_by_text("反馈已收到（引用有误）").wait_for()
    form.wait_for(state="hidden")

    page.reload()  # the conversation is kept in the browser
    expect(chat).to_contain_text(question, timeout=TIMEOUT)
    page.locator("#clear").click()
    expect(chat).not_to_contain_text(question)
    page.reload()
    page.locator("#question textarea").wait_for()
    page.wait_for_timeout(1500)
    expect(chat).not_to_contain_text(question)

    page.get_by_role("tab", name="运营").click()
    page.locator("#ops-login-first").get_by_text("请先在“管理”页登录").wait_for()
    page.get_by_role("tab", name="管理").click()
    page.locator("#admin-password input").fill(PASSWORD)
    page.locator("#admin-login").click()
    page.get_by_text("已登录").wait_for()
    page.get_by_role("tab", name="运营").click()
    disliked = page.locator("#ops-disliked")
    for shown in (question, "引用有误", "应引用第二段，电话[手机号]"):  # the newest first
        expect(disliked).to_contain_text(shown, timeout=TIMEOUT)
    page.locator("#ops-search textarea").fill("拨付时间")  # the API's 👎, by its comment
    page.locator("#ops-search-button").click()
    expect(page.locator("#ops-search-results")).to_contain_text("城市书房的建设补助标准？")
    assert "共 4 次提问" in page.locator("#ops-summary").inner_text()
    hot = page.locator("#ops-hot").inner_text()
    assert "城市书房" in hot
    audit = page.locator("#ops-audit").inner_text()
    assert "登录" in audit and "成功" in audit

    page.locator("#ops-export-csv").click()
    link = page.locator("#ops-file a").first
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    assert saved.read_bytes()[:3] == b"\xef\xbb\xbf"
    with saved.open(encoding="utf-8-sig", newline="") as exported:
        rows = list(csv.DictReader(exported))
    (mine,) = [r for r in rows if r["问题"] == question]
    assert mine["评价"] == "👎" and mine["评价原因"] == "引用有误"
    page.close()


def test_answers_go_on_when_the_database_is_removed(app: App) -> None:
    client = app.client
    wait_for(lambda: len(table(app.database, answers)) >= 3)  # everything before is written
    for path in app.database.parent.iterdir():
        path.unlink()
    reply = client.predict(question="城市书房申请要交什么？", api_name="/ask_json")
    assert reply["found"] and "运营方案" in reply["answer"]
    wait_for(lambda: "问答日志" in app.output.read_text(encoding="utf-8"))
    wait_for(lambda: app.database.exists() and len(table(app.database, answers)) == 1)
    (row,) = table(app.database, answers)
    assert row["id"] == reply["answer_id"]
