"""人工审核答案 in the database: :class:`CuratedStore` adds, edits, lists and removes them, and
keeps the active ones in memory for answering (re-read when another instance changed them); CSV
export and import (:func:`write_csv`, :func:`read_csv`).

The tables are ``curated_answers`` and ``curated_citations`` (:mod:`.schema`). A removed
answer stays as a row with status ``removed`` (its id is never reused); an edited one keeps
its id, with who edited it (``editor``) and when (``edited_at``). Every change sets
``updated_at``, so the count of rows and the latest ``updated_at`` tell an instance that its
copy is stale; it looks at most every :data:`REFRESH` seconds.
"""

from __future__ import annotations

import csv
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from ..answering.curated import Cited, Entry, Matcher, curated_reply
from ..answering.question import MAX_QUESTION_CHARS
from ..types import Answer
from . import schema
from .writer import now

if TYPE_CHECKING:
    from ..answering.search import Searcher

log = logging.getLogger(__name__)
REFRESH = 2.0  # seconds between looks for changes made by another instance
MAX_ANSWER_CHARS = 5000
MAX_PHRASINGS = 20
CSV_COLUMNS = ("问题", "其他问法", "答案", "文件", "章节")
SEPARATOR = "；"  # between phrasings, files and sections in a CSV cell


class Status(StrEnum):
    """Whether a curated answer is in use."""

    ACTIVE = "active"
    REMOVED = "removed"


def checked(question: str, answer: str, phrasings: Sequence[str], cited: Sequence[Cited]) -> None:
    """Refuse what may not be stored, with a Chinese message saying what.

    Raises:
        ValueError: An empty or over-long question, phrasing or answer, or no citation.
    """
    if not question.strip():
        raise ValueError("问题不能为空")
    if any(len(q) > MAX_QUESTION_CHARS for q in (question, *phrasings)):
        raise ValueError(f"问题过长（上限 {MAX_QUESTION_CHARS} 字）")
    if len(phrasings) > MAX_PHRASINGS:
        raise ValueError(f"其他问法过多（上限 {MAX_PHRASINGS} 条）")
    if not answer.strip():
        raise ValueError("答案不能为空")
    if len(answer) > MAX_ANSWER_CHARS:
        raise ValueError(f"答案过长（{len(answer)} 字，上限 {MAX_ANSWER_CHARS} 字）")
    if not cited:
        raise ValueError("人工审核答案至少要引用一个已收录文件的段落")


class CuratedStore:
    """The curated answers of the database at ``url`` (connected and migrated on first use)."""

    def __init__(self, url: str, refresh: float = REFRESH) -> None:
        self.url = url
        self.refresh = refresh
        self._engine: Any = None
        self._lock = threading.Lock()
        self._active: list[Entry] = []
        self._signature: tuple[int, Any] | None = None
        self._looked = -refresh
        self._matchers: dict[str, Matcher] = {}

    def engine(self) -> Any:
        with self._lock:
            if self._engine is None:
                engine = schema.connect(self.url)
                schema.migrate(engine)
                self._engine = engine
            return self._engine

    def add(
        self,
        question: str,
        answer: str,
        cited: Sequence[Cited],
        phrasings: Sequence[str] = (),
        author: str = "管理员",
    ) -> int:
        """Store a curated answer; return its id (effective at once, here and elsewhere).

        Raises:
            ValueError: As :func:`checked` says.
        """
        question, answer = question.strip(), answer.strip()
        phrasings = [p.strip() for p in phrasings if p.strip()]
        checked(question, answer, phrasings, cited)
        at = now()
        with self.engine().begin() as connection:
            made = connection.execute(schema.curated_answers.insert().values(
                question=question, phrasings=json.dumps(phrasings, ensure_ascii=False),
                answer=answer, author=author.strip()[:64] or "管理员", created_at=at,
                updated_at=at, status=Status.ACTIVE,
            ))  # fmt: skip
            number = int(made.inserted_primary_key[0])
            self._cite(connection, number, cited)
        self._looked = -self.refresh  # read again at the next question
        return number

    def edit(
        self,
        number: int,
        question: str | None = None,
        answer: str | None = None,
        cited: Sequence[Cited] | None = None,
        phrasings: Sequence[str] | None = None,
        editor: str = "管理员",
    ) -> Entry:
        """Change active curated answer ``number`` (what is ``None`` stays as it was), keeping
        its id; return it as now stored (effective at once, here and elsewhere). New
        ``cited`` passages replace the old ones: an answer waiting for review (需复核) whose
        document changed is served again once it cites a current passage.

        Raises:
            ValueError: No such active curated answer, or as :func:`checked` says.
        """
        current = next((e for e in self.entries() if e.id == number), None)
        if current is None:
            raise ValueError(f"没有编号为 {number} 的人工审核答案")
        question = (current.question if question is None else question).strip()
        answer = (current.answer if answer is None else answer).strip()
        kept = current.phrasings if phrasings is None else phrasings
        phrasings = [p.strip() for p in kept if p.strip()]
        cited = current.citations if cited is None else cited
        checked(question, answer, phrasings, cited)
        table, at = schema.curated_answers, now()
        with self.engine().begin() as connection:
            done = connection.execute(
                table.update()
                .where(table.c.id == number, table.c.status == Status.ACTIVE)
                .values(question=question, answer=answer, updated_at=at, edited_at=at,
                        phrasings=json.dumps(phrasings, ensure_ascii=False),
                        editor=editor.strip()[:64] or "管理员")
            )  # fmt: skip
            if not done.rowcount:  # removed meanwhile by another instance
                raise ValueError(f"没有编号为 {number} 的人工审核答案")
            if cited is not current.citations:
                self._cite(connection, number, cited, replace=True)
        self._looked = -self.refresh
        return next(e for e in self.entries() if e.id == number)

    @staticmethod
    def _cite(connection: Any, number: int, cited: Sequence[Cited], replace: bool = False) -> None:
        table = schema.curated_citations
        if replace:
            connection.execute(table.delete().where(table.c.curated_id == number))
        connection.execute(table.insert(), [
            {"curated_id": number, "position": n, "doc": c.doc, "sha256": c.sha256,
             "section": c.section, "chunk_id": c.chunk_id, "passage": c.passage}
            for n, c in enumerate(cited)
        ])  # fmt: skip

    def remove(self, number: int) -> None:
        """Stop serving curated answer ``number``.

        Raises:
            ValueError: No such active curated answer.
        """
        table = schema.curated_answers
        with self.engine().begin() as connection:
            done = connection.execute(
                table.update()
                .where(table.c.id == number, table.c.status == Status.ACTIVE)
                .values(status=Status.REMOVED, updated_at=now())
            )
        if not done.rowcount:
            raise ValueError(f"没有编号为 {number} 的人工审核答案")
        self._looked = -self.refresh

    def entries(self) -> list[Entry]:
        """The active curated answers, read from the database, oldest first."""
        answers, citations = schema.curated_answers, schema.curated_citations
        with self.engine().connect() as connection:
            rows = connection.execute(
                select(answers).where(answers.c.status == Status.ACTIVE).order_by(answers.c.id)
            ).all()
            cited: dict[int, list[Cited]] = {}
            for c in connection.execute(
                select(citations).order_by(citations.c.curated_id, citations.c.position)
            ):
                cited.setdefault(c.curated_id, []).append(
                    Cited(c.doc, c.sha256, c.section, c.chunk_id, c.passage)
                )
        return [
            Entry(r.id, r.question, tuple(json.loads(r.phrasings)), r.answer, r.author,
                  r.updated_at, tuple(cited.get(r.id, ())), r.editor or "", r.edited_at)
            for r in rows
        ]  # fmt: skip

    def active(self) -> list[Entry]:
        """The active curated answers as last read; read again when the database changed
        (looked at most every :attr:`refresh` seconds). A database that cannot be read is
        reported and the last copy kept: answering goes on."""
        if time.monotonic() - self._looked < self.refresh:
            return self._active
        self._looked = time.monotonic()
        if self.url.startswith("sqlite:///") and not Path(self.url[10:]).exists():
            self._active = []  # nothing curated yet: no database file is made for it
            return self._active
        try:
            table = schema.curated_answers
            with self.engine().connect() as connection:
                found = connection.execute(
                    select(func.count(table.c.id), func.max(table.c.updated_at))
                ).one()
            signature = (int(found[0]), found[1])
            if signature != self._signature:
                self._active, self._signature = self.entries(), signature
        except Exception as error:  # noqa: BLE001 - curated answers wait; answering goes on
            log.error("无法读取人工审核答案 curated answers unavailable: %s", error)
        return self._active

    def serve(
        self, searcher: Searcher, reply: Answer, question: str, history: Sequence[str] = ()
    ) -> Answer:
        """``reply`` with the curated answer for ``question`` (asked after ``history``)
        above it, when one matches (:func:`~assistant.answering.curated.curated_reply`)."""
        entries = self.active()
        if not entries:
            return reply
        model = searcher.index.manifest.model
        key = f"{model.name}|{model.backend}"
        if key not in self._matchers:
            self._matchers[key] = Matcher(searcher.embedder.encode_queries)
        matcher = self._matchers[key]
        try:
            found = curated_reply(searcher, question, history, entries, matcher)
        except ValueError:
            return reply
        matcher.keep_only(entries)
        return replace(reply, curated=found) if found else reply


@dataclass(frozen=True)
class Row:
    """A row of a curated-answer CSV, read."""

    line: int
    question: str
    phrasings: tuple[str, ...]
    answer: str
    files: tuple[str, ...]
    sections: tuple[str, ...]


def write_csv(entries: Sequence[Entry], path: Path) -> int:
    """Write ``entries`` as CSV (UTF-8 with BOM, opens in Excel); return the rows written."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for e in entries:
            writer.writerow([
                e.question, SEPARATOR.join(e.phrasings), e.answer,
                SEPARATOR.join(c.doc for c in e.citations),
                SEPARATOR.join(c.section for c in e.citations),
            ])  # fmt: skip
    return len(entries)


def read_csv(path: Path) -> tuple[list[Row], list[str]]:
    """The rows of a curated-answer CSV, and one message per bad row (``第 3 行：…``).

    Raises:
        ValueError: A file that is not such a CSV (no 问题/答案/文件 header).
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in ("问题", "答案", "文件") if c not in header]
        if missing:
            raise ValueError(f"CSV 缺少列：{'、'.join(missing)}（应为 {','.join(CSV_COLUMNS)}）")
        rows, errors = [], []
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            cell = dict(zip(header, values, strict=False))

            def split(name: str, cells: dict[str, str] = cell) -> tuple[str, ...]:
                text = cells.get(name) or ""
                return tuple(p.strip() for p in text.replace(";", SEPARATOR).split(SEPARATOR))

            row = Row(
                line, (cell.get("问题") or "").strip(), tuple(p for p in split("其他问法") if p),
                (cell.get("答案") or "").strip(), tuple(f for f in split("文件") if f),
                split("章节") if (cell.get("章节") or "").strip() else (),
            )  # fmt: skip
            problem = _problem(row)
            if problem:
                errors.append(f"第 {line} 行：{problem}")
            else:
                rows.append(row)
    return rows, errors


def _problem(row: Row) -> str:
    if not row.question:
        return "缺少问题"
    if not row.answer:
        return "缺少答案"
    if not row.files:
        return "缺少文件（至少引用一个已收录文件）"
    if row.sections and len(row.sections) != len(row.files):
        return "章节数与文件数不一致（用“；”分隔，一一对应）"
    return ""


def import_rows(
    store: CuratedStore,
    rows: Sequence[Row],
    cite: Callable[[str, str, str], Cited],
    author: str = "导入",
) -> tuple[list[int], list[str]]:
    """Add ``rows``; ``cite(file, section, answer)`` finds each cited passage. Returns the
    ids added and one message per row refused (``第 3 行：未收录文件 …``)."""
    added, errors = [], []
    for row in rows:
        sections = row.sections or ("",) * len(row.files)
        try:
            cited = [cite(f, s, row.answer) for f, s in zip(row.files, sections, strict=True)]
            added.append(store.add(row.question, row.answer, cited, row.phrasings, author))
        except ValueError as error:
            errors.append(f"第 {row.line} 行：{error}")
    return added, errors
