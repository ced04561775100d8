"""An optional LLM answer, shown only when every figure in it is found in the passages it cites.

The default answer quotes the passages verbatim. When ``llm_url`` and ``llm_model`` are set,
:func:`generate` also asks an OpenAI-compatible server (Ollama, vLLM, Xinference) for a short
plain-Chinese answer whose sentences end with ``[n]`` markers of the numbered passages.
:func:`verify` then checks it mechanically: every sentence cites a passage that exists, and every
number, amount, percentage, date and 文号 in a sentence occurs in the passages it cites. Only an
answer that holds is shown; otherwise the caller keeps the extractive answer and shows the
:class:`Generated` note. The check does not judge paraphrase, only citations and figures.

HTTP is :mod:`http.client` (no dependency, no proxy for a server on the office network), with
``llm_timeout`` a deadline for the whole reply. The API key goes only into the request header.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..chinese.doc_numbers import DOC_NUMBER, brackets_normalized, normalize_doc_number
from ..chinese.numerals import COUNTING, LARGE, LIANG, ONES, TEN, ZEROS, to_number
from ..chinese.words import alternation, words
from ..documents.cleaning import normalize_chars
from ..settings import Settings
from ..types import Hit
from .render import citation

UNANSWERABLE = "无法回答"
SYSTEM = (
    "你是政策文件问答助手，只能根据用户给出的编号资料回答，不使用资料以外的知识。要求：\n"
    "1. 用简短、平实的中文回答，第一句直接给出答案。\n"
    "2. 每句话末尾标注它依据的资料编号，如[1]或[1][2]。\n"
    "3. 数字、金额、日期和文号必须与资料写法完全一致，不换算、不改写。\n"
    f"4. 如果资料不能回答这个问题，只回复“{UNANSWERABLE}：”加一句简短的原因。"
)
_END = re.compile(r"[。！？；!?;]+[”’」』）)]*|\n+")
_MARKER = re.compile(r"[\[【［]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]】］]")
_ISO_DATE = re.compile(r"(?<![\d.])((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
# List numbering at a line's start ("1. ", "（2）", "- ") is no figure.
_BULLET = re.compile(r"^[ \t]*(?:[-*•·][ \t]|\d{1,2}[.、)）](?!\d)|[(（]\d{1,2}[)）])", re.M)
_CN = COUNTING + LARGE + "点"
_CN_UNITS = alternation(words("units", "figure_chinese"))
_CN_NUMBER = re.compile(
    rf"(?<![\d.{_CN}])([{ZEROS}{ONES}{LIANG}{TEN}][{_CN}]*?)([{LARGE}]?)({_CN_UNITS})"
)
_CN_PERCENT = re.compile(rf"百分之([{_CN}]+)")
_DATE = re.compile(r"(?:19|20)\d{2}年\d{1,2}月(?:\d{1,2}日)?|(?<!\d)\d{1,2}月\d{1,2}日")
_UNITS = alternation(words("units", "figure"))
_NUMBER = re.compile(rf"(?<![\d.])\d+(?:\.\d+)?(?:{_UNITS})?")
_WHY = {ConnectionRefusedError: "连接被拒绝", socket.gaierror: "找不到主机"}


class LLMError(Exception):
    """The model server could not give an answer (message in Chinese)."""


class LLMTimeout(LLMError):
    """The reply did not arrive within ``llm_timeout``."""


@dataclass(frozen=True)
class Generated:
    """What :func:`generate` got from the model.

    Attributes:
        text: The model's whole answer as received (``""`` when none).
        accepted: It passed :func:`verify` and may be shown.
        note: ``""`` when accepted; else one short Chinese note shown above the
            extractive answer.
    """

    text: str
    accepted: bool
    note: str


def configured(settings: Settings) -> bool:
    """Whether an LLM is configured: ``llm_url`` and ``llm_model`` both set."""
    return bool(settings.llm_url.strip() and settings.llm_model.strip())


def messages(question: str, history: Sequence[str], hits: Sequence[Hit]) -> list[dict[str, str]]:
    """The chat messages: the rules (system), then one user message with the conversation's
    earlier questions (``history``, oldest first), the passages numbered ``[1]…[n]`` in ``hits``
    order, each under its citation line, and the question."""
    parts = []
    if history:
        parts.append("此前的提问：\n" + "\n".join(f"- {q}" for q in history))
    passages = [f"[{n}] {citation(h)}\n{h.chunk.text.strip()}" for n, h in enumerate(hits, 1)]
    parts.append("资料：\n\n" + "\n\n".join(passages))
    parts.append(f"问题：{question}")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]


def stream(
    settings: Settings,
    messages: list[dict[str, str]],
    on_text: Callable[[str], None] | None = None,
) -> str:
    """POST ``messages`` to ``{llm_url}/chat/completions`` and return the whole answer.

    Server-sent events (``data: {...}``, ``data: [DONE]``) are read as they come, each piece
    passed to ``on_text``; a plain JSON reply (a server ignoring ``stream``) is accepted too.
    ``llm_timeout`` bounds the whole reply: the socket timeout is what is left of it.
    ``on_text`` sees the text before :func:`verify` does: show it as provisional.

    Raises:
        LLMError: Unreachable server, an HTTP error status or a malformed reply.
        LLMTimeout: The deadline passed.
    """
    try:
        url = urlsplit(settings.llm_url.strip())
        port = url.port
    except ValueError:  # a port that is no number, or out of range
        url, port = urlsplit(""), None
    if url.scheme not in ("http", "https") or not url.hostname:
        raise LLMError("模型服务地址无效，应为 http://主机:端口/v1")
    deadline = time.monotonic() + settings.llm_timeout
    kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    conn = kind(url.hostname, port, timeout=settings.llm_timeout)
    body = {"model": settings.llm_model, "messages": messages, "stream": True, "temperature": 0}
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream, application/json"}
    if settings.llm_api_key:
        headers["Authorization"] = f"Bearer {settings.llm_api_key}"
    text = ""
    try:
        path = url.path.rstrip("/") + "/chat/completions"
        conn.request("POST", path, json.dumps(body, ensure_ascii=False).encode(), headers)
        sock = conn.sock  # kept: the connection lets go of it when the reply closes it
        sock.settimeout(_left(deadline))
        response = conn.getresponse()
        if response.status != 200:
            raise LLMError(f"HTTP {response.status}{_server_error(response, settings.llm_api_key)}")
        for piece in _pieces(response, sock, deadline):
            text += piece
            if on_text:
                on_text(piece)
    except TimeoutError as error:
        raise LLMTimeout(f"模型服务在 {settings.llm_timeout:g} 秒内没有答完") from error
    except (OSError, http.client.HTTPException) as error:
        why = _WHY.get(type(error), type(error).__name__)
        raise LLMError(f"无法连接模型服务 {url.netloc.rpartition('@')[2]}：{why}") from error
    finally:
        conn.close()
    return text


def verify(text: str, hits: Sequence[Hit]) -> str:
    """Check an answer against its passages: ``""`` when it holds, else the reason in Chinese.

    The answer is split at 。！？； and line breaks (not by ``documents.sentences``, which drops
    short heading-like lines); a piece of only markers or punctuation belongs to the sentence
    before it, list numbering ("1.") is dropped. Every sentence needs
    ``[n]`` markers with ``1 ≤ n ≤ len(hits)``, and each figure in it must occur in a passage it
    cites (text or citation line): a 文号 (``DOC_NUMBER``, normalized) equal to one there, or one
    ending with the other; a date (2024年10月15日, 2024-10-15 read so, 2024年10月) or an Arabic
    number with its unit (元, 万元, %, 个月, 工作日, 岁 …) as a string not inside a longer
    number: "每月300元" holds "300元", found in "300元" but not in "1300元". Both sides are
    compared after :func:`normalize_chars`, without whitespace, Chinese numerals before a unit
    read as digits (三个月 → 3个月, 百分之五 → 5%, 二〇一七年三月 → 2017年3月).
    """
    pieces: list[str] = []
    text = _BULLET.sub("", brackets_normalized(normalize_chars(text)))
    start = 0
    for end in [m.end() for m in _END.finditer(text)] + [len(text)]:
        piece, start = text[start:end], end
        if re.sub(r"[\W_]", "", _MARKER.sub("", piece)):
            pieces.append(piece)
        elif pieces:
            pieces[-1] += piece
    if not pieces:
        return "回答为空"
    cited = [_canon(f"{citation(h)}\n{h.chunk.text}") for h in hits]
    for piece in pieces:
        markers = [int(n) for m in _MARKER.finditer(piece) for n in re.findall(r"\d+", m[1])]
        if not markers:
            return "有句子没有标注出处"
        if wrong := [n for n in markers if not 1 <= n <= len(hits)]:
            return f"引用了不存在的来源[{wrong[0]}]"
        haystack = "\n".join(cited[n - 1] for n in sorted(set(markers)))
        for figure in _missing(_canon(_MARKER.sub(" ", piece)), haystack):
            return f"数字与原文不符：“{figure}”"
    return ""


def generate(
    settings: Settings,
    question: str,
    history: Sequence[str],
    hits: Sequence[Hit],
    on_text: Callable[[str], None] | None = None,
) -> Generated:
    """Ask the model and verify its answer; server trouble becomes a note, never an exception.

    Without an LLM configured, or without passages, nothing is asked: ``Generated("", False, "")``.
    """
    if not configured(settings) or not hits:
        return Generated("", False, "")
    try:
        text = stream(settings, messages(question, history, hits), on_text)
    except LLMTimeout:
        return Generated("", False, "模型回答超时，以下为摘录答案")
    except LLMError as error:
        return Generated("", False, f"模型服务不可用（{error}），以下为摘录答案")
    if text.strip().startswith(UNANSWERABLE):
        return Generated(text, False, "模型认为检索到的文件不能回答该问题")
    if reason := verify(text, hits):
        return Generated(text, False, "未采用模型回答：" + reason)
    return Generated(text, True, "")


def _pieces(
    response: http.client.HTTPResponse, sock: socket.socket, deadline: float
) -> Iterator[str]:
    """The answer's pieces: each event's ``delta``, or a whole JSON reply's ``message``."""
    rest: list[bytes] = []
    events = False
    while sock.settimeout(_left(deadline)) or (line := response.readline()):
        if not line.startswith(b"data:"):
            rest.append(line.strip())
        elif (data := line[5:].strip()) == b"[DONE]":
            return
        else:
            events = True
            if piece := _content(data, "delta"):
                yield piece
    if not events and (whole := _content(b"".join(rest), "message")):
        yield whole


def _left(deadline: float) -> float:
    """Seconds left before ``deadline`` (``TimeoutError`` when none are)."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _content(data: bytes, key: str) -> str:
    """``choices[0][key].content`` of a JSON chunk (``key`` = ``delta`` or ``message``)."""
    try:
        payload = json.loads(data)
        if isinstance(payload, dict) and payload.get("error"):
            raise LLMError("模型服务报告错误")
        return payload["choices"][0][key].get("content") or ""
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        raise LLMError("模型服务的回复格式不对") from error


def _server_error(response: http.client.HTTPResponse, key: str) -> str:
    """``：<the server's error message>`` (short, the API key blanked), or ``""``."""
    try:
        error = json.loads(response.read(4096))["error"]
        message = str(error.get("message", "") if isinstance(error, dict) else error)
    except (ValueError, KeyError, TypeError, OSError, http.client.HTTPException):
        return ""
    return f"：{(message.replace(key, '***') if key else message)[:80]}" if message else ""


def _canon(text: str) -> str:
    """``text`` written one way for comparing figures (see :func:`verify`)."""
    text = re.sub(r"\s+", "", brackets_normalized(normalize_chars(text)))
    text = _ISO_DATE.sub(lambda m: f"{int(m[1])}年{int(m[2])}月{int(m[3])}日", text)
    text = _CN_PERCENT.sub(lambda m: f"{_number(m[1]) or m[1]}%", text)
    text = _CN_NUMBER.sub(lambda m: f"{_number(m[1]) or m[1]}{m[2]}{m[3]}", text)
    text = re.sub(r"(?<![\d.])0(\d)(?=[月日])", r"\1", text)  # 2024年06月 → 2024年6月
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)  # 1,000元 → 1000元


def _number(chinese: str) -> str:
    """二十四 → "24", 二〇一七 → "2017" (``""`` when ``chinese`` is no number)."""
    value = to_number(chinese)
    return "" if value is None else str(value)


def _missing(sentence: str, haystack: str) -> list[str]:
    """The figures of ``sentence`` that ``haystack`` does not hold (both canonical)."""
    missing = []
    numbers = [normalize_doc_number(m[0]) for m in DOC_NUMBER.finditer(haystack)]
    for match in DOC_NUMBER.finditer(sentence):
        found = normalize_doc_number(match[0])
        if not any(found.endswith(n) or n.endswith(found) for n in numbers):
            missing.append(found)
    rest = DOC_NUMBER.sub("|", sentence)
    figures = _DATE.findall(rest) + _NUMBER.findall(_DATE.sub("|", rest))
    for figure in figures:
        if not re.search(rf"(?<![\d.]){re.escape(figure)}(?!\d)", haystack):
            missing.append(figure)
    return missing
