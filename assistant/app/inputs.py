"""API inputs checked at the edge, by type and size, before anything runs.

Whatever a client sends to ``/ask`` (or to the page's events), answering sees only
what it expects: a question that is a string of at most
:data:`~assistant.answering.question.MAX_QUESTION_CHARS` characters once normalized,
a history that is a list of at most :data:`MAX_HISTORY` such strings, filters that
are short strings. Unpaired surrogates (``"\\ud800"``) and control characters are
removed first. A wrong type is refused with a Chinese :class:`InputError` naming the
field and what it should be — never Python's own text — so nothing is logged as a
traceback; an over-long history is shortened, and :attr:`Asked.note` says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..answering.question import MAX_QUESTION_CHARS, check_question

MAX_HISTORY = 20  # earlier questions used; older ones are dropped
MAX_FILTER_CHARS = 100
# Longer raw text is refused before it is normalized (normalizing never lengthens much).
MAX_RAW_CHARS = 4 * MAX_QUESTION_CHARS
# Unpaired surrogates (a Python str from JSON holds pairs as one character) and C0/C1
# control characters; newlines and tabs count as spaces.
_UNWANTED = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile("[\t\n\r]+")
_SURROGATES = re.compile("[\ud800-\udfff]")
KINDS = {bool: "真假值", int: "数字", float: "数字", list: "列表", tuple: "列表", dict: "字典"}


class InputError(ValueError):
    """An input of the wrong type or size, with its Chinese message."""


@dataclass(frozen=True)
class Asked:
    """A request's inputs, checked.

    Attributes:
        question: The question, cleaned (not yet normalized: answering does that).
        history: The earlier questions used, oldest first.
        doc_type: The 文件类型 filter (``""`` for none).
        issuer: The 发文机关 filter.
        year: The 年份 filter.
        note: Why part of the history was not used, else ``""``.
    """

    question: str
    history: tuple[str, ...] = ()
    doc_type: str = ""
    issuer: str = ""
    year: str = ""
    note: str = ""


def clean(text: str) -> str:
    """``text`` without unpaired surrogates and control characters (line breaks and
    tabs become spaces)."""
    return _UNWANTED.sub("", _SPACES.sub(" ", text))


def without_surrogates(value: Any) -> Any:
    """``value`` (strings in lists and dicts, as the chat's messages are) with its unpaired
    surrogates removed: the page's replies are encoded as UTF-8, which has no place for them."""
    if isinstance(value, str):
        return _SURROGATES.sub("", value)
    if isinstance(value, list):
        return [without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {key: without_surrogates(item) for key, item in value.items()}
    return value


def kind(value: object) -> str:
    """What ``value`` is, in Chinese."""
    if value is None:
        return "空值"
    return next((name for t, name in KINDS.items() if type(value) is t), "其他类型的数据")


def checked_question(value: object) -> str:
    """The question, cleaned.

    Raises:
        InputError: Not a string, empty, or too long once normalized.
    """
    if not isinstance(value, str):
        raise InputError(f"问题应是一段文字，收到的是{kind(value)}：请输入要查询的问题。")
    text = clean(value)
    if len(text) > MAX_RAW_CHARS:
        raise InputError(
            f"问题过长 question too long（{len(text)} 字，上限 {MAX_QUESTION_CHARS} 字）："
            "请精简后再问。"
        )
    try:
        check_question(text)
    except ValueError as error:
        raise InputError(str(error)) from None
    return text


def checked_history(value: object) -> tuple[tuple[str, ...], str]:
    """The earlier questions to use, oldest first, and the note on those dropped.

    ``None`` is no history. Of a list of strings, empty ones are skipped, those over
    :data:`MAX_QUESTION_CHARS` characters are dropped, and only the latest
    :data:`MAX_HISTORY` are kept.

    Raises:
        InputError: Not a list (a string is not read character by character), or an
            item that is not a string.
    """
    if value is None:
        return (), ""
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise InputError(
            f'history（对话历史）应是此前问题的列表，例如 ["一次性创业补贴怎么申请？"]，'
            f"收到的是{'一段文字' if isinstance(value, str) else kind(value)}。"
        )
    questions: list[str] = []
    too_long = 0
    for number, item in enumerate(value, 1):
        if not isinstance(item, str):
            raise InputError(f"history（对话历史）第 {number} 项应是文字，收到的是{kind(item)}。")
        text = clean(item).strip()
        if len(text) > MAX_QUESTION_CHARS:
            too_long += 1
        elif text:
            questions.append(text)
    dropped = max(0, len(questions) - MAX_HISTORY)
    notes = []
    if dropped:
        notes.append(f"只用最近的 {MAX_HISTORY} 个问题，较早的 {dropped} 个未用")
    if too_long:
        notes.append(f"{too_long} 个超过 {MAX_QUESTION_CHARS} 字的问题未用")
    note = f"（对话历史：{'；'.join(notes)}。）" if notes else ""
    return tuple(questions[dropped:]), note


def checked_filter(value: object, label: str) -> str:
    """A filter's value: ``""`` for none; a whole number is taken as its digits (a year).

    Raises:
        InputError: Another type, or longer than :data:`MAX_FILTER_CHARS` characters.
    """
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InputError(f"筛选条件“{label}”应是文字，收到的是{kind(value)}。")
    text = clean(value).strip()
    if len(text) > MAX_FILTER_CHARS:
        raise InputError(f"筛选条件“{label}”过长（{len(text)} 字，上限 {MAX_FILTER_CHARS} 字）。")
    return text


def checked(
    question: object,
    history: object = None,
    doc_type: object = "",
    issuer: object = "",
    year: object = "",
) -> Asked:
    """All of a request's inputs checked (see the functions above).

    Raises:
        InputError: The first input of the wrong type or size.
    """
    text = checked_question(question)
    questions, note = checked_history(history)
    return Asked(
        text,
        questions,
        checked_filter(doc_type, "文件类型"),
        checked_filter(issuer, "发文机关"),
        checked_filter(year, "年份"),
        note,
    )
