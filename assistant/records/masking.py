"""Personal numbers hidden from a question before it is stored.

身份证号 (18 characters with a valid check digit, or 15 digits), mobile numbers (11 digits
starting 13–19, with or without +86 and separators) and bank-card numbers (16–19 digits,
possibly in groups) become ``[身份证号]``, ``[手机号]`` and ``[银行卡号]``. Full-width
digits count as digits. Years, amounts and document numbers are far shorter and stay.
"""

from __future__ import annotations

import re

ID, MOBILE, CARD = "[身份证号]", "[手机号]", "[银行卡号]"
MASKED = re.compile("|".join(re.escape(p) for p in (ID, MOBILE, CARD)))  # what mask() puts in

_D = "[0-9０-９]"
_SEP = r"[ \-－]?"
_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789xX")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

# Digit runs not inside a longer one; groups of digits may be split by a space or dash.
_RUN = re.compile(rf"(?<![0-9０-９])(?:[+＋]?86{_SEP})?{_D}(?:{_SEP}{_D})*[XxＸｘ]?(?![0-9０-９])")


def mask(text: str) -> str:
    """``text`` with its 身份证号, mobile and bank-card numbers replaced by their kind."""
    return _RUN.sub(_replace, text)


def _replace(found: re.Match[str]) -> str:
    raw = found.group(0)
    digits = re.sub(r"[ \-－+＋]", "", raw.translate(_FULLWIDTH))
    if _is_id(digits):
        return ID
    if re.fullmatch(r"(86)?1[3-9]\d{9}", digits):
        return MOBILE
    if re.fullmatch(r"\d{16,19}", digits):
        return CARD
    return raw


def _is_id(digits: str) -> bool:
    """An 18-character 身份证号 with a valid check digit, or a 15-digit one."""
    if re.fullmatch(r"\d{15}", digits):
        return True
    if not re.fullmatch(r"\d{17}[\dXx]", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == digits[17].upper()
