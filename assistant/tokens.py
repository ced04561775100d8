"""Keyword tokens for BM25: jieba in search mode, plus whole 文号 and 《》 names.

Queries and passages go through the same :func:`normalize_text` and
:class:`Tokenizer`, so "二〇一八年" in a question finds "2018年" in a letter and
"穗府办规[2024]13号" finds "穗府办规〔2024〕13号".
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from .cleaning import normalize_chars, squeeze_spaces
from .metadata import DOC_NUMBER, normalize_doc_number

_CN_YEAR = re.compile(r"([〇○零一二三四五六七八九]{4})年")
_YEAR_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
_BOOK_TITLE = re.compile(r"《([^《》\n]{2,40})》")
_NUMBER_UNIT = re.compile(
    r"\d+(?:\.\d+)?(?:万元|亿元|元|年|月|日|号|件|家|人|条|项|个|%|万|岁|周岁|平方米)"
)
_KEEP = re.compile(r"[\w\u3400-\u9fff]")
STOPWORDS = frozenset(
    "的 了 和 与 及 或 是 在 对 为 以 于 将 把 被 由 从 向 等 之 其 这 那 也 都 就 而 并 "
    "吗 呢 吧 啊 么 什么 怎么 怎样 如何 哪些 哪个 哪 多少 几 是否 能否 可以 可 会 要 需要 "
    "有 没有 请问 一下 我 我们 你 您 他 她 它 个 一个 些 该 此 本 上 下 中 里 时 后 前".split()
)
JIEBA_VERSION = "0.42.1"


def normalize_text(text: str) -> str:
    """Normalize a query like documents: full-width forms, CJK spacing, 二〇一八年 → 2018年."""
    text = squeeze_spaces(normalize_chars(text).strip())
    return _CN_YEAR.sub(lambda m: m.group(1).translate(_YEAR_DIGITS) + "年", text)


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
        words: Extra dictionary words (see :func:`dictionary_words`).
    """

    def __init__(self, words: Iterable[str] = ()) -> None:
        import jieba

        freq, total = _base_dictionary()
        self._jieba = jieba.Tokenizer()
        self._jieba.FREQ, self._jieba.total = dict(freq), total
        self._jieba.initialized = True
        for word in words:
            self._jieba.add_word(word, freq=50_000)
        self._lock = threading.Lock()

    def __call__(self, text: str) -> list[str]:
        """Tokens of ``text`` (normalized first), special tokens included."""
        text = normalize_text(text)
        special = [normalize_doc_number(m.group()) for m in DOC_NUMBER.finditer(text)]
        special += _BOOK_TITLE.findall(text)
        special += _NUMBER_UNIT.findall(text)
        with self._lock:  # jieba's tokenizer is not thread-safe while it lazily loads
            words = self._jieba.cut_for_search(text)
            tokens = [w.lower() for w in words if _KEEP.search(w) and w not in STOPWORDS]
        return tokens + special


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
