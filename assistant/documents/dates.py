"""Dates as Chinese documents write them, read as ``YYYY-MM-DD``."""

from __future__ import annotations

import re

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "O": 0}
DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
CN_DATE = re.compile(
    r"([〇○零一二三四五六七八九O]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)
_ISO_DATE = re.compile(r"^((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})$")


def parse_date(value: str) -> str:
    """Return ``YYYY-MM-DD`` for "2020年8月31日", "二〇二〇年八月三十一日" or "2020-08-31"."""
    value = value.strip()
    if m := _ISO_DATE.match(value) or DATE.search(value):
        year, month, day = (int(g) for g in m.groups())
    elif m := CN_DATE.search(value):
        year = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
        month, day = cn_number(m.group(2)), cn_number(m.group(3))
    else:
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else ""


def cn_number(text: str) -> int:
    """A number from one to ninety-nine written in Chinese: 五 → 5, 十二 → 12."""
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text]
