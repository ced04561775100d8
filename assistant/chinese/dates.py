"""Dates as Chinese documents write them, read as ``YYYY-MM-DD``."""

from __future__ import annotations

import re

from .numerals import ONES, TEN, YEAR_DIGITS, to_number, year_digits

DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DAY_NUMBER = f"[{ONES}{TEN}]{{1,3}}"
CN_DATE = re.compile(rf"([{YEAR_DIGITS}O]{{4}})年({_DAY_NUMBER})月({_DAY_NUMBER})日")
_YEAR_NAMED = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=年)")  # 2024年, 2024年度
_ISO_DATE = re.compile(r"^((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})$")


def parse_date(value: str) -> str:
    """Return ``YYYY-MM-DD`` for "2020年8月31日", "二〇二〇年八月三十一日" or "2020-08-31"."""
    value = value.strip()
    if m := _ISO_DATE.match(value) or DATE.search(value):
        year, month, day = (int(g) for g in m.groups())
    elif m := CN_DATE.search(value):
        year = int(year_digits(m.group(1)))
        month, day = (int(to_number(m.group(i), strict=True) or 0) for i in (2, 3))
    else:
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else ""


def years_named(text: str) -> list[str]:
    """The years ``text`` names with 年 (2024年, 2024年度), in order, repeats kept."""
    return _YEAR_NAMED.findall(text)
