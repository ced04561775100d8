"""Follow-up questions understood in their conversation: the topic decision, then retrieval.

The decision is tested on made-up questions; retrieval on four real Guangzhou pages with
the ``hash`` embedder (the conversation logic does the work here, not the model).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.answering.answer import answer
from assistant.answering.conversation import (
    Conversation,
    lacks_topic,
    search_in_conversation,
    topic_label,
)
from assistant.answering.evaluation import evaluate
from assistant.answering.render import as_html, as_text
from assistant.answering.search import Searcher
from assistant.index import build
from assistant.index.tokens import Tokenizer
from assistant.settings import Settings

from .conftest import GUANGZHOU_PAGES

SUBSIDY, _, _, RESIDENCE = GUANGZHOU_PAGES


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer()


@pytest.fixture(scope="module")
def searcher(guangzhou_pages: Settings) -> Searcher:
    return Searcher.open(guangzhou_pages)


@pytest.mark.parametrize(
    "question",
    [
        "那要交什么证明？",  # opens by continuing
        "还有别的条件吗？",
        "另外，多久能批下来？",
        "这笔钱什么时候到账？",  # points back
        "那一年的情况呢？",
        "要多长时间？",  # nothing but question words
        "在哪儿办？",
        "大概多少钱？",  # one short term
        "材料呢？",
        "哪天截止？",
        "几个工作日能拿到？",  # 工作日 is a unit of time, like 天
    ],
)
def test_a_question_without_its_own_topic_is_a_follow_up(
    question: str, tokenizer: Tokenizer
) -> None:
    assert lacks_topic(question, tokenizer)


@pytest.mark.parametrize(
    "question",
    [
        "医保报销比例是多少？",
        "社保卡丢了怎么办？",
        "居住证怎么办理？",
        "公积金贷款最多能贷多少？",
        "新生儿怎么上户口？",
        "低保标准是多少？",
    ],
)
def test_a_question_that_names_its_topic_starts_fresh(question: str, tokenizer: Tokenizer) -> None:
    assert not lacks_topic(question, tokenizer)


def test_a_follow_up_inherits_the_latest_turn_with_its_own_topic(tokenizer: Tokenizer) -> None:
    conversation = Conversation(("医保报销比例是多少？", "居住证怎么办理？", "那要带什么？", ""))
    understood = conversation.understand("要多久？", tokenizer)
    assert understood.topic == "居住证怎么办理？" and understood.label == "居住证"
    assert understood.question.text == "要多久？"
    assert understood.query.text == "居住证 办理 要多久？"  # the topic's terms, not its 怎么
    fresh = conversation.understand("公积金贷款最多能贷多少？", tokenizer)
    assert fresh.query == fresh.question and not fresh.topic and not fresh.label
    assert not Conversation(("要多久？", "居住证" * 200)).understand("那材料呢？", tokenizer).topic
    assert not Conversation().understand("那材料呢？", tokenizer).topic


def test_the_label_names_the_topic_without_its_question_words(tokenizer: Tokenizer) -> None:
    assert topic_label("请问灵活就业人员的社保补贴怎么领？", tokenizer) == "灵活就业人员的社保补贴"
    assert topic_label("低保标准是多少？", tokenizer) == "低保标准"
    assert topic_label("外地人在广州办居住证，要带啥？", tokenizer) == "外地人在广州办居住证"
    assert topic_label("广州低保一个月多少钱？", tokenizer) == "广州低保"


def test_a_label_no_document_word_holds_names_the_topic_not_the_asker(
    tokenizer: Tokenizer,
) -> None:
    """When the topic's documents hold none of its words, the label still names what is
    asked about (told last), not who asks or their figures (told first)."""
    label = topic_label("我外公75岁了，坐电车要给钱吗？", tokenizer, lambda term: False)
    assert label == "电车"
    assert topic_label("我外公75岁了，坐电车要给钱吗？", tokenizer) == "我外公75岁"  # no held


def test_the_label_names_what_the_documents_are_about_not_the_askers_situation(
    searcher: Searcher,
) -> None:
    """The situation is told first (被公司辞退), the topic asked after it; the FAQ on
    unemployment insurance speaks of 失业保险金, so that is the label."""
    first = "公司把我辞退了，我可以领取失业保险金吗？"
    understood, hits = search_in_conversation(searcher, "大概要多久？", [first])
    assert hits[0].chunk.doc == GUANGZHOU_PAGES[1]
    assert understood.label.endswith("失业保险金") and "我" not in understood.label
    # without the documents, the part with the most content terms, the asker in it
    plain = Conversation((first,)).understand("大概要多久？", searcher.index.tokenizer)
    assert plain.label == "我可以领取失业保险金"
    # a modal verb or a number does not start a label
    understood = search_in_conversation(searcher, "那要带什么？", ["我30岁了能领失业保险金吗？"])[0]
    assert understood.label == "失业保险金"


def test_a_follow_up_is_answered_from_the_document_of_its_topic(searcher: Searcher) -> None:
    first, follow_up = "一次性创业补贴由谁发放？", "那需要提交哪些材料？"
    assert search_in_conversation(searcher, first)[1][0].chunk.doc == SUBSIDY
    bare = searcher.search(follow_up, 3)
    assert SUBSIDY not in {hit.chunk.doc for hit in bare}  # alone, it misses
    understood, hits = search_in_conversation(searcher, follow_up, [first], 3)
    assert understood.label == "一次性创业补贴"
    assert [hit.chunk.doc for hit in hits] == [SUBSIDY] * 3
    reply = answer(searcher, follow_up, history=[first])
    assert reply.question == follow_up and reply.understood == "一次性创业补贴"
    assert reply.found and reply.citations[0].chunk.doc == SUBSIDY
    assert as_text(reply).startswith("按“一次性创业补贴”理解\n")
    assert '<p class="understood">按“一次性创业补贴”理解</p>' in as_html(reply)


def test_a_follow_up_asking_what_to_bring_stays_with_its_topic(
    shared_corpus: Path, tmp_path: Path
) -> None:
    """材料 says what is asked, not what about: the 优待办法 answers it ("应当提供有效证件")
    without the word, and the 生育津贴 page's 病历资料 list is not the answer. (The
    bundled model: the hash embedder does not find 第十三条 within the 办法.)"""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("33_广州市老年人优待办法_政府令179号.html", "09_生育津贴直接发放个人_2025.html"):
        shutil.copy(shared_corpus / "html" / name, corpus)
    settings = Settings(corpus=corpus, index=tmp_path / "index")
    build(settings)
    searcher = Searcher.open(settings)
    reply = answer(searcher, "那要带什么材料？", history=["我妈70了坐公交要钱吗？"])
    assert all("老年人优待办法" in hit.chunk.doc for hit in reply.citations)
    assert "应当提供有效证件" in as_text(reply).splitlines()[1]


def test_a_follow_up_is_ranked_by_its_own_words_too(shared_corpus: Path, tmp_path: Path) -> None:
    """Within the topic's document, the topic's words (缴费, 比例) rank the passages on
    payments first; the follow-up's own ranking, fused in, brings up when the measures
    take effect (第三十二条 本办法自印发之日起施行). The bundled model, as users get it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(shared_corpus / "html" / "32_长期护理保险试行办法_穗医保规字2024-1号.html", corpus)
    settings = Settings(corpus=corpus, index=tmp_path / "index")
    build(settings)
    searcher = Searcher.open(settings)
    history = ["长期护理保险的缴费比例是多少？"]
    understood, hits = search_in_conversation(searcher, "那从什么时候开始实施？", history)
    assert understood.label == "长期护理保险的缴费比例"
    assert "本办法自印发之日起施行" in hits[0].chunk.text
    reply = answer(searcher, "那从什么时候开始实施？", history=history)
    assert "本办法自印发之日起施行" in reply.citations[0].chunk.text
    assert "本办法自印发之日起施行" in "".join(as_text(reply).splitlines()[1:3])


def test_a_follow_up_on_what_the_topic_documents_lack_searches_everything(
    searcher: Searcher,
) -> None:
    history = ["一次性创业补贴由谁发放？"]
    understood, hits = search_in_conversation(searcher, "那居住证呢？", history)
    assert understood.label == "一次性创业补贴"  # taken in the topic, …
    # … but 居住证 is in no page about it: its own ranking over all documents is fused in
    assert RESIDENCE in {hit.chunk.doc for hit in hits}
    _, covered = search_in_conversation(searcher, "那要交什么材料？", history)
    assert RESIDENCE not in {hit.chunk.doc for hit in covered}  # one the page covers


def test_a_question_with_its_own_topic_keeps_its_own_answer(searcher: Searcher) -> None:
    """Without history the search is unchanged; after another topic, the conversation's
    ranking (at half weight) reorders what the question finds, not what comes first."""
    question = "社保卡丢了怎么办？"
    alone = [h.chunk.id for h in searcher.search(question)]
    understood, hits = search_in_conversation(searcher, question, [])
    assert [h.chunk.id for h in hits] == alone and not understood.label
    understood, hits = search_in_conversation(searcher, question, ["一次性创业补贴由谁发放？"])
    # the same passage first (joined to its neighbours among each ranking's best, or not)
    first, own = hits[0].chunk, searcher.search(question)[0].chunk
    assert first.doc == own.doc and first.start < own.end and own.start < first.end
    assert not understood.label
    assert not answer(searcher, question, history=["一次性创业补贴由谁发放？"]).understood


def test_evaluation_asks_a_question_with_its_history(searcher: Searcher) -> None:
    row = {"question": "那需要提交哪些材料？", "doc": SUBSIDY, "answer": ""}
    history = ["一次性创业补贴由谁发放？"]
    (with_history,) = evaluate(searcher, [{**row, "history": history}], modes=("hybrid",))
    (bare,) = evaluate(searcher, [row], modes=("hybrid",))
    assert with_history.hits[1] == 1.0 and bare.hits[3] == 0.0


def test_a_long_question_that_points_back_names_its_own_topic(tokenizer: Tokenizer) -> None:
    conversation = Conversation(("低保标准是多少？",))
    own = "关于电子居住证申领和签注办理流程的那份通知是哪天开始施行的？"
    assert not conversation.understand(own, tokenizer).topic  # 那份 names what it says
    assert conversation.understand("这笔钱什么时候到账？", tokenizer).topic  # short: points back


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("得满足哪些条件？", True),  # 条件 says what kind of answer is asked, 满足 is short
        ("有效期是几年？", True),
        ("低保多少钱？", False),  # 低保 is a term of the vocabulary: a topic however short
        ("失业金怎么领？", False),
        ("多久可以拿到手？", True),
        ("失业金呢？", True),  # a few words and 呢: the earlier question, of them
        ("失业金怎么领呢？", False),
    ],
)
def test_the_vocabulary_tells_a_short_topic_from_an_asking_word(
    searcher: Searcher, question: str, follow_up: bool
) -> None:
    index = searcher.index
    assert lacks_topic(question, index.tokenizer, index.vocabulary) is follow_up


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("大概几天能批下来？", True),  # 批下来: a verb no document uses
        ("签注和缴费要多久？", False),  # 签注, 缴费: verbs the documents use name a topic
    ],
)
def test_verbs_no_document_uses_name_no_topic(
    searcher: Searcher, question: str, follow_up: bool
) -> None:
    index, said = searcher.index, searcher.mentions.word
    assert lacks_topic(question, index.tokenizer, index.vocabulary, said) is follow_up


def test_a_short_follow_up_asking_for_conditions_keeps_the_conversation_topic(
    searcher: Searcher,
) -> None:
    index = searcher.index
    conversation = Conversation(("公租房怎么申请？",))
    understood = conversation.understand("得满足哪些条件？", index.tokenizer, index.vocabulary)
    assert understood.topic == "公租房怎么申请？"
    switched = conversation.understand("低保多少钱？", index.tokenizer, index.vocabulary)
    assert not switched.topic  # a topic of its own


def test_the_label_keeps_a_vocabulary_term_whole(searcher: Searcher) -> None:
    index = searcher.index  # 失业金 is cut 失业 + 金; the lexicon knows 失业金
    label = topic_label("失业金一个月能发多少？", index.tokenizer, lambda t: True, index.vocabulary)
    assert label == "失业金"


def test_the_label_names_the_topic_not_what_is_done_to_it(searcher: Searcher) -> None:
    index = searcher.index  # 申请 is what is done: the label is the topic asked about
    label = topic_label("失业金怎么申请？", index.tokenizer, lambda t: True, index.vocabulary)
    assert label == "失业金"
