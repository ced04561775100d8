"""智能提示 and 猜你想问 in a real browser against one real app process (four real Guangzhou
pages, hash embedder, a real SQLite log seeded with questions before it starts): typing
shows completions under the box, ↓ + Enter or a click asks one, typing alone logs nothing;
a click on a 猜你想问 question under a reply asks it in the same conversation; ``/suggest``
and ``/ask_json``'s ``related`` through HTTP."""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client
from playwright.sync_api import Browser, Page, expect

from assistant.app.admin import Library
from assistant.app.feedback import Asking
from assistant.app.launch import running
from assistant.index import build
from assistant.records import Recorder
from assistant.records.schema import answers

from .conftest import GUANGZHOU_PAGES, hash_app_env, hash_settings, needs_chromium
from .test_browser_ops import table, wait_for

TIMEOUT = 60_000  # ms
HOT = "失业金一个月发多少？"
SEEDED = [HOT, HOT, "办理社保卡要带什么证件？"]


class App:
    def __init__(self, url: str, database: Path) -> None:
        self.url, self.database = url, database


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Iterator[App]:
    """The app on the Guangzhou pages, its log already holding :data:`SEEDED`."""
    work = tmp_path_factory.mktemp("suggest-app")
    corpus = work / "corpus"
    corpus.mkdir()
    for name in GUANGZHOU_PAGES:
        shutil.copy(shared_corpus / "html" / name, corpus / name)
    settings = hash_settings(corpus, work / "index", min_score=0.0)
    build(settings)
    database = work / "data" / "assistant.sqlite3"
    recorder = Recorder(f"sqlite:///{database}")
    asking = Asking(Library(settings), recorder)
    for question in SEEDED:
        asking.ask(question, channel="web", session="earlier")
    recorder.close()
    env = hash_app_env(corpus, settings.index, ASSISTANT_DB="", ASSISTANT_LOG="on")
    with running(env, log=work / "app.log", timeout=120) as url:
        yield App(url, database)


def suggested(app: App, typed: str) -> list[dict[str, str]]:
    address = app.url + "suggest?q=" + urllib.parse.quote(typed)
    with urllib.request.urlopen(address, timeout=10) as response:
        return json.loads(response.read())["suggestions"]


def open_page(app: App, browser: Browser) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(app.url)
    page.locator("#question textarea").click()
    return page, errors


def test_suggest_serves_hot_questions_and_titles(app: App) -> None:
    wait_for(lambda: bool(suggested(app, "失业")))  # read in the background at start
    found = suggested(app, "失业")
    assert found[0] == {"text": HOT, "kind": "热门问题"}
    assert {"text": "广州市失业保险常见问题解答（2025年11月版）", "kind": "政策文件"} in found
    assert suggested(app, "syj")[0]["text"] == HOT
    assert suggested(app, "失") == [] and suggested(app, "<script>") == []


@needs_chromium
def test_typing_shows_completions_and_enter_or_a_click_asks(app: App, browser: Browser) -> None:
    wait_for(lambda: bool(suggested(app, "失业")))
    page, errors = open_page(app, browser)
    before = len(table(app.database, answers))
    page.keyboard.type("社保")
    listbox = page.get_by_role("listbox", name="智能提示")
    expect(listbox).to_contain_text("办理社保卡要带什么证件？")
    page.keyboard.press("Escape")
    expect(listbox).to_have_count(0)
    page.keyboard.press("Control+A")
    page.keyboard.type("失业")
    options = listbox.get_by_role("option")
    expect(options.first).to_contain_text(HOT)
    expect(options.first).to_contain_text("热门问题")
    assert options.count() <= 8
    page.keyboard.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    chat = page.locator("#chat")
    expect(chat).to_contain_text(HOT)
    expect(chat).to_contain_text("2250元")  # the reply quotes the page
    expect(listbox).to_have_count(0)
    expect(page.locator("#question textarea")).to_have_value("")

    page.locator("#question textarea").click()
    page.keyboard.type("dzjz")  # 电子居住证 by its initials
    title = "电子居住证如何申领？一文说清"
    listbox.get_by_role("option", name=title).click()
    expect(chat).to_contain_text("居住证", timeout=TIMEOUT)
    wait_for(lambda: len(table(app.database, answers)) == before + 2)
    asked = [r["question"] for r in table(app.database, answers)][before:]
    assert asked == [HOT, title]  # what was only typed was never logged
    assert not [e for e in errors if "Content Security Policy" in e]
    page.close()


@needs_chromium
def test_a_related_question_is_asked_in_the_conversation(app: App, browser: Browser) -> None:
    page, _ = open_page(app, browser)
    first = "失业保险金每个月能领多少钱？"
    page.locator("#question textarea").fill(first)
    page.locator("#send").click()
    chat = page.locator("#chat")
    related = chat.locator(".options button.option")
    expect(related).to_have_count(3)
    chosen = related.first.inner_text()
    assert chosen != first
    before = len(table(app.database, answers))
    related.first.click()
    user_turns = chat.get_by_test_id("user")
    expect(user_turns).to_have_count(2)
    expect(user_turns.last).to_have_text(chosen)
    wait_for(lambda: len(table(app.database, answers)) == before + 1)
    rows = table(app.database, answers)
    last, earlier = rows[-1], next(r for r in rows if r["question"] == first)
    assert last["question"] == chosen
    assert last["conversation"] == earlier["conversation"] and last["history"] == 1
    expect(user_turns.first).to_have_text(first)  # the conversation goes on below its reply
    expect(chat.get_by_test_id("bot")).to_have_count(2)
    page.close()


def test_ask_json_returns_related_questions(app: App) -> None:
    client = Client(app.url, verbose=False)
    reply = client.predict(question="怎么申领失业保险金？", api_name="/ask_json")
    client.close()
    assert reply["found"] and 1 <= len(reply["related"]) <= 3
    assert "怎么申领失业保险金？" not in reply["related"]
    assert all(isinstance(q, str) and q.endswith("？") for q in reply["related"])
