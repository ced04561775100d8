"""The correction flow end to end, in a real browser against one real app process (the
bundled model, a real SQLite file): a user dislikes an answer; the admin, in 运营, picks that
question from the log, searches the index, ticks a passage, writes the answer and saves; a
user who then types a paraphrase gets it as 人工审核答案 above the retrieved answer, and
``/ask_json`` says ``answered_by: curated``; the admin picks it in the list, corrects a figure
and saves the edit, and the next question gets the corrected answer under the same number."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client
from playwright.sync_api import Browser, Page, expect

from assistant.app.launch import running
from assistant.index import build
from assistant.settings import Settings

from .conftest import needs_chromium
from .test_records import NOTICE

pytestmark = pytest.mark.model
PASSWORD = "人工审核-密码-35"
TIMEOUT = 90_000  # ms
ASKED = "城市书房的补助什么时候拨付？"
TYPED = "城市书房补助资金什么时候拨付下来？"  # the same question in other words
WRITTEN = "城市书房建设补助每间8.8万元，由区财政于次年一季度拨付。"
CORRECTED = WRITTEN.replace("一季度", "二季度")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on one notice with the bundled model, the 管理 and 运营 tabs on."""
    work = tmp_path_factory.mktemp("curated-app")
    corpus = work / "corpus"
    corpus.mkdir()
    (corpus / "书房通知.txt").write_text(NOTICE, encoding="utf-8")
    settings = Settings(corpus=corpus, index=work / "index", min_score=0.0)
    build(settings)
    env = {
        "ASSISTANT_CORPUS": str(corpus), "ASSISTANT_INDEX": str(settings.index),
        "ASSISTANT_MIN_SCORE": "0", "ASSISTANT_DB": "", "ASSISTANT_LOG": "on",
        "ASSISTANT_ADMIN_PASSWORD": PASSWORD,
    }  # fmt: skip
    with running(env, log=work / "app.log", timeout=180) as url:
        yield url


def ask(page: Page, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()


@needs_chromium
def test_a_disliked_answer_corrected_in_ops_is_served_to_a_paraphrase(
    app_url: str, browser: Browser, tmp_path: Path
) -> None:
    user = browser.new_page(viewport={"width": 1280, "height": 900})
    user.set_default_timeout(TIMEOUT)
    user.goto(app_url)
    ask(user, ASKED)
    chat = user.locator("#chat")
    chat.locator(".answer").last.wait_for()
    expect(chat).not_to_contain_text("人工审核答案")
    chat.get_by_role("button", name="踩").last.click()
    user.locator("#vote-reason").get_by_label("答非所问").check()
    user.locator("#vote-submit").click()
    user.locator("#vote-status").get_by_text("反馈已收到（答非所问）").wait_for()

    admin = browser.new_page(viewport={"width": 1280, "height": 1400})
    admin.set_default_timeout(TIMEOUT)
    admin.goto(app_url)
    admin.get_by_role("tab", name="管理").click()
    admin.locator("#admin-password input").fill(PASSWORD)
    admin.locator("#admin-login").click()
    admin.get_by_text("已登录").wait_for()
    admin.get_by_role("tab", name="运营").click()
    section = admin.locator("#curated-section")
    section.wait_for(state="visible")
    admin.locator("#curated-reload").click()  # the vote may have been written just now
    admin.wait_for_timeout(1500)
    admin.locator("#curated-from-log input").click()
    admin.get_by_role("option", name=ASKED).click()
    expect(admin.locator("#curated-question textarea")).to_have_value(ASKED)
    admin.locator("#curated-save").click()  # nothing cited yet: refused, saying why
    expect(admin.locator("#curated-status")).to_contain_text("请至少选择一个引用的段落")
    admin.locator("#curated-search textarea").fill("城市书房 补助 拨付")
    admin.locator("#curated-search-button").click()
    passages = admin.locator("#curated-passages")
    expect(passages).to_contain_text("关于城市书房建设的通知")
    passages.locator("input[type=checkbox]").first.check()
    admin.locator("#curated-quote").click()  # the passage's text, to quote and edit
    expect(admin.locator("#curated-answer textarea")).to_have_value(
        re.compile("区财政于次年一季度拨付")
    )
    admin.locator("#curated-answer textarea").fill(WRITTEN)
    admin.locator("#curated-save").click()
    expect(admin.locator("#curated-status")).to_contain_text("已保存人工审核答案 1，已生效")
    expect(admin.locator("#curated-list")).to_contain_text(ASKED)
    expect(admin.locator("#curated-list")).to_contain_text("生效")

    other = browser.new_page(viewport={"width": 1280, "height": 900})
    other.set_default_timeout(TIMEOUT)
    other.goto(app_url)
    ask(other, TYPED)
    reply = other.locator("#chat .answer").last
    expect(reply.locator(".curated-head")).to_contain_text("人工审核答案 · ")
    expect(reply.locator(".curated-text")).to_have_text(WRITTEN)
    expect(reply).to_contain_text("检索到的原文答案")  # the retrieved answer below it
    client = Client(app_url, verbose=False)
    replied = client.predict(question=TYPED, api_name="/ask_json")
    assert (replied["answered_by"], replied["curated_id"]) == ("curated", 1)
    assert replied["curated"]["citations"][0]["doc"] == "书房通知.txt"
    far = client.predict(question="申请城市书房补助要交哪些材料？", api_name="/ask_json")
    assert far["answered_by"] != "curated"

    admin.locator("#curated-list").get_by_text(ASKED).filter(visible=True).first.click()  # row
    expect(admin.locator("#curated-id input")).to_have_value("1")
    admin.locator("#curated-load").click()
    expect(admin.locator("#curated-status")).to_contain_text("正在修改人工审核答案 1")
    expect(admin.locator("#curated-answer textarea")).to_have_value(WRITTEN)
    expect(admin.locator("#curated-passages input[type=checkbox]").first).to_be_checked()
    admin.locator("#curated-answer textarea").fill(CORRECTED)
    admin.locator("#curated-update").click()
    expect(admin.locator("#curated-status")).to_contain_text("已修改人工审核答案 1，已生效")
    expect(admin.locator("#curated-list")).to_contain_text("二季度")
    replied = client.predict(question=TYPED, api_name="/ask_json")
    assert (replied["curated_id"], replied["curated"]["answer"]) == (1, CORRECTED)
    client.close()
    for page in (user, admin, other):
        page.close()
