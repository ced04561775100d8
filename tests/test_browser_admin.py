"""The 管理 tab in a real browser: refusals in Chinese, replacing a document, removing one;
every login and action audited.

``python -m assistant serve`` on a corpus of two short notices with the ``hash``
embedder (these tests are about files, not retrieval quality; its index is built
before the app starts), driven by headless Chromium. One app serves the module.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client
from playwright.sync_api import Browser, Locator, Page

from assistant.app.launch import running
from assistant.index import build
from assistant.records.reports import audit_rows
from assistant.records.schema import connect

from .conftest import hash_app_env, hash_settings, needs_chromium
from .test_bad_inputs import OLE

PASSWORD = "管理-密码-15"
LIBRARY = "图书角通知.txt"
STUDY = "书房通知.txt"
NOTICES = {
    LIBRARY: "关于社区图书角的通知\n社区图书角每周开放六天，周一闭馆。\n",
    STUDY: "关于城市书房的通知\n城市书房建设补助标准为每间8.8万元。\n",
}
LIMIT_MB = 0.05  # a small limit, so that an over-size file is small too
TIMEOUT = 60_000  # ms

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app with the 管理 tab on :data:`NOTICES`, already indexed; yields (url, corpus)."""
    work = tmp_path_factory.mktemp("admin-app")
    corpus = work / "corpus"
    corpus.mkdir()
    for name, text in NOTICES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = hash_settings(corpus, work / "index", min_score=0.0, max_file_mb=LIMIT_MB)
    build(settings)
    env = hash_app_env(
        corpus,
        settings.index,
        ASSISTANT_MAX_FILE_MB=str(LIMIT_MB),
        ASSISTANT_ADMIN_PASSWORD=PASSWORD,
        ASSISTANT_DB="",  # the log beside the index: work/data/assistant.sqlite3
        ASSISTANT_LOG="on",
    )
    with running(env, log=work / "app.log", timeout=120) as url:
        yield url, corpus


@pytest.fixture
def admin(browser: Browser, server: tuple[str, Path]) -> Iterator[Page]:
    """A page logged in to the 管理 tab."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT)
    page.goto(server[0])
    page.get_by_role("tab", name="管理").click()
    page.locator("#admin-password input").fill(PASSWORD)
    page.locator("#admin-login").click()
    page.get_by_text("已登录").wait_for()
    yield page
    page.close()


def upload(page: Page, *files: Path) -> Locator:
    """Upload ``files`` and wait for one line per file in the report; return the report."""
    report = page.locator("#report")
    page.locator("#upload input[type=file]").set_input_files([str(f) for f in files])
    page.wait_for_function(
        f"document.querySelectorAll('#report li').length === {len(files)}", timeout=TIMEOUT
    )
    return report


def test_bad_uploads_are_refused_at_once_in_chinese(
    admin: Page, server: tuple[str, Path], tmp_path: Path
) -> None:
    corpus = server[1]
    before = files_in(corpus)
    files = {
        "空文件.txt": b"",
        "随机字节.pdf": b"%PDF-1.7\n" + bytes(range(256)) * 20,
        "关于X的函.doc": OLE,
        "超大.txt": "城市书房。".encode() * 5000,  # 75 KB, over the 0.05 MB limit
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    text = upload(admin, *(tmp_path / name for name in files)).inner_text()
    assert "未保存 空文件.txt：文件为空" in text
    assert "未保存 随机字节.pdf：文件已损坏" in text
    assert "未保存 关于X的函.doc：不支持的文件格式 .doc" in text and "请另存为 .docx 或 PDF" in text
    assert "未保存 超大.txt：文件过大（0.1 MB，上限 0.05 MB）" in text
    assert files_in(corpus) == before == sorted(NOTICES)
    page_text = admin.locator("body").inner_text()
    for english in ("Invalid file", "allowed", "exceeded", "Error", "empty —", "too large"):
        assert english not in page_text


def test_a_same_name_upload_replaces_the_document_only_when_confirmed(
    admin: Page, server: tuple[str, Path], tmp_path: Path
) -> None:
    corpus = server[1]
    original = (corpus / LIBRARY).read_bytes()
    newer = tmp_path / LIBRARY
    newer.write_text("关于社区图书角的通知\n社区图书角每周开放七天，不再闭馆。\n", encoding="utf-8")
    report = upload(admin, newer)
    assert f"{LIBRARY} 与已有文件 {LIBRARY} 同名，尚未保存" in report.inner_text()
    held = admin.locator("#held")
    assert held.is_visible() and held.get_by_label(LIBRARY).is_checked()
    assert (corpus / LIBRARY).read_bytes() == original  # nothing overwritten yet
    admin.locator("#replace").click()
    report.get_by_text(f"已替换 {LIBRARY}").wait_for()
    assert "原文件已移到 .trash/" in report.inner_text()
    assert (corpus / LIBRARY).read_bytes() == newer.read_bytes()
    assert [p.read_bytes() for p in (corpus / ".trash").iterdir()] == [original]
    admin.locator("#pending").get_by_text(f"已替换：{LIBRARY}").wait_for()
    assert not held.is_visible()


def test_a_removed_document_is_pending_then_gone_from_search_after_the_rebuild(
    admin: Page, server: tuple[str, Path]
) -> None:
    url, corpus = server
    client = Client(url, verbose=False)
    question = "城市书房建设补助标准是多少？"
    assert "8.8万元" in client.predict(question=question, api_name="/ask")
    admin.locator("#remove-file input").click()
    admin.get_by_role("option", name=STUDY).click()
    admin.locator("#remove").click()
    report = admin.locator("#report")
    report.get_by_text(f"已移除 {STUDY}").wait_for()
    assert not (corpus / STUDY).exists()
    assert any(p.name.endswith(f"_{STUDY}") for p in (corpus / ".trash").iterdir())
    admin.locator("#pending").get_by_text(f"已移除：{STUDY}").wait_for()
    assert "8.8万元" in client.predict(question=question, api_name="/ask")  # until rebuilt
    admin.locator("#rebuild").click()
    report.get_by_text("索引已更新").wait_for()
    assert f"{STUDY} | 已删除" in report.inner_text().replace("\t", " | ")
    assert admin.locator("#pending").inner_text().strip() == ""
    assert "8.8万元" not in client.predict(question=question, api_name="/ask")
    # every login and action is in the log's audit table
    engine = connect(f"sqlite:///{corpus.parent / 'data' / 'assistant.sqlite3'}")
    deadline = time.monotonic() + 20
    while {"移除", "重建索引"} - {row[1] for row in audit_rows(engine)}:
        assert time.monotonic() < deadline, audit_rows(engine)
        time.sleep(0.2)
    done = {(row[1], row[2]) for row in audit_rows(engine)}
    assert {("登录", "成功"), ("上传", "成功"), ("替换", "成功"), ("移除", "成功")} <= done
    assert any(STUDY in row[4] for row in audit_rows(engine) if row[1] == "移除")
    engine.dispose()


def files_in(corpus: Path) -> list[str]:
    """Every file in ``corpus`` (held and trashed ones too), relative to it."""
    return sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.is_file())
