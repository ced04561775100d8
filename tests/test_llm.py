"""The optional LLM answer: a real local OpenAI-compatible server, real passages of the seed letter.

The server is :class:`tests.llm_server.ScriptedServer`, a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import shutil
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answering.answer import answer
from assistant.answering.llm import (
    Generated,
    LLMError,
    configured,
    generate,
    messages,
    stream,
    verify,
)
from assistant.answering.render import (
    MODEL_HEAD,
    QUOTES_HEAD,
    as_html,
    as_json,
    as_text,
    direct_line,
)
from assistant.answering.search import Searcher
from assistant.app.cli import main as cli_main
from assistant.index import build
from assistant.settings import Settings
from assistant.types import Chunk, Hit, Source

from .conftest import SEED, hash_settings
from .llm_server import Script, ScriptedServer, serving

QUESTION = "2018年知识产权专项经费是多少？"
KEY = "sk-test-secret-0123456789"


@pytest.fixture()
def server() -> Iterator[ScriptedServer]:
    """A :class:`ScriptedServer`, shut down after the test."""
    scripted = serving()
    yield scripted
    scripted.stop()


@pytest.fixture(scope="module")
def letter(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The seed letter indexed with the ``hash`` embedder, no refusal threshold."""
    assert SEED is not None, "tests read the seed letter of ../shared/corpus"
    corpus = tmp_path_factory.mktemp("llm") / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    settings = hash_settings(corpus, min_score=0.0)
    build(settings)
    return settings


@pytest.fixture(scope="module")
def hits(letter: Settings) -> list[Hit]:
    """The seed letter's best three passages for :data:`QUESTION`."""
    found = Searcher.open(letter).search(QUESTION, 3)
    assert "2018年安排知识产权专项经费484万元" in found[0].chunk.text
    return found


def marker(hits: list[Hit], words: str) -> str:
    """``[n]`` of the passage holding ``words``."""
    return next(f"[{n}]" for n, h in enumerate(hits, 1) if words in h.chunk.text)


def test_configured_needs_url_and_model() -> None:
    assert not configured(Settings())
    assert not configured(Settings(llm_url="http://127.0.0.1:11434/v1"))
    assert configured(Settings(llm_url="http://127.0.0.1:11434/v1", llm_model="qwen2.5:7b"))
    assert generate(Settings(), QUESTION, [], []) == Generated("", False, "")


def test_messages_hold_rules_history_numbered_passages_and_question(hits: list[Hit]) -> None:
    system, user = messages(QUESTION, ["官渡区知识产权工作有哪些成效？"], hits)
    assert system["role"] == "system" and user["role"] == "user"
    assert "无法回答：" in system["content"] and "[1]" in system["content"]
    text = user["content"]
    assert (
        text.index("官渡区知识产权工作有哪些成效？") < text.index("[1] 《") < text.index("[3] 《")
    )
    assert "官市监函〔2020〕18号 · 昆明市官渡区市场监督管理局 · 2020-08-31" in text
    assert hits[0].chunk.text in text and text.endswith(f"问题：{QUESTION}")


@pytest.mark.parametrize("key", ["", KEY])
def test_a_correct_cited_answer_streams_and_is_accepted(
    server: ScriptedServer, hits: list[Hit], key: str
) -> None:
    one = marker(hits, "484万元")
    pieces = ("2018年安排知识产权专项经费", f"484万元{one}。", f"2019年安排（预算）300万元{one}。")
    settings = server.settings("good", Script(pieces), llm_api_key=key)
    got: list[str] = []
    result = generate(settings, QUESTION, ["上一个问题"], hits, got.append)
    assert result == Generated("".join(pieces), True, "")
    assert got == list(pieces)
    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["model"] == "good" and request["stream"] is True
    assert request["temperature"] == 0
    user = request["messages"][-1]["content"]
    assert "[1] 《" in user and "[3] 《" in user and QUESTION in user and "上一个问题" in user
    assert request["headers"].get("Authorization") == (f"Bearer {key}" if key else None)


@pytest.mark.parametrize(
    ("answer", "note"),
    [
        ("2018年安排知识产权专项经费3000元[1]。", "未采用模型回答：数字与原文不符：“3000元”"),
        (
            "2018年安排知识产权专项经费484万元[1]。这笔钱逐年增加。",
            "未采用模型回答：有句子没有标注出处",
        ),
        ("2018年安排知识产权专项经费484万元[9]。", "未采用模型回答：引用了不存在的来源[9]"),
        ("无法回答：资料没有提到2018年的专项经费。", "模型认为检索到的文件不能回答该问题"),
    ],
)
def test_a_wrong_answer_is_rejected_with_its_note(
    server: ScriptedServer, hits: list[Hit], answer: str, note: str
) -> None:
    answer = answer.replace("[1]", marker(hits, "484万元"))
    result = generate(server.settings("wrong", Script((answer,))), QUESTION, [], hits)
    assert result == Generated(answer, False, note)


@pytest.mark.parametrize(
    ("answer", "wrong"),
    [
        ("2018年11月，官渡区制定了知识产权质押办法（官科信联发〔2018〕29号）[2]。", ""),
        ("依据官科信联发[2018]29号，补助经费10万元[2]。", ""),
        ("2018年12月，官渡区制定了知识产权质押办法[2]。", "2018年12月"),
        ("官渡区制定了质押办法（官科信联发〔2019〕29号）[2]。", "官科信联发〔2019〕29号"),
        ("官渡区制定了质押办法（官科联发〔2018〕29号）[2]。", "官科联发〔2018〕29号"),
    ],
)
def test_dates_and_doc_numbers_must_be_copied(
    server: ScriptedServer, hits: list[Hit], answer: str, wrong: str
) -> None:
    answer = answer.replace("[2]", marker(hits, "官科信联发"))
    result = generate(server.settings("dates", Script((answer,))), "质押办法", [], hits)
    note = f"未采用模型回答：数字与原文不符：“{wrong}”" if wrong else ""
    assert result == Generated(answer, not wrong, note)


def test_a_reply_without_a_stream_is_accepted(server: ScriptedServer, hits: list[Hit]) -> None:
    answer = f"2018年安排知识产权专项经费484万元{marker(hits, '484万元')}。"
    settings = server.settings("plain", Script((answer,), json_only=True))
    got: list[str] = []
    assert generate(settings, QUESTION, [], hits, got.append) == Generated(answer, True, "")
    assert got == [answer]


@pytest.mark.parametrize("script", [Script(("迟到",), delay=5), Script(("先到", "迟到"), stall=5)])
def test_a_slow_server_falls_back_within_the_timeout(
    server: ScriptedServer, hits: list[Hit], script: Script
) -> None:
    settings = server.settings("slow", script, llm_timeout=1.0)
    began = time.monotonic()
    result = generate(settings, QUESTION, [], hits)
    assert result == Generated("", False, "模型回答超时，以下为摘录答案")
    assert time.monotonic() - began < 3


def test_an_http_error_is_named_and_never_shows_the_key(
    server: ScriptedServer, hits: list[Hit]
) -> None:
    result = generate(server.settings("down", Script(status=500)), QUESTION, [], hits)
    assert result == Generated(
        "", False, "模型服务不可用（HTTP 500：internal error），以下为摘录答案"
    )
    script = Script(status=401, error_message=f"Incorrect API key provided: {KEY}")
    result = generate(server.settings("auth", script, llm_api_key=KEY), QUESTION, [], hits)
    assert "HTTP 401" in result.note and KEY not in result.note and not result.accepted


def test_a_closed_port_falls_back(hits: list[Hit]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(llm_url=f"http://127.0.0.1:{port}/v1", llm_model="m", llm_api_key=KEY)
    result = generate(settings, QUESTION, [], hits)
    assert result.text == "" and not result.accepted
    assert (
        result.note
        == f"模型服务不可用（无法连接模型服务 127.0.0.1:{port}：连接被拒绝），以下为摘录答案"
    )
    with pytest.raises(LLMError, match="连接被拒绝") as raised:
        stream(settings, messages(QUESTION, [], hits))
    assert KEY not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("127.0.0.1:11434/v1", "模型服务地址无效"),
        ("http://127.0.0.1:port/v1", "模型服务地址无效"),
        ("ftp://127.0.0.1/v1", "模型服务地址无效"),
    ],
)
def test_a_bad_address_falls_back(hits: list[Hit], url: str, reason: str) -> None:
    result = generate(Settings(llm_url=url, llm_model="m"), QUESTION, [], hits)
    assert reason in result.note and result.note.startswith("模型服务不可用（")


@pytest.mark.parametrize(
    "raw",
    [b"<html>Bad Gateway</html>", b'data: {"choices": []}\n\n', b'{"choices": [{"text": "x"}]}'],
)
def test_a_malformed_reply_is_an_error(server: ScriptedServer, hits: list[Hit], raw: bytes) -> None:
    settings = server.settings("odd", Script(raw=raw))
    with pytest.raises(LLMError, match="回复格式不对"):
        stream(settings, messages(QUESTION, [], hits))
    result = generate(settings, QUESTION, [], hits)
    assert result.note == "模型服务不可用（模型服务的回复格式不对），以下为摘录答案"


def passage(text: str, title: str = "示例办法") -> Hit:
    """A hit on a passage of ``text`` (for :func:`verify` cases the seed letter lacks)."""
    chunk = Chunk("c", "a.txt", Source(title=title), ("一、条件",), text, 0, len(text))
    return Hit(chunk, 1.0)


@pytest.mark.parametrize(
    ("answer", "text", "reason"),
    [
        ("每月补贴300元[1]。", "符合条件的每月发放300元补贴。", ""),
        ("每月补贴300元[1]。", "符合条件的每月发放1300元补贴。", "数字与原文不符：“300元”"),
        ("离职后三个月内申请[1]。", "应在离职后3个月内提出申请。", ""),
        ("离职后3个月内申请[1]。", "应在离职后三个月内提出申请。", ""),
        ("离职后四个月内申请[1]。", "应在离职后3个月内提出申请。", "数字与原文不符：“4个月”"),
        ("按百分之五缴纳[1]。", "单位按5%缴纳。", ""),
        ("2017年3月1日起施行[1]。", "本办法自二〇一七年三月一日起施行。", ""),
        ("自2024-10-15起施行[1]。", "本办法自2024年10月15日起施行。", ""),
        (
            "自2024年10月16日起施行[1]。",
            "本办法自2024年10月15日起施行。",
            "数字与原文不符：“2024年10月16日”",
        ),
        ("依据穗府办规〔2021〕19号[1]。", "见《办法》（穗府办规[2021]19号）。", ""),
        ("补贴300元。[1]", "补贴300元。", ""),
        ("1. 补贴300元[1]。\n2. 期限3个月[1]。", "补贴300元，期限3个月。", ""),
        ("补贴300元[0]。", "补贴300元。", "引用了不存在的来源[0]"),
        ("补贴300元【1】，期限3个月[1、1]。", "补贴300元，期限三个月。", ""),
        ("补贴300元[1]。\n\n[1]", "补贴300元。", ""),
        ("补贴 300 元[1][2]。", "补贴300元。", "引用了不存在的来源[2]"),
        ("补贴300元", "补贴300元。", "有句子没有标注出处"),
        ("", "补贴300元。", "回答为空"),
    ],
)
def test_verify(answer: str, text: str, reason: str) -> None:
    assert verify(answer, [passage(text)]) == reason


def test_verify_checks_each_sentence_against_the_passages_it_cites() -> None:
    hits = [passage("补贴300元。"), passage("期限3个月。", "另一办法")]
    assert verify("补贴300元，期限3个月[1]。", hits) == "数字与原文不符：“3个月”"
    assert verify("补贴300元[1]。期限3个月[1]。", hits) == "数字与原文不符：“3个月”"
    assert verify("补贴300元[1]。期限3个月[2]。", hits) == ""
    assert verify("补贴300元，期限3个月[1][2]。", hits) == ""
    assert verify("见《示例办法》[1]。", hits) == ""


def test_llm_settings_come_from_the_environment() -> None:
    env = {
        "ASSISTANT_LLM_URL": "http://127.0.0.1:11434/v1",
        "ASSISTANT_LLM_MODEL": "qwen2.5:7b",
        "ASSISTANT_LLM_API_KEY": KEY,
        "ASSISTANT_LLM_TIMEOUT": "2.5",
    }
    settings = Settings.from_env(env)
    assert settings.llm_timeout == 2.5 and settings.llm_model == "qwen2.5:7b"
    assert settings.llm_api_key == KEY and KEY not in repr(settings)
    assert Settings().llm_url == "" and Settings().llm_timeout == 30.0


def test_the_manifest_never_holds_the_llm_settings(tmp_path: Path) -> None:
    assert SEED is not None
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    settings = hash_settings(corpus, llm_url="http://x/v1", llm_model="m", llm_api_key=KEY)
    build(settings)
    manifest = (settings.index / "manifest.json").read_text(encoding="utf-8")
    assert KEY not in manifest and "llm_" not in manifest


# answer(): the model's answer leads when it holds, the quotes are always there


def model_settings(server: ScriptedServer, letter: Settings, script: Script) -> Settings:
    server.scripts["model"] = script
    return letter.with_(llm_url=server.url, llm_model="model", llm_timeout=5.0)


def test_answer_leads_with_the_verified_model_answer_and_keeps_the_quotes(
    server: ScriptedServer, letter: Settings
) -> None:
    pieces = ("2018年安排的知识产权专项经费是", "484万元[1]。")
    settings = model_settings(server, letter, Script(pieces))
    streamed: list[str] = []
    reply = answer(Searcher.open(settings), QUESTION, on_text=streamed.append)
    assert reply.answered_by == "llm" and reply.generated == "".join(pieces)
    assert streamed == list(pieces) and not reply.note
    text = as_text(reply)
    assert text.startswith(f"{MODEL_HEAD}\n{''.join(pieces)}\n\n{QUOTES_HEAD}\n")
    assert "484万元" in direct_line(reply) and "\n\n来源：\n[1] 《" in text
    # the model saw the quoted passages first (their markers kept), then the others found
    assert (
        len(reply.citations) >= 3
        and reply.citations[0].chunk.text
        in server.requests[0]["messages"][-1]["content"].split("[2] ")[0]
    )
    assert as_json(reply)["answered_by"] == "llm"


@pytest.mark.parametrize(
    ("script", "note"),
    [
        (
            Script(("2018年安排知识产权专项经费4840万元[1]。",)),
            "未采用模型回答：数字与原文不符：“4840万元”",
        ),
        (Script(("经费逐年增加。",)), "未采用模型回答：有句子没有标注出处"),
        (Script(status=500), "模型服务不可用（HTTP 500"),
        (Script(("484万元[1]。",), delay=3.0), "模型回答超时，以下为摘录答案"),
    ],
)
def test_answer_falls_back_to_the_quotes_with_a_note(
    server: ScriptedServer, letter: Settings, script: Script, note: str
) -> None:
    settings = model_settings(server, letter, script).with_(llm_timeout=1.0)
    reply = answer(Searcher.open(settings), QUESTION)
    assert reply.found and reply.answered_by == "extractive" and not reply.generated
    assert reply.note.startswith(note)
    assert as_text(reply).startswith(f"（{reply.note}）\n") and "484万元" in as_text(reply)
    assert '<p class="note">' in as_html(reply) and as_json(reply)["note"] == reply.note


def test_cli_ask_reports_which_path_answered(
    server: ScriptedServer, letter: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.scripts["cli-model"] = Script(("2018年安排知识产权专项经费484万元[1]。",))
    monkeypatch.setenv("ASSISTANT_LLM_URL", server.url)
    monkeypatch.setenv("ASSISTANT_LLM_MODEL", "cli-model")
    monkeypatch.setenv("ASSISTANT_MODEL", "hash")  # as the index was built
    monkeypatch.setenv("ASSISTANT_MIN_SCORE", "0")
    monkeypatch.setattr(sys, "stdin", io.StringIO(QUESTION + "\n"))
    out = io.StringIO()
    assert cli_main(["ask", "--index", str(letter.index), "--json"], stdout=out) == 0
    reply = json.loads(out.getvalue())
    assert reply["answered_by"] == "llm" and reply["answer"].startswith(MODEL_HEAD)
    monkeypatch.delenv("ASSISTANT_LLM_URL")
    monkeypatch.setattr(sys, "stdin", io.StringIO(QUESTION + "\n"))
    out = io.StringIO()
    assert cli_main(["ask", "--index", str(letter.index), "--json"], stdout=out) == 0
    assert json.loads(out.getvalue())["answered_by"] == "extractive"
