"""Citation metadata of a document: title, 文号, issuer, date and 文种.

:func:`extract` reads them from the cleaned text and the file name; an optional
``metadata.csv`` in the corpus (:func:`read_sidecar`) overrides them per file.
"""

from __future__ import annotations

import csv
import re
from dataclasses import fields, replace
from pathlib import Path

from ..types import Source
from .places import gazetteer

SIDECAR = "metadata.csv"
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "O": 0}
_OPEN, _CLOSE = "〔[【(（［", "〕]】)）］"
DOC_NUMBER = re.compile(
    rf"(?:[\u4e00-\u9fff]{{1,12}}[{re.escape(_OPEN)}]\s*(?:19|20)\d{{2}}\s*[{re.escape(_CLOSE)}]"
    rf"\s*第?\s*\d{{1,5}}\s*号|[\u4e00-\u9fff]{{2,14}}令\s*第\s*\d{{1,5}}\s*号)"
)
# Words a 文号 match may drag in from the sentence before it ("…的解读穗天科工信规字〔2023〕1号").
_LEADING_WORDS = re.compile(r"^.*[的日于据照按见及与、是为在由号：:]+(?=[\u4e00-\u9fff]{2})")
_FILE_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,12}?)((?:19|20)\d{2})-(\d{1,5})号")
_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_CN_DATE = re.compile(
    r"([〇○零一二三四五六七八九O]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)
_ISO_DATE = re.compile(r"^((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})$")
_ISSUER_END = (
    "局",
    "委员会",
    "政府",
    "办公室",
    "办公厅",
    "厅",
    "部",
    "院",
    "委",
    "会",
    "中心",
    "处",
    "署",
    "室",
    "所",
    "站",
    "办",
    "联",
    "馆",
    "街道办事处",
)
DOC_TYPES = (
    "实施细则",
    "细则",
    "办法",
    "条例",
    "规定",
    "意见",
    "决定",
    "通知",
    "通告",
    "公告",
    "批复",
    "答复的函",
    "函",
    "报告",
    "预算",
    "决算",
    "方案",
    "规划",
    "指引",
    "指南",
    "问答",
    "解答",
    "清单",
    "纪要",
    "令",
)
_TYPE_NAMES = {"实施细则": "细则", "答复的函": "函", "解答": "问答"}


def extract(text: str, file_name: str, title_hint: str = "") -> Source:
    """Read citation metadata from a document's cleaned text and file name.

    Args:
        text: The cleaned text (one paragraph per line).
        file_name: The file's name, used for the title and 文号 when the text lacks them.
        title_hint: A title from the file format (HTML ``<title>``, PDF metadata).
    """
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    head = lines[:15]
    title = _title(head, file_name, title_hint)
    return Source(
        title=title,
        doc_number=_doc_number(head, file_name),
        issuer=_issuer(lines, title),
        issued_on=_issued_on(lines, file_name),
        doc_type=doc_type_of(title or Path(file_name).stem),
    )


def normalize_doc_number(value: str) -> str:
    """Write a 文号 the standard way: ``穗府办规[2024] 13 号`` → ``穗府办规〔2024〕13号``."""
    value = re.sub(r"\s+", "", value)
    value = _LEADING_WORDS.sub("", value)
    return re.sub(rf"[{re.escape(_OPEN)}]((?:19|20)\d{{2}})[{re.escape(_CLOSE)}]", r"〔\1〕", value)


def parse_date(value: str) -> str:
    """Return ``YYYY-MM-DD`` for "2020年8月31日", "二〇二〇年八月三十一日" or "2020-08-31"."""
    value = value.strip()
    if m := _ISO_DATE.match(value) or _DATE.search(value):
        year, month, day = (int(g) for g in m.groups())
    elif m := _CN_DATE.search(value):
        year = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
        month, day = _cn_number(m.group(2)), _cn_number(m.group(3))
    else:
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else ""


def doc_type_of(title: str) -> str:
    """The 文种 a title ends with, e.g. 函, 通知, 办法; empty when none is recognised."""
    core = re.sub(r"[（(][^（）()]*[)）]$|[\s《》“”\"]", "", title)
    for kind in DOC_TYPES:
        if core.endswith(kind):
            return _TYPE_NAMES.get(kind, kind)
    for kind in DOC_TYPES:
        if kind in core:
            return _TYPE_NAMES.get(kind, kind)
    return ""


def read_sidecar(corpus: Path) -> dict[str, Source]:
    """Read ``metadata.csv`` from the corpus root: overrides keyed by relative path.

    Columns (Chinese or English names): ``文件``/``file`` (path relative to the
    corpus), ``文档标题``/``title``, ``文号``/``doc_number``, ``发文机关``/``issuer``,
    ``发布日期``/``issued_on``, ``文种``/``doc_type``, ``管辖范围``/``地区``/``jurisdiction``
    (a place such as 天河区 or 广东省广州市, or 全国; written in full when the
    place is known, kept as written otherwise), ``出处链接``/``url`` (the original's
    web address; only ``http(s)://``). Other columns are ignored; a 文号
    cell that is not a real 文号 (e.g. "（年度方案）") is ignored too.
    """
    path = corpus / SIDECAR
    if not path.is_file():
        return {}
    aliases = {
        "文件": "file",
        "文档标题": "title",
        "文号": "doc_number",
        "发文机关": "issuer",
        "发布日期": "issued_on",
        "文种": "doc_type",
        "管辖范围": "jurisdiction",
        "地区": "jurisdiction",
        "出处链接": "url",
    }
    overrides: dict[str, Source] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            row = {
                aliases.get(k.strip(), k.strip()): (v or "").strip() for k, v in row.items() if k
            }
            if not row.get("file"):
                continue
            number = DOC_NUMBER.fullmatch(normalize_doc_number(row.get("doc_number", "")))
            overrides[row["file"].replace("\\", "/")] = Source(
                title=row.get("title", ""),
                doc_number=number.group() if number else "",
                issuer=row.get("issuer", ""),
                issued_on=parse_date(row.get("issued_on", "")),
                doc_type=row.get("doc_type", ""),
                jurisdiction=_place(row.get("jurisdiction", "")),
                url=row.get("url", "")
                if row.get("url", "").startswith(("http://", "https://"))
                else "",
            )
    return overrides


def merge(found: Source, override: Source | None) -> Source:
    """``found`` with every non-empty field of ``override`` taking its place."""
    if override is None:
        return found
    changes = {
        f.name: getattr(override, f.name) for f in fields(override) if getattr(override, f.name)
    }
    if changes.get("title") and not changes.get("doc_type"):
        changes["doc_type"] = doc_type_of(changes["title"]) or found.doc_type
    return replace(found, **changes)


def _place(value: str) -> str:
    """A jurisdiction cell written in full (天河区 → 广东省广州市天河区), or as it is."""
    place = gazetteer().resolve(value) if value else None
    return place.full if place else value


def _cn_number(text: str) -> int:
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text]


def _file_title(file_name: str) -> str:
    """The readable part of a file name: "11_公租房办法_穗府办规2024-13号" → "公租房办法"."""
    parts = [p for p in Path(file_name).stem.split("_") if p]
    readable = [
        p
        for p in parts
        if re.search(r"[\u4e00-\u9fff]", p)
        and not _FILE_NUMBER.fullmatch(p)
        and not re.fullmatch(r"\d+[a-z]?", p)
        and not DOC_NUMBER.fullmatch(p)
    ]
    return max(readable, key=len) if readable else Path(file_name).stem


def _title(head: list[str], file_name: str, hint: str) -> str:
    """A title line near the top, else the file's own title, else the file name.

    A title a PDF wraps over two lines ("淮安市人民政府" / "2024年…年度报告") is joined;
    a generic hint ("政府信息公开工作年度报告") loses to a file name that contains it.
    """
    candidates = head + [a + b for a, b in zip(head, head[1:], strict=False) if len(a) <= 20]
    for line in candidates:
        if (
            (line.startswith("关于") or doc_type_of(line) in ("函", "通知", "通告", "公告", "批复"))
            and 6 <= len(line) <= 80
            and not re.search(r"[。；：:，]", line)
            and line.endswith(tuple(DOC_TYPES))
        ):
            return line
    hint, from_name = hint.strip(), _file_title(file_name)
    if hint and re.search(r"[\u4e00-\u9fff]", hint) and hint not in from_name:
        return hint
    return from_name


def _doc_number(head: list[str], file_name: str) -> str:
    for line in head:
        if m := DOC_NUMBER.search(line):
            return normalize_doc_number(m.group())
    stem = Path(file_name).stem
    if m := DOC_NUMBER.search(stem):
        return normalize_doc_number(m.group())
    if m := _FILE_NUMBER.search(stem):
        prefix = m.group(1).split("_")[-1]
        return f"{prefix}〔{m.group(2)}〕{m.group(3)}号"
    return ""


def _is_issuer(line: str) -> bool:
    return (
        3 <= len(line) <= 40 and line.endswith(_ISSUER_END) and not re.search(r"[，。；：:]", line)
    )


def _issuer(lines: list[str], title: str) -> str:
    """The signature above the closing date, else the letterhead, else the title's prefix."""
    for i in range(len(lines) - 1, max(0, len(lines) - 12), -1):
        if _DATE.fullmatch(lines[i]) or _CN_DATE.fullmatch(lines[i]):
            signers = []
            for line in reversed(lines[max(0, i - 3) : i]):
                if not _is_issuer(line):
                    break
                signers.insert(0, line)
            if signers:
                return "、".join(signers)
    for line in lines[:3]:
        if _is_issuer(line):
            return re.sub(r"(办公室|文件)$", "", line) if line.endswith("局办公室") else line
    issuer = r"人民政府办公厅|人民政府办公室|人民政府|委员会|办公厅|办公室|街道办事处|局|院|厅|部"
    if m := re.match(rf"^(.{{2,30}}?(?:{issuer}))", title):
        return m.group(1)
    return ""


def _issued_on(lines: list[str], file_name: str) -> str:
    """The date on its own line at the end (the signature date), else one near the top."""
    for line in reversed(lines[-12:]):
        if _DATE.fullmatch(line) or _CN_DATE.fullmatch(line):
            return parse_date(line)
    for line in lines[:10]:
        if (
            _DATE.fullmatch(line)
            or _CN_DATE.fullmatch(line)
            or re.fullmatch(r"[（(]?.{0,8}[\d〇一二三四五六七八九十]+日[^，。]{0,6}[)）]?", line)
        ):
            if date := parse_date(line):
                return date
    return ""
