"""What a question asks for, from its own words: a small rule set, and the sentences that fit.

:func:`question_kind` names one of :data:`KINDS` by the first rule that matches the
(normalized) question, in this order:

- ``metadata``: 文号, 发文机关, 哪个部门/单位/机关 发布, 什么时候/哪天 发布/印发/出台 —
  a sentence fits with a 文号 or a date;
- ``time``: 多久, 期限, 有效期, 几年/几个月/几天, 多少天, 何时, 什么时候, 哪天, 几月 — a date
  or a duration;
- ``amount``: 多少 (not of days, months or years), 标准, 金额, 比例, 费率, 上限 — an amount or
  a share;
- ``procedure``: 怎么/如何/怎样, 流程, 手续, 材料, 证件, 去哪, 哪里, 向谁, 哪个部门 — 向…申请,
  提交, 提供, 登录, 窗口 …;
- ``condition``: 能否, 可以, 可否, 是否, 条件, 资格, 哪些人, 符合, …吗 — 应当, 须, 不得, 不予,
  年满 …;
- ``other``: anything else.

A sentence fits an amount, time or metadata question when it holds an answer of a
type the question asks for (the index's answer types, :func:`~assistant.index.tokens.asked_types`,
or the kind's own: 元 and % for an amount …); a procedure or condition question when
it holds one of the kind's cue words. :func:`fits` says which; the figures a direct
answer emphasizes are the same answers' spans (:func:`~assistant.index.tokens.answer_spans`).
"""

from __future__ import annotations

import re

from ..index.tokens import answer_spans, asked_types, quantity_types

KINDS = ("metadata", "time", "amount", "procedure", "condition", "other")
_DURATION_UNITS = r"(?:个)?(?:工作日|天|日|个月|月|年|周|小时)"
_RULES = (
    (
        "metadata",
        r"文号|发文字号|发文机关|发布机关|哪个(?:部门|单位|机关)(?:发布|印发|制定|出台|发的)"
        r"|(?:什么时候|哪天|何时|哪一天|哪年)(?:发布|印发|出台|发的|印发的)|(?:发布|印发)(?:日期|时间)",
    ),
    (
        "time",
        rf"多久|多长时间|期限|有效期|几{_DURATION_UNITS}|多少{_DURATION_UNITS}|何时|什么时候"
        r"|什么时间|哪天|哪一天|哪几天|哪年|几月|截止|到期",
    ),
    ("amount", r"多少|标准|金额|比例|费率|几成|上限|封顶|怎么算|多高"),
    ("procedure", r"怎么|如何|怎样|流程|手续|材料|证件|去哪|哪里|向谁|找谁|哪个部门|在哪"),
    ("condition", r"能否|可以|可否|是否|条件|资格|哪些人|符合|能不能|吗"),
)
_KIND_RULES = tuple((kind, re.compile(pattern)) for kind, pattern in _RULES)
# The answers each kind asks for when the question names none itself (多少 → 元 or %).
_TYPES = {
    "metadata": ("#文号", "#日期"),
    "time": ("#日期", "#年", "#月", "#天"),
    "amount": ("#元", "#%"),
}
_CUES = {
    "procedure": re.compile(
        r"向.{1,20}(?:申请|提出|提交|办理)|提交|提供|携带|登录|窗口|办理|网上|APP|小程序|流程|步"
    ),
    "condition": re.compile(
        r"应当|须|必须|不得|不予|不能|不可|可以|符合|条件|资格|年满|未满|以下|以上|不超过|不低于|暂不"
    ),
}


def question_kind(question: str) -> str:
    """The kind of answer a (normalized) question asks for, one of :data:`KINDS`."""
    return next((kind for kind, rule in _KIND_RULES if rule.search(question)), "other")


def wanted_types(question: str, kind: str) -> tuple[str, ...]:
    """The answer types a question of ``kind`` asks for: the unit it counts in (几年 → 年,
    not any duration), else those its words ask for (多久 → a duration), else the kind's."""
    found = quantity_types(question) or asked_types(question)
    return tuple(dict.fromkeys(found)) or _TYPES.get(kind, ())


def fits(sentence: str, kind: str, types: tuple[str, ...]) -> bool:
    """Whether ``sentence`` holds what a question of ``kind`` asking for ``types`` wants."""
    if types:
        return bool(answer_spans(sentence, types))
    cue = _CUES.get(kind)
    return bool(cue and cue.search(sentence))
