"""Screenshots of the app, for the README and issue notes.

Runs the app on an existing index (``--corpus``, ``--index``; the shipped ``corpus/`` or
``../shared/corpus``), asks each question in headless Chromium (Debian's
``/usr/bin/chromium``) and saves the last reply as ``docs/reply-<n>.png``, the first reply's
page as ``docs/screenshot.png`` and its first source card, opened, as
``docs/source-card.png``; then the 文件库 tab on a laptop screen (1366×768) with one
document selected as ``docs/library.png``. Usage::

    python docs/make_screenshots.py --corpus CORPUS --index INDEX
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from assistant.app.launch import running

QUESTIONS = (
    ["老年人就餐补贴标准是多少？"],
    ["我想申请就业见习基地，要提交哪些材料？"],
    ["公租房合同到期了还想接着租，能续吗？", "那要提前多久申请？"],
)

LIBRARY_SEARCH = "广州市民政局"
UNSCROLL = (
    "#chat, #chat * {max-height: none !important; height: auto !important;"
    " overflow: visible !important}"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    args = parser.parse_args()
    out = Path(__file__).parent
    env = {"ASSISTANT_CORPUS": str(args.corpus), "ASSISTANT_INDEX": str(args.index)}
    flags = ["--headless", "--no-sandbox", "--disable-gpu"]
    with running(env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        library(browser, url, out)
        for n, turns in enumerate(QUESTIONS, 1):
            page = browser.new_page(viewport={"width": 1100, "height": 1000})
            page.set_default_timeout(240_000)
            page.goto(url)
            for question in turns:
                before = page.locator("#chat .answer").count()
                page.locator("#question textarea").fill(question)
                page.locator("#send").click()
                page.wait_for_function(
                    f"document.querySelectorAll('#chat .answer').length > {before}"
                )
            # the chat box scrolls at a fixed height: let it grow so the whole reply shows
            page.add_style_tag(content=UNSCROLL)
            reply = page.locator("#chat .answer").last
            card = reply.locator("details.source").first
            card.locator("summary").click()
            reply.screenshot(path=out / f"reply-{n}.png")
            if n == 1:
                card.screenshot(path=out / "source-card.png")
                page.screenshot(path=out / "screenshot.png")
            page.close()
        browser.close()


def library(browser: Browser, url: str, out: Path) -> None:
    """The 文件库 tab at 1366×768, searched for a word and one document selected."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(url)
    page.get_by_role("tab", name="文件库").click()
    page.locator("#docs .virtual-row").first.wait_for()
    page.locator("#docs-search textarea, #docs-search input").fill(LIBRARY_SEARCH)
    page.wait_for_timeout(1000)
    page.locator("#docs .virtual-row").first.click()
    page.locator("#doc-details dl").wait_for()
    page.screenshot(path=out / "library.png", full_page=True)
    page.close()


if __name__ == "__main__":
    main()
