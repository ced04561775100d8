"""The Q&A log in a real SQLite file and a real PostgreSQL server: what is stored per
answer, masking, retention, migrations, two processes writing one database."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from assistant.app.admin import Library
from assistant.app.feedback import Asking
from assistant.index import build
from assistant.records import Recorder, mask
from assistant.records.schema import VERSION, answers, connect, feedback, migrate
from assistant.records.writer import now
from assistant.settings import Settings

from .conftest import hash_settings
from .postgres import Postgres, postgres

NOTICE = (
    "关于城市书房建设的通知\n城市书房建设补助标准为每间8.8万元，由区财政于次年一季度拨付。\n"
    "申请城市书房补助须提交场地证明和运营方案。\n"
)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pg() -> Iterator[Postgres]:
    with postgres() as server:
        yield server


def new_database(server: Postgres, name: str) -> str:
    """The URL of a new, empty database on ``server``."""
    admin = sa.create_engine(
        server.url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty log database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'assistant.sqlite3'}"
        return
    name = tmp_path.name.lower().replace("-", "_")[-40:]
    yield new_database(request.getfixturevalue("pg"), f"t{name}")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """One notice indexed with the hash embedder (the log is beside it only with log=off)."""
    corpus = tmp_path_factory.mktemp("records") / "corpus"
    corpus.mkdir()
    (corpus / "书房通知.txt").write_text(NOTICE, encoding="utf-8")
    settings = hash_settings(corpus, min_score=0.0)
    build(settings)
    return Library(settings)


def rows(url: str, table: sa.Table) -> list[dict[str, object]]:
    engine = connect(url)
    with engine.connect() as connection:
        found = [dict(r._mapping) for r in connection.execute(sa.select(table))]
    engine.dispose()
    return found


def test_masking_hides_personal_numbers_and_keeps_figures() -> None:
    asked = (
        "我身份证11010519491231002X，电话138 1234 5678，卡号6222 0212 3456 7890 123，"
        "2024年补贴484万元，穗府办规〔2021〕19号，编号110105194912310021怎么办"
    )
    assert mask(asked) == (
        "我身份证[身份证号]，电话[手机号]，卡号[银行卡号]，"
        "2024年补贴484万元，穗府办规〔2021〕19号，编号[银行卡号]怎么办"
    )  # the last has a wrong check digit: not an ID, but a card-length number
    assert mask("联系＋86-139０００００１１１") == "联系[手机号]"
    assert mask("12345678901") == "12345678901"  # no mobile starts 12


def test_every_answer_is_logged_with_what_was_understood_and_cited(
    url: str, library: Library
) -> None:
    recorder = Recorder(url)
    asking = Asking(library, recorder)
    reply, found_id = asking.ask(
        "城市书房每间补助多少钱？我手机13912345678", channel="web", session="s1",
        history=["城市书房怎么申请？"], doc_type="通知",
    )  # fmt: skip
    with pytest.raises(ValueError, match="问题"):
        asking.ask("   ", channel="api", session="s2")
    refused, refused_id = asking.ask("城市书房补助？", channel="api", session="s2", year="1999")
    assert recorder.flush() and reply.found and not refused.found
    by_id = {r["id"]: r for r in rows(url, answers)}
    assert len(by_id) == 3
    row = by_id[found_id]
    assert row["question"] == "城市书房每间补助多少钱？我手机[手机号]"
    assert row["channel"] == "web" and row["history"] == 1
    assert json.loads(str(row["filters"])) == {"doc_type": "通知"}
    assert row["outcome"] == ("found" if reply.found else "refused")
    cited = json.loads(str(row["citations"]))
    assert cited and cited[0]["doc"] == "书房通知.txt" and cited[0]["marker"] == 1
    assert row["generation"] == library.ready().index.manifest.generation
    assert float(row["latency_ms"]) > 0  # type: ignore[arg-type]
    assert by_id[refused_id]["outcome"] == "refused" and by_id[refused_id]["reason"]
    (invalid,) = [r for r in by_id.values() if r["outcome"] == "invalid"]
    assert invalid["channel"] == "api" and "问题" in str(invalid["reason"])
    assert invalid["conversation"] == by_id[refused_id]["conversation"] != row["conversation"]
    assert len(str(row["conversation"])) == 32 and row["conversation"] != "s1"
    recorder.close()


def test_votes_replace_each_other_and_bad_votes_are_refused(url: str, library: Library) -> None:
    recorder = Recorder(url)
    asking = Asking(library, recorder)
    _, answer_id = asking.ask("城市书房补助标准", channel="api", session="s")
    assert "已收到" in asking.rate(answer_id, "up")
    assert "不完整" in asking.rate(answer_id, "down", "不完整", "没说何时拨付 13912345678")
    for bad, message in [
        (("nope", "up"), "没有这个回答"),
        ((answer_id, "meh"), "up 或 down"),
        ((answer_id, "down", "太长"), "原因只能是"),
        ((answer_id, "down", "其他", "长" * 501), "补充说明过长"),
    ]:
        with pytest.raises(ValueError, match=message):
            asking.rate(*bad)
    assert recorder.flush()
    (vote,) = rows(url, feedback)
    assert (vote["answer_id"], vote["rating"], vote["reason"]) == (answer_id, "down", "不完整")
    assert vote["comment"] == "没说何时拨付 [手机号]"
    restarted = Recorder(url)  # another process: the answer is known from the database
    assert restarted.known(answer_id) and not restarted.known("0" * 32)
    recorder.close()


def test_retention_purges_old_rows_and_migrations_keep_a_version(url: str) -> None:
    recorder = Recorder(url, days=30)
    asking_row = _row("旧问题")
    recorder.answered(dataclasses.replace(asking_row, asked_at=now() - timedelta(days=31)))
    recorder.answered(_row("新问题"))
    assert recorder.flush()
    assert [r["question"] for r in rows(url, answers)] == ["新问题"]  # purged on first write
    recorder.answered(_row("将过期"))
    assert recorder.flush()
    assert recorder.purge(at=now() + timedelta(days=31)) == 2 and rows(url, answers) == []
    engine = connect(url)
    assert migrate(engine) == VERSION  # already there: nothing to do
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version FROM schema_version")).all() == [
            (VERSION,)
        ]
    engine.dispose()
    recorder.close()


def test_logging_off_records_nothing(library: Library) -> None:
    settings = library.settings.with_(log="off")
    recorder = Recorder.from_settings(settings)
    _, answer_id = Asking(library, recorder).ask("城市书房补助", channel="web", session="x")
    assert not recorder.enabled and recorder.flush(0.1)
    assert not (settings.index.parent / "data").exists()
    with pytest.raises(ValueError, match="未开启问答日志"):
        Asking(library, recorder).rate(answer_id, "up")


def test_default_database_is_beside_the_index_and_settings_read_the_environment() -> None:
    settings = Settings.from_env({"ASSISTANT_INDEX": "/srv/x/index", "ASSISTANT_LOG_DAYS": "7"})
    assert settings.db_url == "sqlite:////srv/x/data/assistant.sqlite3"
    assert settings.log_days == 7 and settings.log == "on"
    assert Settings.from_env({"ASSISTANT_DB": "postgresql://u:p@h/db"}).db_url.endswith("h/db")
    assert "u:p" not in repr(Settings(db="postgresql://u:p@h/db"))
    with pytest.raises(ValueError, match="unknown log"):
        Settings.from_env({"ASSISTANT_LOG": "maybe"})


WRITER = """
import sys
from assistant.records import Logged, Recorder
recorder = Recorder(sys.argv[1])
for n in range(int(sys.argv[2])):
    recorder.answered(Logged.of(
        f"{sys.argv[3]}-{n}", None, error="测试", channel="api", conversation=sys.argv[3],
        history=0, filters={}, seconds=0.001, generation="g-test",
    ))
assert recorder.flush(60)
"""


def test_two_processes_write_one_database(url: str) -> None:
    each = 60
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, url, str(each), name], cwd=ROOT)
        for name in ("a", "b")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    questions = sorted(str(r["question"]) for r in rows(url, answers))
    assert len(questions) == 2 * each
    assert questions == sorted(f"{name}-{n}" for name in "ab" for n in range(each))


def _row(question: str) -> object:
    from assistant.records import Logged

    return Logged.of(
        question, None, error="测试", channel="api", conversation="c" * 32, history=0,
        filters={}, seconds=0.001, generation="g-test",
    )  # fmt: skip


def test_a_lost_postgresql_server_delays_the_log_and_answering_goes_on(
    pg: Postgres, library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder(new_database(pg, "outage"), pause=0.2)
    asking = Asking(library, recorder)
    asking.ask("城市书房补助标准", channel="api", session="s")
    assert recorder.flush()
    pg.stop()
    try:
        reply, answer_id = asking.ask("城市书房申请材料", channel="api", session="s")
        assert reply.found  # answered while the database is away
        assert not recorder.flush(2)  # …and its row waits
        assert "问答日志写入失败" in caplog.text and recorder.stats.failures >= 1
    finally:
        pg.start()
    assert recorder.flush(60)
    assert answer_id in {r["id"] for r in rows(recorder.url or "", answers)}
    assert len(rows(recorder.url or "", answers)) == 2
    recorder.close()


def test_the_database_counts_a_period_as_the_answers_read_do(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 运营 tab's summary counted in SQL (``summarize``) equals the one made from every
    answer read (``overview``, the simple oracle), in the local time zone and in one offset by
    half an hour (a 15-minute bucket never straddles two local days)."""
    import random
    import time

    from assistant.index.embedders import load_embedder
    from assistant.records import reports
    from assistant.records.overview import overview, summarize
    from assistant.records.reports import entries

    randomly = random.Random(34)
    recorder = Recorder(url, days=0)
    asked = ["城市书房补助多少钱", "城市书房补助多少钱呢", "书房补助何时拨付", "公租房期限几年",
             "火星签证怎么办", "=SUM(A1)"]  # fmt: skip
    ids, start = [], now() - timedelta(days=12)
    for n in range(300):
        row = dataclasses.replace(
            _row(randomly.choice(asked) + randomly.choice(["", "？", " ", "吗"])),
            id=f"{n:032x}", outcome=randomly.choice(["found", "found", "refused", "invalid"]),
            reason=randomly.choice(["没有相关文件", "超出范围", ""]),
            asked_at=start + timedelta(seconds=n * 3500 + randomly.randint(0, 1800)),
        )  # fmt: skip
        recorder.answered(row)
        ids.append(row.id)
    for answer_id in randomly.sample(ids, 120):
        recorder.rate(answer_id, randomly.choice(["up", "down"]), "信息过时", "去年的")
    assert recorder.flush()
    engine, embed = recorder.engine(), load_embedder("hash").encode_queries
    zone = time.tzname
    try:
        for offset in ("", "Asia/Kolkata"):
            if offset:
                monkeypatch.setenv("TZ", offset)
                time.tzset()
                reports._offset.cache_clear()  # the offsets of the other zone
            since, until = date.today() - timedelta(days=9), date.today() + timedelta(days=1)
            found = entries(engine, since, until)
            summed = summarize(engine, since, until, embed)
            assert summed == overview(found, since, until, embed)
            assert 0 < summed.questions == len(found) < 300  # the first days are outside
            assert sum(d[1] for d in summed.days) == summed.questions
            assert summed.up > 0 and summed.down > 0 and summed.refused > 0
            assert any(t.others for t in summed.hot)  # wordings grouped with others
            assert summed.unanswered[0].reasons and summed.disliked[0].members
    finally:
        monkeypatch.undo()
        time.tzset()
        reports._offset.cache_clear()
    assert time.tzname == zone
    recorder.close()
