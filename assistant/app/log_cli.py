"""``assistant log stats`` and ``assistant log export``: the Q&A log from the command line.

Both read the database ``ASSISTANT_DB`` names (default ``data/assistant.sqlite3`` beside
the index). ``stats`` groups questions by meaning with the index's embedding model.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from ..settings import Settings

FORMATS = ("csv", "xlsx", "jsonl")


def add_log_command(commands: Any) -> None:
    """The ``log`` command and its ``stats`` and ``export`` subcommands."""
    log = commands.add_parser("log", help="the Q&A log: statistics and export")
    actions = log.add_subparsers(dest="action", metavar="ACTION", required=True)
    stats = actions.add_parser("stats", help="daily counts, refused share, votes, hot questions")
    stats.add_argument("--days", type=int, default=30, help="the last N days (default 30)")
    stats.add_argument("--top", type=int, default=10, help="groups listed (default 10)")
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.add_argument("--index", type=Path, help="index folder (default index/)")
    stats.set_defaults(handler=_stats)
    export = actions.add_parser("export", help="the logged answers as CSV, XLSX or JSON lines")
    export.add_argument("--since", type=date.fromisoformat, help="first day, YYYY-MM-DD")
    export.add_argument("--until", type=date.fromisoformat, help="last day, YYYY-MM-DD")
    export.add_argument("--format", choices=FORMATS, default="csv", help="default csv")
    export.add_argument("-o", "--output", type=Path, help="file (default: standard output)")
    export.add_argument("--index", type=Path, help="index folder (default index/)")
    export.set_defaults(handler=_export)


def _recorder_engine(args: argparse.Namespace) -> Any:
    from ..records import Recorder

    settings = Settings.from_env(index=args.index)
    return Recorder(settings.db_url).engine(), settings


def _stats(args: argparse.Namespace, out: TextIO) -> int:
    from ..records.overview import summarize

    if args.days < 1:
        raise ValueError("--days 至少为 1")
    engine, settings = _recorder_engine(args)
    until = date.today()
    since = until - timedelta(days=args.days - 1)
    summed = summarize(engine, since, until, _embedder(settings))
    if args.json:
        print(json.dumps(summed.to_dict(args.top), ensure_ascii=False), file=out)
        return 0
    print(summed.summary, file=out)
    print("日期\t提问\t未能回答\t占比\t👍\t👎", file=out)
    for day in summed.days:
        print("\t".join(map(str, day)), file=out)
    for title, topics in (("热点问题", summed.hot), ("未能回答的问题", summed.unanswered)):
        print(f"\n{title}：", file=out)
        for topic in topics[: args.top]:
            t = topic
            how = f"已回答 {t.answered}，未能回答 {t.refused}，👍 {t.up}，👎 {t.down}"
            print(f"  {t.count:>4} 次  {t.wording}  （{how}）", file=out)
    return 0


def _export(args: argparse.Namespace, out: TextIO) -> int:
    from ..records.reports import audit_rows, entries, write_csv, write_csv_rows, write_xlsx

    engine, _ = _recorder_engine(args)
    found = entries(engine, args.since, args.until)
    if args.format == "xlsx":
        if not args.output:
            raise ValueError("XLSX 需要用 -o 指定输出文件")
        write_xlsx(found, args.output, audit_rows(engine, args.since, args.until))
    elif args.format == "csv" and args.output:
        write_csv(found, args.output)
    elif args.format == "csv":
        write_csv_rows(found, out)
    else:
        target = args.output.open("w", encoding="utf-8") if args.output else out
        for e in found:
            row = {**asdict(e), "asked_at": e.asked_at.isoformat(sep=" "), "citations": e.citations}
            del row["cited_json"]
            print(json.dumps(row, ensure_ascii=False), file=target)
        if args.output:
            target.close()
    print(f"导出 {len(found)} 条 exported", file=sys.stderr)
    return 0


def _embedder(settings: Settings) -> Any:
    """The index's model's query embedding, or one vector per wording without an index."""
    from ..index import read_manifest
    from ..index.embedders import load_embedder
    from ..records.grouping import wordings_only

    manifest = read_manifest(settings.index)
    if manifest is None:
        return wordings_only
    model = load_embedder(manifest.model.name, manifest.model.backend, settings.threads)
    return model.encode_queries
