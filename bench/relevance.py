"""Fit the answerability model (:mod:`assistant.answering.relevance`) and print its trade-off.

Examples, each a question asked of one corpus with its best passages:

* every dev set over ../shared/corpus (policy, colloquial, citizen, staff, followup,
  followup2): answerable questions (label 1) and the sets' look-alike unanswerables (0);
* the DataFountain dev questions (other places' 2020 epidemic policies) asked of
  ../shared/corpus: unanswerable there (0; a sample was checked by hand);
* when its index exists (``bench/retrieval.py --sets datafountain`` builds it), the
  DataFountain questions on their own corpus (1) and the ../shared/corpus sets' answerable
  questions asked of it (0).

A logistic regression over :class:`~assistant.answering.relevance.Signals` (standardized,
L2-penalized, classes weighted equally) is scored by 5-fold cross-validation: for each
threshold, the share of answerable questions refused and of each kind of unanswerable
refused, on held-out folds, beside the rule it replaces (dense cosine ≥ min_score and the
place, body and term checks). The threshold kept is the highest that refuses at most
``--max-refused`` of each set's answerable questions out of fold; ``--write`` stores the
model fitted on all examples in ``assistant/answering/relevance.json``. Usage::

    python bench/relevance.py [--work /tmp/assistant-bench] [--write]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from retrieval import SETS  # bench/ is on sys.path when this file is run

from assistant.answering.conversation import search_in_conversation
from assistant.answering.evaluation import table
from assistant.answering.refusal import answerable
from assistant.answering.relevance import MODEL_FILE, SIGNALS, Relevance
from assistant.answering.search import Searcher
from assistant.index import build
from assistant.settings import Settings

YEAR = re.compile(r"(?<!\d)(20\d{2})(?=年)")
OWN = ("policy", "colloquial", "citizen", "staff", "followup", "followup2")


@dataclass(frozen=True)
class Example:
    group: str  # answerable, look-alike, other corpus
    label: int
    x: np.ndarray
    rule: bool  # whether the rule it replaces answers it
    question: str = ""
    source: str = ""  # the question set


def examples(
    searcher: Searcher,
    questions: list[dict[str, Any]],
    group: str,
    label: int | None,
    source: str = "",
):
    relevance = Relevance(searcher)  # its signals only: the decision is fitted here
    s = searcher.settings
    found = []
    for q in questions:
        understood, hits = search_in_conversation(searcher, q["question"], q.get("history") or ())
        query = understood.query
        signals = relevance.signals(query, hits)
        rule = bool(
            answerable(
                query.text,
                hits,
                s.min_score,
                searcher.places,
                searcher.unmentioned(query),
                searcher.index.vocabulary.wordings,
            )
        )
        y = label if label is not None else int(bool(q.get("doc")))
        kind = group if label is not None else ("answerable" if y else "look-alike")
        found.append(Example(kind, y, signals.vector(), rule, q["question"], source))
    return found


def other_years(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answerable questions that name a year, asked of a year no document is about (the
    year + 7): look-alikes of the kind "2027年的标准是多少" where the corpus has 2025's."""
    asked = []
    for q in questions:
        years = YEAR.findall(q["question"])
        if q.get("doc") and years:
            later = str(int(years[0]) + 7)
            asked.append({**q, "question": q["question"].replace(years[0], later), "doc": None})
    return asked


def fit(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float = 1.0
) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-penalized, example-weighted logistic regression."""
    a = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(a.shape[1])
    penalty = np.full(a.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(a @ w, -50, 50)))
        gradient = a.T @ (weight * (p - y)) + penalty * w
        hessian = (a * (weight * p * (1 - p))[:, None]).T @ a + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/assistant-bench"))
    parser.add_argument("--max-refused", type=float, default=0.05)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--show", action="store_true", help="look-alikes and answerables refused")
    args = parser.parse_args()
    base = Settings.from_env()

    def open_corpus(name: str) -> Searcher | None:
        settings = base.with_(
            corpus=args.work / name / "corpus", index=args.work / name / f"index-{base.backend}"
        )
        if not (settings.index / "manifest.json").exists() and name != "policy":
            return None
        build(settings)
        return Searcher.open(settings)

    policy = open_corpus("policy")
    assert policy is not None
    data: list[Example] = []
    own: list[dict[str, Any]] = []
    for name in OWN:
        questions = SETS[name][1](args.work / "policy" / "corpus")
        own += questions
        data += examples(policy, questions, "", None, name)
    data += examples(policy, other_years(own), "look-alike", 0)
    fountain = SETS["datafountain"][1](args.work / "datafountain" / "corpus")
    data += examples(policy, fountain, "other corpus", 0)
    other = open_corpus("datafountain")
    if other is not None:
        data += examples(other, fountain, "answerable", 1, "datafountain")
        data += examples(other, [q for q in own if q.get("doc")], "other corpus", 0)
    x = np.array([e.x for e in data])
    y = np.array([e.label for e in data])
    # answerable questions weigh as much as unanswerable ones (each set of them alike: the
    # 841 DataFountain questions as much as the 30 colloquial ones), look-alikes as much as
    # questions of the other corpus
    share = {"answerable": 0.5, "look-alike": 0.25, "other corpus": 0.25}
    sizes = {(e.group, e.source if e.group == "answerable" else "") for e in data}
    count = {key: sum((e.group, e.source) == key for e in data) for key in sizes}
    count |= {(g, ""): sum(e.group == g for e in data) for g in ("look-alike", "other corpus")}
    sets = len({e.source for e in data if e.group == "answerable"})

    def weight_of(e: Example) -> float:
        if e.group == "answerable":
            return share["answerable"] / sets / count["answerable", e.source]
        return share[e.group] / count[e.group, ""]

    weight = np.array([weight_of(e) * len(data) for e in data])
    means, scales = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - means) / scales
    folds = np.array([i % 5 for i in range(len(data))])
    random.Random(0).shuffle(folds_list := folds.tolist())
    folds = np.array(folds_list)
    held_out = np.zeros(len(data))
    for fold in range(5):
        train = folds != fold
        w, b = fit(z[train], y[train], weight[train])
        held_out[~train] = 1 / (1 + np.exp(-(z[~train] @ w + b)))
    groups = ["answerable", "look-alike", "other corpus"]
    sources = sorted({e.source for e in data if e.group == "answerable"})
    columns = [(g, "") for g in groups] + [("answerable", source) for source in sources]
    rows = [["rule (min_score)", *(_refused(data, None, g, s) for g, s in columns)]]
    chosen = 0.0
    for threshold in np.arange(0.05, 0.96, 0.05):
        refused = held_out < threshold
        rows.append([f"p < {threshold:.2f}", *(_refused(data, refused, g, s) for g, s in columns)])
        worst = max(
            refused[[i for i, e in enumerate(data) if e.label and e.source == s]].mean()
            for s in sources
        )
        if worst <= args.max_refused:
            chosen = float(threshold)
    print(f"{len(data)} examples; refused, out of fold (5 folds):")
    print(table(rows, ["decision", *(f"{g} {s}".strip() for g, s in columns)]))
    if args.show:
        for i, e in enumerate(data):
            if e.group == "look-alike" or (e.group == "answerable" and held_out[i] < chosen):
                sig = " ".join(f"{n}={v:.2f}" for n, v in zip(SIGNALS, e.x, strict=True))
                print(
                    f"{e.group:10s} p={held_out[i]:.2f} rule={'answer' if e.rule else 'refuse'}"
                    f" {e.question[:40]} | {sig}"
                )
    w, b = fit(z, y, weight)
    print("\nweights (standardized signals):")
    print(table([[n, f"{v:+.3f}"] for n, v in zip(SIGNALS, w, strict=True)], ["signal", "w"]))
    print(f"threshold kept: {chosen:.2f} (≤ {args.max_refused:.0%} of each set's answerable")
    print("questions refused out of fold)")
    if args.write:
        counts = {g: sum(e.group == g for e in data) for g in groups}
        MODEL_FILE.write_text(
            json.dumps(
                {
                    "signals": list(SIGNALS),
                    "weights": [round(float(v), 6) for v in w],
                    "means": [round(float(v), 6) for v in means],
                    "scales": [round(float(v), 6) for v in scales],
                    "bias": round(b, 6),
                    "threshold": round(chosen, 2),
                    "fitted_on": f"bench/relevance.py: {counts}",
                },
                ensure_ascii=False,
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"written: {MODEL_FILE}")


def _refused(data: list[Example], refused: np.ndarray | None, group: str, source: str) -> str:
    picked = [i for i, e in enumerate(data) if e.group == group and source in ("", e.source)]
    if not picked:
        return "–"
    n = sum(not data[i].rule if refused is None else bool(refused[i]) for i in picked)
    return f"{n}/{len(picked)} {n / len(picked):.0%}"


if __name__ == "__main__":
    main()
