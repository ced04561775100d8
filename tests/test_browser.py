"""The web app in a real browser: ``python -m assistant serve``, driven by headless Chromium.

Needs Debian's ``chromium`` (``/usr/bin/chromium``, installed by ``.ci/run``) and the
``playwright`` package. The app runs on a small real corpus (the seed letter and two
Guangzhou policy pages) with the bundled model; it builds its index on first start.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client
from playwright.sync_api import Browser, Locator, Page

from assistant.app.launch import running
from tests.conftest import SEED, SHARED_CORPUS, needs_chromium

PASSWORD = "管理-密码-2026"
HTML_FILES = (
    "11_公共租赁住房保障办法_穗府办规2024-13号.html",
    "29_广州市临时救助实施细则_穗府办规2021-19号.html",
)
NEW_PDF = "淮安市人民政府2024年政府信息公开工作年度报告_szfgs2024.pdf"
NEW_FACT = "2026年城市书房建设补助标准为每间8.8万元，由区财政分两次拨付。"
HOSTILE = (
    "关于社区图书角的说明\n"
    "社区图书角每周开放六天，周一闭馆。"
    '<script>window.__xss = "script"</script>'
    "<img src=x onerror=\"window.__xss = 'img'\">\n"
)
BUILDING = "正在建立索引"
FIRST_REPLIES: list[str] = []  # /ask replies from the app's start until its index was built
TIMEOUT = 240_000  # ms: the first answer on a busy 2-core machine includes loading the model

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app on a fresh corpus with no index yet; yields (url, corpus)."""
    work = tmp_path_factory.mktemp("app")
    corpus = work / "corpus"
    (corpus / "html").mkdir(parents=True)
    assert SEED is not None
    shutil.copy(SEED, corpus / SEED.name)
    for name in HTML_FILES:
        shutil.copy(SHARED_CORPUS / "html" / name, corpus / "html" / name)
    (corpus / "图书角说明.txt").write_text(HOSTILE, encoding="utf-8")
    env = {
        "ASSISTANT_CORPUS": str(corpus),
        "ASSISTANT_INDEX": str(work / "index"),
        "ASSISTANT_ADMIN_PASSWORD": PASSWORD,
    }
    with running(env, log=work / "app.log") as url:
        client = Client(url, verbose=False)
        replies = [client.predict(question="公租房补贴期限", api_name="/ask")]
        deadline = time.monotonic() + 600
        while BUILDING in replies[-1] and time.monotonic() < deadline:
            time.sleep(2)
            replies.append(client.predict(question="公租房补贴期限", api_name="/ask"))
        FIRST_REPLIES.extend(replies)
        assert BUILDING not in replies[-1], "the first index was not built in 10 minutes"
        yield url, corpus


@pytest.fixture
def page(browser: Browser, server: tuple[str, Path]) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT)
    page.goto(server[0])
    yield page
    page.close()


def ask(page: Page, question: str) -> Locator:
    """Type a question, send it, and return the new reply's locator."""
    replies = page.locator("#chat .answer")
    before = replies.count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function(
        f"document.querySelectorAll('#chat .answer').length > {before}", timeout=TIMEOUT
    )
    return replies.nth(before)


def test_citizen_question_is_answered_with_its_citation(page: Page) -> None:
    reply = ask(page, "公租房的住房租赁补贴期限是几年？")
    text = reply.inner_text()
    assert "[1]" in text
    assert "年" in text.split("[1]")[0]
    summary = reply.locator("details.source summary").first
    assert "公共租赁住房" in summary.inner_text()
    assert "穗府办规〔2024〕13号 · 广州市人民政府办公厅" in summary.inner_text()


def test_source_card_opens_on_the_passage_with_the_answer_highlighted(page: Page) -> None:
    reply = ask(page, "2018年知识产权专项经费是多少？")
    assert "484万元" in reply.inner_text().split("[1]")[0]
    card = reply.locator("details.source").first
    passage = card.locator(".passage").first  # one card per document, its passages inside
    assert not passage.is_visible()
    card.locator("summary").click()
    assert passage.is_visible()
    assert "484万元" in passage.locator("mark").first.inner_text()
    summary = card.locator("summary").inner_text()
    assert "官市监函〔2020〕18号" in summary and "2020-08-31" in summary


def test_unanswerable_question_says_so(page: Page) -> None:
    reply = ask(page, "深圳市的人才住房租房补贴每个月能领多少钱？")
    assert "未在已收录的文件中找到与该问题直接相关的内容" in reply.inner_text()


def test_app_serves_during_its_first_build_and_says_so(server: tuple[str, Path]) -> None:
    """The fixture asked from the moment the page served until the index was built."""
    assert BUILDING in FIRST_REPLIES[0] and "请稍候" in FIRST_REPLIES[0]
    assert BUILDING not in FIRST_REPLIES[-1] and "[1]" in FIRST_REPLIES[-1]


def test_api_answers_with_citations_and_takes_the_filters(server: tuple[str, Path]) -> None:
    client = Client(server[0], verbose=False)
    question = "2018年知识产权专项经费是多少？"
    reply = client.predict(question=question, api_name="/ask")
    assert "484万元" in reply and "官市监函〔2020〕18号" in reply
    kept = client.predict(question=question, issuer="官渡区", year="2020", api_name="/ask")
    assert "484万元" in kept
    assert "484万元" not in client.predict(question=question, issuer="广州市", api_name="/ask")
    assert "484万元" not in client.predict(question=question, year="2021", api_name="/ask")
    assert "问题过长" in client.predict(question="公租房" * 200, api_name="/ask")


def test_a_follow_up_in_the_chat_is_answered_from_the_first_answers_document(
    page: Page,
) -> None:
    first = ask(page, "临时救助由谁审批？")
    cited = first.locator("details.source summary").first.inner_text()
    assert "临时救助" in cited and "穗府办规〔2021〕19号" in cited
    assert "理解" not in first.inner_text()
    follow_up = ask(page, "需要带什么材料？")
    assert follow_up.locator(".understood").inner_text() == "按“临时救助”理解"
    assert "材料" in follow_up.inner_text().split("[1]")[0]
    assert "穗府办规〔2021〕19号" in follow_up.locator("details.source summary").first.inner_text()


def test_a_document_named_by_its_number_then_what_to_bring_is_answered_from_it(
    page: Page,
) -> None:
    """Issue 32: a 文号 in a written form of its own finds its document among others of the
    same series (穗府办规〔2024〕13号), and a 要带什么材料 follow-up stays in that document."""
    first = ask(page, "穗府办规2021年19号这份文件是哪个单位印发的？")
    cited = first.locator("details.source summary").first.inner_text()
    assert "穗府办规〔2021〕19号" in cited and "广州市人民政府办公厅" in first.inner_text()
    assert "穗府办规〔2024〕13号" not in first.inner_text().split("[1]")[0]
    follow_up = ask(page, "那去申请的话要准备哪些材料？")
    assert "19号" in follow_up.locator(".understood").inner_text()
    assert "材料" in follow_up.inner_text().split("[1]")[0]
    cited = follow_up.locator("details.source summary").first.inner_text()
    assert "穗府办规〔2021〕19号" in cited


def test_api_takes_the_conversation_history(server: tuple[str, Path]) -> None:
    client = Client(server[0], verbose=False)
    question, history = "需要带什么材料？", ["临时救助由谁审批？"]
    reply = client.predict(question=question, history=history, api_name="/ask")
    assert reply.startswith("按“临时救助”理解") and "穗府办规〔2021〕19号" in reply
    alone = client.predict(question=question, api_name="/ask")
    assert "理解" not in alone and "穗府办规〔2021〕19号" not in alone.split("最接近的文件")[0]
    # About what no document mentions: it starts fresh (no 按“社保卡”理解) and says why
    elsewhere = "广州就业见习基地管理办法还有效吗？"
    reply = client.predict(question=elsewhere, history=["社保卡丢了怎么补办？"], api_name="/ask")
    assert "理解" not in reply and "没有提到“就业见习基地”" in reply


def test_over_long_question_gets_a_clear_message(page: Page) -> None:
    reply = ask(page, "公租房" * 200)
    assert "问题过长" in reply.inner_text() and "上限 500 字" in reply.inner_text()


def test_document_html_is_shown_as_text_never_run(page: Page) -> None:
    reply = ask(page, "社区图书角哪天闭馆？")
    reply.locator("details.source summary").first.click()
    shown = reply.inner_text()
    assert "<script>" in shown and "onerror=" in shown
    assert page.evaluate("window.__xss === undefined")
    assert reply.locator("script, img").count() == 0


def test_admin_needs_the_password(page: Page) -> None:
    page.get_by_role("tab", name="管理").click()
    assert not page.locator("#upload").is_visible()
    assert not page.locator("#rebuild").is_visible()
    page.locator("#admin-password input").fill("wrong")
    page.locator("#admin-login").click()
    page.get_by_text("密码不正确").wait_for()
    assert not page.locator("#upload").is_visible()
    assert not page.locator("#rebuild").is_visible()


def test_admin_uploads_txt_and_pdf_rebuilds_and_the_new_facts_are_answered(
    page: Page, tmp_path: Path
) -> None:
    txt = tmp_path / "城市书房 补助〔2026〕1号.txt"
    txt.write_text("关于城市书房建设补助的通知\n" + NEW_FACT, encoding="gbk")
    page.get_by_role("tab", name="管理").click()
    page.locator("#admin-password input").fill(PASSWORD)
    page.locator("#admin-login").click()
    page.get_by_text("已登录").wait_for()
    upload = page.locator("#upload input[type=file]")
    upload.set_input_files([str(txt), str(SHARED_CORPUS / "pdf" / NEW_PDF)])
    report = page.locator("#report")
    report.get_by_text(NEW_PDF).wait_for()
    assert report.inner_text().count("已保存") == 2
    page.locator("#rebuild").click()
    report.get_by_text("索引已更新").wait_for(timeout=600_000)
    assert txt.name in report.inner_text()
    page.get_by_role("tab", name="问答").click()
    reply = ask(page, "城市书房建设补助标准是多少？")
    assert "每间8.8万元" in reply.inner_text().split("[1]")[0]
    reply = ask(page, "淮安市2024年全市一共受理了多少件政府信息公开申请？")
    text = reply.inner_text()
    assert "3119件" in text.split("[1]")[0]
    assert "第2页" in (reply.locator("details.source .where").first.text_content() or "")
