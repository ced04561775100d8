"""The app's edge over real HTTP: hostile inputs, headers and hosts, uploads, fair queueing.

The app (``python -m assistant serve``, hash embedder, two Guangzhou pages) answers through
a real local chat-completions server (:class:`tests.llm_server.ScriptedServer`) that takes
:data:`DELAY` seconds per answer, so that questions really wait in the queue.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from assistant.app.guard import BUSY, HOST_WAITING, UPLOAD_REFUSED
from assistant.app.launch import running
from assistant.index import build
from tests.conftest import (
    GUANGZHOU_PAGES,
    SHARED_CORPUS,
    CorpusWriter,
    hash_app_env,
    hash_settings,
)
from tests.llm_server import Script, ScriptedServer, serving

PUBLIC = "https://zc.example.gov.cn/"
JSON = {"content-type": "application/json"}
DEFAULTS = ("", "", "", None)  # doc_type, issuer, year, history
DELAY = 1.0  # seconds the model takes per answer
PYTHON_TEXT = ("Traceback", "Error", "object", "NoneType", "has no attribute", "codec")


@pytest.fixture(scope="module")
def model() -> Iterator[ScriptedServer]:
    scripted = serving()
    yield scripted
    scripted.stop()


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, model: ScriptedServer
) -> Iterator[tuple[str, Path]]:
    """The app's URL and its log."""
    work = tmp_path_factory.mktemp("guard")
    corpus = work / "corpus"
    corpus.mkdir()
    for name in GUANGZHOU_PAGES:
        shutil.copy(SHARED_CORPUS / "html" / name, corpus / name)
    build(hash_settings(corpus, work / "index"))
    model.scripts["slow"] = Script(pieces=("好",), delay=DELAY)
    env = hash_app_env(
        corpus,
        work / "index",
        ASSISTANT_ADMIN_PASSWORD="管理-密码",
        ASSISTANT_PUBLIC_URL=PUBLIC,
        ASSISTANT_LLM_URL=model.url,
        ASSISTANT_LLM_MODEL="slow",
    )
    log = work / "app.log"
    with running(env, log=log, timeout=120) as url:
        yield url, log


def call(url: str, *data: Any) -> str:
    """``/ask`` by its REST route with ``data`` as sent (no client-side checks): the reply."""
    with httpx.Client(base_url=url, timeout=60) as client:
        body = json.dumps({"data": list(data)})  # ASCII: a lone surrogate goes as \ud800
        joined = client.post("gradio_api/call/ask", content=body, headers=JSON)
        assert joined.status_code == 200, joined.text
        stream = client.get(f"gradio_api/call/ask/{joined.json()['event_id']}")
    event, payload = [line.split(": ", 1)[1] for line in stream.text.splitlines() if ": " in line][
        -2:
    ]
    assert event == "complete", stream.text
    return str(json.loads(payload)[0])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ((123,), "问题应是一段文字，收到的是数字"),
        ((["公租房"],), "问题应是一段文字，收到的是列表"),
        (({"q": "公租房"},), "问题应是一段文字，收到的是字典"),
        (("\ud800",), "问题为空"),
        (("\x00\x07\x1b",), "问题为空"),
        (("那要多久？", "", "", "", "一次性创业补贴怎么申请？"), "应是此前问题的列表"),
        (("那要多久？", "", "", "", 5), "收到的是数字"),
        (("那要多久？", "", "", "", [1]), "第 1 项应是文字"),
        (("公租房", ["通知"]), "筛选条件“文件类型”应是文字"),
        (("公租房", "", "局" * 101), "筛选条件“发文机关”过长"),
        (("问" * 501,), "问题过长"),
    ],
    ids=["number", "list", "dict", "surrogate", "controls", "history-string", "history-int",
         "history-item", "filter-list", "filter-long", "long"],
)  # fmt: skip
def test_a_wrong_input_gets_a_chinese_message_and_no_traceback(
    app: tuple[str, Path], data: tuple[Any, ...], expected: str
) -> None:
    url, log = app
    reply = call(url, *data, *DEFAULTS[len(data) - 1 :])
    assert expected in reply
    assert not any(text in reply for text in PYTHON_TEXT)
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")


def test_a_lone_surrogate_inside_a_question_is_removed_and_the_question_answered(
    app: tuple[str, Path],
) -> None:
    reply = call(app[0], "电子居住证\ud800怎么申领？", "", "", "", None)
    assert "来源：" in reply and "codec" not in reply


def test_html_in_the_history_comes_back_escaped_in_the_markdown(app: tuple[str, Path]) -> None:
    topic = "<script>alert(1)</script>一次性创业补贴怎么申请？"
    reply = call(app[0], "那需要什么材料？", "", "", "", [topic])
    # the label names the topic in the documents' words; the markup, never echoed raw
    assert "按“一次性创业补贴”理解" in reply or "按“&lt;script&gt;" in reply
    assert "<script>" not in reply


def test_a_long_history_is_cut_with_a_note(app: tuple[str, Path]) -> None:
    history = [f"第{n}个问题：电子居住证怎么申领？" for n in range(25)] + ["长" * 501]
    reply = call(app[0], "那需要什么材料？", "", "", "", history)
    assert "只用最近的 20 个问题，较早的 5 个未用" in reply
    assert "1 个超过 500 字的问题未用" in reply


def test_every_response_carries_the_security_headers(app: tuple[str, Path]) -> None:
    url = app[0]
    for path in ("", "gradio_api/info", "original/nothing.txt"):
        headers = httpx.get(url + path, timeout=30).headers
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
    page_policy = httpx.get(url, timeout=30).headers["content-security-policy"]
    assert "'sha256-" in page_policy and "'unsafe-inline'" not in page_policy.split(";")[1]


@pytest.mark.parametrize("path", ["openapi.json", "gradio_api/openapi.json", "docs"])
def test_no_api_listing(app: tuple[str, Path], path: str) -> None:
    assert httpx.get(app[0] + path, timeout=30).status_code == 404


@pytest.mark.parametrize("host", ["evil.example", "evil.example:7860", "127.0.0.1.nip.io"])
def test_a_foreign_host_is_refused(app: tuple[str, Path], host: str) -> None:
    where = urlsplit(app[0])
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    connection.request("GET", "/", headers={"Host": host})
    reply = connection.getresponse()
    assert reply.status == 400 and "不允许的主机名" in reply.read().decode()
    connection.close()


def test_links_are_built_from_the_public_url(app: tuple[str, Path]) -> None:
    reply = call(app[0], "电子居住证怎么申领？", "", "", "", None)
    assert f"[原文件](<{PUBLIC}original/" in reply
    assert "127.0.0.1" not in reply


def test_an_upload_without_login_is_refused(app: tuple[str, Path]) -> None:
    files = {"files": ("通知.txt", "关于测试的通知".encode(), "text/plain")}
    reply = httpx.post(app[0] + "gradio_api/upload", files=files, timeout=30)
    assert reply.status_code == 403 and reply.json()["detail"] == UPLOAD_REFUSED
    forged = httpx.post(
        app[0] + "gradio_api/upload", files=files, cookies={"assistant_admin": "x"}, timeout=30
    )
    assert forged.status_code == 403


def ask_fn(url: str) -> int:
    """The ``fn_index`` of ``/ask`` in the page's config."""
    config = httpx.get(url + "config", timeout=30).json()
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == "ask")


def join(client: httpx.Client | httpx.AsyncClient, fn: int, session: str, n: int) -> Any:
    body = {"data": [f"电子居住证怎么申领？（{n}）", "", "", "", None], "fn_index": fn,
            "session_hash": session, "event_data": None, "trigger_id": None}  # fmt: skip
    return client.post("gradio_api/queue/join", json=body)


def test_one_session_may_have_only_a_few_questions_waiting(app: tuple[str, Path]) -> None:
    url = app[0]
    fn = ask_fn(url)
    with httpx.Client(base_url=url, timeout=30) as client:
        replies = [join(client, fn, "one-session", n) for n in range(8)]
        other = join(client, fn, "another-session", 0)
    refused = [r for r in replies if r.status_code == 429]
    assert refused and all(r.json()["detail"] == BUSY for r in refused)
    assert sum(r.status_code == 200 for r in replies) <= 2 + 3  # running + ASSISTANT_MAX_WAITING
    assert other.status_code == 200  # another session is not refused
    wait_for_empty_queue(url)


def wait_for_empty_queue(url: str, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while httpx.get(url + "gradio_api/queue/status", timeout=30).json()["queue_size"]:
        assert time.monotonic() < deadline, "the queue did not empty"
        time.sleep(0.5)


def test_a_flood_from_one_address_does_not_keep_another_client_out(
    app: tuple[str, Path], model: ScriptedServer
) -> None:
    """600 joins from 127.0.0.2, none listening; a user on 127.0.0.1 is answered at once,
    and the flood's questions nobody listens for are dropped."""
    url = app[0]
    fn = ask_fn(url)
    statuses: list[int] = []

    async def flood() -> None:
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
        async with httpx.AsyncClient(base_url=url, transport=transport, timeout=60) as client:
            gate = asyncio.Semaphore(32)

            async def one(n: int) -> int:
                async with gate:
                    return (await join(client, fn, f"flood-{n}", n)).status_code

            statuses.extend(await asyncio.gather(*(one(n) for n in range(600))))

    flooding = threading.Thread(target=lambda: asyncio.run(flood()))
    asked_before = len(model.requests)
    flooding.start()
    time.sleep(1.0)  # the flood is under way
    start = time.monotonic()
    reply = call(url, "电子居住证怎么申领？", "", "", "", None)
    waited = time.monotonic() - start
    flooding.join()
    assert "来源：" in reply
    assert waited < 5 * DELAY, f"a user waited {waited:.1f} s behind the flood"
    assert set(statuses) <= {200, 429}  # accepted, or refused at once
    # At most HOST_WAITING wait at a time; some more got in as others were answered or dropped.
    assert statuses.count(429) >= len(statuses) - 2 * HOST_WAITING
    wait_for_empty_queue(url)  # questions nobody listens for are dropped within seconds
    answered = len(model.requests) - asked_before
    assert answered < statuses.count(200), f"{answered} flood questions were answered"


def test_the_chat_takes_a_lone_surrogate_too(app: tuple[str, Path]) -> None:
    """The 问答 tab's own event (as a script would send it): the surrogates are dropped from
    the question and the history shown and asked, and nothing fails on the way back."""
    url, log = app
    config = httpx.get(url + "config", timeout=30).json()
    chat = next(
        d["id"] for d in config["dependencies"] if len(d["inputs"]) == 6 and len(d["outputs"]) == 3
    )  # question, chat, 3 filters and the chat's answer ids → question, chat, answer ids
    earlier = [{"role": "user", "content": [{"type": "text", "text": "社保卡\ud800怎么办？"}]}]
    body = json.dumps({"data": ["电子居住证\ud800怎么申领？", earlier, None, None, None, {}],
                       "fn_index": chat, "session_hash": "chat-session"})  # fmt: skip
    with httpx.Client(base_url=url, timeout=60) as client:
        assert client.post("gradio_api/queue/join", content=body, headers=JSON).status_code == 200
        stream = client.get("gradio_api/queue/data", params={"session_hash": "chat-session"})
    done = next(json.loads(line[6:]) for line in stream.text.splitlines() if "completed" in line)
    before, asked, replied = done["output"]["data"][1]
    assert before["content"][0]["text"] == "社保卡怎么办？"
    assert asked["content"][0]["text"] == "电子居住证怎么申领？"
    assert '<div class="answer">' in replied["content"][0]["text"]
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")


def test_a_stopped_app_ends_the_open_clients_streams_and_exits_at_once(
    small_corpus: CorpusWriter, tmp_path: Path
) -> None:
    """An API client (as an open page does) holds a heartbeat stream that never ends: SIGTERM
    ends it rather than waiting for it (``running`` kills the app after 30 s)."""
    from gradio_client import Client

    settings = small_corpus({"通知.txt": "关于城市书房的通知\n补助标准为每间8.8万元。\n"})
    build(settings)
    log = tmp_path / "app.log"
    with running(hash_app_env(settings.corpus, settings.index), log=log, timeout=120) as url:
        client = Client(url, verbose=False)
        assert "8.8万元" in client.predict(question="城市书房补助多少钱？", api_name="/ask")
        stopped = time.monotonic()
    waited = time.monotonic() - stopped
    client.close()
    assert waited < 20, f"the app took {waited:.0f} s to stop"
    assert "graceful shutdown exceeded" not in log.read_text(encoding="utf-8")
