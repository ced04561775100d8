"""What the documents mention: services named by words they use, but never together."""

from __future__ import annotations

import re
import shutil

import pytest

from assistant.answering import mentions
from assistant.answering.answer import answer
from assistant.answering.mentions import SERVICE_KINDS, Mentions, family
from assistant.answering.search import Searcher
from assistant.index import build

from .conftest import SHARED_CORPUS, hash_settings

PAGES = (
    "11_公共租赁住房保障办法_穗府办规2024-13号.html",  # 贷款风险准备金…住房公积金
    "27b_残疾人辅助器具适配补贴办法_穗残联.html",  # 电动轮椅…辅助器具适配补贴
    "29_广州市临时救助实施细则_穗府办规2021-19号.html",  # 临时救助
    "32_长期护理保险试行办法_穗医保规字2024-1号.html",  # 鉴定为一级至四级伤残的工伤
)


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    corpus = tmp_path_factory.mktemp("mentions") / "corpus"
    corpus.mkdir()
    for name in PAGES:
        shutil.copy(SHARED_CORPUS / "html" / name, corpus / name)
    settings = hash_settings(corpus)
    build(settings)
    return Searcher.open(settings)


@pytest.mark.parametrize(
    ("question", "unmentioned"),
    [
        ("在广州上班受了伤，工伤认定要去哪里申请？", ["工伤认定"]),  # 认定, 工伤: apart
        ("用住房公积金贷款买房，最高能贷多少？", ["公积金贷款"]),  # 贷款 before 公积金
        ("广州夏天有没有高温补贴？", ["高温补贴"]),  # 高温: no word of the documents
        ("轮椅补贴能补多少？", []),  # 电动轮椅…适配补贴, in one passage
        ("临时补助怎么申请？", []),  # 临时救助: 救助 is a kind of the same family
        ("长期护理保险待遇怎么申请？", []),  # no service compound
        ("公租房补贴期限", []),  # 租房补贴: a lexicon term, written 住房租赁补贴
        ("人在外地，临时救助去哪里登记？", []),  # 哪里 + 登记: a question word, no service
    ],
)
def test_a_service_whose_words_no_passage_says_together_is_unmentioned(
    searcher: Searcher, question: str, unmentioned: list[str]
) -> None:
    assert searcher.unmentioned(question) == unmentioned


def test_a_question_on_a_service_never_named_is_refused_with_why(searcher: Searcher) -> None:
    reply = answer(searcher, "在广州上班受了伤，工伤认定要去哪里申请？要多久？")
    assert not reply.found and "已收录的文件没有提到“工伤认定”" in reply.reason


@pytest.mark.parametrize("word", ["工伤", "公积金", "轮椅", "临时", "残疾人", "护理", "房租"])
def test_together_agrees_with_reading_every_passage(searcher: Searcher, word: str) -> None:
    """The oracle: every title, and every passage with its BM25 words, read in turn."""
    index = searcher.index
    wordings = (word, *index.vocabulary.equivalents(word))
    needed = [[w for w in index.tokenizer.words(wording) if len(w) > 1] for wording in wordings]
    holding = []  # the passages whose BM25 words hold a wording: their words and text
    tokens = index.tokens()  # read once: each call reads the index's file
    for row, chunk in enumerate(index.chunks()):
        words = set(tokens.of(row))
        if any(all(w in words for w in wording) for wording in needed):
            holding.append((words, f"{chunk.section}\n{chunk.text}"))
    for kind in sorted(SERVICE_KINDS):
        kinds = family(kind)
        said = re.compile(f"(?:{'|'.join(wordings)}).*?(?:{'|'.join(kinds)})", re.S)
        expected = any(said.search(d.source.title) for d in index.documents)
        for words, text in holding:
            if words & set(kinds):
                expected |= bool(said.search(text))
        assert searcher.mentions.together(word, kind) == expected, (word, kind)


def test_too_many_passages_to_read_are_assumed_to_say_it(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not Mentions(searcher.index).together("工伤", "认定")
    monkeypatch.setattr(mentions, "MAX_READ", 0)
    assert Mentions(searcher.index).together("工伤", "认定")
