"""智能提示 and 猜你想问 on real Guangzhou pages (hash embedder) and a real SQLite log: hot
questions are the recent, answered, not disliked ones; completions match by characters and
by pinyin initials; related questions come from the cited document's headings and never
repeat the conversation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from assistant.answering.curated import cite
from assistant.answering.procedure import document_chunks
from assistant.answering.related import heading_question, structure_questions
from assistant.app.admin import Library
from assistant.app.completions import Completions, Kind, Pinyin
from assistant.app.feedback import Asking
from assistant.app.suggest import Suggester
from assistant.records import Recorder
from assistant.records.curated import CuratedStore
from assistant.records.hot import hot_questions
from assistant.records.schema import answers, curated_answers, curated_citations
from assistant.records.writer import now
from assistant.settings import Settings

FAQ = "19_广州失业保险常见问题解答_2025-11版.html"


class Logged:
    def __init__(self, library: Library, recorder: Recorder) -> None:
        self.library, self.recorder = library, recorder
        self.asking = Asking(library, recorder)
        self.suggester = Suggester(library, recorder)

    def ask(self, question: str) -> str:
        return self.asking.ask(question, channel="web", session="test")[1]


@pytest.fixture()
def logged(guangzhou_pages: Settings, tmp_path: Path) -> Iterator[Logged]:
    recorder = Recorder(f"sqlite:///{tmp_path / 'data' / 'assistant.sqlite3'}")
    yield Logged(Library(guangzhou_pages), recorder)
    recorder.close()


def test_hot_questions_are_recent_answered_and_not_disliked(logged: Logged) -> None:
    for question in ["失业金一个月发多少？", "失业金一个月发多少", "社保卡丢了去哪补办？"]:
        logged.ask(question)
    disliked = logged.ask("电子居住证在哪里领取？")
    old = logged.ask("创业补贴找哪个部门？")
    with pytest.raises(ValueError):
        logged.ask("   ")  # not answered: never offered
    logged.recorder.rate(disliked, "down", "答非所问")
    assert logged.recorder.flush()
    engine = logged.recorder.engine()
    with engine.begin() as connection:
        connection.execute(
            answers.update().where(answers.c.id == old).values(asked_at=now() - timedelta(days=40))
        )
    hot = hot_questions(engine)
    assert [(h.question, h.count) for h in hot] == [
        ("失业金一个月发多少", 2),
        ("社保卡丢了去哪补办？", 1),
    ]
    assert FAQ in hot[0].docs


def test_completions_by_characters_and_by_pinyin(logged: Logged) -> None:
    logged.ask("失业金一个月发多少？")
    logged.ask("办理社保卡要带什么证件？")
    assert logged.recorder.flush()
    logged.suggester.refresh()

    def texts(typed: str) -> list[str]:
        return [c.text for c in logged.suggester.complete(typed)]

    title = "广州市失业保险常见问题解答（2025年11月版）"
    assert texts("失业") == ["失业金一个月发多少？", title]  # asked first, then the title
    assert texts("社保卡") == ["办理社保卡要带什么证件？"]
    assert texts("sybx") == [title]  # 失业保险 by its initials
    assert texts("SYJ") == ["失业金一个月发多少？"]  # 失业金, any case
    assert texts("shiye") == texts("失业")  # full pinyin from a syllable's start
    assert texts("hiye") == []  # … not from inside one
    assert texts("居住证")[0] == "电子居住证如何申领？一文说清"
    assert [c.kind for c in logged.suggester.complete("失业")] == ["热门问题", "政策文件"]
    assert texts("失") == [] and texts("s") == []  # two characters first
    assert texts("没有这样的问题") == []


def test_completions_offer_at_most_eight_and_curated_first() -> None:
    pinyin = Pinyin()
    asked = [pinyin.candidate(f"低保标准第{n}问", Kind.HOT, count=n) for n in range(20)]
    completions = Completions([*asked, pinyin.candidate("低保标准是多少？", Kind.CURATED)])
    found = completions.match("dbbz")
    assert len(found) == 8
    assert found[0].text == "低保标准是多少？" and found[0].kind == "常见问题"
    assert found[1].text == "低保标准第19问"  # the most asked next


def test_headings_become_questions() -> None:
    assert heading_question("六、申请材料") == "申请材料有哪些？"
    assert heading_question("（二）办理流程") == "办理流程是怎样的？"
    assert heading_question("一、申请条件") == "申请条件是什么？"
    assert heading_question("3. 补贴标准") == "补贴标准是什么？"
    assert heading_question("五、创业担保贷款有哪些申请条件？") == "创业担保贷款有哪些申请条件？"
    for nothing in ("第一章 总则", "附件2", "其他事项", "第三章 待遇支付", "符合下列条件"):
        assert heading_question(nothing) == "", nothing


def test_related_questions_come_from_the_cited_document_and_skip_what_was_asked(
    logged: Logged,
) -> None:
    index = logged.library.ready().index
    headings = [q for _, q in structure_questions(index, FAQ)]
    assert "如何申领失业保险金？" in headings
    first = "失业保险金每个月能领多少钱？"
    reply, _ = logged.asking.ask(first, channel="web", session="t")
    assert reply.found and reply.citations[0].chunk.doc == FAQ
    related = logged.suggester.related(reply, [first])
    assert len(related) == 3 and set(related) <= set(headings)
    quoted = {label for hit in reply.citations for label in hit.chunk.section_path}
    assert not {q for h, q in structure_questions(index, FAQ) if h in quoted} & set(related)
    # asked already in the conversation: never offered again
    again = logged.suggester.related(reply, ["如何申领失业保险金", first])
    assert "如何申领失业保险金？" not in again and len(again) == 3


def test_related_offers_hot_questions_about_the_cited_document(logged: Logged) -> None:
    for _ in range(2):
        logged.ask("失业了能领几个月的钱？")
    logged.ask("电子居住证怎么申请？")  # hot, but about another document
    assert logged.recorder.flush()
    logged.suggester.refresh()
    reply, _ = logged.asking.ask("失业保险金能领多少？", channel="web", session="t")
    related = logged.suggester.related(reply, ["失业保险金能领多少？"])
    assert related[0] == "失业了能领几个月的钱？"
    assert "电子居住证怎么申请？" not in related


def test_ask_json_returns_related(logged: Logged) -> None:
    result = logged.asking.ask_json("失业保险金每个月能领多少钱？", suggester=logged.suggester)
    assert result["related"] and all(isinstance(q, str) for q in result["related"])
    refused = logged.asking.ask_json("", suggester=logged.suggester)
    assert "error" in refused and "related" not in refused


def test_suggestions_record_nothing(logged: Logged) -> None:
    logged.ask("失业金一个月发多少？")
    assert logged.recorder.flush()
    logged.suggester.refresh()
    engine = logged.recorder.engine()

    def count() -> int:
        with engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(answers)).scalar())

    before = count()
    for typed in ("失业", "失业金", "sy", "syj"):
        logged.suggester.complete(typed)
    assert logged.recorder.flush() and count() == before


def test_curated_questions_are_offered_first_while_their_document_is_indexed(
    logged: Logged,
) -> None:
    index = logged.library.ready().index
    store = CuratedStore(str(logged.recorder.url))
    cited = cite(index.documents, lambda doc: document_chunks(index, doc), FAQ, "多少钱")
    store.add("失业金每月发多少钱？", "按最低工资标准的90%按月发放。", [cited])
    logged.suggester.curated = store
    logged.ask("失业金一个月发多少？")
    assert logged.recorder.flush()
    logged.suggester.refresh()
    found = logged.suggester.complete("syj")
    assert [(c.text, c.kind) for c in found[:2]] == [
        ("失业金每月发多少钱？", "常见问题"),
        ("失业金一个月发多少？", "热门问题"),
    ]
    reply, _ = logged.asking.ask("失业保险金能领多久？", channel="web", session="t")
    related = logged.suggester.related(reply, ["失业保险金能领多久？"])
    assert related[:2] == ["失业金每月发多少钱？", "失业金一个月发多少？"]
    # its document no longer indexed as it was cited (here: another digest): 需复核, not offered
    with store.engine().begin() as connection:
        connection.execute(curated_citations.update().values(sha256="0" * 64))
        connection.execute(curated_answers.update().values(updated_at=now()))
    store.refresh = 0.0
    logged.suggester.refresh()
    assert "失业金每月发多少钱？" not in [c.text for c in logged.suggester.complete("syj")]
