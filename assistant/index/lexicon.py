"""Where the vocabulary's words come from: the shipped lexicon, ``synonyms.csv``, the documents.

Three sources of groups of equivalent terms, merged by :mod:`assistant.index.vocabulary`:

* ``lexicon.csv`` beside this module — common government-service colloquialisms
  (低保/最低生活保障, 公租房/公共租赁住房 …), one group a row, the documents' term first;
* ``corpus/synonyms.csv`` — an office's own groups in the same format
  (:func:`read_synonyms`), read by every build; its problems are reported like a
  file's, and a bad row never stops the build;
* abbreviations the documents define themselves — "长期护理保险（以下简称“长护险”）",
  "《中华人民共和国社会保险法》（以下简称《社会保险法》）" (:func:`abbreviations`).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..documents.ingest import SYNONYMS, FileReport
from ..types import FileStatus

Group = tuple[str, ...]
LEXICON = Path(__file__).with_name("lexicon.csv")
MAX_TERM = 30  # characters; a longer cell is a sentence, not a term
_HEADERS = {"标准用语", "规范用语", "term"}
_CELL_SPLIT = re.compile(r"\s*[/／|｜、]\s*")
# A definition: （以下简称“长护险”）, （简称…）, （以下称《办法》）, (下称“…”).
_DEFINED = re.compile(
    r"[（(](?:以下|下文|下)?(?:简称|称)为?[：:]?\s*"
    r"(?P<short>“[^”\n]{2,20}”|\"[^\"\n]{2,20}\"|‘[^’\n]{2,20}’|「[^」\n]{2,20}」"
    r"|《[^》\n]{2,30}》|[^）)，,；;、“”\"《》\s]{2,20})"
    r"(?:[，,；;][^）)\n]{0,20})?[）)]"
)
# The document named just before a 《…》 definition, maybe with its 文号 in brackets.
_TITLE_BEFORE = re.compile(r"《([^《》\n]{2,60})》(?:[（(][^（）()\n]{1,30}[）)])?\s*$")
_BOUNDARY = re.compile(r"[，。；：！？、,.;:!?\s“”\"‘’「」《》（）()【】\[\]]")
# Short forms that name no particular thing: 《办法》, “本条例”, 《规程》.
_GENERIC = re.compile(
    r"^(?:本|该|此)|^(?:实施)?(?:办法|条例|规定|细则|通知|意见|方案|规程|指南|目录|决定|规则|"
    r"标准|公告|通告|规划|措施|法)$"
)


@dataclass(frozen=True)
class Synonyms:
    """An office's groups from ``corpus/synonyms.csv``.

    Attributes:
        groups: The usable rows, each a group of equivalent terms.
        report: The file's problems as a :class:`FileReport` (``None`` when it has none).
    """

    groups: tuple[Group, ...] = ()
    report: FileReport | None = None


def parse_groups(text: str) -> tuple[list[Group], list[str]]:
    """Read CSV text in the lexicon's format: one group a row.

    Lines that start with ``#`` are comments; a first row 标准用语,… is the header;
    a cell may hold several terms split by ``/`` or ``、``.

    Returns:
        The groups, and the problems of the rows that were skipped (in Chinese).
    """
    groups: list[Group] = []
    problems: list[str] = []
    header_seen = False
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not header_seen and not groups and cells[0] in _HEADERS:
            header_seen = True
            continue
        terms = [t for cell in cells for t in _CELL_SPLIT.split(cell) if t]
        terms = list(dict.fromkeys(terms))
        if too_long := [t for t in terms if len(t) > MAX_TERM]:
            problems.append(
                f"第 {number} 行的“{too_long[0][:12]}…”超过 {MAX_TERM} 字，不像一个词语，已跳过"
            )
        elif too_short := [t for t in terms if len(t) < 2]:
            problems.append(f"第 {number} 行的“{too_short[0]}”只有一个字，会误配太多，已跳过")
        elif len(terms) < 2:
            shown = f"“{terms[0]}”" if terms else "空行"
            problems.append(f"第 {number} 行只有{shown}，一组至少要两个同义的说法，已跳过")
        else:
            groups.append(tuple(terms))
    return groups, problems


@functools.cache
def lexicon() -> tuple[Group, ...]:
    """The shipped lexicon's groups (``lexicon.csv``), read once.

    Raises:
        ValueError: A row of the shipped file is malformed (a packaging error).
    """
    groups, problems = parse_groups(LEXICON.read_text(encoding="utf-8"))
    if problems:
        raise ValueError(f"{LEXICON}: {'；'.join(problems)}")
    return tuple(groups)


def read_synonyms(corpus: Path) -> Synonyms:
    """Read ``corpus/synonyms.csv`` (UTF-8, or GBK as Excel saves it); none is fine.

    A file that cannot be read as CSV text is reported ``FAILED`` and yields no
    groups; skipped rows are reported ``WARNED``. Either way the build goes on.
    """
    path = corpus / SYNONYMS
    if not path.is_file():
        return Synonyms()
    data = path.read_bytes()
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or "\x00" in text:
        problem = "无法读取：不是 UTF-8 或 GBK 编码的 CSV 文本（同义词表未生效）"
        return Synonyms((), FileReport(SYNONYMS, FileStatus.FAILED, (problem,)))
    try:
        groups, problems = parse_groups(text)
    except csv.Error as error:
        problem = f"CSV 格式错误（同义词表未生效）：{error}"
        return Synonyms((), FileReport(SYNONYMS, FileStatus.FAILED, (problem,)))
    if not problems:
        return Synonyms(tuple(groups))
    status = FileStatus.WARNED if groups else FileStatus.FAILED
    return Synonyms(tuple(groups), FileReport(SYNONYMS, status, tuple(problems)))


def abbreviations(
    texts: Iterable[str], segment: Callable[[str], list[str]]
) -> list[tuple[str, str]]:
    """The (short, full) forms that ``texts`` define, e.g. ``("长护险", "长期护理保险")``.

    The full form of a quoted short form is the shortest run of words before the
    definition that holds the short form's characters in order, starting with a
    word that holds its first character (为建立长期护理保险 → 长期护理保险); a short
    form that is not made of the full form's characters (“三支一扶”) is left out,
    as are short forms that name nothing in particular (《办法》, “本条例”).

    Args:
        texts: Passages of the documents.
        segment: Cuts a text into words (jieba's accurate mode).
    """
    found: dict[tuple[str, str], None] = {}
    for text in texts:
        if "称" not in text:
            continue
        for match in _DEFINED.finditer(text):
            short = match.group("short")
            titled = short.startswith("《")
            short = short.strip('“”"‘’「」《》').strip()
            if len(short) < 2 or _GENERIC.search(short):
                continue
            before = text[max(0, match.start() - 80) : match.start()]
            full = _full_form(before, short, titled, segment)
            # a full form with 的 describes (享受退休待遇的人员) rather than names
            if full and "的" not in full and len(short) < len(full) <= 60:
                found[short, full] = None
    return list(found)


def _full_form(before: str, short: str, titled: bool, segment: Callable[[str], list[str]]) -> str:
    """What ``short`` stands for, from the text just ``before`` its definition (or ``""``)."""
    if titled:
        title = _TITLE_BEFORE.search(before)
        return title.group(1) if title else ""
    words = segment(_BOUNDARY.split(before)[-1])
    for start in range(len(words) - 1, -1, -1):
        if short[0] in words[start] and _in_order(short, "".join(words[start:])):
            return "".join(words[start:])
    return ""


def _in_order(short: str, full: str) -> bool:
    """Whether the characters of ``short`` occur in ``full`` in the same order."""
    rest = iter(full)
    return all(char in rest for char in short)
