"""Fit the answerability model (:mod:`assistant.answering.relevance`) and print its trade-off.

Examples, each a question asked of one corpus with its best passages (a question that names
an indexed document is left out: it is answered from that document, not judged):

* every dev set over ../shared/corpus (policy, colloquial, citizen, staff, followup,
  followup2): answerable questions (label 1) and the sets' look-alike unanswerables (0);
* look-alikes made in bulk from those answerable questions (0): each with its year moved 7
  years on (:func:`other_years`);
* the DataFountain dev questions (other places' 2020 epidemic policies) asked of
  ../shared/corpus: unanswerable there (0; a sample was checked by hand);
* when its index exists (``bench/retrieval.py --sets datafountain`` builds it), the
  DataFountain questions on their own corpus (1) and the ../shared/corpus sets' answerable
  questions asked of it (0);
* scored, not fitted on (``--fit-also`` fits on them; docs/understanding.md has why):
  questions asked here, the DataFountain questions that name a place with the places taken
  out (:func:`asked_here`: they then name no place ../shared/corpus lacks, and are about what
  it does not cover), and topic swaps, each answerable question asked alone with the term
  that names its topic replaced by a topic no document of ../shared/corpus covers, drawn from
  the DataFountain questions (:func:`topic_swaps`, :func:`foreign_topics`). A sample of each
  was read by hand.

A logistic regression over :class:`~assistant.answering.relevance.Signals` (standardized,
L2-penalized, classes weighted equally) is scored by 5-fold cross-validation, a question and
the look-alikes made from it (and its asking of the other corpus) in the same fold: for each
threshold, the share of answerable questions refused and of each kind of unanswerable
refused, on held-out folds, beside the rule it replaces (dense cosine ≥ min_score and the
place, body and term checks). The threshold kept is the highest that refuses at most
``--max-refused`` of each set's answerable questions out of fold; ``--write`` stores the
model fitted on all examples in ``assistant/answering/relevance.json``. Usage::

    python bench/relevance.py [--work /tmp/assistant-bench] [--fountain-work DIR] [--no-build]
        [--write] [--fit-also "asked here" "topic swap"] [--swaps N] [--save FILE] [--show]
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from retrieval import SETS  # bench/ is on sys.path when this file is run

from assistant.answering.conversation import search_in_conversation
from assistant.answering.evaluation import table
from assistant.answering.question import normalize_question, topic_terms
from assistant.answering.refusal import answerable
from assistant.answering.relevance import MODEL_FILE, SIGNALS, Relevance, holding
from assistant.answering.search import Searcher
from assistant.index import build
from assistant.settings import Settings

# jieba's part-of-speech tags of nouns: common, proper (not places), organisations, verbal
# nouns, abbreviations (社保) and set phrases (退役军人); a foreign topic is a common one.
NOUNS = frozenset({"n", "nr", "nz", "nt", "vn", "j", "l"})
COMMON_NOUNS = frozenset({"n", "nz"})
SCORED = ("look-alike", "topic swap", "asked here", "other corpus")  # kinds of unanswerable
YEAR = re.compile(r"(?<!\d)(20\d{2})(?=年)")
OWN = ("policy", "colloquial", "citizen", "staff", "followup", "followup2")


@dataclass(frozen=True)
class Example:
    group: str  # answerable, or a kind of unanswerable (SCORED)
    label: int
    x: np.ndarray
    rule: bool  # whether the rule it replaces answers it
    question: str = ""
    source: str = ""  # the question set
    origin: str = ""  # the question it was made from (its fold's key)


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
        if searcher.named(query).docs:  # answered from the document it names, not judged
            continue
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
        origin = q.get("origin", q["question"])
        found.append(Example(kind, y, signals.vector(), rule, q["question"], source, origin))
    return found


def other_years(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answerable questions that name a year, asked of a year no document is about (the
    year + 7): look-alikes of the kind "2027年的标准是多少" where the corpus has 2025's."""
    asked = []
    for q in questions:
        years = YEAR.findall(q["question"])
        if q.get("doc") and years:
            later = str(int(years[0]) + 7)
            asked.append(
                {
                    **q,
                    "question": q["question"].replace(years[0], later),
                    "doc": None,
                    "origin": q["question"],
                }
            )
    return asked


def foreign_topics(
    searcher: Searcher,
    questions: list[dict[str, Any]],
    corpus: Path,
    min_documents: int = 3,
    min_questions: int = 2,
) -> list[str]:
    """What another corpus's questions are about that no document of ``searcher``'s index
    covers, most asked first (纳税人, 医务人员, 口罩 for the DataFountain corpus over ours).

    A question is about the common noun among its content terms that its own document says
    and the fewest other documents of ``corpus`` do (at least ``min_documents``: a topic, not
    a name); kept when at least ``min_questions`` questions are about it and no passage of
    the index holds it in any wording.
    """
    index = searcher.index
    texts = {f.name: f.read_text("utf-8") for f in sorted(corpus.rglob("*.txt"))}
    about: Counter[str] = Counter()
    for q in questions:
        docs = q["doc"] if isinstance(q["doc"], list) else [q["doc"]]
        own = "".join(texts.get(d, "") for d in docs)
        saying = {
            t: sum(t in text for text in texts.values())
            for t in topic_terms(normalize_question(q["question"]), index.tokenizer)
            if t in own and is_noun(t, COMMON_NOUNS)
        }
        saying = {t: n for t, n in saying.items() if n >= min_documents}
        if saying:
            about[min(saying, key=lambda t: saying[t])] += 1
    return [
        t
        for t, n in about.most_common()
        if n >= min_questions and not any(h.any() for h in holding(index, t))
    ]


def topic_swaps(
    searcher: Searcher, questions: list[dict[str, Any]], topics: list[str]
) -> list[dict[str, Any]]:
    """Look-alikes of the answerable questions asked alone: the term that names what each is
    about — its longest content term or vocabulary term (临时救助) that its document's title
    (file name) says in some wording — replaced by one of ``topics`` (:func:`foreign_topics`),
    which no document covers: 《广州市引进人才入户管理办法》是哪天印发的？ →
    《广州市引进农民工管理办法》是哪天印发的？"""
    index = searcher.index
    wordings = index.vocabulary.wordings
    chosen = random.Random(0)
    asked = []
    for q in questions:
        if not q.get("doc") or q.get("history"):
            continue
        text = normalize_question(q["question"])
        title = normalize_question(Path(q["doc"]).stem)
        named = [
            t
            for t in (*topic_terms(text, index.tokenizer), *index.vocabulary.named(text))
            if any(w in title for w in wordings(t)) and not searcher.places.named(t)
        ]
        if named:
            term = max(named, key=len)
            swapped = text.replace(term, chosen.choice(topics))
            asked.append({**q, "question": swapped, "doc": None, "origin": q["question"]})
    return asked


def asked_here(searcher: Searcher, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Another corpus's questions that name a place, with its names taken out: asked of
    ``searcher``'s index they name no place it lacks, yet are about what its documents do not
    cover (湖北省对医务人员有哪些补助 → 对医务人员有哪些补助)."""
    asked = []
    for q in questions:
        text = normalize_question(q["question"])
        if not searcher.places.named(text):
            continue
        while named := searcher.places.named(text):  # 泰州市海陵区: 海陵区, then 泰州市
            for mention in sorted(named, key=lambda m: -len(m.surface)):
                text = text.replace(mention.surface, "")
        text = re.sub(r"^[，,、的在]+", "", text)
        asked.append({**q, "question": text, "doc": None, "origin": q["question"]})
    return asked


@functools.lru_cache(maxsize=4096)
def is_noun(term: str, kinds: frozenset[str] = NOUNS) -> bool:
    """Whether ``term`` is made of nouns (``kinds``) of jieba's general dictionary (护照,
    公租房 = 公 + 租房), not a pronoun (我家), a verb phrase (要交, 上牌) or a place."""
    import jieba.posseg as posseg

    pieces = posseg.lcut(term, HMM=False)
    return bool(pieces) and all(p.flag in kinds for p in pieces)


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
    parser.add_argument(
        "--fountain-work", type=Path, help="where the DataFountain index is (default: --work)"
    )
    parser.add_argument("--max-refused", type=float, default=0.05)
    parser.add_argument("--no-build", action="store_true", help="the indexes as they are")
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--fit-also",
        nargs="+",
        default=[],
        choices=["topic swap", "asked here"],
        help="fit on these kinds of unanswerable too (by default only scored)",
    )
    parser.add_argument("--save", type=Path, help="write each example, as JSONL, to this file")
    parser.add_argument(
        "--swaps", type=int, default=0, help="print N topic swaps and N questions asked here"
    )
    parser.add_argument("--show", action="store_true", help="look-alikes and answerables refused")
    args = parser.parse_args()
    base = Settings.from_env()

    def open_corpus(name: str) -> Searcher | None:
        work = (args.fountain_work or args.work) if name == "datafountain" else args.work
        settings = base.with_(
            corpus=work / name / "corpus", index=work / name / f"index-{base.backend}"
        )
        if not (settings.index / "manifest.json").exists() and name != "policy":
            return None
        if not args.no_build:
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
    fountain_corpus = (args.fountain_work or args.work) / "datafountain" / "corpus"
    fountain = SETS["datafountain"][1](fountain_corpus)
    topics = foreign_topics(policy, fountain, fountain_corpus)
    swaps = topic_swaps(policy, own, topics)
    print(f"{len(topics)} topics no document covers, e.g. {'、'.join(topics[:12])}")
    for q in random.Random(1).sample(swaps, min(args.swaps, len(swaps))):
        print(f"  {q['origin']} → {q['question']}")
    data += examples(policy, swaps, "topic swap", 0)
    here = asked_here(policy, fountain)
    for q in random.Random(2).sample(here, min(args.swaps, len(here))):
        print(f"  {q['origin']} → {q['question']}")
    data += examples(policy, here, "asked here", 0)
    data += examples(policy, fountain, "other corpus", 0)
    other = open_corpus("datafountain")
    if other is not None:
        data += examples(other, fountain, "answerable", 1, "datafountain")
        data += examples(other, [q for q in own if q.get("doc")], "other corpus", 0)
    if args.save:
        args.save.write_text(
            "".join(
                json.dumps(
                    {
                        "question": e.question,
                        "origin": e.origin,
                        "group": e.group,
                        "source": e.source,
                        "label": e.label,
                        "rule": e.rule,
                        "signals": dict(zip(SIGNALS, e.x.tolist(), strict=True)),
                    },
                    ensure_ascii=False,
                )
                + "\n"
                for e in data
            ),
            encoding="utf-8",
        )
    x = np.array([e.x for e in data])
    y = np.array([e.label for e in data])
    # answerable questions weigh as much as unanswerable ones (each set of them alike: the
    # 841 DataFountain questions as much as the 30 colloquial ones), look-alikes as much as
    # the other corpus's questions; topic swaps and questions asked here are scored, not
    # fitted on, unless --fit-also names them (then each kind of unanswerable alike)
    fitted = ("look-alike", "other corpus", *args.fit_also)
    share = {"answerable": 0.5} | {g: 0.5 / len(fitted) if g in fitted else 0.0 for g in SCORED}
    sizes = {(e.group, e.source if e.group == "answerable" else "") for e in data}
    count = {key: sum((e.group, e.source) == key for e in data) for key in sizes}
    count |= {(g, ""): sum(e.group == g for e in data) for g in SCORED}
    sets = len({e.source for e in data if e.group == "answerable"})

    def weight_of(e: Example) -> float:
        if e.group == "answerable":
            return share["answerable"] / sets / count["answerable", e.source]
        return share[e.group] / count[e.group, ""]

    weight = np.array([weight_of(e) * len(data) for e in data])
    means, scales = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - means) / scales
    origins = sorted({e.origin for e in data})
    random.Random(0).shuffle(origins)
    fold_of = {origin: i % 5 for i, origin in enumerate(origins)}
    folds = np.array([fold_of[e.origin] for e in data])
    held_out = np.zeros(len(data))
    for fold in range(5):
        train = folds != fold
        w, b = fit(z[train], y[train], weight[train])
        held_out[~train] = 1 / (1 + np.exp(-(z[~train] @ w + b)))
    groups = ["answerable", *SCORED]
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
            if e.group in ("look-alike", "topic swap") or (
                e.group == "answerable" and held_out[i] < chosen
            ):
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
        counts = {g: sum(e.group == g for e in data) for g in groups if share[g]}
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
