"""Words typed with a same-sounding wrong character, read as the documents' word.

Citizens type with pinyin input methods, whose slips are homophones: 公租房 typed 公祖房 or
公组房, 社保卡 社宝卡. Such a word is in no document: BM25 misses it and the model reads
another word. :class:`Homophones` reads a (normalized) question's runs of Chinese characters:
a window of three or four characters that no passage or title holds, and that sounds (each
character's usual reading, tones left out) like a word of the index but for one character —
a character jieba's dictionary reads as no part of a word and as no function word (为, 是, 吗)
— is read as that word: a BM25 word held by :data:`MIN_PASSAGES` passages or more, or a
wording of its vocabulary (the words citizens type); the most frequent, when several are
(社宝卡 → 社保卡; 交社保 → 缴社保, the documents' word). A word is never replaced where the
documents say it as typed. ``bench/slips.py`` measures it on slips made in the dev questions.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from ..index import Store
from ..index.tokens import STOPWORDS, segment, word_count
from ..tuning import TUNING

# The tuned numbers (what each does, and how they were chosen: assistant/tuning.py).
MIN_PASSAGES = TUNING.slip_min_passages
RARE_WORD = TUNING.slip_rare_word
FUNCTION_CHAR = TUNING.slip_function_char
_CHINESE = re.compile(r"[\u4e00-\u9fff]{2,}")
_WINDOWS = (4, 3)  # the longest first; two characters slip too often into words (保户 → 保护)


@dataclass(frozen=True)
class Reading:
    """A text as read: its slips replaced (``text``), and the words read for them."""

    text: str
    words: tuple[str, ...] = ()


class Homophones:
    """The words of one index that a slip of a pinyin input method may stand for."""

    def __init__(self, index: Store, on: bool = True) -> None:
        """``on``: read slips (``settings.slips``); off, every text is read as typed."""
        self.index = index
        self.on = on

    def read(self, text: str) -> Reading:
        """``text`` with each slip replaced by the word it stands for (see the module)."""
        if not self.on:
            return Reading(text)
        pieces: list[str] = []
        words: list[str] = []
        at = 0
        for run in _CHINESE.finditer(text):
            alone = _standing_alone(run.group())
            i = 0
            while i < len(alone) - 1:
                for size in _WINDOWS:
                    window = run.group()[i : i + size]
                    if len(window) == size and any(alone[i : i + size]):
                        if word := self._word_for(window, alone[i : i + size]):
                            pieces += [text[at : run.start() + i], word]
                            words.append(word)
                            at, i = run.start() + i + size, i + size
                            break
                else:
                    i += 1
        return Reading("".join(pieces) + text[at:], tuple(words))

    def _word_for(self, window: str, alone: list[bool]) -> str | None:
        """The index's word ``window`` is a slip for, or ``None``."""
        frequency = self.words
        found = [
            (frequency[word], word)
            for i, ch in enumerate(window)
            if alone[i]
            for other in sounding_like(ch)
            if (word := window[:i] + other + window[i + 1 :]) in frequency
        ]
        if not found or self.said(window):  # the documents say it: meant as typed
            return None
        return max(found)[1]

    @functools.cached_property
    def words(self) -> dict[str, int]:
        """The words a slip may stand for, of three or four Chinese characters, with how often
        the index has them: its BM25 words held by at least :data:`MIN_PASSAGES` passages (by
        how many), and its vocabulary's wordings (by how often the documents say them)."""
        tokens = self.index.tokens()
        size = len(tokens.vocab)
        chunk_of = np.repeat(np.arange(len(tokens.offsets) - 1), np.diff(tokens.offsets))
        held = np.unique(chunk_of.astype(np.int64) * size + tokens.ids)  # each (passage, word)
        counts = np.bincount(held % size, minlength=size)
        found = dict(zip(tokens.vocab, counts.tolist(), strict=True))
        vocabulary = self.index.vocabulary
        for group in (*vocabulary.groups, *vocabulary.abbreviations):
            for term in group:
                said = vocabulary.counts.get(term, 0)
                found[term] = max(found.get(term, 0), said, MIN_PASSAGES)
        return {
            word: n
            for word, n in found.items()
            if n >= MIN_PASSAGES and len(word) in _WINDOWS and _CHINESE.fullmatch(word)
        }

    def said(self, text: str) -> bool:
        """Whether a passage or a title of the index holds ``text`` as it is."""
        return text in self._text

    @functools.cached_property
    def _text(self) -> str:
        """Every passage and title of the index, one string (what a window is looked up in)."""
        titles = (d.source.title for d in self.index.documents)
        return "\n".join([*titles, *(c.text for c in self.index.chunks())])


def _standing_alone(run: str) -> list[bool]:
    """For each character of ``run``, whether it may be a slip: jieba's dictionary reads it as
    no part of a word (a word as rare as :data:`RARE_WORD` does not count: 公祖房 is 公 祖 房),
    and not as a function word (为, 是, 不: :data:`FUNCTION_CHAR`; the tokenizer's stopwords)."""
    alone = []
    for piece in segment(run, guess=False):
        single = len(piece) == 1 or word_count(piece) < RARE_WORD
        alone += [single and word_count(c) < FUNCTION_CHAR and c not in STOPWORDS for c in piece]
    return alone


@functools.cache
def sounding_like(ch: str) -> tuple[str, ...]:
    """The other characters whose usual reading is ``ch``'s."""
    return tuple(c for r in _readings(ch) for c in _by_reading().get(r, ()) if c != ch)


def _readings(ch: str) -> frozenset[str]:
    """``ch``'s usual reading (the first: 租 is zū, not jū), tone left out."""
    from pypinyin.pinyin_dict import pinyin_dict

    found = pinyin_dict.get(ord(ch), "")
    return frozenset(_toneless(r) for r in found.split(",")[:1] if r)


@functools.cache
def _by_reading() -> dict[str, tuple[str, ...]]:
    """The common characters (the CJK block) by their usual reading."""
    from pypinyin.pinyin_dict import pinyin_dict

    found: dict[str, list[str]] = {}
    for code in pinyin_dict:
        if 0x4E00 <= code <= 0x9FFF:
            for reading in _readings(chr(code)):
                found.setdefault(reading, []).append(chr(code))
    return {r: tuple(chars) for r, chars in found.items()}


def _toneless(reading: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
