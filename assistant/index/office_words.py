"""The office's own words, at once: ``synonyms.csv`` edited and applied without a rebuild.

:func:`add_group`, :func:`remove_term` and :func:`office_groups` edit and read the corpus's
``synonyms.csv`` (the file every build reads, :func:`~.lexicon.read_synonyms`), so the next
build keeps what was added. :class:`LiveWords` applies the file to an index already loaded:
when the file has changed (its modification time and size, so every app instance sharing
the corpus sees an edit by another), the index's :class:`~.vocabulary.Vocabulary` is
replaced by one with the file's groups, the terms it did not count counted in the stored
passages and titles. Questions are expanded with it from the next one on.
"""

from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..documents.ingest import SYNONYMS
from .lexicon import Group, lexicon, parse_groups, read_synonyms
from .stores.base import Store
from .vocabulary import Vocabulary, digest


@dataclass(frozen=True)
class Listed:
    """A group of ``synonyms.csv`` as listed: its line in the file and its terms."""

    line: int
    terms: Group


def office_groups(corpus: Path) -> list[Listed]:
    """The usable groups of ``corpus/synonyms.csv``, with their line numbers."""
    text = _read(corpus)
    listed = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        groups, _ = parse_groups(",".join(_quoted(c) for c in row))
        if groups and not (row and row[0].strip() in ("标准用语", "规范用语", "term")):
            listed.append(Listed(number, groups[0]))
    return listed


def add_group(corpus: Path, terms: Sequence[str]) -> Group:
    """Add a group of equivalent ``terms`` (the documents' term first) to ``synonyms.csv``.

    Raises:
        ValueError: Fewer than two terms, a term of one character or over 30, or a group
            the file or the shipped lexicon has already (the message says which, in Chinese).
    """
    cleaned = [t.strip() for t in terms if t.strip()]
    groups, problems = parse_groups(",".join(_quoted(t) for t in cleaned))
    if problems:
        raise ValueError(problems[0].replace("第 1 行", "这组词"))
    group = groups[0]
    for known in [*lexicon(), *(g.terms for g in office_groups(corpus))]:
        if set(group) <= set(known):
            raise ValueError(f"已有这组同义词：{' / '.join(known)}")
    text = _read(corpus)
    row = ",".join(_quoted(t) for t in group)
    _write(corpus, (text.rstrip("\r\n") + "\n" if text.strip() else "") + row + "\n")
    return group


def remove_term(corpus: Path, term: str) -> list[Group]:
    """Remove the groups of ``synonyms.csv`` that hold ``term``; return them.

    Raises:
        ValueError: No group of the file holds it (or only the shipped lexicon does).
    """
    term = term.strip()
    gone = [g for g in office_groups(corpus) if term in g.terms]
    if not gone:
        shipped = any(term in g for g in lexicon())
        where = "内置词表，不能在此删除" if shipped else "同义词表"
        raise ValueError(f"“{term}”不在{where}中")
    lines = _read(corpus).splitlines(keepends=True)
    dropped = {g.line for g in gone}
    kept = [line for number, line in enumerate(_rows(lines), start=1) if number not in dropped]
    _write(corpus, "".join(kept))
    return [g.terms for g in gone]


class LiveWords:
    """Applies ``corpus/synonyms.csv`` to loaded indexes as it changes (see the module doc)."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        self._lock = threading.Lock()
        self._applied: dict[tuple[int, str], tuple[tuple[int, int], Vocabulary]] = {}
        self._counts: dict[tuple[str, str], int] = {}

    def apply(self, index: Store) -> bool:
        """Give ``index`` the file's groups if the file changed since it was last looked at;
        whether its vocabulary changed."""
        signature = _signature(self.corpus / SYNONYMS)
        at = (id(index), index.manifest.generation)
        with self._lock:
            seen = self._applied.get(at)
            if seen is not None and seen[0] == signature:
                return False
            built = seen[1] if seen is not None else index.vocabulary
            before = index.vocabulary
            synonyms = read_synonyms(self.corpus).groups
            if digest(synonyms) == built.digest:  # the file as the index was built with it
                index.vocabulary = built
            else:
                index.vocabulary = self._with_file(index, built, synonyms)
            self._applied[at] = (signature, built)
            return index.vocabulary is not before

    def _with_file(self, index: Store, built: Vocabulary, synonyms: Sequence[Group]) -> Vocabulary:
        """``built`` with the file's groups (``synonyms``) in place of those it was built with."""
        groups = (*lexicon(), *synonyms)
        counted = {t for g in built.groups for t in g} | {t for p in built.abbreviations for t in p}
        new = sorted({t for g in synonyms for t in g} - counted)
        counts = dict(built.counts)
        counts.update({t: n for t, n in self._count(index, new).items() if n})
        return replace(built, groups=groups, counts=counts)

    def _count(self, index: Store, terms: Sequence[str]) -> dict[str, int]:
        """Occurrences of ``terms`` in the index's passages and titles (remembered)."""
        generation = index.manifest.generation
        missing = [t for t in terms if (generation, t) not in self._counts]
        if missing:
            found = dict.fromkeys(missing, 0)
            texts = [d.source.title for d in index.documents]
            for chunk in index.chunks():
                texts.append(chunk.text)
            for text in texts:
                for term in missing:
                    found[term] += text.count(term)
            self._counts.update({(generation, t): n for t, n in found.items()})
        return {t: self._counts[(generation, t)] for t in terms}


def _signature(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


def _read(corpus: Path) -> str:
    path = corpus / SYNONYMS
    if not path.is_file():
        return ""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _write(corpus: Path, text: str) -> None:
    """Replace ``synonyms.csv`` at once (UTF-8): a reader never sees half a file."""
    path = corpus / SYNONYMS
    temporary = path.with_name(f".{SYNONYMS}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _rows(lines: list[str]) -> list[str]:
    """The file's lines grouped as CSV rows (a quoted cell may hold a line break)."""
    rows: list[str] = []
    pending = ""
    for line in lines:
        pending += line
        if pending.count('"') % 2 == 0:
            rows.append(pending)
            pending = ""
    return rows + ([pending] if pending else [])


def _quoted(cell: str) -> str:
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if any(c in cell for c in ',"\n') else cell
