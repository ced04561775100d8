"""The kinds of answer a passage holds and a question asks for: :class:`AnswerType`.

A passage holds an amount (554套, 401万元), a date, a 文号 or a telephone number; a question
asks for some of them (多少套, 哪天, 多久). Each kind is one BM25 token (``#套``, ``#元``,
``#日期``; :mod:`assistant.index.tokens`), the member's value, so the index's tokens are
these strings.
"""

from __future__ import annotations

from enum import StrEnum

from .words import table, words


class AnswerType(StrEnum):
    """A kind of answer, its value the BM25 token (``#元``). Units after a number give their
    own type (:meth:`of_unit`: 万元 → :attr:`MONEY`, 个工作日 → :attr:`DAYS`)."""

    DATE = "#日期"
    DOC_NUMBER = "#文号"
    PHONE = "#电话"
    PERCENT = "#%"
    MONEY = "#元"
    YEARS = "#年"
    MONTHS = "#月"
    DAYS = "#天"
    HOURS = "#小时"
    AGE = "#岁"
    ITEMS = "#个"
    PIECES = "#件"
    FIRMS = "#家"
    PEOPLE = "#人"
    PERSONS = "#名"
    SETS = "#套"
    VEHICLES = "#辆"
    TIMES = "#次"
    PROJECTS = "#项"
    ARTICLES = "#条"
    FOLD = "#倍"
    MACHINES = "#台"
    INSTITUTIONS = "#所"
    HOUSEHOLDS = "#户"
    ROOMS = "#间"
    BUILDINGS = "#座"
    SQUARE_METRES = "#平方米"
    KILOMETRES = "#公里"

    @classmethod
    def of_unit(cls, unit: str) -> AnswerType:
        """The type of an amount in ``unit`` (a unit of ``units.answer`` in words.toml).

        Raises:
            ValueError: A unit without a type.
        """
        try:
            return _OF_UNIT[unit]
        except KeyError:
            raise ValueError(f"no answer type for the unit {unit!r}") from None


# Every answer unit's type, checked once: a unit added to words.toml needs its member here.
_OF_UNIT = {
    unit: AnswerType("#" + table("unit_types").get(unit, unit)) for unit in words("units", "answer")
}
# What 多久, 期限 and 有效期 ask for: a duration.
DURATIONS = frozenset((AnswerType.YEARS, AnswerType.MONTHS, AnswerType.DAYS))
# Nouns that ask for a duration (期限是多久？), unless they frame the question instead:
# 在延长期限内…, 有效期届满后… (a pattern for assistant/index/tokens.py and answering/kinds.py).
DURATION_NOUNS = r"(?:期限|有效期)(?!内|之内|以内|前|后|届满)"
