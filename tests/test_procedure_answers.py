"""Procedure answers read as answers: the part of a long section that answers, never the wall.

Real pages of ../shared/corpus indexed with the real bundled model; the questions are
paraphrases of what residents ask, not the evaluation sets' own. A flattened FAQ page (the
电子居住证 guide: one 办理方式 section running over every question after it), an article
of six steps (公租房 第二十五条) and a materials list with notes under each item (养老金
五、所需材料) are each quoted by the part that answers, within the procedure budget.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.answering.answer import answer
from assistant.answering.render import body
from assistant.answering.search import Searcher
from assistant.documents.sentences import opening
from assistant.index import build
from assistant.settings import Settings
from assistant.tuning import TUNING
from assistant.types import Answer

RESIDENCE = "34_电子居住证申领指南.html"  # 办理方式, then a run of questions and answers
HOUSING = "11_公共租赁住房保障办法_穗府办规2024-13号.html"  # 第二十五条 …程序如下：（一）…（六）
PENSION = "23_企业职工基本养老金申领详解_2025.html"  # 五、所需材料 › （一）必需材料 › 1. 2. 3.
# The section's part, what else answers, and a list's short intro: never more.
BOUND = TUNING.procedure_chars + TUNING.answer_chars + TUNING.intro_chars


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Searcher:
    """The three pages, indexed with the bundled model."""
    root = tmp_path_factory.mktemp("procedure-answers")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in (RESIDENCE, HOUSING, PENSION):
        shutil.copy(shared_corpus / "html" / name, corpus / name)
    settings = Settings(corpus=corpus, index=root / "index")
    build(settings)
    return Searcher.open(settings)


def quoted(reply: Answer) -> int:
    """The characters an answer quotes."""
    assert reply.found and reply.direct is not None
    return sum(q.end - q.start for q in (reply.direct, *reply.quotes))


def opens_sentences(reply: Answer) -> bool:
    """Whether every quote opens where its sentence opens."""
    for q in (reply.direct, *reply.quotes):
        text = reply.citations[q.marker - 1].chunk.text
        if opening(text, q.start) != q.start:
            return False
    return True


def test_an_faq_pages_question_is_answered_by_its_own_answer(searcher: Searcher) -> None:
    reply = answer(searcher, "家里老人想办电子居住证，子女要怎么弄？")
    said = body(reply)
    assert reply.citations[reply.direct.marker - 1].chunk.doc == RESIDENCE
    assert "代他人办理" in said and "代为申领居住证" in said, said
    # the answer under its own question, not the page's other questions
    assert "家里的老人、小孩怎么办理电子居住证？" in said, said
    assert "之前办理的实体卡还能用吗？" not in said, said
    assert quoted(reply) <= BOUND, said
    assert opens_sentences(reply), said


def test_where_to_go_quotes_the_channels_not_the_page(searcher: Searcher) -> None:
    reply = answer(searcher, "电子居住证想去现场办，要到哪里？")
    said = body(reply)
    assert "政务服务中心窗口" in said and "线下办理" in said, said
    assert "04如何使用电子居住证？" not in said, said  # the next question is not quoted
    assert quoted(reply) <= BOUND, said
    assert opens_sentences(reply), said


def test_long_steps_are_quoted_under_their_article_by_whole_items(searcher: Searcher) -> None:
    reply = answer(searcher, "公租房要到哪里提交申请？")
    said = body(reply)
    assert "第二十五条公共租赁住房保障的申请、审核程序如下：" in said, said
    assert "（一）申请。" in said, said
    assert quoted(reply) <= BOUND, said
    assert opens_sentences(reply), said


def test_a_materials_list_keeps_its_items_under_its_headings(searcher: Searcher) -> None:
    reply = answer(searcher, "领养老金需要提交哪些材料？")
    said = body(reply)
    items = [
        "（一）必需材料",
        "1.《企业职工基本养老保险待遇申报表》",
        "2.《企业职工基本养老保险退休时间申请书》",
        "3.参保人的社会保障卡",
    ]
    at = [said.find(item) for item in items]
    assert -1 not in at and at == sorted(at), said
    assert quoted(reply) <= BOUND, said
    assert opens_sentences(reply), said
