"""The page as a product, in headless Chromium: Chinese only, examples that ask, filters by
body, a 文件库 that fits a laptop, plain labels for screen readers, links to the originals.

One app per module, on the fast ``hash`` embedder with no refusal threshold (what is
tested here is the page, not the ranking); ``metadata.csv`` gives one document a
published page, a 2026 date and a 转载 issuer.
"""

from __future__ import annotations

import http.client
import re
import shutil
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from gradio_client import Client
from playwright.sync_api import Browser, Page, expect

from assistant.app.launch import running
from tests.conftest import SEED, SHARED_CORPUS, hash_app_env, needs_chromium

HOUSING = "html/11_公共租赁住房保障办法_穗府办规2024-13号.html"
RELIEF = "html/29_广州市临时救助实施细则_穗府办规2021-19号.html"
MEALS = "html/30_老年人助餐配餐服务管理办法_穗民规字2024-3号.html"
BASIC = "html/26_最低生活保障及相关社会救助标准通知_穗民规字2025-2号.html"
PUBLISHED = "https://www.gz.gov.cn/zwgk/fggw/sfbgtwj/content/post_9795789.html"
METADATA = (
    "文件,发文机关,发布日期,出处链接\n"
    f"{HOUSING},广州市人民政府办公厅,2024-07-29,{PUBLISHED}\n"
    f"{MEALS},广州市民政局（越秀区政府网转载）,2026-01-05,\n"
)
SECRET = "这一行在语料库之外"
ENGLISH = re.compile(r"[A-Za-z]*[a-z]{2,}[A-Za-z]*")  # a word, not an acronym such as PDF
TIMEOUT = 120_000

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("page")
    corpus = work / "corpus"
    (corpus / "html").mkdir(parents=True)
    assert SEED is not None
    shutil.copy(SEED, corpus / SEED.name)
    for name in (HOUSING, RELIEF, MEALS, BASIC):
        shutil.copy(SHARED_CORPUS / name, corpus / name)
    (corpus / "metadata.csv").write_text(METADATA, encoding="utf-8")
    (work / "secret.txt").write_text(SECRET, encoding="utf-8")
    env = hash_app_env(
        corpus,
        work / "index",
        ASSISTANT_ADMIN_PASSWORD="管理-密码",
    )
    with running(env, log=work / "app.log") as url:
        client = Client(url, verbose=False)
        while "正在建立索引" in client.predict(question="公租房", api_name="/ask"):
            pass  # the hash embedder builds the first index in seconds
        yield url


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """The page on a laptop screen, in a browser whose language is English."""
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="en-US")
    page.set_default_timeout(TIMEOUT)
    page.goto(server)
    page.locator("#question textarea").wait_for()
    yield page
    page.close()


def ask(page: Page, question: str) -> None:
    """Ask in the chat and wait for the reply."""
    before = page.locator("#chat .answer").count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function(f"document.querySelectorAll('#chat .answer').length > {before}")


SEEN = """() => {
  const seen = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, element = node.parentElement;
    if (node.textContent.trim() && element.checkVisibility() && !element.closest(".answer"))
      seen.push(node.textContent.trim());
  }
  for (const element of document.querySelectorAll("[aria-label],[title],[alt],[placeholder]"))
    for (const name of ["aria-label", "title", "alt", "placeholder"])
      if (element.getAttribute(name)) seen.push(element.getAttribute(name));
  return seen;
}"""


def english(page: Page) -> list[str]:
    """What a user or a screen reader meets that holds an English word (documents aside)."""
    return [s for s in page.evaluate(SEEN) if ENGLISH.search(s)]


def test_no_gradio_footer_and_no_english_on_any_tab(page: Page) -> None:
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    ask(page, "公共租赁住房的住房租赁补贴期限是几年？")
    page.locator("#chat .message").last.hover()
    assert page.locator("footer").count() == 0
    assert english(page) == []
    page.get_by_role("tab", name="文件库").click()
    page.locator("#docs .virtual-row").first.click()
    page.locator("#doc-details dl").wait_for()
    assert english(page) == []
    page.get_by_role("tab", name="管理").click()
    page.locator("#admin-password input").fill("管理-密码")
    page.locator("#admin-login").click()
    page.locator("#upload").wait_for()
    assert english(page) == []
    body = page.locator("body").inner_text()
    for gradio in ("Use via API", "Built with Gradio", "Drop File Here", "Click to Upload"):
        assert gradio not in body


def test_screen_readers_get_plain_text_labels(page: Page) -> None:
    ask(page, "临时救助由谁审批？")
    labels = page.locator("#chat [aria-label]").evaluate_all(
        "elements => elements.map(e => e.getAttribute('aria-label'))"
    )
    assert "您的问题：临时救助由谁审批？" in labels
    reply = next(label for label in labels if label.startswith("助手的回答："))
    assert "<" not in reply and "class=" not in reply and "[1]" in reply
    assert not [label for label in labels if "<" in label or ENGLISH.search(label)]


def test_an_example_question_is_asked_when_clicked(page: Page) -> None:
    page.get_by_text("一次性创业补贴怎么申请？", exact=True).click()
    page.locator("#chat .answer").first.wait_for()
    assert page.locator("#chat [aria-label='您的问题：一次性创业补贴怎么申请？']").count() == 1


def test_opening_the_page_joins_no_queue_so_the_first_question_is_the_sessions_only_event(
    browser: Browser, server: str
) -> None:
    """What a page reads when it opens (the kept chat, the library, the words) is not queued:
    queued, those joins raced the first question's and could leave it unanswered (a second
    event stream of the session, and Gradio drops a session's events when one closes)."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.set_default_timeout(TIMEOUT)
    joins: list[str] = []
    page.on("request", lambda r: joins.append(r.url) if "/queue/join" in r.url else None)
    page.goto(server)
    page.get_by_role("tab", name="文件库").click()
    expect(page.locator("#docs")).to_contain_text("临时救助")  # loaded all the same
    page.get_by_role("tab", name="问答").click()
    assert joins == []
    ask(page, "公共租赁住房的住房租赁补贴期限是几年？")
    assert len(joins) >= 1
    page.close()


def test_the_page_works_under_its_content_security_policy(browser: Browser, server: str) -> None:
    """The CSP that every response carries lets the page load, answer and switch tabs,
    with nothing refused in the console."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.set_default_timeout(TIMEOUT)
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    shown = page.goto(server)
    assert shown is not None and "'sha256-" in shown.headers["content-security-policy"]
    assert shown.headers["x-frame-options"] == "DENY"
    ask(page, "公共租赁住房的住房租赁补贴期限是几年？")
    assert "5年" in page.locator("#chat .answer").first.inner_text()
    page.get_by_role("tab", name="文件库").click()
    page.get_by_role("tab", name="管理").click()
    page.locator("#admin-password input").wait_for()
    page.close()
    refused = [m for m in console if "Content Security Policy" in m or "pageerror" in m]
    assert not refused, refused


def options(page: Page, dropdown: str) -> list[str]:
    page.locator(f"#{dropdown} input").click()
    shown = page.locator(f"#{dropdown}").get_by_role("option")
    shown.first.wait_for()
    found = [t.replace("✓", "").strip() for t in shown.all_inner_texts()]
    page.locator("h1").click()  # closes the list
    shown.first.wait_for(state="hidden")
    return found


def test_issuer_filter_lists_bodies_and_years_come_from_the_documents(page: Page) -> None:
    issuers = options(page, "issuer")
    assert issuers.count("广州市民政局") == 1 and "广州市财政局" in issuers
    assert not [name for name in issuers if "转载" in name or "、" in name or " " in name]
    years = options(page, "year")
    assert years[:2] == ["全部", "2026"] and "2020" in years


def test_library_fits_a_laptop_screen_is_searched_and_shows_the_selected_document(
    page: Page,
) -> None:
    page.get_by_role("tab", name="文件库").click()
    table = page.locator("#docs")
    headers = table.locator(".header-table [role=columnheader]").all_inner_texts()
    assert [h.replace("⋮", "").strip() for h in headers] == [
        "标题",
        "文号",
        "发文机关",
        "日期",
        "状态",
    ]
    rows = table.locator(".virtual-row")
    expect(rows).to_have_count(5)  # the table fills in after the tab shows
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert table.evaluate(
        "t => [...t.querySelectorAll('*')].every(e => e.scrollWidth <= e.clientWidth + 1"
        " || !['auto', 'scroll'].includes(getComputedStyle(e).overflowX))"
    )  # no side-scrolling inside the table either
    assert "现行有效" in rows.first.inner_text()  # 穗府办规〔2024〕13号, in force to 2029-07-28
    page.locator("#docs-search input, #docs-search textarea").fill("临时救助")
    page.wait_for_function("document.querySelectorAll('#docs .virtual-row').length === 1")
    rows.first.click()
    details = page.locator("#doc-details")
    details.locator("dl").wait_for()
    assert "穗府办规〔2021〕19号" in details.inner_text()
    assert details.locator(".passage").count() > 3
    assert details.get_by_role("link", name="原文件").get_attribute("href") == (
        "original/html/29_%E5%B9%BF%E5%B7%9E%E5%B8%82%E4%B8%B4%E6%97%B6%E6%95%91%E5%8A%A9"
        "%E5%AE%9E%E6%96%BD%E7%BB%86%E5%88%99_%E7%A9%97%E5%BA%9C%E5%8A%9E%E8%A7%842021-19"
        "%E5%8F%B7.html"
    )


def test_a_source_card_links_to_the_published_page_and_the_original_file(page: Page) -> None:
    ask(page, "公共租赁住房的住房租赁补贴期限是几年？")
    card = page.locator("#chat .answer").last.locator("details.source").first
    assert "公共租赁住房" in card.locator("summary").inner_text()
    assert "现行有效" in card.locator("summary .validity").inner_text()  # to 2029-07-28
    card.locator("summary").click()
    assert card.get_by_role("link", name="出处链接").get_attribute("href") == PUBLISHED
    original = card.get_by_role("link", name="原文件")
    assert original.get_attribute("target") == "_blank"
    with page.expect_popup() as popup:
        original.click()
    opened = popup.value
    opened.wait_for_load_state()
    assert "公共租赁住房" in opened.locator("body").inner_text()
    assert opened.evaluate("document.scripts.length === 0 || window.origin === 'null'")
    opened.close()


@pytest.mark.parametrize(
    "path",
    [
        "/original/../../secret.txt",
        "/original/%2e%2e/%2e%2e/secret.txt",
        "/original/html/%2E%2E/%2E%2E/%2E%2E/secret.txt",
        "/original/..%2f..%2fsecret.txt",
        "/original/..%5c..%5csecret.txt",
        "/original/..\\..\\secret.txt",
        "/original//etc/passwd",
        "/original/%2Fetc%2Fpasswd",
        "/original/metadata.csv",
        "/original/html",
    ],
)
def test_the_original_route_serves_nothing_outside_the_index(server: str, path: str) -> None:
    where = urlsplit(server)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    connection.request("GET", path)  # sent as written, no client-side normalization
    reply = connection.getresponse()
    body = reply.read().decode("utf-8", "replace")
    connection.close()
    assert reply.status in (400, 403, 404) and SECRET not in body and "root:" not in body


def test_the_api_answer_links_to_the_original_file(server: str) -> None:
    reply = Client(server, verbose=False).predict(
        question="公共租赁住房的住房租赁补贴期限是几年？", api_name="/ask"
    )
    assert f"[原文件](<{server}original/html/" in reply
    assert f"[出处链接](<{PUBLISHED}>)" in reply
