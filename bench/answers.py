"""Answer benchmark: how often the composed 1–3 sentence answer quotes the gold answer.

For every answerable question (policy = seed + policy sets, colloquial, followup — each
follow-up with its history —, and CMRC 2018 dev; DomainRAG has no answer spans), it asks
:func:`assistant.answer.answer` and reports:

* retrieved — a top-k passage is a hit (:func:`assistant.evaluation.is_hit`: the right
  document, the gold answer in it) — the most the composer can do;
* answered  — the assistant did not refuse;
* quoted    — the answer text (before its source lines) contains the gold answer, both
  compared as ``is_hit`` does; "of retrieved" divides by the retrieved questions;
* length    — mean characters of the answer text;
* ms/q      — time of :func:`~assistant.answer.answer` per question (search included).

Indexes are shared with ``bench/retrieval.py`` (``--work``). Usage::

    python bench/answers.py [--sets policy colloquial followup cmrc] [--limit N] [--show-misses]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from retrieval import SETS  # bench/ is on sys.path when this file is run

from assistant.answering.answer import answer
from assistant.answering.conversation import search_in_conversation
from assistant.answering.evaluation import compact, is_hit, table
from assistant.answering.render import body
from assistant.answering.search import Searcher
from assistant.index import build
from assistant.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sets = ["policy", "colloquial", "followup", "cmrc"]
    parser.add_argument("--sets", nargs="+", choices=sets, default=sets)
    parser.add_argument("--work", type=Path, default=Path("/tmp/assistant-bench"))
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions of a set")
    parser.add_argument("--show-misses", action="store_true", help="print questions not quoted")
    args = parser.parse_args()
    rows = []
    for name in args.sets:
        corpus_name, load = SETS[name]
        corpus = args.work / corpus_name / "corpus"
        questions = [q for q in load(corpus) if q.get("doc") and q.get("answer")]
        questions = questions[: args.limit or None]
        settings = Settings.from_env()
        index = args.work / corpus_name / f"index-{settings.backend}"
        settings = settings.with_(corpus=corpus, index=index)
        build(settings)
        searcher = Searcher.open(settings)
        retrieved = answered = quoted = quoted_of_retrieved = 0
        lengths = []
        seconds = 0.0  # answering only; the check search below is not timed
        for q in questions:
            gold = compact(q["answer"])
            started = time.perf_counter()
            history = q.get("history") or ()
            reply = answer(searcher, q["question"], history=history)
            seconds += time.perf_counter() - started
            hits = search_in_conversation(searcher, q["question"], history)[1]
            in_passages = any(is_hit(q, h.chunk) for h in hits)
            said = body(reply)
            hit = reply.found and gold in compact(said)
            retrieved += in_passages
            answered += reply.found
            quoted += hit
            quoted_of_retrieved += hit and in_passages
            lengths.append(len(said))
            if args.show_misses and in_passages and not hit:
                print(f"- {q['question']}  gold={q['answer']}\n  {said[:200]!r}")
        n = len(questions)
        rows.append(
            [
                name,
                str(n),
                f"{retrieved / n:.3f}",
                f"{answered / n:.3f}",
                f"{quoted / n:.3f}",
                f"{quoted_of_retrieved / max(1, retrieved):.3f}",
                f"{statistics.mean(lengths):.0f}",
                f"{1000 * seconds / n:.0f}",
            ]
        )
    header = ["set", "questions", "retrieved", "answered", "quoted", "of retrieved"]
    header += ["chars", "ms/q"]
    print(table(rows, header))


if __name__ == "__main__":
    main()
