"""The ``assistant`` command line.

Heavy libraries (torch, faiss, gradio) are imported inside the commands that
need them, so ``assistant --help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .. import __version__
from ..settings import BACKENDS, OCR_MODES, Settings
from ..types import FileStatus
from .curated_cli import add_curated_command
from .log_cli import add_log_command
from .synonyms_cli import add_synonyms_command

if TYPE_CHECKING:
    from ..documents.ingest import FileReport
    from ..index.builder import Progress
    from ..types import Document


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None) -> int:
    """Run the CLI with ``argv``; return the exit code."""
    out = stdout or sys.stdout
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(out)
        return 0
    try:
        return args.handler(args, out)
    except (ValueError, RuntimeError, OSError) as error:
        print(f"错误 error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="政策问答助手 — offline, cited answers from Chinese policy documents.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ingest = commands.add_parser(
        "ingest", help="read a folder and report every file (no index written)"
    )
    ingest.add_argument(
        "corpus", type=Path, metavar="DIR", help="folder of PDF/DOCX/TXT/HTML files"
    )
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_ocr(ingest)
    ingest.set_defaults(handler=_ingest)

    build = commands.add_parser("build", help="build or update the index from the corpus")
    _add_common(build, corpus=True)
    build.set_defaults(handler=_build)

    for name, handler, text in (
        ("search", _search, "show the passages that best match a question"),
        ("ask", _ask, "answer a question with citations"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument(
            "question",
            nargs="?",
            help="the question; if omitted, one per line of stdin, plain or as a JSON line "
            '{"question": "…", "history": ["earlier question", …]}',
        )
        _add_common(command)
        command.add_argument("-k", type=int, default=None, help="passages to return (default 5)")
        command.add_argument("--json", action="store_true", help="one JSON object per question")
        command.add_argument(
            "--doc-type", default="", help="only documents of this 文种, e.g. 办法"
        )
        command.add_argument(
            "--issuer", default="", help="only documents whose issuer contains this"
        )
        command.add_argument("--year", default="", help="only documents issued in this year")
        if name == "search":
            command.add_argument(
                "--mode",
                choices=("hybrid", "dense", "bm25"),
                default="hybrid",
                help="retrieval method",
            )
        command.set_defaults(handler=handler)

    serve = commands.add_parser("serve", help="start the web app (builds the index if missing)")
    _add_common(serve, corpus=True)
    serve.set_defaults(handler=_serve)

    evaluate = commands.add_parser(
        "eval", help="retrieval metrics on QA files (shared/eval format), one table"
    )
    evaluate.add_argument("qa", type=Path, nargs="+", metavar="QA.jsonl")
    _add_common(evaluate)
    evaluate.add_argument("-k", type=int, default=10, help="passages per question (default 10)")
    evaluate.set_defaults(handler=_eval)
    add_log_command(commands)
    add_curated_command(commands)
    add_synonyms_command(commands)
    return parser


def _add_ocr(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--ocr", choices=OCR_MODES, help="read pages without text by OCR (default on)"
    )


def _add_common(command: argparse.ArgumentParser, corpus: bool = False) -> None:
    if corpus:
        command.add_argument("--corpus", type=Path, help="source folder (default corpus/)")
        _add_ocr(command)
        command.add_argument(
            "--store",
            help="where the index's data goes: file (default) or milvus://… (moves an index "
            "there, re-using its vectors; see README, Scaling out)",
        )
    command.add_argument("--index", type=Path, help="index folder (default index/)")
    command.add_argument("--model", help="embedding model (default: bundled multilingual-e5-small)")
    command.add_argument(
        "--backend", choices=BACKENDS, help="what runs the bundled model (default onnx-int8)"
    )


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        corpus=getattr(args, "corpus", None),
        index=args.index,
        model=args.model,
        backend=args.backend,
        ocr=getattr(args, "ocr", None),
        store=getattr(args, "store", None),
    )


def _build(args: argparse.Namespace, out: TextIO) -> int:
    from ..index import build
    from ..index.builder import Progress

    settings = _settings(args)
    print(f"构建索引 building {settings.index} from {settings.corpus} …", file=out, flush=True)

    def on_file(report: FileReport) -> None:
        if report.status not in (FileStatus.OK, FileStatus.UNCHANGED):
            print(_report_line(report), file=out, flush=True)

    def line(progress: Progress) -> None:
        print(progress.text, file=out, flush=True)

    report = build(settings, on_file=on_file, on_embed=Progress.every(5.0, line))
    counts = Counter(r.status for r in report.files)
    if report.full_reason:
        print(f"全量重建 full rebuild: {report.full_reason}", file=out)
    if not report.changed:
        print("没有变化，索引保持不变 nothing changed, index kept as it was", file=out)
    print(
        f"完成 done: {counts[FileStatus.OK] + counts[FileStatus.WARNED]} 个文件新读入，"
        f"{counts[FileStatus.UNCHANGED]} 个未变，{counts[FileStatus.FAILED]} 个失败，"
        f"{counts[FileStatus.DUPLICATE]} 个重复，{len(report.removed)} 个已删除；"
        f"共 {report.chunks} 个文本块（新嵌入 {report.embedded}，沿用 {report.reused}）；"
        f"用时 {report.seconds:.1f} 秒",
        file=out,
    )
    return 0


@dataclass(frozen=True)
class Asked:
    """A question to answer, with the earlier questions of its conversation (oldest first)."""

    question: str
    history: tuple[str, ...] = ()


def _questions(args: argparse.Namespace, skipped: list[int]) -> Iterator[Asked]:
    """The question argument, or one question per line of stdin (see :func:`parse_line`).

    A malformed line is reported on stderr with its number, added to ``skipped``
    and left out; the other lines are still asked.
    """
    if args.question is not None:
        yield Asked(args.question)
        return
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            yield parse_line(line.strip())
        except ValueError as error:
            skipped.append(number)
            print(
                f"错误 error: 第 {number} 行 line {number}: {error}，已跳过 skipped",
                file=sys.stderr,
            )


def parse_line(line: str) -> Asked:
    """A line of stdin: a plain question, or ``{"question": "…", "history": ["…", …]}``.

    Raises:
        ValueError: A line starting with ``{`` that is not such a JSON object.
    """
    if not line.startswith("{"):
        return Asked(line)
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"不是有效的 JSON invalid JSON ({error.msg})") from None
    if not isinstance(row, dict) or not isinstance(row.get("question"), str):
        raise ValueError('缺少 "question" 字符串 missing "question" string')
    history = row.get("history") or []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise ValueError('"history" 应为字符串列表 must be a list of strings')
    return Asked(row["question"], tuple(history))


def _search(args: argparse.Namespace, out: TextIO) -> int:
    from ..answering.conversation import search_in_conversation
    from ..answering.render import citation, json_line
    from ..answering.search import Filters, Searcher

    searcher = Searcher.open(_settings(args))
    filters = Filters(args.doc_type, args.issuer, args.year)
    skipped: list[int] = []
    for asked in _questions(args, skipped):
        understood, hits = search_in_conversation(
            searcher, asked.question, asked.history, args.k, args.mode, filters
        )
        if args.json:
            hits_json = [h.to_dict() for h in hits]
            row = {"question": asked.question, "understood": understood.label, "hits": hits_json}
            print(json_line(row), file=out, flush=True)
            continue
        print(f"问 {asked.question}", file=out)
        if understood.label:
            print(f"按“{understood.label}”理解", file=out)
        for i, hit in enumerate(hits, 1):
            print(f"[{i}] {hit.score:.4f}  {citation(hit)}", file=out)
            print("    " + hit.chunk.text.replace("\n", "\n    "), file=out)
        print(file=out, flush=True)
    return 1 if skipped else 0


def _ask(args: argparse.Namespace, out: TextIO) -> int:
    from ..answering.answer import answer
    from ..answering.render import as_json, as_text, json_line
    from ..answering.search import Filters, Searcher
    from ..records.curated import CuratedStore

    settings = _settings(args)
    searcher = Searcher.open(settings)
    curated = CuratedStore(settings.db_url)  # 人工审核答案 first, when one matches
    filters = Filters(args.doc_type, args.issuer, args.year)
    skipped: list[int] = []
    for asked in _questions(args, skipped):
        reply = answer(searcher, asked.question, args.k, filters, history=asked.history)
        reply = curated.serve(searcher, reply, asked.question, asked.history)
        if args.json:
            print(json_line(as_json(reply)), file=out, flush=True)
        else:
            print(f"问 {asked.question}\n答 {as_text(reply)}\n", file=out, flush=True)
    return 1 if skipped else 0


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    import logging

    from .ui import serve

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    serve(_settings(args))
    return 0


def _eval(args: argparse.Namespace, out: TextIO) -> int:
    from ..answering.evaluation import HEADER, evaluate, read_questions, table
    from ..answering.search import Searcher

    searcher = Searcher.open(_settings(args))
    rows = []
    for path in args.qa:  # a question with a "history" is asked in its conversation
        scores = evaluate(searcher, read_questions(path), k=args.k)
        size = f"{scores[0].answerable}+{scores[0].unanswerable}"
        rows += [[path.stem, size, *s.row()] for s in scores]
    print(table(rows, ["set", "ans.+unans.", *HEADER]), file=out)
    return 0


def _ingest(args: argparse.Namespace, out: TextIO) -> int:
    from ..documents.ingest import OCR_CACHE, ingest

    settings = Settings.from_env(corpus=args.corpus, ocr=args.ocr)
    if not settings.corpus.is_dir():
        raise ValueError(f"找不到文件夹 folder not found: {settings.corpus}")
    started = time.perf_counter()
    reports = []
    cache = settings.index / OCR_CACHE if settings.index.is_dir() else None  # the index's
    for report in ingest(settings.corpus, settings, ocr_cache=cache):
        reports.append(report)
        if not args.json:
            print(_report_line(report), file=out, flush=True)
    seconds = time.perf_counter() - started
    counts = Counter(report.status for report in reports)
    chunks = sum(len(report.chunks) for report in reports)
    summary = {
        "files": len(reports),
        **{status.value: counts.get(status, 0) for status in FileStatus},
        "chunks": chunks,
        "seconds": round(seconds, 2),
    }
    if args.json:
        files = [
            {
                "path": r.path,
                "status": r.status,
                "problems": list(r.problems),
                **(_describe(r.document) if r.document else {}),
                "chunks": len(r.chunks),
            }
            for r in reports
        ]
        json.dump({"files": files, "summary": summary}, out, ensure_ascii=False, indent=1)
        print(file=out)
    else:
        print(
            f"共 {summary['files']} 个文件：成功 {summary['ok']}，有警告 {summary['warned']}，"
            f"失败 {summary['failed']}，重复 {summary['duplicate']}；文本块 {chunks}；"
            f"用时 {seconds:.1f} 秒",
            file=out,
        )
    return 0 if any(report.used for report in reports) else 1


def _describe(document: Document) -> dict[str, object]:
    return {**asdict(document.source), "pages": document.pages}


def _report_line(report: FileReport) -> str:
    parts = [f"{report.status.mark} {report.path}"]
    if report.document:
        d, s = report.document, report.document.source
        fields = (f"《{s.title}》", s.doc_number, s.issuer, s.jurisdiction, s.issued_on)
        cite = " · ".join(x for x in fields if x)
        pages = f"{d.pages}页 · " if d.pages else ""
        parts.append(f"  {cite} · {pages}{len(report.chunks)}块")
    parts.extend(f"  {problem}" for problem in report.problems)
    return "\n".join(parts)


if __name__ == "__main__":
    raise SystemExit(main())
