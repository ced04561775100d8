"""``assistant curated add|edit|list|remove|export|import``: 人工审核答案 from the command line.

They read and write the database ``ASSISTANT_DB`` names (default ``data/assistant.sqlite3``
beside the index); ``add``, ``edit``, ``import`` and ``list`` read the index too, to find the cited
passages and to tell which answers wait for review (需复核).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from ..settings import Settings


def add_curated_command(commands: Any) -> None:
    """The ``curated`` command and its subcommands."""
    curated = commands.add_parser("curated", help="人工审核答案: answers written by an admin")
    actions = curated.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a curated answer citing an indexed document")
    add.add_argument("--question", required=True, help="the question it answers")
    add.add_argument("--answer", required=True, help="the answer text")
    add.add_argument("--doc", required=True, action="append", metavar="FILE",
                     help="a cited document: its path in the corpus, file name or title "
                     "(repeatable)")  # fmt: skip
    add.add_argument("--section", action="append", default=[], metavar="S",
                     help="the cited section (a part of its heading), one per --doc")  # fmt: skip
    add.add_argument("--phrasing", action="append", default=[], metavar="Q",
                     help="another wording of the question (repeatable)")  # fmt: skip
    add.add_argument("--author", default="管理员", help="who wrote it (default 管理员)")
    add.set_defaults(handler=_add)
    edit = actions.add_parser("edit", help="change a curated answer, keeping its id")
    edit.add_argument("id", type=int, metavar="ID")
    edit.add_argument("--question", help="the new question")
    edit.add_argument("--answer", help="the new answer text")
    edit.add_argument("--doc", action="append", metavar="FILE",
                      help="a cited document (repeatable): the citations are replaced")  # fmt: skip
    edit.add_argument("--section", action="append", default=[], metavar="S",
                      help="the cited section (a part of its heading), one per --doc")  # fmt: skip
    edit.add_argument("--phrasing", "--phrasings", nargs="*", action="extend", metavar="Q",
                      help="the other wordings (they replace the old ones; "
                      "given with none: removes them)")  # fmt: skip
    edit.add_argument("--editor", default="管理员", help="who edits it (default 管理员)")
    edit.set_defaults(handler=_edit)
    listing = actions.add_parser("list", help="the curated answers, with those to review")
    listing.add_argument("--json", action="store_true", help="one JSON object per answer")
    listing.set_defaults(handler=_list)
    remove = actions.add_parser("remove", help="stop serving a curated answer")
    remove.add_argument("id", type=int, metavar="ID")
    remove.set_defaults(handler=_remove)
    export = actions.add_parser("export", help="write them as CSV (问题,其他问法,答案,文件,章节)")
    export.add_argument("-o", "--output", type=Path, required=True, help="the CSV file")
    export.set_defaults(handler=_export)
    load = actions.add_parser("import", help="add the rows of such a CSV")
    load.add_argument("file", type=Path, metavar="FILE")
    load.set_defaults(handler=_import)
    for command in (add, edit, listing, remove, export, load):
        command.add_argument("--index", type=Path, help="index folder (default index/)")


def _store(args: argparse.Namespace) -> tuple[Any, Settings]:
    from ..records.curated import CuratedStore

    settings = Settings.from_env(index=args.index)
    return CuratedStore(settings.db_url), settings


def _citer(settings: Settings) -> Any:
    """``cite(file, section, answer)`` over the index at ``settings.index``."""
    from ..answering.curated import cite
    from ..answering.procedure import document_chunks
    from ..index import open_index

    index = open_index(settings)

    def citer(file: str, section: str, answer: str) -> Any:
        return cite(index.documents, lambda doc: document_chunks(index, doc), file, section,
                    answer)  # fmt: skip

    return citer


def _cited(settings: Settings, docs: list[str], sections: list[str], answer: str) -> list[Any]:
    """The passages ``--doc``/``--section`` name, chosen by ``answer``'s words."""
    if sections and len(sections) != len(docs):
        raise ValueError("--section 的个数应与 --doc 相同（一一对应）")
    citer = _citer(settings)
    return [citer(doc, section, answer) for doc, section in zip(docs, sections or [""] * len(docs))]


def _print_cited(cited: Any, out: TextIO) -> None:
    for c in cited:
        print(f"  引用 {c.doc} · {c.section or '（无章节）'}", file=out)


def _add(args: argparse.Namespace, out: TextIO) -> int:
    store, settings = _store(args)
    cited = _cited(settings, args.doc, args.section, args.answer)
    number = store.add(args.question, args.answer, cited, args.phrasing, args.author)
    print(f"已添加人工审核答案 {number} added", file=out)
    _print_cited(cited, out)
    return 0


def _edit(args: argparse.Namespace, out: TextIO) -> int:
    store, settings = _store(args)
    if args.section and not args.doc:
        raise ValueError("--section 需与 --doc 一起给出")
    if all(v is None for v in (args.question, args.answer, args.doc, args.phrasing)):
        raise ValueError("请至少给出一项修改：--question、--answer、--doc 或 --phrasing")
    cited = None
    if args.doc:
        before = next((e for e in store.entries() if e.id == args.id), None)
        answer = args.answer if args.answer is not None else before.answer if before else ""
        cited = _cited(settings, args.doc, args.section, answer)
    entry = store.edit(args.id, args.question, args.answer, cited, args.phrasing, args.editor)
    print(f"已修改人工审核答案 {entry.id} edited", file=out)
    _print_cited(entry.citations, out)
    return 0


def _list(args: argparse.Namespace, out: TextIO) -> int:
    from ..answering.curated import review
    from ..index import read_manifest

    store, settings = _store(args)
    documents = None
    if read_manifest(settings.index) is not None:
        from ..index import open_index

        documents = {d.path: d for d in open_index(settings).documents}
    for e in store.entries():
        reason = review(e, documents) if documents is not None else ""
        if args.json:
            row = {"id": e.id, "question": e.question, "phrasings": list(e.phrasings),
                   "answer": e.answer, "author": e.author, "updated_at": e.updated_at.isoformat(),
                   "docs": [c.doc for c in e.citations], "review": reason,
                   "editor": e.editor,
                   "edited_at": e.edited_at.isoformat() if e.edited_at else None}  # fmt: skip
            print(json.dumps(row, ensure_ascii=False), file=out)
            continue
        state = f"需复核：{reason}" if reason else "生效"
        print(f"{e.id}\t{e.updated_at:%Y-%m-%d}\t{state}\t{e.question}", file=out)
        print(f"\t答：{e.answer}", file=out)
        for c in e.citations:
            print(f"\t引用：{c.doc} · {c.section or '（无章节）'}", file=out)
    return 0


def _remove(args: argparse.Namespace, out: TextIO) -> int:
    store, _ = _store(args)
    store.remove(args.id)
    print(f"已删除人工审核答案 {args.id} removed", file=out)
    return 0


def _export(args: argparse.Namespace, out: TextIO) -> int:
    from ..records.curated import write_csv

    store, _ = _store(args)
    print(f"导出 {write_csv(store.entries(), args.output)} 条 exported", file=out)
    return 0


def _import(args: argparse.Namespace, out: TextIO) -> int:
    from ..records.curated import import_rows, read_csv

    store, settings = _store(args)
    rows, errors = read_csv(args.file)
    added, refused = import_rows(store, rows, _citer(settings))
    for message in sorted([*errors, *refused], key=_line_of):
        print(f"错误 error: {message}，已跳过 skipped", file=sys.stderr)
    print(f"导入 {len(added)} 条 imported，跳过 {len(errors) + len(refused)} 条", file=out)
    return 1 if errors or refused else 0


def _line_of(message: str) -> int:
    """The line number of a ``第 3 行：…`` message."""
    return int(message.split()[1])
