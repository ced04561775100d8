"""人工审核答案: stored in a real database (SQLite and PostgreSQL), served first to the same
question, kept from questions naming another place, year or document, withheld when a cited
document is removed, replaced or expired; the CLI and its CSV round trip; matching with the
bundled model (paraphrases and a follow-up, marked ``model``)."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answering.answer import answer
from assistant.answering.curated import (
    THRESHOLD,
    Cited,
    Entry,
    Matcher,
    Review,
    best_match,
    cite,
    guard,
    review,
)
from assistant.answering.procedure import document_chunks
from assistant.answering.render import as_html, as_json, as_text
from assistant.answering.search import Searcher
from assistant.app.admin import Library
from assistant.app.curated_tab import curated_rows
from assistant.index import build
from assistant.records.curated import CuratedStore
from assistant.settings import Settings
from assistant.types import DocumentInfo, Source

from .conftest import hash_settings
from .postgres import Postgres, postgres
from .test_records import new_database

PAGES = ("16_一次性创业补贴_市人社局.html", "19_广州失业保险常见问题解答_2025-11版.html")
SUBSIDY = PAGES[0]
QUESTION = "广州的一次性创业资助有哪些申请条件？"
ANSWER = "初创企业的法定代表人或个体户经营者，属于高校学生及毕业5年内、退役军人等的，可申请。"


@pytest.fixture(scope="module")
def pg() -> Iterator[Postgres]:
    with postgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'assistant.sqlite3'}"
    name = tmp_path.name.lower().replace("-", "_")[-40:]
    return new_database(request.getfixturevalue("pg"), f"c{name}")


def pages(root: Path, shared_corpus: Path, model: str = "hash") -> Settings:
    """:data:`PAGES` copied to ``root/corpus`` and indexed (``model``), no refusal threshold."""
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    for name in PAGES:
        shutil.copy(shared_corpus / "html" / name, corpus / name)
    settings = hash_settings(corpus, min_score=0.0)
    if model != "hash":
        settings = Settings(corpus=corpus, index=root / "index", min_score=0.0)
    build(settings)
    return settings


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Searcher:
    """The two real pages with the hash embedder."""
    return Searcher.open(pages(tmp_path_factory.mktemp("curated"), shared_corpus))


def citing(searcher: Searcher, section: str = "1、一次性创业资助") -> Cited:
    index = searcher.index
    return cite(index.documents, lambda doc: document_chunks(index, doc), SUBSIDY, section, ANSWER)


def test_a_curated_answer_is_served_first_with_its_citations_on_every_instance(
    url: str, indexed: Searcher
) -> None:
    store, other = CuratedStore(url), CuratedStore(url, refresh=0.0)  # two app instances
    assert other.active() == []
    cited = citing(indexed)
    assert cited.doc == SUBSIDY and cited.section.startswith("1、一次性创业资助")
    number = store.add(QUESTION, ANSWER, [cited], ["一次性创业资助申请条件"], author="张三")
    asked = "一次性创业资助申请条件"  # another wording it was given
    reply = other.serve(indexed, answer(indexed, asked), asked)
    assert reply.curated is not None and reply.curated.id == number
    assert reply.curated.on == dt.datetime.now(dt.UTC).date().isoformat()
    assert reply.curated.citations[0].chunk.id == cited.chunk_id
    shown = as_json(reply)
    assert (shown["answered_by"], shown["curated_id"]) == ("curated", number)
    assert shown["curated"]["citations"][0]["doc"] == SUBSIDY
    text = as_text(reply)
    assert text.startswith(f"人工审核答案 · {reply.curated.on}\n{ANSWER}")
    assert "检索到的原文答案" in text  # the retrieved answer below it
    assert 'class="curated-head"' in as_html(reply)
    unrelated = "失业保险金每个月能领多少钱？"
    assert other.serve(indexed, answer(indexed, unrelated), unrelated).curated is None
    store.remove(number)
    assert other.serve(indexed, answer(indexed, asked), asked).curated is None
    with pytest.raises(ValueError, match="没有编号"):
        store.remove(number)
    with pytest.raises(ValueError, match="至少要引用"):
        store.add(QUESTION, ANSWER, [])


def test_an_edit_keeps_the_id_says_who_and_when_and_is_served_at_once_everywhere(
    url: str, indexed: Searcher
) -> None:
    store, other = CuratedStore(url), CuratedStore(url, refresh=0.0)  # two app instances
    number = store.add(QUESTION, ANSWER, [citing(indexed)], ["创业资助申请条件"], author="张三")
    asked = "创业资助申请条件"
    assert other.serve(indexed, answer(indexed, asked), asked).curated.text == ANSWER
    corrected = ANSWER.replace("5年", "3年")  # a changed figure
    entry = store.edit(number, answer=corrected, editor="李四")
    assert (entry.id, entry.answer, entry.question, entry.phrasings) == (
        number, corrected, QUESTION, ("创业资助申请条件",))  # fmt: skip
    assert (entry.author, entry.editor) == ("张三", "李四")
    assert entry.edited_at is not None and entry.edited_at == entry.updated_at
    served = other.serve(indexed, answer(indexed, asked), asked).curated
    assert (served.id, served.text) == (number, corrected)  # the other instance, at once
    rent = citing(indexed, "3、创业租金补贴")
    entry = store.edit(number, question="创业租金补贴怎么申请？", cited=[rent], phrasings=[])
    assert entry.phrasings == () and entry.citations == (rent,) and entry.answer == corrected
    assert other.serve(indexed, answer(indexed, asked), asked).curated is None  # old wording
    assert other.serve(indexed, answer(indexed, entry.question), entry.question).curated.id == 1
    assert [e.id for e in other.entries()] == [number]  # edited in place, not added
    for change, message in [
        ({"answer": "  "}, "答案不能为空"),
        ({"question": ""}, "问题不能为空"),
        ({"cited": []}, "至少要引用"),
        ({"phrasings": ["问"] * 21}, "其他问法过多"),
    ]:
        with pytest.raises(ValueError, match=message):
            store.edit(number, **change)
    assert other.entries() == [entry]  # a refused edit changes nothing
    with pytest.raises(ValueError, match="没有编号为 99"):
        store.edit(99, answer="答")
    store.remove(number)
    with pytest.raises(ValueError, match="没有编号"):
        store.edit(number, answer="答")


def test_a_database_of_version_3_gains_the_edit_columns_and_keeps_its_answers(
    url: str, indexed: Searcher
) -> None:
    import sqlalchemy as sa

    from assistant.records import schema

    engine = schema.connect(url)
    old = sa.MetaData()  # the curated_answers table as version 2 made it

    def columns(table: sa.Table, *left_out: str) -> list[sa.Column]:
        return [sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
                for c in table.columns if c.name not in left_out]  # fmt: skip

    sa.Table("curated_answers", old, *columns(schema.curated_answers, "editor", "edited_at"))
    sa.Table("curated_citations", old, *columns(schema.curated_citations))
    sa.Table("schema_version", old, sa.Column("version", sa.Integer, nullable=False))
    at = dt.datetime(2026, 1, 5)
    with engine.begin() as connection:
        old.create_all(connection)
        connection.execute(old.tables["schema_version"].insert().values(version=3))
        connection.execute(old.tables["curated_answers"].insert().values(
            question=QUESTION, phrasings="[]", answer=ANSWER, author="张三", created_at=at,
            updated_at=at, status="active"))  # fmt: skip
        cited = citing(indexed)
        connection.execute(old.tables["curated_citations"].insert().values(
            curated_id=1, position=0, doc=cited.doc, sha256=cited.sha256, section=cited.section,
            chunk_id=cited.chunk_id, passage=cited.passage))  # fmt: skip
    assert schema.migrate(engine) == 3
    assert schema.migrate(engine) == schema.VERSION
    engine.dispose()
    store = CuratedStore(url)
    (entry,) = store.entries()
    assert (entry.id, entry.question, entry.editor, entry.edited_at) == (1, QUESTION, "", None)
    assert store.edit(1, answer="改过的答案", editor="李四").editor == "李四"


def test_a_question_naming_another_place_year_or_document_does_not_match(
    indexed: Searcher,
) -> None:
    documents = {d.path: d for d in indexed.index.documents}
    entry = Entry(1, QUESTION, (), ANSWER, "张三", dt.datetime(2026, 1, 5), (citing(indexed),))
    allowed = [
        QUESTION,
        "天河区的一次性创业资助有哪些申请条件？",  # inside 广州: the answer holds
        "一次性创业资助有哪些申请条件？",  # no place: the documents' own
    ]
    refused = [
        "深圳的一次性创业资助有哪些申请条件？",  # another city
        "1999年广州的一次性创业资助有哪些申请条件？",  # a year it does not say
        "穗人社规字〔2099〕1号的一次性创业资助有哪些申请条件？",  # a 文号 not indexed
        "《广州市失业保险常见问题解答》里一次性创业资助有哪些申请条件？",  # another document
        "广州的一次性创业资助申请要交哪些材料？",  # another kind of answer: materials
    ]
    for question in allowed:
        assert guard(question, entry, documents, indexed.named), question
    for question in refused:
        assert not guard(question, entry, documents, indexed.named), question
    # In matching, the guard decides even when the question is alike enough.
    matcher = Matcher(indexed.embedder.encode_queries)
    for question, expected in [(allowed[1], True), (refused[0], False)]:
        vector = indexed.query_vector(question)
        found = best_match(question, vector, [entry], matcher, documents,
                           named=indexed.named, threshold=-1.0)  # fmt: skip
        assert (found is not None) is expected
    national = Entry(2, "创业资助有哪些条件？", (), ANSWER, "张三", entry.updated_at,
                     (Cited("国家.txt", "0"),))  # fmt: skip
    nowhere = {"国家.txt": DocumentInfo("国家.txt", "0", Source(jurisdiction="全国"))}
    assert guard("深圳的创业资助有哪些条件？", national, nowhere)  # a national rule holds there


def test_a_curated_answer_of_a_removed_replaced_or_expired_document_is_withheld(
    tmp_path: Path, shared_corpus: Path
) -> None:
    settings = pages(tmp_path, shared_corpus)
    searcher = Searcher.open(settings)
    store = CuratedStore(f"sqlite:///{tmp_path / 'db.sqlite3'}", refresh=0.0)
    store.add(QUESTION, ANSWER, [citing(searcher)])
    assert store.serve(searcher, answer(searcher, QUESTION), QUESTION).curated is not None
    page = settings.corpus / SUBSIDY
    page.write_bytes(page.read_bytes() + "<p>补充说明。</p>".encode())
    build(settings)
    searcher = Searcher.open(settings)
    (entry,) = store.entries()
    documents = {d.path: d for d in searcher.index.documents}
    assert review(entry, documents) == f"{Review.REPLACED}：{SUBSIDY}"
    assert store.serve(searcher, answer(searcher, QUESTION), QUESTION).curated is None
    (listed,) = curated_rows(store, Library(settings))
    assert listed[2] == f"需复核：{Review.REPLACED}：{SUBSIDY}"
    entry = store.edit(entry.id, cited=[citing(searcher)])  # cites the current file: fixed
    assert review(entry, documents) == ""
    assert store.serve(searcher, answer(searcher, QUESTION), QUESTION).curated.id == entry.id
    (listed,) = curated_rows(store, Library(settings))
    assert listed[2] == "生效" and listed[-1].startswith("管理员 ")  # who edited it, when
    page.unlink()
    build(settings)
    searcher = Searcher.open(settings)
    documents = {d.path: d for d in searcher.index.documents}
    assert review(entry, documents) == f"{Review.REMOVED}：{SUBSIDY}"
    assert store.serve(searcher, answer(searcher, "创业资助条件"), QUESTION).curated is None
    (listed,) = curated_rows(store, Library(settings))  # as 运营 lists it
    assert listed[2] == f"需复核：{Review.REMOVED}：{SUBSIDY}" and listed[3] == QUESTION
    expiring = DocumentInfo(SUBSIDY, entry.citations[0].sha256, Source(expires_on="2026-03-01"))
    assert review(entry, {SUBSIDY: expiring}, dt.date(2026, 2, 1)) == ""
    assert review(entry, {SUBSIDY: expiring}, dt.date(2026, 3, 2)).startswith(Review.EXPIRED)


def test_the_command_line_adds_edits_lists_removes_and_round_trips_a_csv_with_a_bad_row(
    tmp_path: Path, shared_corpus: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from assistant.app.cli import main

    settings = pages(tmp_path, shared_corpus)
    index = ["--index", str(settings.index)]
    monkeypatch.setenv("ASSISTANT_DB", str(tmp_path / "one.sqlite3"))
    monkeypatch.setenv("ASSISTANT_MODEL", "hash")  # what the index was built with
    out = io.StringIO()
    assert main(["curated", "add", "--question", QUESTION, "--answer", ANSWER, "--doc", SUBSIDY,
                 "--section", "3、创业租金补贴", "--phrasing", "创业资助条件", *index],
                stdout=out) == 0  # fmt: skip
    assert "3、创业租金补贴" in out.getvalue()
    assert main(["curated", "add", "--question", "失业金多少", "--answer", "见原文",
                 "--doc", "没有的文件.html", *index]) == 2  # fmt: skip
    assert "未收录文件" in capsys.readouterr().err
    out = io.StringIO()
    assert main(["ask", "--json", QUESTION, *index], stdout=out) == 0
    replied = json.loads(out.getvalue())
    assert (replied["answered_by"], replied["curated_id"]) == ("curated", 1)
    exported = tmp_path / "curated.csv"
    assert main(["curated", "export", "-o", str(exported), *index]) == 0
    text = exported.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "问题,其他问法,答案,文件,章节"
    text += "没有答案的问题,,,16_一次性创业补贴_市人社局.html,\n"  # line 3
    text += "哪个文件？,,答案,没有的文件.html,\n"  # line 4
    text += f"天河区创业资助条件,创业资助要什么条件,{ANSWER},{SUBSIDY},1、一次性创业资助\n"
    exported.write_text(text, encoding="utf-8-sig")
    monkeypatch.setenv("ASSISTANT_DB", str(tmp_path / "two.sqlite3"))
    out = io.StringIO()
    assert main(["curated", "import", str(exported), *index], stdout=out) == 1
    err = capsys.readouterr().err
    assert "第 3 行：缺少答案" in err and "第 4 行：未收录文件：没有的文件.html" in err
    assert "导入 2 条" in out.getvalue()
    out = io.StringIO()
    assert main(["curated", "list", "--json", *index], stdout=out) == 0
    listed = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["question"], r["phrasings"], r["docs"], r["review"]) for r in listed] == [
        (QUESTION, ["创业资助条件"], [SUBSIDY], ""),
        ("天河区创业资助条件", ["创业资助要什么条件"], [SUBSIDY], ""),
    ]
    entries = CuratedStore(f"sqlite:///{tmp_path / 'two.sqlite3'}").entries()
    assert entries[0].citations[0].section.startswith("3、创业租金补贴")  # the section kept
    assert main(["curated", "remove", "1", *index]) == 0
    out = io.StringIO()
    assert main(["curated", "list", *index], stdout=out) == 0
    assert QUESTION not in out.getvalue() and "天河区创业资助条件" in out.getvalue()
    out = io.StringIO()  # edit the one left (2): its answer, citation and wordings
    assert main(["curated", "edit", "2", "--answer", "改过的答案：毕业5年内可申请。", "--doc",
                 SUBSIDY, "--section", "3、创业租金补贴", "--phrasing", "--editor", "李四",
                 *index], stdout=out) == 0  # fmt: skip
    assert "已修改人工审核答案 2" in out.getvalue() and "3、创业租金补贴" in out.getvalue()
    out = io.StringIO()
    assert main(["curated", "list", "--json", *index], stdout=out) == 0
    (row,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (row["id"], row["answer"], row["phrasings"], row["editor"]) == (
        2, "改过的答案：毕业5年内可申请。", [], "李四")  # fmt: skip
    assert row["edited_at"] and row["question"] == "天河区创业资助条件"
    out = io.StringIO()
    assert main(["ask", "--json", "天河区创业资助条件", *index], stdout=out) == 0
    replied = json.loads(out.getvalue())
    assert (replied["curated_id"], replied["curated"]["answer"]) == (2, row["answer"])
    for wrong, message in [
        (["2"], "请至少给出一项修改"),
        (["1", "--answer", "答"], "没有编号为 1 的人工审核答案"),  # removed
        (["2", "--doc", "没有的文件.html"], "未收录文件"),
        (["2", "--section", "3、创业租金补贴"], "需与 --doc 一起给出"),
    ]:
        assert main(["curated", "edit", *wrong, *index]) == 2
        assert message in capsys.readouterr().err


@pytest.mark.model
def test_paraphrases_and_a_follow_up_get_the_curated_answer_with_the_bundled_model(
    tmp_path: Path, shared_corpus: Path
) -> None:
    searcher = Searcher.open(pages(tmp_path, shared_corpus, model="bundled"))
    store = CuratedStore(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    number = store.add("一次性创业资助需要满足什么条件？", ANSWER, [citing(searcher)])

    def served(question: str, history: tuple[str, ...] = ()) -> int | None:
        reply = answer(searcher, question, history=history)
        found = store.serve(searcher, reply, question, history).curated
        return found.id if found else None

    assert served("申请一次性创业资助要符合哪些条件？") == number
    assert served("一次性创业资助的申请条件是什么") == number
    earlier = ("一次性创业资助怎么申请？",)
    assert served("要什么条件？", earlier) == number  # a follow-up, in its topic
    assert served("要符合哪些条件？", earlier) == number  # its own words, then glued
    assert served("失业保险金每个月能领多少钱？", earlier) is None  # another topic
    assert served("失业保险金每个月能领多少钱？") is None
    assert served("创业租金补贴每个月补多少钱？") is None  # another subsidy of the page
    assert served("深圳一次性创业资助需要满足什么条件？") is None  # another city
    assert THRESHOLD >= 0.9
