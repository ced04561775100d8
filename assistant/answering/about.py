"""Questions about a named document itself, answered from where it states its metadata.

"穗建规字〔2024〕5号从哪天起施行，有效期多久？", "《…实施细则》是哪天印发的？",
"…办法是哪个部门发的？", "…的文号是什么？", "穗府办规〔2021〕19号是什么文件？": when the
question names one indexed document (:mod:`.named`) and asks for one of its :class:`Facet`
and nothing else (a question on a document it names, "…施行后同时废止的原办法，文号是什么？",
is about that other document), the answer quotes the document's own words that state it: its
validity clause (:func:`~assistant.documents.validity.clauses`: "本通知自2024年3月4日起施行，
有效期5年"), its 印发 line or signature date, its signature block, the line with its own 文号
or its title. The citation line under it gives the metadata itself (文号 · issuer · date ·
现行有效/已过期).
"""

from __future__ import annotations

import re
from enum import StrEnum

import numpy as np

from ..chinese.answer_types import AnswerType
from ..chinese.dates import CN_DATE, DATE
from ..documents.metadata import DOC_TYPES
from ..documents.sentences import sentences
from ..documents.validity import clauses
from ..index.tokens import answer_spans
from ..types import Answer, Chunk, Hit, Quote
from .kinds import Kind
from .named import Named
from .search import Ranked, Searcher


class Facet(StrEnum):
    """What a question asks about a document."""

    NUMBER = "文号"
    VALIDITY = "有效期"
    ISSUED = "印发日期"
    ISSUER = "发文机关"
    TITLE = "标题"


_ASKS = (
    (Facet.NUMBER, re.compile(r"文号|发文字号")),
    (
        Facet.VALIDITY,
        re.compile(r"有效期|还有效|有效吗|是否有效|失效|过期|到期|施行|实施|生效|实行|执行"),
    ),
    (
        Facet.ISSUED,
        re.compile(
            r"(?:什么时候|哪天|何时|哪一天|哪年|日期|时间).{0,3}(?:发布|印发|出台|发的|公布|下发)"
            r"|(?:发布|印发|成文|公布)(?:日期|时间)|哪天印发|何时印发"
        ),
    ),
    (Facet.ISSUER, re.compile(r"哪个(?:部门|单位|机关)|哪些(?:部门|单位)|发文机关|发布机关|谁发")),
    (
        Facet.TITLE,
        re.compile(
            r"(?:什么|哪个|哪份|哪一个|哪一份)(?:文件|文)|文件(?:名|的名称)|标题|全称|叫什么"
            r"|讲的?是?什么|关于什么|(?:什么|哪些)内容|内容是什么"  # what it is about: its title
        ),
    ),
)
# A question that speaks of another document (one the named one repeals, cites or replaces).
_OTHER_DOCUMENT = re.compile(r"废止|替代|取代|引用|提到|提及|根据|依据|《")
# What else a question about the document itself may say: question and function words.
_ASKING = re.compile(
    r"[\W\d_]|什么时候|什么|哪一天|哪天|哪个|哪年|哪些|多久|多长时间|多长|几年|几|是否|是|的|了|吗|呢"
    r"|从|起|到|在|由|被|现在|目前|还|请问|这个|这份|该|文件|开始|日期|时间|截止|具体|发"
)
_KINDS = re.compile(r"实施(?:细则|办法|方案|意见)|" + "|".join(DOC_TYPES))
LEFT_OVER = 2  # characters a question about the document itself may say besides
_TYPES = {
    Facet.NUMBER: (AnswerType.DOC_NUMBER,),
    Facet.VALIDITY: (AnswerType.DATE, AnswerType.YEARS),
    Facet.ISSUED: (AnswerType.DATE,),
    Facet.ISSUER: (),
    Facet.TITLE: (),
}
_PRINTED = re.compile(rf"(?:{DATE.pattern}|{CN_DATE.pattern})[^。\n]{{0,20}}?(?:印发|发布|公布)")
_DATE_LINE = re.compile(rf"^\s*(?:{DATE.pattern}|{CN_DATE.pattern})\s*$", re.M)


def facets(rest: str) -> list[Facet]:
    """What ``rest`` (a question without the names of its document) asks about the document
    itself, in the order asked; none when it asks anything else (it speaks of another
    document, or says more than :data:`LEFT_OVER` characters besides what it asks)."""
    rest = _KINDS.sub("", rest)
    if _OTHER_DOCUMENT.search(rest):
        return []
    found = [(m.start(), facet) for facet, rule in _ASKS if (m := rule.search(rest))]
    left = rest  # what it asks first (哪个单位), then question words (哪个) and the like
    for _, rule in _ASKS:
        left = rule.sub("", left)
    left = _ASKING.sub("", left)
    if len(left) > LEFT_OVER:
        return []
    return [facet for _, facet in sorted(found)]


def about(searcher: Searcher, named: Named, asked: str) -> Answer | None:
    """The answer to ``asked`` quoting where its one named document states what is asked,
    or ``None`` (not one document, not about itself, or no such statement found)."""
    if len(named.docs) != 1:
        return None
    asks = facets(searcher.named(asked).unnamed or asked)
    if not asks:
        return None
    index = searcher.index
    row = next(i for i, d in enumerate(index.documents) if d.path in named.docs)
    rows = np.flatnonzero(index.chunk_docs == row)
    hits = [searcher.hit(Ranked(int(r), 1.0, None, None)) for r in rows]
    found: list[tuple[int, int, int, Facet]] = []  # hit, start, end, facet
    for facet in asks:
        # a title its text never states (a page's <title>): where it states its 文号
        span = _statement(facet, hits) or (
            _statement(Facet.NUMBER, hits) if facet is Facet.TITLE else None
        )
        if span and not any(h == span[0] and a <= span[1] < b for h, a, b, _ in found):
            found.append((*span, facet))  # (a date the signature block quoted is not repeated)
    if not found:
        return None
    cited = list(dict.fromkeys(h for h, *_ in found))
    quotes = []
    for h, start, end, facet in found:
        text = hits[h].chunk.text
        spans = answer_spans(text[start:end], _TYPES[facet])
        emphasis = tuple((start + a, start + b) for a, b in spans)
        quotes.append(Quote(cited.index(h) + 1, start, end, emphasis))
    return Answer(
        asked,
        True,
        tuple(hits[h] for h in cited),
        tuple(quotes[1:]),
        direct=quotes[0],
        kind=Kind.VALIDITY if asks[0] is Facet.VALIDITY else Kind.METADATA,
    )


def _statement(facet: Facet, hits: list[Hit]) -> tuple[int, int, int] | None:
    """Where the document states ``facet``: its hit and span (the first found; a date or
    a signature is looked for from the end)."""
    forward = facet in (Facet.VALIDITY, Facet.NUMBER, Facet.TITLE)
    order = list(range(len(hits))) if forward else list(range(len(hits) - 1, -1, -1))
    rules = (_PRINTED, _DATE_LINE) if facet is Facet.ISSUED else (None,)
    for rule in rules:
        for h in order:
            if span := _in(facet, hits[h].chunk, rule):
                return (h, *span)
    return None


def _in(facet: Facet, chunk: Chunk, rule: re.Pattern[str] | None) -> tuple[int, int] | None:
    """The span of ``chunk`` stating ``facet`` (for a date, by ``rule``), if any."""
    text, source = chunk.text, chunk.source
    if facet is Facet.VALIDITY:
        found = clauses(text)
        return _sentence(text, found[0][0], found[-1][1]) if found else None
    if facet in (Facet.NUMBER, Facet.TITLE):
        said = source.doc_number if facet is Facet.NUMBER else re.sub(r"\s+", "", source.title)
        at = re.sub(r"\s+", "", text).find(said) if said else -1
        start = _unspaced_offset(text, at) if at >= 0 else -1
        return _sentence(text, start, start + 1) if start >= 0 else None
    if facet is Facet.ISSUED and rule is not None:
        matches = list(rule.finditer(text))
        return _sentence(text, *matches[-1].span()) if matches else None
    # ISSUER: the signature block, the lines naming its first body above a date line
    first = re.split(r"[、，,\s]+", source.issuer)[0] if source.issuer else ""
    for m in _DATE_LINE.finditer(text):
        before = text.rfind(first, 0, m.start()) if first else -1
        if before >= 0 and "\n" in text[before : m.start()] and m.start() - before < 120:
            return before, m.end()
    return None


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentences of ``text`` that hold ``start``–``end``; else its lines."""
    spans = [(a, b) for a, b in sentences(text) if a < end and b > start]
    if spans:
        return spans[0][0], spans[-1][1]
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end


def _unspaced_offset(text: str, at: int) -> int:
    """The offset in ``text`` of character ``at`` of ``text`` without whitespace."""
    seen = -1
    for i, ch in enumerate(text):
        if not ch.isspace():
            seen += 1
            if seen == at:
                return i
    return len(text)
