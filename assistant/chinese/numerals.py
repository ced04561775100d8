"""Chinese numerals: the characters they are written with, and the one parser of them (cn2an).

:func:`to_number` reads a number written in Chinese (二十四 → 24, 一千五百 → 1500, 两 → 2;
``strict`` reads only the standard written form: 十二, not 一二), :func:`to_chinese` writes one
(24 → 二十四), :func:`year_digits` reads a year written digit by digit (二〇一八 → 2018). The
character classes below are what patterns elsewhere put in ``[…]`` to find such numbers.
"""

from __future__ import annotations

ZEROS = "零〇"
ONES = "一二三四五六七八九"
LIANG = "两"  # 2 before a measure word: 两个月, 两年
TEN = "十"
POWERS = "百千"
LARGE = "万亿"
# A year written digit by digit: 二〇一八, 二○一八 (a circle for the zero), 二O一八 (the letter).
YEAR_DIGITS = "〇○零" + ONES
# Counting numerals: 二十四, 两, 一百二十, 一千五百.
COUNTING = ZEROS + ONES + LIANG + TEN + POWERS
_YEAR_TABLE = str.maketrans(YEAR_DIGITS + "O", "000" + "123456789" + "0")
_ERRORS = (ValueError, KeyError, IndexError, TypeError)


def to_number(text: str, *, strict: bool = False) -> int | float | None:
    """The number ``text`` writes in Chinese (or in digits mixed with Chinese), or ``None``.

    Args:
        text: 二十四, 一千五百, 两, 3万, 二〇一七.
        strict: Only the standard written form (十二, 二十; not 一二 read digit by digit,
            nor digits).
    """
    import cn2an

    try:
        return cn2an.cn2an(text, "strict" if strict else "smart")
    except _ERRORS:
        return None


def to_chinese(value: int) -> str:
    """24 → 二十四."""
    import cn2an

    return str(cn2an.an2cn(str(value)))


def year_digits(text: str) -> str:
    """A year written digit by digit in digits: 二〇一八 → 2018 (other characters kept)."""
    return text.translate(_YEAR_TABLE)
