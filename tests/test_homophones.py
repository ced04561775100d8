"""Slips of a pinyin input method (社宝卡 for 社保卡) read as the index's words, on real pages."""

from __future__ import annotations

import pytest

from assistant.answering.answer import answer
from assistant.answering.homophones import Reading
from assistant.answering.question import Question
from assistant.answering.render import as_text
from assistant.answering.search import Searcher
from assistant.settings import Settings


@pytest.fixture(scope="module")
def searcher(guangzhou_pages: Settings) -> Searcher:
    return Searcher.open(guangzhou_pages)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("社宝卡丢了去哪里补办？", Reading("社保卡丢了去哪里补办？", ("社保卡",))),
        # words the dictionary knows, or the documents say, are meant as typed
        ("社保卡补办的费用按什么公式算？", Reading("社保卡补办的费用按什么公式算？")),
        ("失业了是否可以领失业保险金？", Reading("失业了是否可以领失业保险金？")),
        ("我是外地人，电子居住证怎么领？", Reading("我是外地人，电子居住证怎么领？")),
    ],
)
def test_a_slip_is_read_as_the_word_it_sounds_like(
    searcher: Searcher, typed: str, read: Reading
) -> None:
    assert searcher.homophones.read(Question.parse(typed).text) == read


def test_the_answer_says_how_a_slip_was_read(searcher: Searcher) -> None:
    reply = answer(searcher, "新的社宝卡要多久能拿到？")
    assert reply.understood == "社保卡"
    assert "按“社保卡”理解" in as_text(reply)
    assert all(h.chunk.doc.endswith("社会保障卡_2026.html") for h in reply.citations[:1])


def test_with_slips_off_a_question_is_read_as_typed(guangzhou_pages: Settings) -> None:
    off = Searcher.open(guangzhou_pages.with_(slips="off"))
    assert off.homophones.read("社宝卡丢了去哪里补办？") == Reading("社宝卡丢了去哪里补办？")
    with pytest.raises(ValueError, match="未知错字设置"):
        Settings(slips="maybe")
