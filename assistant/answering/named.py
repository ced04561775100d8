"""Documents a question names, resolved among the indexed ones rather than searched for.

A question may name its document by 文号, in any written form (穗府办规〔2021〕19号,
穗府办规[2021]第19号, 穗府办规2021年19号; :mod:`assistant.chinese.doc_numbers`), or by title:
in 《》 (the full title, the title without 关于印发…的通知, or one close to it:
《广州市公共租赁住房管理办法》 for the 保障办法), or as a phrase that ends with the document's
kind and whose characters the title holds in order (公租房办法, 临时救助细则:
:func:`~assistant.documents.official.abbreviates`).

:func:`resolve` matches them against the documents' own 文号 and titles (a 文号 a document only
cites is not its own, and names nothing) and returns :class:`Named`: the documents named,
the question without what names them (what search ranks within them), and the 文号 named
that no document has, each refused with the nearest 文号 that are indexed
(:meth:`Named.reason`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from ..chinese.doc_numbers import DocNumber, find_doc_numbers, parse_doc_number
from ..documents.metadata import DOC_TYPES, doc_type_of
from ..documents.official import abbreviates
from ..documents.validity import title_core
from ..tuning import TUNING
from ..types import DocumentInfo

NEAREST_NUMBERS = 3
CLOSE_TITLE = TUNING.close_title  # a title in 《》 this close names a document (difflib ratio)
MIN_PHRASE = TUNING.min_phrase  # characters of a title-like phrase besides its kind and places
_QUOTED = re.compile(r"《([^《》]{2,80})》")
_KIND = re.compile("|".join(sorted(DOC_TYPES, key=len, reverse=True)))
# What does not start a title: punctuation and the question's own words before it.
_BEFORE_TITLE = re.compile(r"[\s，,。？?！!；;：:、《》“”\"()（）]")
_PLACE_WORDS = re.compile(r"广东省|广州市|广州|[省市区县]")
# Words after which a title may begin ("那个就业见习基地管理办法", "按照临时救助细则"): a title
# phrase starts at punctuation or after one of them, never inside a word (教育局…预算 is
# not 司法局…预算).
_BEFORE_NAME = re.compile(
    r"那个|这个|那份|这份|那项|这项|该|关于|根据|按照|依照|依据|按|请问|的|里|中|在|对|是|和|与|及"
)


@dataclass(frozen=True)
class Named:
    """What a question names.

    Attributes:
        docs: The paths of the indexed documents it names (by 文号 or title).
        rest: The question without the 文号 and 《titles》 that name them: what is
            searched within them (the question itself when nothing is named). A title
            phrase without 《》 stays ("万里街道2024年部门预算里…": its words say what is
            asked too).
        absent: 文号 it names that no indexed document has (standard form).
        nearest: For the first of ``absent``, the nearest indexed 文号 with their
            titles ("穗建规字〔2024〕5号《…》"), nearest first.
        unnamed: The question without anything that names a document.
    """

    docs: frozenset[str] = frozenset()
    rest: str = ""
    absent: tuple[str, ...] = ()
    nearest: tuple[str, ...] = ()
    unnamed: str = ""

    @property
    def refused(self) -> bool:
        """Whether the question names only 文号 that no indexed document has."""
        return bool(self.absent) and not self.docs

    def reason(self) -> str:
        """Why it is refused: 未收录文号为穗医保规字〔2025〕9号的文件；已收录的相近文号：…"""
        why = "、".join(f"未收录文号为{n}的文件" for n in self.absent)
        return f"{why}；已收录的相近文号：{'；'.join(self.nearest)}" if self.nearest else why


def resolve(question: str, documents: Sequence[DocumentInfo]) -> Named:
    """The documents ``question`` (normalized) names among ``documents`` (see the module)."""
    owns = [(d, parse_doc_number(d.source.doc_number)) for d in documents]
    spans: list[tuple[int, int]] = []  # what is left out of the rest searched
    phrases: list[tuple[int, int]] = []  # titles without 《》: their words may say what is asked
    docs: set[str] = set()
    absent: list[DocNumber] = []
    prefixes = {own.prefix for _, own in owns if own}
    for number in find_doc_numbers(question):
        named = {d.path for d, own in owns if own and number.names(own)}
        docs |= named
        if named:
            spans.append(number.span)
        else:
            absent.append(number.trimmed(prefixes))
    for m in _QUOTED.finditer(question):
        if named := _by_title(m.group(1), documents, quoted=True):
            docs |= named
            spans.append(m.span())
    bare = _QUOTED.sub(lambda m: "、" * len(m.group()), question)
    for m in _KIND.finditer(bare):
        start = max((b.end() for b in _BEFORE_TITLE.finditer(bare, 0, m.start())), default=0)
        words = _BEFORE_NAME.finditer(bare, start, m.start())
        for begin in [start, *(w.end() for w in words)]:  # the longest phrase naming one
            if named := _by_title(bare[begin : m.end()], documents, quoted=False):
                docs |= named
                phrases.append((begin, m.end()))
                break
    rest = _without(question, spans)
    nearest = _nearest(absent[0], owns) if absent and not docs else ()
    return Named(
        frozenset(docs),
        rest if docs and len(re.sub(r"\W", "", rest)) >= 2 else question,
        tuple(dict.fromkeys(n.text for n in absent)),
        nearest,
        _without(question, spans + phrases),
    )


def _without(question: str, spans: list[tuple[int, int]]) -> str:
    """``question`` without the ``spans`` (and brackets left empty)."""
    for a, b in sorted(spans, reverse=True):
        question = question[:a] + " " + question[b:]
    return re.sub(r"\s+", " ", re.sub(r"[（(]\s*[)）]", " ", question)).strip(" ，,")


def _by_title(phrase: str, documents: Sequence[DocumentInfo], *, quoted: bool) -> set[str]:
    """The documents whose title ``phrase`` names, the closest only.

    In 《》, a phrase names a title it is the core or a part of, or that is at least
    :data:`CLOSE_TITLE` alike; without, a phrase of the title's kind whose characters the
    title holds in order, with at least :data:`MIN_PHRASE` characters besides its kind.
    """
    phrase = re.sub(r"\s+", "", phrase)
    kind = doc_type_of(phrase)
    if not quoted:
        content = _PLACE_WORDS.sub("", _KIND.sub("", phrase))
        if len(content) < MIN_PHRASE or not phrase.endswith(tuple(DOC_TYPES)):
            return set()
    scored: dict[str, float] = {}
    for document in documents:
        title = re.sub(r"\s+", "", document.source.title)
        core = title_core(title)
        if not core or (kind and kind not in (doc_type_of(core), doc_type_of(title))):
            continue
        if quoted:
            score = max(SequenceMatcher(None, phrase, t).ratio() for t in {core, title})
            if phrase in (core, title) or (len(phrase) >= 6 and phrase in title):
                score = 1.0
            if score >= CLOSE_TITLE:
                scored[document.path] = score
        elif abbreviates(phrase, core):
            scored[document.path] = len(phrase) / len(core)
    best = max(scored.values(), default=0.0)
    return {path for path, score in scored.items() if score == best}


def _nearest(number: DocNumber, owns: list[tuple[DocumentInfo, DocNumber | None]]) -> tuple:
    """The indexed 文号 nearest ``number``: the same issuer's code first, then the same
    year or the nearest, then the closest serial; each with its document's title."""

    def distance(own: DocNumber) -> tuple[int, int, int]:
        same_prefix = number.prefix.endswith(own.prefix) or own.prefix.endswith(number.prefix)
        years = abs(int(own.year or 0) - int(number.year or 0))
        return (not same_prefix, years, abs(own.serial - number.serial))

    known = sorted(((own, d) for d, own in owns if own), key=lambda pair: distance(pair[0]))
    shown = dict.fromkeys(f"{own.text}《{title_core(d.source.title)}》" for own, d in known)
    return tuple(shown)[:NEAREST_NUMBERS]
