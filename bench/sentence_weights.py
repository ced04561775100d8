"""The direct answer's sentence weights, fitted: which sentence of the passages leads an answer.

An answer's first line is the sentence :mod:`assistant.answering.composition` scores best,
its score a weighted sum of signals (the question's terms it holds, its bigrams, its
context's terms, its passage's rank, what is asked, the age asked, the procedure's section,
its dense cosine; ``Tuning.sentence``). This bench asks every answerable question of the dev
sets (as ``bench/answers.py`` does, on the same indexes), records each composed answer's
candidate sentences with their signals, and marks a candidate right when the first line it
would lead — from where its sentence opens to the end of its line, within the answer's budget
— holds the gold answer.

It then fits the weights by maximizing the likelihood that a question's right sentences are
chosen (a conditional logit over each question's candidates, kept near the tuned weights),
in 5 folds by question over all sets together, and replays the choice (composition's
``_direct`` rule) with the tuned weights and the fitted ones, out of fold: the share of
questions whose chosen sentence is right, per set, with bootstrap 90% intervals. Usage::

    python bench/sentence_weights.py [--sets …] [--limit N] [--dump F] [--load F]

``--dump`` saves the candidates (JSON lines) so that ``--load`` refits without asking again.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from retrieval import SETS  # bench/ is on sys.path when this file is run

import assistant.answering.answer as answering
from assistant.answering import composition
from assistant.answering.evaluation import bootstrap, compact, table
from assistant.answering.search import Searcher
from assistant.documents.sentences import opening
from assistant.settings import Settings
from assistant.tuning import TUNING

SIGNALS = composition.SIGNALS
TUNED = np.array([asdict(TUNING.sentence)[name] for name in SIGNALS])


def record(searcher: Searcher, q: dict[str, Any]) -> dict[str, Any] | None:
    """Ask ``q`` and return its composed answer's candidates, each with its signals and
    whether the first line it would lead holds the gold; ``None`` when no answer was composed."""
    seen: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    compose = composition.compose

    def recording(question: str, hits: list, terms: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(((question, hits, terms, *args), kwargs))
        return compose(question, hits, terms, *args, **kwargs)

    answering.compose = recording
    try:
        answering.answer(searcher, q["question"], history=q.get("history") or ())
    finally:
        answering.compose = compose
    if not seen:
        return None
    (question, hits, terms, *rest), kwargs = seen[-1]
    similarity = rest[0] if rest else kwargs.get("similarity")
    aspects = rest[1] if len(rest) > 1 else kwargs.get("aspects", frozenset())
    headings = rest[2] if len(rest) > 2 else kwargs.get("headings", composition.NO_HEADINGS)
    asks = composition.Question.of(question).asked
    candidates = composition._candidates(question, hits, terms, asks, aspects, headings)
    if similarity is not None and candidates:
        candidates = composition._with_similarity(candidates, similarity)
    gold = compact(q["answer"])
    cosines = similarity([(c.hit, c.start, c.end) for c in candidates]) if similarity else None
    rel = searcher.relevance
    query = composition.Question.parse(question)
    idf = {t: rel._idf(t) for t in rel._terms(query)}
    asked = composition.bigrams(composition._ASK_WORDS.sub(" ", question))
    rows = []
    for n, c in enumerate(candidates):
        text = hits[c.hit].chunk.text
        start = opening(text, c.start)
        line_end = text.find("\n", c.end)
        line_end = len(text) if line_end < 0 else line_end
        first = text[start : max(c.end, min(line_end, start + composition.ANSWER_CHARS))]
        rows.append(
            {
                "hit": c.hit,
                "start": c.start,
                "end": c.end,
                "fit": c.fit,
                "section": c.section,
                "signals": list(c.signals),
                "may": composition._may_answer(hits[c.hit], c, asks),
                "right": bool(gold) and gold in compact(first),
                "extra": _extra(
                    text, c, idf, None if cosines is None else float(cosines[n]), asked
                ),
            }
        )
    return {"question": q["question"], "decisive": asks.decisive, "candidates": rows}


EXTRA = ("cosine", "idf", "length", "first", "intro", "novel")
NEIGHBOURS = ("terms", "bigrams", "dense")  # the previous and the next sentence's, in its passage


def _extra(
    text: str, c: Any, idf: dict[str, float], cosine: float | None, asked: set[str]
) -> list[float]:
    """Signals the composer does not use (yet), for trying them: the raw cosine, the share
    of the question's content terms weighted by IDF, the sentence's log length, whether it
    opens its passage, whether it ends with a colon (a list's intro), the share of its
    bigrams that the question does not have (what it says beyond restating the question)."""
    sentence = text[c.start : c.end].strip()
    total = sum(idf.values()) or 1.0
    return [
        cosine or 0.0,
        sum(w for t, w in idf.items() if t in sentence) / total,
        float(np.log1p(len(sentence))),
        float(not text[: c.start].strip()),
        float(sentence.endswith(("：", ":"))),
        len(own - asked) / len(own) if (own := composition.bigrams(sentence)) else 0.0,
    ]


def features(cands: list[dict[str, Any]], extra: bool = False) -> np.ndarray:
    """The candidates' signals (and with ``extra`` the untried ones, the cosine taken from
    the best candidate's, and the NEIGHBOURS signals of the sentences before and after it in
    its passage: a sentence that restates the question is often followed by the answer),
    one row each."""
    x = np.array([c["signals"] for c in cands], dtype=float)
    if not extra:
        return x
    more = np.array([c["extra"] for c in cands], dtype=float)
    more[:, 0] -= more[:, 0].max()
    cols = [SIGNALS.index(name) for name in NEIGHBOURS]
    before, after = np.zeros((len(cands), len(cols))), np.zeros((len(cands), len(cols)))
    for n in range(len(cands)):
        if n and cands[n - 1]["hit"] == cands[n]["hit"]:
            before[n] = x[n - 1, cols]
        if n + 1 < len(cands) and cands[n + 1]["hit"] == cands[n]["hit"]:
            after[n] = x[n + 1, cols]
    return np.hstack([x, more, before, after])


def prior(extra: bool) -> np.ndarray:
    if not extra:
        return TUNED.astype(float)
    return np.r_[TUNED, np.zeros(len(EXTRA) + 2 * len(NEIGHBOURS))]


def choose(item: dict[str, Any], weights: np.ndarray) -> bool:
    """Whether composition's choice with ``weights`` is a right sentence."""
    cands = item["candidates"]
    scores = features(cands, len(weights) > len(TUNED)) @ weights
    made = [
        composition.Candidate(c["hit"], c["start"], c["end"], float(s), c["fit"], c["section"])
        for c, s in zip(cands, scores.tolist(), strict=True)
    ]
    hits = _Hits(cands)
    best = _direct(made, hits, item["decisive"])
    return cands[made.index(best)]["right"]


class _Hits:
    """What ``_direct`` reads of the hits: whether a candidate may answer (recorded)."""

    def __init__(self, cands: list[dict[str, Any]]) -> None:
        self.may = {(c["hit"], c["start"]): c["may"] for c in cands}


def _direct(made: list, hits: _Hits, decisive: bool) -> Any:
    """composition._direct over recorded candidates (the same rule, with the recorded
    _may_answer)."""
    answers = [c for c in made if hits.may[(c.hit, c.start)]] or made
    best = max(answers, key=lambda c: c.score)
    if not decisive:
        return best
    most = max(c.fit for c in answers)
    fitting = [c for c in answers if c.fit == most]
    return max(
        (c for c in fitting if c.score >= composition.FITTING * best.score),
        key=lambda c: c.score,
        default=best,
    )


def fit(
    items: list[dict[str, Any]], extra: bool = False, l2: float = 0.01, steps: int = 2000
) -> np.ndarray:
    """Weights maximizing the mean log-probability of a question's right sentences under a
    softmax of its candidates' scores (questions with a right one only), penalized by the
    squared distance to the tuned weights, by gradient ascent (Adam); scaled so that they sum
    as the tuned weights do."""
    kept = [it["candidates"] for it in items if any(c["right"] for c in it["candidates"])]
    x = np.vstack([features(cands, extra) for cands in kept])
    start_w = prior(extra)
    right = np.array([c["right"] for cands in kept for c in cands], dtype=float)
    group = np.repeat(np.arange(len(kept)), [len(cands) for cands in kept])
    starts = np.r_[0, np.cumsum([len(cands) for cands in kept])[:-1]]
    w = start_w.copy()
    m, v = np.zeros_like(w), np.zeros_like(w)
    for step in range(1, steps + 1):
        s = x @ w
        s -= np.maximum.reduceat(s, starts)[group]
        e = np.exp(s)
        p = e / np.add.reduceat(e, starts)[group]  # softmax within each question
        pr = p * right
        q = pr / np.add.reduceat(pr, starts)[group]  # the same among its right sentences
        grad = x.T @ (q - p) / len(kept) - l2 * (w - start_w)  # a prior: the tuned weights
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w += 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    scale = TUNED.sum() / w[: len(TUNED)].sum()
    return w * scale if scale > 0 else w


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sets = ["policy", "colloquial", "citizen", "staff", "followup", "followup2", "datafountain"]
    parser.add_argument("--sets", nargs="+", choices=[*SETS], default=sets)
    parser.add_argument("--work", type=Path, default=Path("/tmp/assistant-bench"))
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--load", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--extra", action="store_true", help="also the untried signals")
    args = parser.parse_args()
    items: list[dict[str, Any]] = []
    if args.load:
        items = [json.loads(line) for line in args.load.read_text(encoding="utf-8").splitlines()]
    else:
        for name in args.sets:
            corpus_name, load = SETS[name]
            corpus = args.work / corpus_name / "corpus"
            questions = [q for q in load(corpus) if q.get("doc") and q.get("answer")]
            settings = Settings.from_env()
            index = args.work / corpus_name / f"index-{settings.backend}"
            searcher = Searcher.open(settings.with_(corpus=corpus, index=index))
            for q in questions[: args.limit or None]:
                if (item := record(searcher, q)) is not None:
                    items.append({"set": name, **item})
        if args.dump:
            with args.dump.open("w", encoding="utf-8") as out:
                for item in items:
                    out.write(json.dumps(item, ensure_ascii=False) + "\n")
    order = list(range(len(items)))
    random.Random(7).shuffle(order)
    fold_of = {i: n % args.folds for n, i in enumerate(order)}
    fitted_right = [False] * len(items)
    weights = []
    for fold in range(args.folds):
        train = [it for i, it in enumerate(items) if fold_of[i] != fold]
        w = fit(train, args.extra)
        weights.append(w)
        for i, it in enumerate(items):
            if fold_of[i] == fold:
                fitted_right[i] = choose(it, w)
    tuned_right = [choose(it, TUNED) for it in items]
    rows = []
    for name in [*dict.fromkeys(it["set"] for it in items), "all"]:
        picked = [i for i, it in enumerate(items) if name in ("all", it["set"])]
        reach = sum(any(c["right"] for c in items[i]["candidates"]) for i in picked)
        row = [name, str(len(picked)), f"{reach / len(picked):.3f}"]
        for right in (tuned_right, fitted_right):
            got = [float(right[i]) for i in picked]
            low, high = bootstrap(got)
            row.append(f"{np.mean(got):.3f} [{low:.3f}–{high:.3f}]")
        rows.append(row)
    header = ["set", "answers", "a right sentence", "tuned weights", "fitted (out of fold)"]
    print(table(rows, header))
    mean = np.mean(weights, axis=0)
    print("weights (tuned → fitted, mean of folds; spread):")
    around = [f"{side}:{name}" for side in ("before", "after") for name in NEIGHBOURS]
    names = (*SIGNALS, *EXTRA, *around) if args.extra else SIGNALS
    tuned = prior(args.extra)
    for name, t, f, s in zip(names, tuned, mean, np.std(weights, axis=0), strict=True):
        print(f"  {name:8s} {t:.2f} → {f:.2f} ±{s:.2f}")
    full = fit(items, args.extra)
    print("fitted on all:", ", ".join(f"{n}={x:.2f}" for n, x in zip(names, full, strict=True)))


if __name__ == "__main__":
    main()
