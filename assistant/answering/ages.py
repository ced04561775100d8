"""Ages: the age a question gives, and the age conditions a sentence states.

"我妈70了坐公交要钱吗？" is answered by the rule for 65周岁以上, not by the one for
年满60周岁不满65周岁: a citizen gives an age, the documents give age brackets. This
module reads both, so that the direct answer is a sentence whose bracket holds the age
(:func:`age_fit`).

A question's age (:func:`asked_age`): ``70岁``, ``七十岁``, ``70周岁``, ``70了``,
``今年43``, ``刚满40``. A sentence's brackets (:func:`age_ranges`), as half-open ranges
``[low, high)`` of whole years:

- ``年满60周岁不满65周岁``, ``满35周岁至未满45周岁`` → [60, 65), [35, 45);
- ``18至45周岁``, ``18—40周岁``, ``0-6岁`` → [18, 46), [18, 41), [0, 7) (both ends in);
- ``年满60周岁``, ``65周岁以上``, ``60周岁及以上`` → [60, ∞), [65, ∞), [60, ∞);
- ``45周岁以下``, ``不超过55周岁`` → [0, 46), [0, 56);
- ``未满35周岁``, ``不满50周岁`` → [0, 35), [0, 50).

A bare age (``70岁老人``) states no bracket.
"""

from __future__ import annotations

import math
import re

from ..chinese.numerals import ONES, TEN, to_number

_YEARS = r"(?:周岁|岁)"
_N = r"(\d{1,3})"
# 年满60周岁不满65周岁, 满35周岁至未满45周岁, 年满60周岁未满65周岁
_PAIR = re.compile(
    rf"(?:年满|已满|满){_N}{_YEARS}(?:以上)?[，、]?(?:至|到)?(?:不满|未满){_N}{_YEARS}"
)
# 18至45周岁, 18—40周岁, 0-6岁 (both ends included)
_SPAN = re.compile(rf"(?<![\d.]){_N}{_YEARS}?(?:至|到|[~～—–\-－]){_N}{_YEARS}")
_ONE = re.compile(
    rf"(年满|已满|满|不满|未满|低于|不超过|超过)?{_N}{_YEARS}(及以上|以上|及以下|以下)?"
)
_LOWER = {"年满": 0, "已满": 0, "满": 0, "超过": 1, "及以上": 0, "以上": 0}
_UPPER = {"不满": 0, "未满": 0, "低于": 0, "不超过": 1, "及以下": 1, "以下": 1}
# 70岁, 七十岁, 70了 (我妈70了), 今年43, 刚满40: not 70年, 40元, 满3个月
_AGE_WORDS = re.compile(
    rf"(?<![\d.])(\d{{1,3}})(?:周岁|岁)|([{ONES}{TEN}]{{1,3}})(?:周岁|岁)"
    r"|(?<![\d.])(\d{2,3})了|(?:今年|刚满|已满|年满)(\d{1,3})(?![\d.年月日元%个天周万千百分号件套倍])"
)


def asked_age(question: str) -> int | None:
    """The first age ``question`` gives (1–120), or ``None``."""
    for m in _AGE_WORDS.finditer(question):
        digits = m.group(1) or m.group(3) or m.group(4)
        age = int(digits) if digits else int(to_number(m.group(2), strict=True) or 0)
        if age and 0 < age <= 120:
            return age
    return None


def age_ranges(sentence: str) -> list[tuple[float, float]]:
    """The age brackets ``sentence`` states, as ``[low, high)`` ranges, in order."""
    found: list[tuple[int, tuple[float, float]]] = []
    taken = [False] * len(sentence)
    for pattern, shift in ((_PAIR, 0), (_SPAN, 1)):
        for m in pattern.finditer(sentence):
            if not any(taken[m.start() : m.end()]):
                found.append((m.start(), (int(m.group(1)), int(m.group(2)) + shift)))
                taken[m.start() : m.end()] = [True] * (m.end() - m.start())
    for m in _ONE.finditer(sentence):
        if any(taken[m.start() : m.end()]):
            continue
        before, number, after = m.group(1) or "", int(m.group(2)), m.group(3) or ""
        if before in _LOWER or after in _LOWER:
            found.append((m.start(), (number + _LOWER.get(before, 0), math.inf)))
        elif before in _UPPER or after in _UPPER:
            found.append((m.start(), (0, number + _UPPER.get(before or after, 0))))
    return [r for _, r in sorted(found)]


def age_fit(age: int | None, sentence: str) -> float:
    """1 when a bracket of ``sentence`` holds ``age``, -1 when it states brackets and none
    does, 0 when it states none (or no age is asked)."""
    if age is None:
        return 0.0
    ranges = age_ranges(sentence)
    if not ranges:
        return 0.0
    return 1.0 if any(low <= age < high for low, high in ranges) else -1.0

