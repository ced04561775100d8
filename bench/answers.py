"""Answer benchmark: how often the answer holds the gold answer, on its first line and in all.

For every answerable question (policy = seed + policy sets, colloquial, citizen, staff,
followup and followup2 — each follow-up with its history —, DataFountain, and on request CMRC
2018 dev; DomainRAG has no answer spans), it asks
:func:`assistant.answer.answer` and reports, per set and per question kind
(:mod:`assistant.answering.kinds`: amount, time, condition, procedure, metadata, other):

* retrieved — a top-k passage is a hit (:func:`assistant.evaluation.is_hit`: the right
  document, the gold answer in it) — the most the composer can do;
* answered  — the assistant did not refuse;
* quoted    — the answer text (before its source lines) contains the gold answer, both
  compared as ``is_hit`` does; "of retrieved" divides by the retrieved questions;
* first line — the direct answer alone (the first line) contains it;
* ROUGE-L   — character ROUGE-L (LCS, β = 1.2 as in DuReader) of the first line against
  the gold answer;
* quoted 90% CI — a bootstrap interval of "quoted" (:func:`~assistant.evaluation.bootstrap`),
  so that a difference inside it reads as none;
* chars     — mean characters of the answer text;
* ms/q      — time of :func:`~assistant.answer.answer` per question (search included);
* cpu ms/q  — the CPU time it took (``time.process_time``: every thread of this process;
  ``ASSISTANT_THREADS=1`` keeps the embedder on one), and its median (cpu p50).

``--before`` adds a row per set answered as before sentence vectors were stored with the
index: each candidate sentence embedded at answer time, on the same index; then a line per
set says how many answers differ from that in their text.

Indexes are shared with ``bench/retrieval.py`` (``--work``); ``--no-build`` answers from them as
they are, without checking them against their corpus. ``--save`` writes every answer with its
scores, one JSON line each, to compare two runs question by question. Usage::

    python bench/answers.py [--sets policy colloquial citizen staff followup followup2
                                    datafountain cmrc] [--limit N] [--show-misses] [--before]
                            [--no-build] [--save answers.jsonl]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from retrieval import (  # bench/ is on sys.path when this file is run
    QUESTIONS_HELP,
    SETS,
    build_when_free,
    question_file,
)

from assistant.answering.answer import answer
from assistant.answering.conversation import search_in_conversation
from assistant.answering.evaluation import bootstrap, compact, is_hit, table
from assistant.answering.kinds import KINDS, question_kind
from assistant.answering.question import normalize_question
from assistant.answering.render import body
from assistant.answering.search import Ranked, Searcher
from assistant.settings import Settings
from assistant.types import Hit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sets = ["policy", "colloquial", "citizen", "staff", "followup", "followup2", "datafountain"]
    parser.add_argument("--sets", nargs="+", choices=[*SETS], default=sets)
    parser.add_argument("--questions", nargs="+", type=Path, default=[], help=QUESTIONS_HELP)
    parser.add_argument("--work", type=Path, default=Path("/tmp/assistant-bench"))
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions of a set")
    parser.add_argument("--show-misses", action="store_true", help="print questions not quoted")
    parser.add_argument(
        "--before", action="store_true", help="also embed sentences at answer time, as before"
    )
    parser.add_argument("--no-build", action="store_true", help="the indexes as they are")
    parser.add_argument("--save", type=Path, help="write each answer, scored, to this JSONL file")
    args = parser.parse_args()
    args.sets += [question_file(path) for path in args.questions]
    rows, changed = [], []
    for name in args.sets:
        corpus_name, load = SETS[name]
        corpus = args.work / corpus_name / "corpus"
        questions = [q for q in load(corpus) if q.get("doc") and q.get("answer")]
        questions = questions[: args.limit or None]
        settings = Settings.from_env()
        index = args.work / corpus_name / f"index-{settings.backend}"
        settings = settings.with_(corpus=corpus, index=index)
        if not args.no_build:
            build_when_free(settings)
        searcher = Searcher.open(settings)
        before = EmbeddingSearcher.open(settings) if args.before else None
        results, earlier = [], []
        for q in questions:  # the two ways in turn, so that both see the same machine load
            results.append(ask(searcher, q, args.show_misses))
            if before is not None:
                earlier.append(ask(before, q, False))
        if args.save:
            save(args.save, name, questions, results)
        for kind in ("all", *KINDS):
            picked = [r for r in results if kind in ("all", r.kind)]
            if picked and (kind == "all" or len(args.sets) < 4 or name != "cmrc"):
                rows.append(row(name, kind, picked))
        if earlier:
            rows.append(row(f"{name} (before)", "all", earlier))
            differ = sum(a.text != b.text for a, b in zip(results, earlier, strict=True))
            changed.append(f"{name}: {differ} of {len(results)} answers differ from before")
    header = ["set", "kind", "questions", "retrieved", "answered", "quoted", "of retrieved"]
    header += ["quoted 90% CI", "first line", "ROUGE-L", "chars", "ms/q", "cpu ms/q", "cpu p50"]
    print(table(rows, header))
    print("\n".join(changed))


class EmbeddingSearcher(Searcher):
    """Answers as before sentence vectors were stored: its hits do not say their row in
    the index, so every candidate sentence is embedded at answer time
    (:meth:`~assistant.answering.search.Searcher.sentence_cosines`)."""

    def hit(self, ranked: Ranked) -> Hit:
        return replace(super().hit(ranked), row=None)


MARKERS = re.compile(r"\s*\[\d+\]\s*$")  # a line's citation marker


@dataclass(frozen=True)
class Result:
    """One question's answer, scored."""

    kind: str
    retrieved: bool
    answered: bool
    quoted: bool
    first_line: bool
    rouge: float
    chars: int
    seconds: float
    cpu: float
    text: str


def ask(searcher: Searcher, q: dict, show_misses: bool) -> Result:
    """Answer one question and score the answer against its gold span."""
    gold = compact(q["answer"])
    history = q.get("history") or ()
    started, cpu = time.perf_counter(), time.process_time()
    reply = answer(searcher, q["question"], history=history)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    hits = search_in_conversation(searcher, q["question"], history)[1]
    in_passages = any(is_hit(q, h.chunk) for h in hits)
    said = body(reply)
    first = compact(MARKERS.sub("", said.split("\n")[0])) if reply.found else ""
    quoted = reply.found and gold in compact(said)
    if show_misses and in_passages and not quoted:
        print(f"- {q['question']}  gold={q['answer']}\n  {said[:200]!r}")
    return Result(
        reply.kind or question_kind(normalize_question(q["question"])),
        in_passages,
        reply.found,
        quoted,
        bool(first) and gold in first,
        rouge_l(first, gold),
        len(said),
        seconds,
        cpu,
        said,
    )


def save(path: Path, name: str, questions: list[dict], results: list[Result]) -> None:
    """Append each question of set ``name`` with its answer and scores to ``path`` (JSONL)."""
    with path.open("a", encoding="utf-8") as out:
        for q, r in zip(questions, results, strict=True):
            record = {"set": name, "question": q["question"], "history": q.get("history") or []}
            record |= {"gold": q["answer"], **asdict(r)}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def rouge_l(candidate: str, reference: str, beta: float = 1.2) -> float:
    """Character ROUGE-L F-score of ``candidate`` against ``reference`` (DuReader's β)."""
    if not candidate or not reference:
        return 0.0
    previous = [0] * (len(reference) + 1)
    for a in candidate:
        current = [0]
        for j, b in enumerate(reference):
            current.append(previous[j] + 1 if a == b else max(previous[j + 1], current[j]))
        previous = current
    lcs = previous[-1]
    if not lcs:
        return 0.0
    precision, recall = lcs / len(candidate), lcs / len(reference)
    return (1 + beta**2) * precision * recall / (recall + beta**2 * precision)


def row(name: str, kind: str, results: list[Result]) -> list[str]:
    """One table row: the shares and means of ``results``."""
    n = len(results)
    retrieved = sum(r.retrieved for r in results)
    low, high = bootstrap([r.quoted for r in results])
    return [
        name,
        kind,
        str(n),
        f"{retrieved / n:.3f}",
        f"{sum(r.answered for r in results) / n:.3f}",
        f"{sum(r.quoted for r in results) / n:.3f}",
        f"{sum(r.quoted and r.retrieved for r in results) / max(1, retrieved):.3f}",
        f"{low:.3f}–{high:.3f}",
        f"{sum(r.first_line for r in results) / n:.3f}",
        f"{statistics.mean(r.rouge for r in results):.3f}",
        f"{statistics.mean(r.chars for r in results):.0f}",
        f"{1000 * statistics.mean(r.seconds for r in results):.0f}",
        f"{1000 * statistics.mean(r.cpu for r in results):.0f}",
        f"{1000 * statistics.median(r.cpu for r in results):.0f}",
    ]


if __name__ == "__main__":
    main()
