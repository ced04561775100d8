"""Procedure benchmark: questions of how, where, what materials, what conditions, how long.

Scores the procedure questions of ../shared/eval/citizen_qa.jsonl (kind ``procedure``) and,
to see that nothing else drops, the other citizen questions and the policy (seed + policy)
and colloquial sets, all over ../shared/corpus (seed + html + pdf), in one run, twice:
``before`` with ``procedure_weight=0`` (no section headings in search nor in the answer,
as before :mod:`assistant.answering.procedure`) and ``after`` with the settings' own.

Per set and variant: hybrid hit@1/3/5 and MRR (:func:`assistant.answering.evaluation.evaluate`),
the share of unanswerable questions refused, and the share of answerable questions whose
answer text holds the gold span (``quoted``, as ``bench/answers.py`` scores it).

The index is built (or updated) once in ``--work``/index. Usage::

    python bench/procedure.py [--work /tmp/procedure-bench] [--show-misses]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from answers import ask  # bench/ is on sys.path when this file is run
from retrieval import policy

from assistant.answering.evaluation import evaluate, table
from assistant.answering.search import Searcher
from assistant.index import build
from assistant.settings import Settings


def question_sets(corpus: Path) -> dict[str, list[dict[str, Any]]]:
    """The sets scored, by name (the corpus copied into ``corpus`` on the way)."""
    citizen = policy(corpus, "citizen_qa.jsonl")
    return {
        "citizen procedure": [q for q in citizen if q.get("kind") == "procedure"],
        "citizen other": [q for q in citizen if q.get("kind") != "procedure"],
        "policy": policy(corpus),
        "colloquial": policy(corpus, "colloquial_qa.jsonl"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/procedure-bench"))
    parser.add_argument("--show-misses", action="store_true", help="print answers not quoted")
    args = parser.parse_args()
    sets = question_sets(args.work / "corpus")
    settings = Settings.from_env().with_(corpus=args.work / "corpus", index=args.work / "index")
    build(settings)
    after = Searcher.open(settings)
    variants = {
        "before": Searcher(after.index, settings.with_(procedure_weight=0.0)),
        "after": after,
    }
    rows = []
    for name, questions in sets.items():
        answerable = [q for q in questions if q.get("doc")]
        for variant, searcher in variants.items():
            (scores,) = evaluate(searcher, questions, modes=("hybrid",))
            show = args.show_misses and name == "citizen procedure"
            if show:
                print(f"--- {name}, {variant}")
            quoted = [ask(searcher, q, show).quoted for q in answerable]
            rows.append(
                [
                    name,
                    variant,
                    str(len(answerable)),
                    *(f"{scores.hits[k]:.3f}" for k in (1, 3, 5)),
                    f"{scores.mrr:.3f}",
                    "–"
                    if scores.refused_unanswerable is None
                    else f"{scores.refused_unanswerable:.0%}",
                    f"{sum(quoted) / max(1, len(quoted)):.3f}",
                ]
            )
    header = ["set", "variant", "answerable", "hit@1", "hit@3", "hit@5", "MRR"]
    print(table(rows, [*header, "unans. refused", "quoted"]))


if __name__ == "__main__":
    main()
