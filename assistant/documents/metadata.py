"""Citation metadata of a document: title, 文号, issuer, date and 文种.

:func:`extract` reads them from the cleaned text and the file name; an optional
``metadata.csv`` in the corpus (:func:`read_sidecar`) overrides them per file.
"""

from __future__ import annotations

import csv
import re
from dataclasses import fields, replace
from pathlib import Path

from ..chinese.dates import CN_DATE, DATE, parse_date
from ..chinese.doc_numbers import DOC_NUMBER, normalize_doc_number
from ..chinese.numerals import ONES, TEN
from ..chinese.words import words
from ..types import Source, Stated
from .places import gazetteer
from .validity import in_force

SIDECAR = "metadata.csv"
# The 有效期至 of a document metadata.csv marks 现行有效 with no end date.
NO_END = "9999-12-31"
_FILE_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,12}?)((?:19|20)\d{2})-(\d{1,5})号")
# "广州市人民政府办公厅秘书处2024年7月29日印发": the date the document was printed and sent.
# A line that is only a date, maybe in brackets: （二〇二四年三月一日）
_CN_DAY_LINE = re.compile(rf"[（(]?.{{0,8}}[\d〇{ONES}{TEN}]+日[^，。]{{0,6}}[)）]?")
_PRINTED = re.compile(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日(?=印发$)")
# What may stand beside a document's own 文号 on its line: brackets, 公布/发布 with a date.
_NUMBER_LINE_REST = re.compile(
    r"^[\s（(【\[]*(?:(?:19|20)\d{2}年\d{1,2}月\d{1,2}日?)?[\s（(【\[]*$|^[\s）)】\]]*(?:公布|发布|印发)?[\s）)】\]]*$"
)
_ISSUER_END = words("documents", "issuer_ends")  # how an issuing body's name ends
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


def extract(
    text: str, file_name: str, title_hint: str = "", stated: Stated | None = None
) -> Source:
    """Read citation metadata from a document's cleaned text and file name.

    A document's own 文号 stands in its head (a line of its own, or after the
    issuer) or its signature block; one cited in a sentence ("根据《…》（国办发〔2024〕38号）")
    is not its own. The date is the signature's, else the 印发 line's, else the
    page's publication date. What the file states about itself (a web page's
    基本信息 box: 文号, 发布机关, 实施日期, 失效日期) is preferred to what the text implies.

    Args:
        text: The cleaned text (one paragraph per line).
        file_name: The file's name, used for the title and 文号 when the text lacks them.
        title_hint: A title from the file format (HTML ``<title>``, PDF metadata).
        stated: What the file states about itself outside its text.
    """
    stated = stated or Stated()
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    number = _box_number(stated.doc_number) or _doc_number(lines, file_name)
    title = _title(lines[:15], file_name, title_hint)
    printed = parse_date(
        next((m.group() for line in lines[-8:] if (m := _PRINTED.search(line))), "")
    )
    signed = _issued_on(lines) or printed  # a page's date may be a repost's: not for 施行
    effective_on, expires_on = in_force(text, issued_on=signed, printed_on=printed)
    published = parse_date(stated.published_on)
    return Source(
        title=title,
        doc_number=number,
        issuer=_signers(lines)
        or _box_issuer(stated.issuer)
        or _issuer(lines[:3], title)
        or _decree_issuer(number)
        or _publisher(stated.publisher),
        issued_on=signed or published,
        doc_type=doc_type_of(title or Path(file_name).stem),
        effective_on=parse_date(stated.effective_on) or effective_on,
        expires_on=parse_date(stated.expires_on) or expires_on,
        published_on=published,
    )


def opening_title(file_name: str, title: str, text: str) -> bool:
    """Whether ``title`` is a file's opening words read as its title: a file named by an id
    whose text (``text``: its start, e.g. its first passage) runs on past ``title`` in the
    same line — a guess from the document's first words (see :func:`_title`), not a title
    line, a page title, metadata or a file name's words."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    return (
        bool(title)
        and bool(_ID_NAME.fullmatch(Path(file_name).stem))
        and len(first) > len(title)
        and _opening([first]) == title
    )


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
    web address; only ``http(s)://``), ``有效期至``/``expires_on`` (the last day in
    force) and ``状态``/``status``: ``已废止`` (optionally with the repealing document in
    brackets: ``已废止（穗民规字〔2025〕2号）``) or ``现行有效`` (in force: with no
    ``有效期至``, with no end, written :data:`NO_END`). Other columns are ignored; a 文号
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
        "有效期至": "expires_on",
        "状态": "status",
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
                **_status(row.get("status", ""), parse_date(row.get("expires_on", ""))),
            )
    return overrides


def _status(status: str, expires_on: str) -> dict[str, str]:
    """The validity fields a ``状态`` and ``有效期至`` cell set."""
    if m := re.fullmatch(r"已?废止(?:[（(](.+)[)）])?", status):
        return {"repealed_by": m.group(1) or "新规定", "expires_on": expires_on}
    if status == "现行有效":
        return {"expires_on": expires_on or NO_END}
    return {"expires_on": expires_on}


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
    hint = _NOTE.sub("", hint.strip())
    candidates = head + [a + b for a, b in zip(head, head[1:], strict=False) if len(a) <= 20]
    for line in filter(_is_title, candidates):
        # A part of a title cut over lines ("…关于印发广州市就业见习" / "基地管理办法
        # 的通知") is not the title: the page's own title that holds it is.
        return hint if line in hint and len(hint) > len(line) and _is_title(hint) else line
    from_name = _file_title(file_name)
    if hint and re.search(r"[\u4e00-\u9fff]", hint) and hint not in from_name:
        return hint
    if _ID_NAME.fullmatch(Path(file_name).stem) and (opening := _opening(head)):
        return opening  # a file named by an id ("0013aa11….txt"): its opening words
    return from_name


# A file name that is an id, not words: hex digits and letters (a hash, a UUID), not a
# year or a date ("1988.txt" stays "1988").
_ID_NAME = re.compile(r"(?i)(?=[\da-f-]*[a-f])(?=[\da-f-]*\d)[\da-f]{8,}(?:-[\da-f]{4,12})*")
# Where a document's opening words end: a space, a clause's punctuation, or a line; one
# this near the start ("江苏：采取…", "财政部 海关总署 税务总局关于…") is inside the title.
_OPENING_END = re.compile(r"[\s，,。；;：:！!？?]")
OPENING_MIN = 6
OPENING_CHARS = 60  # an opening longer than this is a sentence, not a title: cut there
# An official title at the start, "（发文机关）关于……的通知", ends at its 文种 even when the
# text runs on without a space ("…的通知各市州、县市区医疗保障局").
_OFFICIAL_TITLE = re.compile(
    rf"^[^，,。；;：:！!？?《“]{{0,40}}?关于[^，,。；;：:！!？?]{{2,80}}?的(?:{'|'.join(DOC_TYPES)})"
)
# A day's date after the opening words begins the text ("…统一调度2月17日，甘肃省…").
_BODY_DATE = re.compile(r"(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}日")


def _opening(head: list[str]) -> str:
    """A document's title from its first line when it has no title line: an official title
    ("…关于…的通知"), else the words up to the first space, clause punctuation or day's date
    past :data:`OPENING_MIN` characters, at most :data:`OPENING_CHARS`
    ("关于阶段性减免企业社会保险费的通知 各省…" → its title)."""
    if not head:
        return ""
    first = _NOTE.sub("", head[0])
    if official := _OFFICIAL_TITLE.match(first):
        return official.group()
    ends = [m.start() for m in _OPENING_END.finditer(first, OPENING_MIN)]
    if date := _BODY_DATE.search(first, OPENING_MIN):
        ends.append(date.start())
    return first[: min(ends, default=len(first))][:OPENING_CHARS]


# A note before a page's title: "（转载）", "【关注】".
_NOTE = re.compile(r"^[（(【\[][^）)】\]]{1,6}[）)】\]]\s*")


def _is_title(line: str) -> bool:
    """Whether ``line`` reads as a document's title: 关于… or a 通知/函…, ending in its kind."""
    return (
        (line.startswith("关于") or doc_type_of(line) in ("函", "通知", "通告", "公告", "批复"))
        and 6 <= len(line) <= 80
        and not re.search(r"[。；：:，]", line)
        and line.endswith(tuple(DOC_TYPES))
    )


def _doc_number(lines: list[str], file_name: str) -> str:
    """The 文号 of the head or the signature block, else the one in the file name.

    A head line may be cut in two ("广州市人民政府令" / "第179号"). When the file name
    holds a 文号 that the text's ends with, the file name's wins: page text glued
    before the 文号 ("…的解读穗天科工信规字〔2023〕1号") is not part of it.
    """
    named = _file_number(file_name)
    head, tail = lines[:8], lines[-8:]
    joined = [a + b for a, b in zip(head, head[1:], strict=False) if a.endswith("令")]
    for line in [*head, *joined, *tail]:
        for m in DOC_NUMBER.finditer(line):
            before, after = line[: m.start()], line[m.end() :]
            if _NUMBER_LINE_REST.match(after) and (
                _NUMBER_LINE_REST.match(before) or _is_issuer(before.strip())
            ):
                return normalize_doc_number(m.group())
            number = normalize_doc_number(m.group())
            if named and number.endswith(named) and not after.strip():
                return named
    return named


def _file_number(file_name: str) -> str:
    """A 文号 written in a file name: "…_穗府办规2024-13号" → 穗府办规〔2024〕13号."""
    stem = Path(file_name).stem
    if m := DOC_NUMBER.search(stem):
        return normalize_doc_number(m.group())
    if m := _FILE_NUMBER.search(stem):
        prefix = m.group(1).split("_")[-1]
        return f"{prefix}〔{m.group(2)}〕{m.group(3)}号"
    return ""


def _box_number(value: str) -> str:
    number = normalize_doc_number(value)
    return number if DOC_NUMBER.fullmatch(number) else ""


def _box_issuer(value: str) -> str:
    """A 基本信息 box's 发布机关 ("A,B,C") as our issuers are written: "A、B、C"."""
    return "、".join(p for p in re.split(r"[,，、\s]+", value) if p)


def _publisher(value: str) -> str:
    """A page's 来源 as an issuer, bodies joined by "、" ("市人社局 社保中心" →
    "市人社局、社保中心"), without the site's words ("本网…", "…官网", "（加挂…牌子）")."""
    value = re.sub(r"[（(][^）)]*[）)]|^本网|官网$", "", value.strip())
    bodies = [p for p in re.split(r"[、\s]+", value) if p]
    return "、".join(bodies) if all(b.endswith(_ISSUER_END) for b in bodies) else value


def _decree_issuer(number: str) -> str:
    """The body that issues a 令: 广州市人民政府令第179号 → 广州市人民政府."""
    m = re.fullmatch(r"(.{2,20}?)令第\d+号", number)
    return m.group(1) if m else ""


def _is_issuer(line: str) -> bool:
    return (
        3 <= len(line) <= 40 and line.endswith(_ISSUER_END) and not re.search(r"[，。；：:]", line)
    )


def _signers(lines: list[str]) -> str:
    """The signature above the closing date (at the end, or at the top of a page
    that shows the notice before its attachment); signers on one line
    ("广州市民政局 广州市财政局") are split."""
    near_end = range(len(lines) - 1, max(0, len(lines) - 12), -1)
    for i in [*near_end, *range(min(12, len(lines)))]:
        if DATE.fullmatch(lines[i]) or CN_DATE.fullmatch(lines[i]):
            signers: list[str] = []
            for line in reversed(lines[max(0, i - 3) : i]):
                if not _is_issuer(line):
                    break
                signers[:0] = line.split()
            if signers:
                return "、".join(signers)
    return ""


def _issuer(head: list[str], title: str) -> str:
    """The letterhead among the first lines, else the title's prefix."""
    for line in head:
        if _is_issuer(line):
            return re.sub(r"(办公室|文件)$", "", line) if line.endswith("局办公室") else line
    issuer = r"人民政府办公厅|人民政府办公室|人民政府|委员会|办公厅|办公室|街道办事处|局|院|厅|部"
    # A name before the title's subject: not a headline's words ("解读《…", "…——访…部",
    # "…交管部门", "福建部署…").
    name = rf"(?!关于|转发|解读)([^《》“”！!—■，,。]{{2,30}}?(?:{issuer}))(?![门署分])"
    if m := re.match(name, title):
        return m.group(1)
    return ""


def _issued_on(lines: list[str]) -> str:
    """The date on its own line at the end (the signature date), else one near the top."""
    for line in reversed(lines[-12:]):
        if DATE.fullmatch(line) or CN_DATE.fullmatch(line):
            return parse_date(line)
    for line in lines[:10]:
        if m := re.fullmatch(r"[（(]((?:19|20)\d{2}年\d{1,2}月\d{1,2}日).*公布[）)]", line):
            return parse_date(m.group(1))  # "（2021年7月27日中华人民共和国国务院令第746号公布）"
        if DATE.fullmatch(line) or CN_DATE.fullmatch(line) or re.fullmatch(_CN_DAY_LINE, line):
            if date := parse_date(line):
                return date
    return ""
