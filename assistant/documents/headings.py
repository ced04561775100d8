"""The heading grammar of Chinese official documents, shared by cleaning and chunking.

第X章 / 第X节 / 第X条, 一、, 第X步, （一） 1. （1） ①, and 一是/二是 runs; unnumbered part
titles such as 部门预算编制说明, and attachments (附件：…), which start a part too.
:func:`heading_kind` names the kind a line starts with, :func:`heading_label` gives
the short form used in section paths.
"""

from __future__ import annotations

import re

from ..chinese.numerals import LIANG, ONES, TEN, ZEROS

CN_NUMERALS = ONES + TEN + "百" + ZEROS + LIANG
_CITED_PART = rf"\s*第[（(]?[{CN_NUMERALS}\d]+[)）]?[款项]"  # 第二十条第（一）项, 第五条第二款
_HEADINGS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("chapter", rf"^第[{CN_NUMERALS}\d]+章"),
        ("section", rf"^第[{CN_NUMERALS}\d]+节"),
        ("article", rf"^第[{CN_NUMERALS}\d]+条(?![{CN_NUMERALS}\d]|{_CITED_PART})"),
        ("cn", rf"^[{CN_NUMERALS}]{{1,3}}、"),
        ("step", rf"^第[{CN_NUMERALS}\d]{{1,2}}步"),
        ("paren_cn", rf"^[（(][{CN_NUMERALS}]{{1,3}}[)）]"),
        ("arabic", r"^\d{1,2}(?:[、]|[.．](?!\d))"),
        ("paren_arabic", r"^[（(]\d{1,2}[)）]"),
        ("circled", r"^[①-⑳]"),
        # a caption citing another text's article (a report's 第二十条第（一）项 table)
        ("cited", rf"^第[{CN_NUMERALS}\d]+条{_CITED_PART}"),
        ("shi", rf"^[{CN_NUMERALS}]{{1,2}}是(?=[^，。；]{{2,}})"),
    )
)
LABEL_CHARS = 24
# The usual nesting, outermost first. A heading closes the open headings of kinds
# nested deeper than its own: （一） after a 小贴士's 1. 2. list is not under 2.
LEVELS = {kind: level for level, (kind, _) in enumerate(_HEADINGS)}


def heading_kind(line: str) -> str | None:
    """Return the kind of heading ``line`` starts with (``"cn"`` for 一、…), or ``None``."""
    for kind, pattern in _HEADINGS:
        if pattern.match(line):
            return kind
    return None


def without_number(line: str) -> str:
    """The heading's words without its number: 六、申请材料 → 申请材料, 第二章 总则 → 总则."""
    for _, pattern in _HEADINGS:
        if found := pattern.match(line):
            return line[found.end() :].strip(" \t、.．")
    return line.strip()


_PART_TITLE = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff\d]{3,19}")


def is_part_title(line: str, following: str) -> bool:
    """An unnumbered heading such as 部门预算编制说明: a short bare line before a paragraph
    or before the first of a numbered list (人民调解项目经费情况说明 / 一、项目概述)."""
    return (
        bool(_PART_TITLE.fullmatch(line))
        and "\t" not in following
        and (len(following) >= max(20, 2 * len(line)) or following.startswith("一、"))
    )


# An attachment starts: "附件", "附件：广州市就业见习基地申请程序", "附件1广州市…指标体系", "附表2";
# so does a web page's 基本信息 box (its 文号, 实施日期, 失效日期), which readers put last.
_PART_START = re.compile(r"附[件表]\s*(?:\d{1,2}|[：:]|$)|基本信息$")


def starts_part(line: str) -> bool:
    """A line that starts an attachment (附件, 附件：X, 附件2 X, 附表1) or the 基本信息 box:
    the headings before it end."""
    return len(line) <= 60 and bool(_PART_START.match(line))


def heading_label(line: str) -> str:
    """The short form of a heading used in section paths: up to the first 。/：, ≤24 chars."""
    label = re.split(r"[。：:；;]", line, maxsplit=1)[0].strip()
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
