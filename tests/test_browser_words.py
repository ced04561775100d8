"""The office's own words in a real browser against a real app process (hash embedder): a
group added in 管理 changes the very next answer in 问答 (no rebuild), is listed in the 文件库
tab and written to ``synonyms.csv`` and the audit table; removing it undoes that."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from assistant.app.launch import running
from assistant.index import build
from assistant.records import Logged, Recorder
from assistant.records.schema import audit
from assistant.types import Answer

from .conftest import hash_app_env, hash_settings, needs_chromium
from .test_browser_ops import table, wait_for
from .test_office_words import ASKED, NOTICES

PASSWORD = "同义词-密码-35"
UNANSWERED = ["驿站有补助吗？", "图书驿站每间补多少？"]
TIMEOUT = 60_000  # ms


class App:
    def __init__(self, url: str, corpus: Path, database: Path) -> None:
        self.url, self.corpus, self.database = url, corpus, database


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    work = tmp_path_factory.mktemp("words-app")
    corpus = work / "corpus"
    corpus.mkdir()
    for name, text in NOTICES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = hash_settings(corpus, work / "index", min_score=0.0)
    build(settings)
    database = work / "data" / "assistant.sqlite3"
    recorder = Recorder(f"sqlite:///{database}")
    for question in UNANSWERED:  # as the log holds a question the documents did not answer
        refused = Answer(question=question, found=False, reason="文件中没有相关内容")
        recorder.answered(Logged.of(
            question, refused, channel="web", conversation="c" * 32, history=0, filters={},
            seconds=0.1, generation="",
        ))  # fmt: skip
    recorder.close()
    env = hash_app_env(
        corpus, settings.index, ASSISTANT_DB="", ASSISTANT_LOG="on",
        ASSISTANT_ADMIN_PASSWORD=PASSWORD,
    )  # fmt: skip
    with running(env, log=work / "app.log", timeout=120) as url:
        yield App(url, corpus, database)


def ask(page: Page, question: str) -> str:
    """Ask in 问答; the new reply's text."""
    page.get_by_role("tab", name="问答").click()
    replies = page.locator("#chat").get_by_test_id("bot")
    before = replies.count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    expect(replies).to_have_count(before + 1, timeout=TIMEOUT)
    expect(replies.last).to_contain_text("《", timeout=TIMEOUT)  # its sources
    return replies.last.inner_text()


@needs_chromium
def test_a_group_added_in_admin_changes_the_next_answer(app: App, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT)
    page.goto(app.url)
    assert "关于城市书房建设的通知" not in ask(page, ASKED)

    page.get_by_role("tab", name="管理").click()
    page.locator("#words-add-terms textarea").fill("城市书房 社区书吧")
    page.locator("#words-add").click()
    expect(page.locator("#words-status")).to_contain_text("请先登录")
    page.locator("#admin-password input").fill(PASSWORD)
    page.locator("#admin-login").click()
    page.get_by_text("已登录").wait_for()
    page.locator("#words-add-terms textarea").fill("书")
    page.locator("#words-add").click()
    expect(page.locator("#words-status")).to_contain_text("只有一个字")
    page.locator("#words-add-terms textarea").fill("城市书房 社区书吧")
    page.locator("#words-add").click()
    expect(page.locator("#words-status")).to_contain_text("已添加：城市书房 / 社区书吧")
    expect(page.locator("#words-list")).to_contain_text("城市书房 / 社区书吧")
    text = (app.corpus / "synonyms.csv").read_text(encoding="utf-8")
    assert text == "城市书房,社区书吧\n"

    assert "关于城市书房建设的通知" in ask(page, ASKED)  # the next question, no rebuild
    page.get_by_role("tab", name="文件库").click()
    page.locator("#vocabulary").get_by_text("同义词表").click()
    expect(page.locator("#vocabulary-list")).to_contain_text("城市书房 / 社区书吧")

    page.get_by_role("tab", name="管理").click()
    page.locator("#words-remove-term textarea").fill("社区书吧")
    page.locator("#words-remove").click()
    expect(page.locator("#words-status")).to_contain_text("已删除：城市书房 / 社区书吧")
    assert "关于城市书房建设的通知" not in ask(page, ASKED)

    page.get_by_role("tab", name="运营").click()
    page.locator("#words-propose").click()
    expect(page.locator("#words-proposals")).to_contain_text("驿站有补助吗？")
    expect(page.locator("#words-proposal-status")).to_contain_text("找到")
    word = page.locator("#words-proposal-word input")
    assert word.input_value() == "驿站"  # asked most
    term = page.locator("#words-proposal-term input")
    term.fill("城市书房")
    term.press("Enter")
    page.locator("#words-accept").click()
    expect(page.locator("#words-proposal-status")).to_contain_text("已添加：城市书房 / 驿站")
    assert (app.corpus / "synonyms.csv").read_text(encoding="utf-8") == "城市书房,驿站\n"
    page.locator("#words-propose").click()
    expect(page.locator("#words-proposal-status")).to_contain_text("找到")
    page.locator("#words-dismiss").click()
    expect(page.locator("#words-proposal-status")).to_contain_text("不再建议")
    wait_for(lambda: len([r for r in table(app.database, audit) if r["action"] == "synonyms"]) == 4)
    page.close()
