"""``assistant synonyms add|list|remove``: the office's own words, applied without a rebuild.

They edit ``synonyms.csv`` in the corpus folder (``--corpus``, ``ASSISTANT_CORPUS``, default
``corpus/``): the next question of a running app expands with it
(:class:`~assistant.index.office_words.LiveWords`), the next build keeps it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from ..settings import Settings


def add_synonyms_command(commands: Any) -> None:
    """The ``synonyms`` command and its ``add``, ``list`` and ``remove`` subcommands."""
    synonyms = commands.add_parser(
        "synonyms", help="the office's own words: equivalent terms, applied at once"
    )
    actions = synonyms.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a group: the documents' term first, e.g. "
                             "assistant synonyms add 老年人优待证 老人卡")  # fmt: skip
    add.add_argument("terms", nargs="+", metavar="TERM", help="two or more equivalent terms")
    listed = actions.add_parser("list", help="the groups of synonyms.csv")
    listed.add_argument("--json", action="store_true", help="print one JSON object")
    remove = actions.add_parser("remove", help="remove the groups holding a term")
    remove.add_argument("term", metavar="TERM")
    for action, handler in ((add, _add), (listed, _list), (remove, _remove)):
        action.add_argument("--corpus", type=Path, help="source folder (default corpus/)")
        action.set_defaults(handler=handler)


def _corpus(args: argparse.Namespace) -> Path:
    corpus = Settings.from_env(corpus=args.corpus).corpus
    if not corpus.is_dir():
        raise ValueError(f"没有语料文件夹 {corpus}")
    return corpus


def _add(args: argparse.Namespace, out: TextIO) -> int:
    from ..index.office_words import add_group

    group = add_group(_corpus(args), args.terms)
    print(f"已添加：{' / '.join(group)}（下一个问题起生效，下次构建索引时保留）", file=out)
    return 0


def _list(args: argparse.Namespace, out: TextIO) -> int:
    from ..index.office_words import office_groups

    groups = office_groups(_corpus(args))
    if args.json:
        rows = [{"line": g.line, "terms": list(g.terms)} for g in groups]
        print(json.dumps({"groups": rows}, ensure_ascii=False), file=out)
        return 0
    if not groups:
        print("同义词表中还没有词组。", file=out)
    for group in groups:
        print(f"第 {group.line} 行\t{' / '.join(group.terms)}", file=out)
    return 0


def _remove(args: argparse.Namespace, out: TextIO) -> int:
    from ..index.office_words import remove_term

    for group in remove_term(_corpus(args), args.term):
        print(f"已删除：{' / '.join(group)}", file=out)
    return 0
