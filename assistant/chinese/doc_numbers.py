"""文号 (document numbers): found in any written form, written one way, compared by one key.

A 文号 is written many ways: 穗府办规〔2021〕19号, 穗府办规[2021]19号, 穗府办规（2021）第19号,
穗府办规【2021】19号, 穗府办规 〔2021〕 19 号, and by people without brackets: 穗府办规2021年19号,
穗府办规2021 19号, 穗府办规2021-19号 (file names). A 令 has no year: 广州市人民政府令第179号,
国务院令第746号.
:func:`normalize_doc_number` writes one the standard way (穗府办规〔2021〕19号);
:func:`find_doc_numbers` finds every 文号 in a text in any of these forms as a
:class:`DocNumber`, whose :attr:`~DocNumber.key` is the same for every form;
:meth:`DocNumber.names` says whether a 文号 written in a question is a document's own
(words before it, "请问穗府办规…", do not matter; a 令's issuer may be shortened or left out, its 第
too: 市政府令第179号, 政府令179号, 市政府179号令, 179号令).
This is the one place that knows how 文号 are written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

OPEN, CLOSE = "〔[【(（［﹝〖", "〕]】)）］﹞〗"
_YEAR = r"(?:19|20)\d{2}"
_SERIAL = r"\s*第?\s*(\d{1,5})\s*号"
DOC_NUMBER = re.compile(
    rf"(?:[\u4e00-\u9fff]{{1,12}}[{re.escape(OPEN)}]\s*{_YEAR}\s*[{re.escape(CLOSE)}]"
    rf"\s*第?\s*\d{{1,5}}\s*号|[\u4e00-\u9fff]{{2,14}}令\s*第\s*\d{{1,5}}\s*号)"
)
# A 文号's bracketed year, in any brackets: 〔2021〕, [2021], （2021）, 【2021】.
YEAR_BRACKET = re.compile(
    rf"[{re.escape(OPEN)}]\s*({_YEAR})\s*[{re.escape(CLOSE)}](?=\s*第?\s*\d{{1,5}}\s*号)"
)
# Every form, with its prefix, year and serial as groups (a 令's year is empty).
_ANY = re.compile(
    rf"([\u4e00-\u9fff]{{1,12}}?)\s*(?:[{re.escape(OPEN)}]\s*({_YEAR})\s*[{re.escape(CLOSE)}]"
    rf"|({_YEAR})\s*(年|[-－—]|\s)){_SERIAL}"
    rf"|([\u4e00-\u9fff]{{2,14}}?令)\s*第?\s*(\d{{1,5}})\s*号"
    rf"|([\u4e00-\u9fff]{{0,14}}?)第?\s*(\d{{1,5}})\s*号令"
)
# Without brackets, "2024年5号" may be a date: 穗府办规2021年19号 (or 2021 19号) is a 文号 only when
# its prefix ends as 文号 prefixes do (规, 规字, 发, 函, 办, 字).
_PLAIN_PREFIX_END = ("规", "字", "发", "函", "办", "令")
# Words a 文号 match may drag in from the text before it ("…的解读穗天科工信规字〔2023〕1号",
# "请问穗府办规…").
_LEADING_WORDS = re.compile(r"^.*[的日于据照按见及与、是为在由号：:问查]+(?=[\u4e00-\u9fff]{2})")
_FILE_FORM = re.compile(r"〔(\d{4})〕(\d+)号")


@dataclass(frozen=True)
class DocNumber:
    """One 文号: 穗府办规〔2021〕19号 is ``DocNumber("穗府办规", "2021", 19)``.

    Attributes:
        prefix: The issuer's code (穗府办规), or for a 令 the issuer and 令 (国务院令).
        year: The bracketed year; empty for a 令.
        serial: The number.
        span: Where it was found in the text searched (not compared).
    """

    prefix: str
    year: str
    serial: int
    span: tuple[int, int] = field(default=(0, 0), compare=False)

    @property
    def text(self) -> str:
        """The standard form: 穗府办规〔2021〕19号, 国务院令第746号."""
        if not self.year:
            return f"{self.prefix}第{self.serial}号"
        return f"{self.prefix}〔{self.year}〕{self.serial}号"

    @property
    def key(self) -> tuple[str, str, int]:
        """The same for every written form of the same 文号."""
        return (self.prefix, self.year, self.serial)

    def names(self, own: DocNumber) -> bool:
        """Whether this 文号 (as found in a question) is ``own``: the same year and
        serial, and a prefix that ends with ``own``'s (words before it are not part of it)."""
        if self.year != own.year or self.serial != own.serial or len(own.prefix) < 2:
            return False
        return self.prefix.endswith(own.prefix) or (not own.year and self._shortens(own.prefix))

    def _shortens(self, prefix: str) -> bool:
        """Whether this 令's issuer is ``prefix`` shortened: at least three of its characters,
        in order (市政府令, 政府令 for 广州市人民政府令; 省政府令 is not), or none (179号令)."""
        chars = iter(prefix)
        short = len(self.prefix) >= 3 or self.prefix == "令"
        return short and prefix.endswith("令") and all(ch in chars for ch in self.prefix)

    def trimmed(self, prefixes: set[str]) -> DocNumber:
        """This 文号 without words before its prefix: the longest of ``prefixes`` (known
        prefixes) it ends with, else as found."""
        known = [p for p in prefixes if len(p) >= 2 and self.prefix.endswith(p)]
        if not known:
            return self
        return DocNumber(max(known, key=len), self.year, self.serial, self.span)


def normalize_doc_number(value: str) -> str:
    """Write a 文号 the standard way: ``穗府办规[2024] 13 号`` → ``穗府办规〔2024〕13号``,
    ``中华人民共和国国务院令第746号`` → ``国务院令第746号``."""
    value = re.sub(r"\s+", "", value)
    value = _LEADING_WORDS.sub("", value).removeprefix("中华人民共和国")
    return YEAR_BRACKET.sub(r"〔\1〕", value)


def brackets_normalized(text: str) -> str:
    """``text`` with every 文号's year in 〔〕: 穗府办规[2024]13号 → 穗府办规〔2024〕13号."""
    return YEAR_BRACKET.sub(r"〔\1〕", text)


def parse_doc_number(value: str) -> DocNumber | None:
    """The 文号 ``value`` is (in any form), or ``None``."""
    found = find_doc_numbers(value)
    return found[0] if len(found) == 1 else None


def find_doc_numbers(text: str) -> list[DocNumber]:
    """Every 文号 in ``text``, in any written form (see the module docstring), in order."""
    found = []
    for m in _ANY.finditer(text):
        if m.group(6):  # a 令
            prefix, year, serial = m.group(6), "", m.group(7)
        elif m.group(9):  # a 令 said the spoken way: 市政府179号令, 179号令
            prefix, year, serial = f"{m.group(8)}令", "", m.group(9)
        else:
            prefix, year, serial = m.group(1), m.group(2) or m.group(3), m.group(5)
            plain = m.group(4) and (m.group(4) == "年" or m.group(4).isspace())
            if plain and not prefix.endswith(_PLAIN_PREFIX_END):
                continue
        prefix = _LEADING_WORDS.sub("", prefix).removeprefix("中华人民共和国")
        found.append(DocNumber(prefix, year, int(serial), m.span()))
    return found


def file_form(number: str) -> str:
    """A 文号 as file names write it: 穗府办规〔2024〕13号 → 穗府办规2024-13号."""
    return _FILE_FORM.sub(r"\1-\2号", number)
