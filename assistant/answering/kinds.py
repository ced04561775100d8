"""What a question asks for, from its own words: a small rule set, and the sentences that fit.

:func:`question_kind` names a :class:`Kind` by the first rule that matches the
(normalized) question, in this order:

- ``validity``: 还有效, 有效吗, 是否有效, 失效, 过期, 作废, 什么时候(开始)实施/施行/实行/
  生效 — a sentence that states the document's own validity (有效期, 失效日期, 施行,
  实施日期), not one that repeals another, with the date or years it asks for;
- ``metadata``: 文号, 发文机关, 哪个部门/单位/机关 发布, 什么时候/哪天 发布/印发/出台 —
  a sentence fits with a 文号 or a date;
- ``time``: 多久, 期限, 有效期, 几年/几个月/几天, 多少天, 何时, 什么时候, 哪天, 几月 — a date
  or a duration;
- ``amount``: 多少 (not of days, months or years), 标准, 金额, 比例, 费率, 上限 — an amount or
  a share;
- ``procedure``: 怎么/如何/怎样, 流程, 手续, 材料, 证件, 带什么, 去哪, 哪里, 向谁, 哪个部门 —
  where to ask (咨询: 热线, 电话), where to go (向…申请, 通过…申请, 窗口, 服务中心; not where
  to ask), what to bring (材料, 证件, 身份证, 提供) or how (提交, 登录, 网上, 流程), by what it
  asks;
- ``condition``: 能否, 可以, 可否, 是否, 条件, 资格, 哪些人, 符合, …吗 — 应当, 须, 不得, 不予,
  年满 …;
- ``other``: anything else.

:meth:`Asked.of` adds what a sentence that answers holds: for an amount, time or
metadata question, answers of the types it asks for (the index's answer types,
:func:`~assistant.index.tokens.asked_types`, or the kind's own: 元 and % for an
amount …); a question that asks two things (从哪天开始实行，管几年) is answered best by
a sentence with both (:meth:`Asked.fit`). A procedure or condition question is
answered by a sentence with one of its cue words, and, when it names a way of doing it
(网上, 手机 or 线下, 现场: :func:`asked_channel`), with that way's words. The figures a
direct answer emphasizes are the same answers' spans
(:func:`~assistant.index.tokens.answer_spans`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from ..chinese.answer_types import DURATION_NOUNS, DURATIONS, AnswerType
from ..chinese.words import alternation, words
from ..index.tokens import answer_spans, asked_types, quantity_types


class Kind(StrEnum):
    """The kind of answer a question asks for (see the module docstring)."""

    VALIDITY = "validity"
    METADATA = "metadata"
    TIME = "time"
    AMOUNT = "amount"
    PROCEDURE = "procedure"
    CONDITION = "condition"
    OTHER = "other"


KINDS = tuple(Kind)
_DURATION_UNITS = rf"(?:个)?(?:{alternation(words('units', 'duration'))})"
_RULES = (
    (
        Kind.VALIDITY,
        r"还有效|有效吗|是否有效|失效|过期|作废|(?:什么时候|何时|哪天|哪一天|哪年|哪月)"
        r"(?:开始|起)?(?:实施|施行|实行|生效)|(?:实施|施行|生效)(?:日期|时间)",
    ),
    (
        Kind.METADATA,
        r"文号|发文字号|发文机关|发布机关|哪个(?:部门|单位|机关)(?:发布|印发|制定|出台|发的)"
        r"|(?:什么时候|哪天|何时|哪一天|哪年)(?:发布|印发|出台|发的|印发的)|(?:发布|印发)(?:日期|时间)",
    ),
    (
        Kind.TIME,
        rf"多久|多长时间|{DURATION_NOUNS}|几{_DURATION_UNITS}|多少{_DURATION_UNITS}|何时|什么时候"
        r"|什么时间|哪天|哪一天|哪几天|哪年|几月|截止|到期",
    ),
    (Kind.AMOUNT, r"多少|标准|金额|比例|费率|几成|上限|封顶|怎么算|多高"),
    (
        Kind.PROCEDURE,
        r"怎么|如何|怎样|流程|手续|材料|证件|去哪|哪里|向谁|找谁|哪个部门|在哪|带什么|准备什么",
    ),
    (Kind.CONDITION, r"能否|可以|可否|是否|条件|资格|哪些人|符合|能不能|吗"),
)
_KIND_RULES = tuple((kind, re.compile(pattern)) for kind, pattern in _RULES)
# The answers each kind asks for when the question names none itself (多少 → 元 or %).
_TYPES = {
    Kind.METADATA: (AnswerType.DOC_NUMBER, AnswerType.DATE),
    Kind.TIME: (AnswerType.DATE, AnswerType.YEARS, AnswerType.MONTHS, AnswerType.DAYS),
    Kind.AMOUNT: (AnswerType.MONEY, AnswerType.PERCENT),
}
# A sentence saying what is brought or handed in (words.toml question.materials; not 提交至).
MATERIALS = re.compile(
    rf"(?!{alternation(words('question', 'passed_on'))})"
    rf"(?:{alternation(words('question', 'materials'))})"
)
# Up to a body's name in one clause: 向户籍所在地或经常居住地镇人民政府(街道办事处)提出.
_CLAUSE = r"[^，。；：,;:！？!?\n]{1,30}?"
# A procedure question asks where to go, what to bring, or how: each has its own cues.
# Where and what to bring are answered only by sentences with their cues (decisive).
_PROCEDURE = (
    (  # where to ask about it: a hotline, a counter that answers questions
        re.compile(r"(?:去|到|向|在)?(?:哪里|哪儿|哪)(?:可以|能)?咨询|找谁咨询|咨询电话"),
        re.compile(r"咨询|热线|电话"),
        True,
    ),
    (
        re.compile(  # where to go to get something done (not 位于哪里: a location)
            r"向谁|找谁|哪个部门|哪个单位|哪个机构"
            r"|(?:去|到|向|在)?(?:哪里|哪儿|哪些地方|哪)(?:可以|能)?(?:办|申请|提交|交|领|报名|备案|登记|注册)"
        ),
        # where it is done, in person or online; not where to ask about it (咨询)
        re.compile(
            rf"向{_CLAUSE}(?:申请|提出|提交|办理|申报)|(?:到|前往){_CLAUSE}(?:办理|申请)"
            rf"|(?:通过|登录){_CLAUSE}(?:申请|申领|办理|申报|提交)|(?:窗口|服务中心|经办机构|服务大厅)(?!咨询)"
        ),
        True,
    ),
    (
        # 提供什么 asks what to bring when nothing follows (提供什么支持 asks for support)
        re.compile(r"材料|证件|证明|带什么|准备什么|(?:提供|提交)什么[？?]?$|要带"),
        # what is brought, or handed in; not what is passed on (提交至网站公示: a bureau's step)
        MATERIALS,
        True,
    ),
    (
        re.compile(r"."),
        re.compile(
            rf"向{_CLAUSE}(?:申请|提出|提交|办理)|提交|提供|携带|登录|窗口|办理|网上|APP|小程序|流程|步"
        ),
        False,
    ),
)
# A clause ending in 的 names a case, it does not say what is done (（二）提供虚假证明等材料的；,
# 保障对象未按期提交申报材料…的（不可抗力除外），): a procedure's cue words in it say nothing of
# what to bring or where to go. 的 before a noun (符合条件的失业人员) ends no clause.
_CASE = re.compile(r"[^，。；：,;:！？!?\n]*的(?:[（(][^）)]*[）)])?(?=[，。；：,;:！？!?]|$)")


_WORD = re.compile(r"[\w\u4e00-\u9fff]")


def without_cases(text: str) -> str:
    """``text`` without its clauses that name a case (…的，…的；): what it says is done."""
    return _CASE.sub("", text)


# How a thing is done (words.toml): a question naming one asks for a sentence naming it.
_CHANNELS = tuple(
    re.compile(alternation(words("question", name), longest_first=True))
    for name in ("online", "in_person")
)


def asked_channel(question: str) -> re.Pattern[str] | None:
    """The way of doing a thing ``question`` asks about, online or in person, as the
    words that name it: the one it names last (不想在手机上弄，线下去哪里办 → in person),
    none when it names none or asks which (是网上申请还是要跑街道)."""
    if "还是" in question:
        return None
    named = [(m.start(), c) for c in _CHANNELS for m in c.finditer(question)]
    return max(named, key=lambda found: found[0])[1] if named else None


_VALIDITY = re.compile(r"失效|有效期|有效至|施行|实施日期")
_CONDITION = re.compile(
    r"应当|须|必须|不得|不予|不能|不可|可以|符合|条件|资格|年满|未满|以下|以上|不超过|不低于|暂不"
)


@dataclass(frozen=True)
class Asked:
    """What a question asks for: its kind, and what a sentence that answers it holds.

    Attributes:
        kind: What kind of answer it asks for.
        groups: Answer types (:func:`~assistant.index.tokens.answer_types`), in groups
            of alternatives: each unit the question counts in is its own group (几年,
            多少套), the other types it asks for one group (多久 → 年, 月 or 天), or the
            kind's own (多少 → 元 or %).
        cue: For a procedure or condition question without answer types, the words
            of a sentence that answers it.
        decisive: Whether only a sentence that fits may be the direct answer when one
            scores near the best (see :func:`.composition.compose`): true for answer types,
            for a validity question's cues and for where to go and what to bring; a
            condition's or a how's cue words (须, 提交) say too little.
        channel: The words of the way of doing it the question names, online or in
            person (:func:`asked_channel`): a sentence that answers names it too.
    """

    kind: str
    groups: tuple[tuple[AnswerType, ...], ...] = ()
    cue: re.Pattern[str] | None = None
    decisive: bool = False
    channel: re.Pattern[str] | None = None

    @classmethod
    def of(cls, question: str) -> Asked:
        """What the (normalized) ``question`` asks for."""
        asked = cls._of(question)
        if asked.kind not in (Kind.PROCEDURE, Kind.CONDITION):  # 网上提交以后多久: not asked
            return asked
        channel = asked_channel(question)
        return asked if channel is None else replace(asked, channel=channel)

    @classmethod
    def _of(cls, question: str) -> Asked:
        kind = question_kind(question)
        units = quantity_types(question)
        # 期限是几年: 期限 asks for the duration 几年 counts in already
        same = DURATIONS if DURATIONS.intersection(units) else frozenset(units)
        rest = tuple(t for t in asked_types(question) if t not in same and t not in units)
        groups = tuple((u,) for u in dict.fromkeys(units)) + ((rest,) if rest else ())
        if kind is Kind.VALIDITY:  # 什么时候失效？: a sentence on its validity, with a date
            return cls(kind, groups, cue=_VALIDITY, decisive=True)
        if not groups and kind in _TYPES:
            groups = (_TYPES[kind],)
        if groups:
            return cls(kind, groups, decisive=True)
        if kind is Kind.PROCEDURE:
            cue, decisive = next((c, d) for asks, c, d in _PROCEDURE if asks.search(question))
            return cls(kind, cue=cue, decisive=decisive)
        return cls(kind, cue=_CONDITION if kind is Kind.CONDITION else None)

    @property
    def types(self) -> tuple[AnswerType, ...]:
        """Every answer type asked for (the figures a direct answer emphasizes)."""
        return tuple(dict.fromkeys(t for group in self.groups for t in group))

    @property
    def doing(self) -> bool:
        """Whether where to go or what to bring is asked (a procedure's decisive cue)."""
        return self.decisive and self.kind is Kind.PROCEDURE

    def fit(self, sentence: str) -> float:
        """How much of what is asked ``sentence`` holds, 0–1: the share of the groups
        it has an answer of and whether it has the cue, each alike (a validity
        question with a date asks for both); where to go and what to bring count
        outside the clauses naming a case (:func:`without_cases`)."""
        held = [bool(answer_spans(sentence, g)) for g in self.groups]
        said = without_cases(sentence) if self.doing else sentence
        if self.cue is not None:  # where to go, what to bring: not in the cases a rule names
            held.append(bool(self.cue.search(said)))
        if self.channel is not None:
            held.append(bool(self.channel.search(said)))
        return sum(held) / len(held) if held else 0.0

    def only_a_case(self, sentence: str) -> bool:
        """Whether ``sentence`` names only a case of a rule (（二）提供虚假证明等材料的；) while
        where to go or what to bring is asked: it says nothing of what is done."""
        return self.doing and not _WORD.search(without_cases(sentence))


def question_kind(question: str) -> Kind:
    """The kind of answer a (normalized) question asks for."""
    return next((kind for kind, rule in _KIND_RULES if rule.search(question)), Kind.OTHER)
