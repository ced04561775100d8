"""Main text of a saved web page: scripts, hidden parts, menus and footers dropped.

:func:`read_html` is the loader of ``.html``/``.htm`` (registered in
:data:`assistant.documents.readers.READERS`). The page is decoded with its ``<meta charset>``,
pruned with lxml (site chrome, link lists, repeated copies of the article), data
tables are flattened to tab-separated rows, and trafilatura picks the main text.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from ...types import Extracted, Stated
from .base import CorruptFile, EmptyFile, decode_text, garbled_warnings, quiet, read_bytes

_CELL = "\u2409"  # ␉ marks a tab in table rows while trafilatura runs (it drops tabs/PUA)
_FAVOR_RECALL = False  # balanced mode: see tests/test_loaders.py and the stage report
_DROP = "script style noscript template svg canvas iframe object embed select button input"
_DROP_TAGS = (*_DROP.split(), "textarea", "nav", "aside", "header", "footer")
_BLOCK = frozenset(
    "p div li ul ol h1 h2 h3 h4 h5 h6 tr table section article main blockquote pre dd dt dl "
    "address center form br".split()
)
_CHROME = frozenset(
    "nav navbar navigation menu breadcrumb breadcrumbs crumb crumbs bread footer share toolbar "
    "login logout search copyright sidebar topbar location position ewm qrcode print".split()
)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_SEP, _SITE = r"\s*(?:[_|｜]|[-—–]{1,2})\s*", r"[^_|｜\-—–]{2,40}?(?:网站|政府网|门户|官网)"
_SITE_AFFIXES = (re.compile(_SEP + _SITE + "$"), re.compile("^" + _SITE + _SEP))
# Characters XML forbids: lxml parses them from a damaged page but cannot set them back.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*>")


# The page head's labels: 基本信息 box (文号, 实施日期, 失效日期, 发布机关) and publication line.
_LABELS = {
    "文号": "doc_number",
    "发文字号": "doc_number",
    "发布机关": "issuer",
    "发布日期": "published_on",
    "发表时间": "published_on",
    "发布时间": "published_on",
    "时间": "published_on",
    "信息来源": "publisher",
    "文章来源": "publisher",
    "来源": "publisher",
    "实施日期": "effective_on",
    "失效日期": "expires_on",
}
_LABEL = re.compile(
    r"(?:^|(?<=\s))("
    + "|".join(r"\s*".join(k) for k in sorted(_LABELS, key=len, reverse=True))
    + r")\s*[:：]\s*"
)
_DAY = r"(?:19|20)\d{2}\s*(?:-\s*\d{1,2}\s*-\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
_VALUES = {
    "doc_number": re.compile(r"\S.{2,30}?号"),
    "issuer": re.compile(r"[\u4e00-\u9fff（）(),，、 ]{3,80}?(?=\s{2}|$)"),
    "publisher": re.compile(r"[^\s：:].{1,40}?(?=\s{2}|\s*浏览|\s*分享|\s*字号|$)"),
}
_DATE_LINE = re.compile(rf"({_DAY})(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?")


# A 基本信息 box line: "文　　号： 穗人社规字〔2019〕6号" (a label, then its value).
_BOX_LINE = re.compile(r"([\u4e00-\u9fff][\u4e00-\u9fff\s]{1,10})[:：]\s*(\S.*)?")


def _box(lines: list[str]) -> list[str]:
    """The filled lines of the page's 基本信息 box as "文号：穗人社规字〔2019〕6号".

    The box (统一编号, 文号, 实施日期, 失效日期, 发布机关) is the page's own record of
    the document; trafilatura drops it from the main text. Empty fields (a 文件状态 a
    script fills in) are left out; the box ends at its first line that is not a field.
    """
    names = [re.sub(r"\s", "", line) for line in lines]
    if "基本信息" not in names:
        return []
    box = []
    for line in lines[names.index("基本信息") + 1 :]:
        if not (m := _BOX_LINE.fullmatch(line)):
            break
        if m.group(2):
            box.append("".join(m.group(1).split()) + "：" + m.group(2).strip())
    return box if len(box) >= 2 else []


def _stated(lines: list[str]) -> Stated:
    """The page head: publication date and 来源, and the 基本信息 box when there is one.

    The first value of each label counts; a value must look like what it names
    (a date for 日期, a 文号 ending in 号). A page whose publication line is a bare
    date (gz.gov.cn: "2025-10-17 09:00:00" before "来源：…") gets that date.
    """
    found: dict[str, str] = {}
    for i, line in enumerate(lines):
        labels = list(_LABEL.finditer(line))
        for m, after in zip(labels, [*labels[1:], None], strict=False):
            field = _LABELS[re.sub(r"\s", "", m.group(1))]
            value = line[m.end() : after.start() if after else len(line)].strip()
            if field in found or not value:
                continue
            pattern = _VALUES.get(field, re.compile(_DAY))
            if v := pattern.match(value):
                found[field] = " ".join(v.group().split())
        if "published_on" not in found and (m := _DATE_LINE.match(line.strip())):
            rest = line.strip()[m.end() :].strip() or (lines[i + 1] if i + 1 < len(lines) else "")
            if _LABEL.match(rest.strip()):
                found["published_on"] = m.group(1)
    return Stated(**found)


def _decode_html(data: bytes) -> str:
    """Decode with the page's ``<meta charset>`` when it fits, else like a text file."""
    declared = _META_CHARSET.search(data[:8192])
    if declared and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\xfe\xff")):
        name = declared.group(1).decode("ascii").lower()
        name = "gb18030" if name in {"gb2312", "gbk", "x-gbk", "gb_2312-80"} else name
        try:
            return data.decode(codecs.lookup(name).name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)[0]


def _words(text: str) -> str:
    return " ".join(text.split())


def _render(el: Any) -> str:
    """Visible text of an element: one line per block, whitespace runs collapsed."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node.tag, str):
            block = "\n" if node.tag in _BLOCK else ""
            parts.extend((block, re.sub(r"[ \t\r\n\f]+", " ", node.text or "")))
            for child in node:
                walk(child)
            parts.append(block)
        if node is not el:
            parts.append(re.sub(r"[ \t\r\n\f]+", " ", node.tail or ""))

    walk(el)
    return "\n".join(line.strip() for line in "".join(parts).split("\n") if line.strip())


def _is_chrome(el: Any) -> bool:
    """Menu-like by class/id (``Breadcrumb``, ``fontSize``, ``sjbEwm``…) and short or all links."""
    names = f"{el.get('class', '')} {el.get('id', '')}"
    found = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", names)}
    if not (found & _CHROME or "fontsize" in names.lower()):
        return False
    size = len(_words(el.text_content()))
    links = sum(len(_words(a.text_content())) for a in el.iter("a"))
    return size - links < 200 or links * 2 > size


def _is_link_list(el: Any) -> bool:
    """A list of >= 8 short items, mostly links (department directories, site menus)."""
    items = el.findall("li") if el.tag in ("ul", "ol") else []
    if len(items) < 8 or max(len(_words(li.text_content())) for li in items) > 20:
        return False
    return sum(li.find(".//a") is not None for li in items) * 2 >= len(items)


def _span(cell: Any, name: str) -> int:
    value = cell.get(name, "1").strip()
    return min(int(value), 100) if value.isdigit() and int(value) > 0 else 1


def _flatten_table(table: Any) -> None:
    """Replace a data table by one ``<p>`` per row: cells joined by ``_CELL``, rowspans repeated."""
    from lxml.html import Element

    rows = [[c for c in tr if c.tag in ("td", "th")] for tr in table.iter("tr")]
    if sum(len(cells) >= 2 for cells in rows) < 2:
        return  # not a grid: a layout table, left to trafilatura
    box, spans = Element("div"), {}  # grid column -> [rows left, text, colspan]
    for cells in rows:
        texts, col, queue = [], 0, list(cells)
        while queue or any(k >= col and v[0] > 0 for k, v in spans.items()):
            if col in spans and spans[col][0] > 0:
                spans[col][0] -= 1
                texts.append(spans[col][1])
                col += spans[col][2]
            elif queue:
                cell = queue.pop(0)
                texts.append(" ".join(_render(cell).split()))
                if _span(cell, "rowspan") > 1:
                    spans[col] = [_span(cell, "rowspan") - 1, texts[-1], _span(cell, "colspan")]
                col += _span(cell, "colspan")
            else:
                col += 1
        if any(texts):
            box.append(Element("p"))
            box[-1].text = _CELL.join(texts)
    box.tail = table.tail
    table.getparent().replace(table, box)


def _prune(root: Any) -> bool:
    """Drop scripts, hidden parts, menus, link lists and repeated copies of a block.

    Data tables are flattened to rows. Returns True when a block (>= 200
    characters) that repeats an earlier one elsewhere on the page was dropped.
    """
    doomed, seen, repeated = list(root.iter(*_DROP_TAGS)), {}, False
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag not in ("html", "body"):
            hidden = el.get("hidden") is not None or _HIDDEN.search(el.get("style", ""))
            if hidden or _is_chrome(el) or _is_link_list(el):
                doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    for el in list(root.iter("div", "section", "article")):
        if el.getroottree().getroot() is root and len(text := _words(el.text_content())) >= 200:
            first = seen.setdefault(text, el)
            if first is not el and first not in el.iterancestors():
                el.drop_tree()
                repeated = True
    for table in [t for t in root.iter("table") if t.find(".//table") is None]:
        links = sum(len(a.text_content().strip()) for a in table.iter("a"))
        if links * 2 < len(table.text_content().strip()):
            _flatten_table(table)
    return repeated


def _html_title(root: Any) -> str:
    """``ArticleTitle``/``og:title`` meta, ``<title>`` without the site name, or an h1."""
    xpath = "//meta[@name='ArticleTitle' or @property='og:title']/@content|//title//text()"
    titles = [_words(t) for t in root.xpath(xpath)]
    for i, title in enumerate(titles):
        for affix in _SITE_AFFIXES:
            if len(shorter := affix.sub("", titles[i])) >= 4:
                titles[i] = shorter
    titles += [_words(h.text_content()) for h in root.iter("h1")]
    titles = [t for t in titles if t and "位置" not in t and ">" not in t]
    return next((t for t in titles if len(t) >= 6), titles[0] if titles else "")


def read_html(path: Path) -> Extracted:
    """Main text of a saved web page (trafilatura), tables as tab-separated rows."""
    import lxml.html
    import trafilatura

    text = _NOT_XML.sub("", _XML_DECLARATION.sub("", _decode_html(read_bytes(path))))
    try:
        root = lxml.html.document_fromstring(text)
    except Exception as exc:  # noqa: BLE001 - lxml raises ParserError or ValueError
        raise CorruptFile(path, f"无法解析 HTML：{path.name}（{exc}）") from exc
    head = _render(_without_scripts(root)).split("\n")  # before pruning drops the box
    title, found, stated = _html_title(root), [], _stated(head)
    if _prune(root):
        found.append("duplicate text removed: 页面中重复的正文只保留第一份")
    with quiet("trafilatura", "htmldate", "courlan"):
        body = trafilatura.extract(
            lxml.html.tostring(root, encoding="unicode"), include_tables=True,
            include_comments=False, favor_recall=_FAVOR_RECALL, deduplicate=False,
        ) or ""  # fmt: skip
    if len(body.strip()) < 20:
        body = _render(root)
        found.append("main-content extraction failed — used whole page text")
    lines = [line.strip().replace(_CELL, "\t") for line in body.split("\n") if line.strip()]
    if not lines:
        raise EmptyFile(path, f"网页中没有正文：{path.name}")
    if (box := _box(head)) and "".join(box[0].split()) not in "".join(body.split()):
        lines += ["基本信息", *box]  # a part of its own (headings.starts_part)
    result = "\n".join(lines)
    warnings = (*found, *garbled_warnings(result))
    return Extracted(pages=(result,), title=title, warnings=warnings, stated=stated)


def _without_scripts(root: Any) -> Any:
    """A copy of the page without scripts and styles (their text is not the page's)."""
    import copy

    page = copy.deepcopy(root)
    for el in list(page.iter("script", "style", "noscript", "template")):
        el.drop_tree()
    return page
