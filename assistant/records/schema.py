"""The log's tables (SQLAlchemy Core) and their versioned migrations.

``schema_version`` holds one row, the version the database is at; :func:`migrate`
applies the steps of :data:`MIGRATIONS` above it, in order, in one transaction (on
PostgreSQL under an advisory lock, so app instances starting together migrate once).
Times are stored in UTC, without a zone. A new column or table is a new step, never an
edit of an old one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError

metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

answers = Table(
    "answers",
    metadata,
    Column("id", String(32), primary_key=True),  # the answer_id the API returns
    Column("asked_at", DateTime(), nullable=False, index=True),
    Column("conversation", String(32), nullable=False, index=True),
    Column("channel", String(8), nullable=False),  # web | api
    Column("question", Text, nullable=False),  # masked
    Column("history", Integer, nullable=False),  # earlier questions of the conversation
    Column("filters", Text, nullable=False),  # JSON object
    Column("understood", Text, nullable=False),
    Column("outcome", String(8), nullable=False, index=True),  # found | refused | invalid
    Column("reason", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("answered_by", String(16), nullable=False),
    Column("answer", Text, nullable=False),  # as plain text
    Column("citations", Text, nullable=False),  # JSON list
    Column("latency_ms", Float, nullable=False),
    Column("generation", String(64), nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("answer_id", String(32), primary_key=True),  # the latest vote on an answer
    Column("at", DateTime(), nullable=False, index=True),
    Column("rating", String(8), nullable=False),  # up | down
    Column("reason", String(32), nullable=False),
    Column("comment", Text, nullable=False),  # masked
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(), nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("session", String(32), nullable=False),
    Column("detail", Text, nullable=False),
)

dismissed_words = Table(
    "dismissed_words",
    metadata,
    Column("word", String(64), primary_key=True),  # a proposed synonym the admin dismissed
    Column("at", DateTime(), nullable=False),
)


# 人工审核答案: an answer an admin wrote to a question, and the passages it cites.
curated_answers = Table(
    "curated_answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question", Text, nullable=False),
    Column("phrasings", Text, nullable=False),  # JSON list of other wordings
    Column("answer", Text, nullable=False),
    Column("author", String(64), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("updated_at", DateTime(), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),  # active | removed
    # Added by version 4: who last edited it and when (empty and NULL until edited).
    Column("editor", String(64), nullable=False, server_default=""),
    Column("edited_at", DateTime(), nullable=True),
)

curated_citations = Table(
    "curated_citations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("curated_id", Integer, nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("doc", Text, nullable=False),  # the document's path in the corpus
    Column("sha256", String(64), nullable=False),  # of the file when it was cited
    Column("section", Text, nullable=False),
    Column("chunk_id", String(32), nullable=False),
    Column("passage", Text, nullable=False),
)


def _version_1(connection: Any) -> None:
    metadata.create_all(connection, tables=[answers, feedback, audit], checkfirst=True)


def _version_2(connection: Any) -> None:
    metadata.create_all(connection, tables=[curated_answers, curated_citations], checkfirst=True)


def _version_3(connection: Any) -> None:
    metadata.create_all(connection, tables=[dismissed_words], checkfirst=True)


def _version_4(connection: Any) -> None:
    """Curated answers can be edited: who edited one last and when. (A database made at
    version 2 by this program's table already has them.)"""
    _add_columns(connection, curated_answers, ("editor", "edited_at"))


def _add_columns(connection: Any, table: Table, names: tuple[str, ...]) -> None:
    """``ALTER TABLE … ADD COLUMN`` for those of ``names`` the table lacks, as declared."""
    from sqlalchemy import inspect
    from sqlalchemy.schema import CreateColumn

    present = {c["name"] for c in inspect(connection).get_columns(table.name)}
    for name in names:
        if name not in present:
            declared = CreateColumn(table.c[name]).compile(dialect=connection.dialect)
            connection.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {declared}"))


MIGRATIONS: tuple[Callable[[Any], None], ...] = (_version_1, _version_2, _version_3, _version_4)
VERSION = len(MIGRATIONS)


def connect(url: str) -> Engine:
    """An engine for ``url``; an SQLite file (and its folder) is created, in WAL mode."""
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):  # psycopg 3, not SQLAlchemy's default psycopg2
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine, attempts: int = 5) -> int:
    """Bring the database to :data:`VERSION`; return the version it was at.

    Raises:
        RuntimeError: The database is newer than this program.
    """
    for attempt in range(attempts):
        try:
            return _migrate(engine)
        except DBAPIError:  # another process migrating the same SQLite file at once
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _migrate(engine: Engine) -> int:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(3400034)"))
        metadata.create_all(connection, tables=[schema_version], checkfirst=True)
        found = connection.execute(select(schema_version.c.version)).scalar()
        if found is None:
            connection.execute(schema_version.insert().values(version=0))
        before = int(found or 0)
        if before > VERSION:
            raise RuntimeError(f"日志数据库版本 {before} 高于本程序支持的 {VERSION}，请升级程序")
        for number in range(before, VERSION):
            MIGRATIONS[number](connection)
            connection.execute(schema_version.update().values(version=number + 1))
        return before
