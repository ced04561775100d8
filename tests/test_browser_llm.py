"""A model's answer streamed into the chat tab, then shown verified above the quotes, or not.

The app (``python -m assistant serve``, ``hash`` embedder, the seed letter) is configured with
``ASSISTANT_LLM_URL`` pointing at a real local chat-completions server in this process
(:class:`tests.llm_server.ScriptedServer`); headless Chromium asks as a user would.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from assistant.app.launch import running
from assistant.index import build
from tests.conftest import SEED, hash_app_env, hash_settings, needs_chromium
from tests.llm_server import Script, ScriptedServer, serving

TIMEOUT = 120_000  # ms: on a busy 2-core machine
# The app waits this long for the model's whole reply, held until the test has seen its first
# piece: longer than the test's own waits, so that it is never what a test runs into.
LLM_TIMEOUT = TIMEOUT // 1000 + 60
QUESTION = "2018年知识产权专项经费是多少？"
PIECES = ("2018年官渡区安排的知识产权专项经费是", "484万元[1]。")

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def model() -> Iterator[ScriptedServer]:
    scripted = serving()
    yield scripted
    scripted.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, model: ScriptedServer) -> Iterator[str]:
    work = tmp_path_factory.mktemp("llm-app")
    (work / "corpus").mkdir()
    assert SEED is not None
    shutil.copy(SEED, work / "corpus" / SEED.name)
    settings = hash_settings(work / "corpus", work / "index")
    build(settings)
    env = hash_app_env(
        settings.corpus,
        settings.index,
        ASSISTANT_LLM_URL=model.url,
        ASSISTANT_LLM_MODEL="office-llm",
        ASSISTANT_LLM_TIMEOUT=str(LLM_TIMEOUT),
    )
    with running(env, log=work / "app.log") as url:
        yield url


@pytest.fixture
def page(browser: Browser, app: str) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT)
    page.goto(app)
    yield page
    page.close()


def send(page: Page, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()


def test_the_model_answer_streams_then_shows_verified_above_the_quotes(
    page: Page, model: ScriptedServer
) -> None:
    # The rest of the answer is sent only once the first piece was seen alone, unchecked: not
    # after a pause that a loaded machine can outlast before the browser shows the piece.
    seen = threading.Event()
    model.scripts["office-llm"] = Script(PIECES, hold=seen)
    send(page, QUESTION)
    provisional = page.locator("#chat .answer .provisional")
    try:
        provisional.wait_for()
        assert provisional.inner_text() == PIECES[0]  # the first piece alone, unchecked
        assert "尚未与原文核对" in page.inner_text("#chat")
    finally:
        seen.set()
    final = page.locator("#chat .answer .generated:not(.provisional)")
    final.wait_for()
    assert final.inner_text() == "".join(PIECES)
    reply = page.locator("#chat .answer").last
    assert "已与原文核对" in reply.inner_text() and "原文摘录" in reply.inner_text()
    assert "484万元" in reply.locator(".direct strong").all_inner_texts()  # the quote stays
    assert "官市监函〔2020〕18号" in reply.locator("details.source summary").first.inner_text()


def test_a_model_answer_that_does_not_hold_is_replaced_by_the_quotes_with_a_note(
    page: Page, model: ScriptedServer
) -> None:
    model.scripts["office-llm"] = Script(("2018年安排的知识产权专项经费是4840万元[1]。",))
    send(page, QUESTION)
    note = page.locator("#chat .answer .note")
    note.wait_for()
    assert note.inner_text() == "未采用模型回答：数字与原文不符：“4840万元”"
    reply = page.locator("#chat .answer").last
    assert "4840万元" not in reply.locator(".direct").inner_text()
    assert "484万元" in reply.locator(".direct").inner_text()
    assert reply.locator(".generated").count() == 0
