"""Keyword tokens for BM25: jieba in search mode, plus whole 文号 and 《》 names.

Queries and passages go through the same :func:`normalize_text` and
:class:`Tokenizer`, so "二〇一八年" in a question finds "2018年" in a letter and
"穗府办规[2024]13号" finds "穗府办规〔2024〕13号".

Answer types: a passage also gets a token for each kind of answer it holds — an
amount ("554套" → ``#套``, "401万元" → ``#元``), a date (``#日期``), a 文号
(``#文号``), a telephone number (``#电话``) — and a question gets the tokens of
the answers it asks for (多少套 → ``#套``, 哪天 → ``#日期``, 多久 → ``#年 #月 #天``,
see :meth:`Tokenizer.query`). BM25 then prefers, among passages on the topic, those
that can answer; the types' IDF keeps common ones such as ``#日期`` weak.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..chinese.answer_types import DURATION_NOUNS, AnswerType
from ..chinese.doc_numbers import DOC_NUMBER, normalize_doc_number
from ..chinese.numerals import COUNTING, YEAR_DIGITS, year_digits
from ..chinese.words import alternation, words
from ..documents.cleaning import normalize_chars, squeeze_spaces
from ..types import Chunk

_CN_YEAR = re.compile(rf"([{YEAR_DIGITS}]{{4}})年")
_BOOK_TITLE = re.compile(r"《([^《》\n]{2,40})》")
_NUMBER_UNIT = re.compile(rf"\d+(?:\.\d+)?(?:{alternation(words('units', 'counted'))})")
_KEEP = re.compile(r"[\w\u3400-\u9fff]")
# Answer types. Units after a number, with their type name (万元 → 元); dates are
# taken first so that "2019年7月1日" is a date, not a count of years, months and days.
_UNIT = alternation(words("units", "answer"), longest_first=True)
# A day of a month is a date too: 次月15日前, 每月10日 (not a count of 15 days).
_DATE = re.compile(
    r"(?:19|20)\d\d年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日|(?<=月)\d{1,2}日"
)
_QUANTITY = re.compile(rf"\d+(?:\.\d+)?[万亿]?({_UNIT})")  # 1.6万个, 5.6万平方米
# A duration in Chinese numerals (最长为二十四个月, 有效期五年), not an ordinal (第三年), a
# grade (一年级) nor a year written digit by digit (二〇一七年: a date).
_SPELLED_DURATION = re.compile(
    rf"(?<![第初{COUNTING}])(?![{YEAR_DIGITS}]{{4}}年)[{COUNTING}]+"
    rf"({alternation(words('units', 'spelled_duration'), longest_first=True)})(?!级)"
)
_PHONE = re.compile(r"(?<!\d)(?:0\d{2,3}-?)?\d{7,8}(?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)")
# What a question asks for: 多少/几 + unit, money, a share, a 文号, a date, a duration, a
# telephone. A bare 多少 (能补多少？比上一年多了多少？) asks for an amount or a share.
_ASKED_QUANTITY = re.compile(rf"(?:多少|几)({_UNIT})(?!份)")
_MONEY = re.compile(alternation(words("question", "money")))
_SHARE = re.compile(alternation(words("question", "share")))
_BARE_HOW_MUCH = re.compile(rf"多少(?!{_UNIT})")
_ASKED = (
    (re.compile(r"文号|发文字号"), (AnswerType.DOC_NUMBER,)),
    (
        re.compile(
            r"哪天|哪一天|哪几天|哪年|哪一年|哪个月|几月份|几号|什么时候|什么时间|何时|日期"
        ),
        (AnswerType.DATE,),
    ),
    (
        re.compile(rf"多久|多长时间|多长|{DURATION_NOUNS}"),
        (AnswerType.YEARS, AnswerType.MONTHS, AnswerType.DAYS),
    ),
    (re.compile(r"电话|联系方式"), (AnswerType.PHONE,)),
)
STOPWORDS = frozenset(words("index", "stopwords"))
JIEBA_VERSION = "0.42.1"
# Bump when Tokenizer changes the tokens of a text: builds then tokenize every chunk
# again instead of reusing the tokens stored for unchanged documents.
TOKENS_VERSION = 4  # 3: N个工作日 is a count of days; 万/亿 before any unit; 4: durations
# in Chinese numerals (二十四个月), a day of a month (次月15日) a date
TOKENIZER = {"name": "jieba", "version": JIEBA_VERSION, "mode": "search", "tokens": TOKENS_VERSION}


def normalize_text(text: str) -> str:
    """Normalize a query like documents: full-width forms, CJK spacing, 二〇一八年 → 2018年."""
    text = squeeze_spaces(normalize_chars(text).strip())
    return _CN_YEAR.sub(lambda m: year_digits(m.group(1)) + "年", text)


def keyword_text(chunk: Chunk) -> str:
    """What BM25 indexes for a chunk: its section path and text, not the title.

    A title inside every chunk matches every chunk of its document, the short ones
    most (BM25 divides by length), so a bare heading or a table row outranks the
    passage that answers. Search scores titles once per document instead
    (``settings.title_weight``); the embedded text keeps the title
    (:func:`assistant.index.passage_text`), which the dense model needs for context.
    """
    return "\n".join(x for x in (chunk.section, chunk.text) if x)


def dictionary_words(
    titles: Iterable[str], issuers: Iterable[str], texts: Iterable[str]
) -> list[str]:
    """Words to keep whole: document titles, issuer names and 《》 names found in the texts."""
    words = set(titles)
    for issuer in issuers:
        words.update(part for part in re.split(r"[、，,；;\s]+", issuer) if part)
    for text in texts:
        words.update(_BOOK_TITLE.findall(text))
    return sorted(w for w in (w.strip() for w in words) if 2 <= len(w) <= 40 and " " not in w)


class Tokenizer:
    """jieba search-mode tokens with a user dictionary, stopwords removed.

    Args:
        words: Extra dictionary words (see :func:`dictionary_words`), kept as
            :attr:`user_words`.
    """

    def __init__(self, words: Iterable[str] = ()) -> None:
        import jieba

        self.user_words = list(words)
        freq, total = _base_dictionary()
        self._jieba = jieba.Tokenizer()
        self._jieba.FREQ, self._jieba.total = dict(freq), total
        self._jieba.initialized = True
        for word in self.user_words:
            self._jieba.add_word(word, freq=50_000)
        self._lock = threading.Lock()

    def __call__(self, text: str) -> list[str]:
        """Tokens of a passage: :meth:`words` and the answers it holds (:func:`answer_types`)."""
        text = normalize_text(text)
        return self._cut(text) + [kind.value for kind in answer_types(text)]

    def query(self, question: str, *, normalized: bool = False) -> list[str]:
        """Tokens of a question: :meth:`words` and the answers it asks for (:func:`asked_types`).

        Args:
            question: The question.
            normalized: It went through :func:`normalize_text` already.
        """
        question = question if normalized else normalize_text(question)
        return self._cut(question) + [kind.value for kind in asked_types(question)]

    def words(self, text: str) -> list[str]:
        """Tokens of ``text`` (normalized first), special tokens included."""
        return self._cut(normalize_text(text))

    def _cut(self, text: str) -> list[str]:
        """Tokens of an already normalized ``text``."""
        special = [normalize_doc_number(m.group()) for m in DOC_NUMBER.finditer(text)]
        special += _BOOK_TITLE.findall(text)
        special += _NUMBER_UNIT.findall(text)
        with self._lock:  # jieba's tokenizer is not thread-safe while it lazily loads
            words = self._jieba.cut_for_search(text)
            tokens = [w.lower() for w in words if _KEEP.search(w) and w not in STOPWORDS]
        return tokens + special


def answer_types(text: str) -> list[AnswerType]:
    """One answer type (:class:`~assistant.chinese.answer_types.AnswerType`, its value the
    token) per date, amount, 文号 and telephone number in ``text``.

    >>> [str(t) for t in answer_types("自2019年7月1日起实施，有效期5年，总套数554套")]
    ['#日期', '#年', '#套']
    """
    return [kind for kind, _ in _answers(text)]


def answer_spans(text: str, types: Iterable[AnswerType]) -> list[tuple[int, int]]:
    """Where ``text`` holds answers of the given types (see :func:`answer_types`), in order.

    >>> answer_spans("自2019年7月1日起实施，补贴3000元", [AnswerType.MONEY, AnswerType.DATE])
    [(1, 10), (16, 21)]
    """
    types = set(types)
    return sorted(span for kind, span in _answers(text) if kind in types)


def _answers(text: str) -> list[tuple[AnswerType, tuple[int, int]]]:
    """Each answer in ``text`` with its type token and span: dates first (so that
    "2019年7月1日" is a date, not a count of years, months and days), then amounts and
    telephone numbers outside the dates, and 文号."""
    found = [(AnswerType.DATE, m.span()) for m in _DATE.finditer(text)]
    rest = _DATE.sub(lambda m: " " * len(m.group()), text)  # dates are not amounts
    found += [(AnswerType.of_unit(m[1]), m.span()) for m in _QUANTITY.finditer(rest)]
    found += [(AnswerType.of_unit(m[1]), m.span()) for m in _SPELLED_DURATION.finditer(rest)]
    found += [(AnswerType.DOC_NUMBER, m.span()) for m in DOC_NUMBER.finditer(text)]
    return found + [(AnswerType.PHONE, m.span()) for m in _PHONE.finditer(rest)]


def quantity_types(question: str) -> list[AnswerType]:
    """The answer types of the units a question counts in (几年 → ``#年``, 多少套 → ``#套``)."""
    return [AnswerType.of_unit(unit) for unit in _ASKED_QUANTITY.findall(question)]


def asked_types(question: str) -> list[AnswerType]:
    """The answer-type tokens a question asks for (see :func:`answer_types`).

    >>> [str(t) for t in asked_types("一共多少套房？一次可以领几年？")]
    ['#套', '#年']
    """
    types = quantity_types(question)
    if _SHARE.search(question):
        types.append(AnswerType.PERCENT)
    elif "多少" in question and _MONEY.search(question):
        types.append(AnswerType.MONEY)
    for pattern, asked in _ASKED:
        if pattern.search(question):
            types += asked
    if not types and _BARE_HOW_MUCH.search(question):  # 能补多少？ an amount or a share
        types = [AnswerType.MONEY, AnswerType.PERCENT]
    return list(dict.fromkeys(types))


@functools.cache
def _base_dictionary() -> tuple[dict[str, int], int]:
    """jieba's main dictionary, loaded once per process (each tokenizer copies it)."""
    import jieba

    jieba.setLogLevel(60)
    base = jieba.Tokenizer()
    base.initialize()
    return base.FREQ, base.total


def save_words(words: list[str], path: Path) -> None:
    """Write the user dictionary, one word a line."""
    path.write_text("".join(w + "\n" for w in words), encoding="utf-8")


def load_words(path: Path) -> list[str]:
    """Read a user dictionary written by :func:`save_words`."""
    return [w for w in path.read_text(encoding="utf-8").split("\n") if w]


@dataclass(frozen=True)
class Tokens:
    """The BM25 tokens of every chunk of an index, as token ids into ``vocab``.

    Chunk ``i`` has the tokens ``[vocab[t] for t in ids[offsets[i]:offsets[i + 1]]]``.
    """

    ids: np.ndarray
    offsets: np.ndarray
    vocab: list[str]

    def of(self, i: int) -> list[str]:
        """The tokens of chunk ``i``."""
        return [self.vocab[t] for t in self.ids[self.offsets[i] : self.offsets[i + 1]].tolist()]

    def ids_of(self, i: int) -> np.ndarray:
        """The token ids of chunk ``i``."""
        return self.ids[self.offsets[i] : self.offsets[i + 1]]

    def id_lists(self) -> list[list[int]]:
        """The token ids of every chunk, as bm25s takes them."""
        return [part.tolist() for part in np.split(self.ids, self.offsets[1:-1])]


def segment(text: str, *, guess: bool = True) -> list[str]:
    """The words of ``text`` in jieba's accurate mode, with jieba's own dictionary;
    ``guess=False``: only its words, unknown ones not guessed (jieba's HMM off)."""
    return _segmenter().lcut(text, HMM=guess)


def word_count(word: str) -> int:
    """How often jieba's own dictionary counts ``word`` (0: not one of its words)."""
    return _segmenter().FREQ.get(word) or 0


@functools.cache
def _segmenter() -> Any:
    """A jieba tokenizer on the main dictionary, without user words (shared, read-only)."""
    import jieba

    segmenter = jieba.Tokenizer()
    segmenter.FREQ, segmenter.total = _base_dictionary()
    segmenter.initialized = True
    return segmenter
