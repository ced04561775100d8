"""Cold start of ``python app.py`` on the shipped corpus, three real answers, and the screenshot.

Starts the app on a free port with an empty index folder (so the first start builds the
index from ``corpus/`` while it serves), and times: until the page answers HTTP, until
``/ask`` stops saying the index is being built, and until the first answer appears in a
real browser (Debian chromium). Then it asks questions from
``../shared/eval``, prints each answer with its citations, and saves a screenshot of
the last reply with its source card open. Usage::

    python bench/app_start.py [--index DIR] [--model-cache DIR] [--backend B]
                              [--screenshot docs/screenshot.png]

With ``--index`` pointing at an existing index, it measures a warm start instead. With
``--model-cache`` pointing at an empty folder, the start also converts the bundled model
and exports it to ONNX, as on a fresh machine. The load average is printed with the times.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from gradio_client import Client
from playwright.sync_api import sync_playwright

from assistant.app.launch import running
from assistant.settings import BACKENDS

ROOT = Path(__file__).resolve().parents[1]

QUESTIONS = [  # from shared/eval: seed_qa.jsonl and policy_qa.jsonl
    "在广州，一个家庭一年之内领的临时救助金最多能有多少？",
    "淮安市2024年全市一共受理了多少件政府信息公开申请？",
    "2018年知识产权专项经费是多少？",
]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, help="existing index (default: a new, empty one)")
    parser.add_argument("--model-cache", type=Path, help="model cache (default: the user's)")
    parser.add_argument("--backend", choices=BACKENDS, help="embedder backend (default: settings)")
    parser.add_argument("--screenshot", type=Path, default=ROOT / "docs" / "screenshot.png")
    args = parser.parse_args()
    index = args.index or Path(tempfile.mkdtemp(prefix="assistant-start-")) / "index"
    env = {"ASSISTANT_INDEX": str(index)}
    if args.model_cache:
        env["ASSISTANT_MODEL_CACHE"] = str(args.model_cache)
    if args.backend:
        env["ASSISTANT_BACKEND"] = args.backend
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with running(env, timeout=7200, command=("app.py",), cwd=ROOT) as url:
        serving = time.perf_counter() - started
        client = Client(url, verbose=False)  # a first start builds the index after serving
        while "正在建立索引" in client.predict(question=QUESTIONS[0], api_name="/ask"):
            time.sleep(1)
        ready = time.perf_counter() - started
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.set_default_timeout(600_000)
            page.goto(url)
            first = None
            for i, question in enumerate(QUESTIONS):
                page.locator("#question textarea").fill(question)
                page.locator("#send").click()
                page.wait_for_function(f"document.querySelectorAll('#chat .answer').length > {i}")
                first = first or time.perf_counter() - started
                reply = page.locator("#chat .answer").nth(i)
                print(f"\n问 {question}\n{reply.inner_text()}")
            reply.locator("details.source summary").first.click()
            page.locator("#question textarea").fill("")
            page.screenshot(path=str(args.screenshot))
            browser.close()
    print(
        f"\nserving after {serving:.1f} s; index ready after {ready:.1f} s; "
        f"first answer in the browser after {first:.1f} s; load average {load:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end"
    )
    print(f"screenshot: {args.screenshot}")


if __name__ == "__main__":
    main()
