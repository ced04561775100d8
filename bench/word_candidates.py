"""同义词建议 measured: are the document terms proposed for the citizens' words right?

The unanswered wordings are the dev sets' citizen and colloquial questions and the
unanswerable questions of every set over the shared corpus (``policy``, ``staff``), asked of
the policy benchmark index (read only, ``/tmp/assistant-bench/policy``, built by
bench/retrieval.py). :func:`~assistant.app.word_candidates.proposals` keeps their words no
document holds; each proposal is judged by its hand label (``bench/word_candidates.tsv``,
classes and rules stated there) and by the groups of the shipped lexicon and of words.toml's
spoken table that hold the word. A proposal's nearest terms are right when one of them is a
correct equivalent; an equivalent is *reachable* when it is among the terms proposals are
matched to (:func:`~assistant.app.word_candidates.document_terms`).

    python bench/word_candidates.py [--index DIR] [--show]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from assistant.answering.search import Searcher
from assistant.app.word_candidates import LIMIT, document_terms, proposals
from assistant.chinese.words import table
from assistant.index.lexicon import lexicon
from assistant.settings import Settings

HERE = Path(__file__).resolve().parent
EVAL = HERE.parents[1] / "shared" / "eval"
WORK = Path("/tmp/assistant-bench/policy")
ALL_OF = ("citizen_qa", "colloquial_qa")  # every question: residents' wording
UNANSWERABLE_OF = ("policy_qa", "staff_qa")  # their unanswerable questions


def unanswered() -> list[str]:
    """The questions taken as unanswered wordings."""
    questions = []
    for name in (*ALL_OF, *UNANSWERABLE_OF):
        for line in (EVAL / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if name in ALL_OF or row["kind"] == "unanswerable":
                questions.append(row["question"])
    return questions


def read_labels(path: Path = HERE / "word_candidates.tsv") -> dict[str, tuple[str, set[str]]]:
    """word → (class, correct equivalents)."""
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            word, kind, terms, *_ = [*line.split("\t"), "", ""]
            labels[word] = (kind, {t for t in terms.split("、") if t})
    return labels


def known_groups() -> list[set[str]]:
    """The lexicon's groups and words.toml's spoken pairs."""
    groups = [set(g) for g in lexicon()]
    return groups + [{k, v} for k, v in table("spoken").items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, default=WORK / "index-onnx-int8")
    parser.add_argument("--corpus", type=Path, default=WORK / "corpus")
    parser.add_argument("--show", action="store_true", help="list every proposal, judged")
    args = parser.parse_args()
    settings = Settings.from_env().with_(corpus=args.corpus, index=args.index)
    searcher = Searcher.open(settings)
    questions = unanswered()
    started = time.perf_counter()
    found = proposals(searcher, questions, limit=10_000)
    took = time.perf_counter() - started
    terms = set(document_terms(searcher))
    labels, groups = read_labels(), known_groups()
    classes: Counter[str] = Counter()
    equivalents, reachable, at1, at3, from_groups = 0, 0, 0, 0, 0
    shown = []
    for n, p in enumerate(found):
        kind, correct = labels.get(p.word, ("unlabelled", set()))
        extra = set().union(*(g - {p.word} for g in groups if p.word in g))
        if kind == "unlabelled" and extra:
            kind = "equiv"
        if kind in ("junk", "place"):
            extra = set()  # a word of asking (咋办 = 怎么办) is no synonym to add
        from_groups += bool(extra - correct)
        correct = correct | extra
        classes[kind] += 1
        hit1, hit3 = bool(correct & set(p.nearest[:1])), bool(correct & set(p.nearest[:3]))
        if correct:
            equivalents += 1
            if correct & terms:
                reachable += 1
                at1, at3 = at1 + hit1, at3 + hit3
        mark = "@1" if hit1 else "@3" if hit3 else "miss" if correct & terms else ""
        shown.append(f"{n + 1:>3} {p.word}\t{kind}\t{mark}\t{' '.join(p.nearest)}\t"
                     f"correct: {'、'.join(sorted(correct)) or '-'}")  # fmt: skip
    total = len(found)
    junk = classes["junk"] + classes["place"]
    print(f"{len(questions)} unanswered questions → {total} proposals in {took:.1f} s "
          f"({len(terms)} document terms); the app shows the first {LIMIT}")  # fmt: skip
    print("classes: " + ", ".join(f"{k} {v}" for k, v in classes.most_common()))
    print(f"junk (junk + place): {junk}/{total} = {junk / max(total, 1):.1%}; "
          f"in the first {LIMIT}: {_junk_in(found[:LIMIT], labels)}/{min(total, LIMIT)}")
    print(f"with a correct equivalent: {equivalents} (from the lexicon/words.toml groups: "
          f"{from_groups}); reachable among the document terms: {reachable}")
    print(f"precision@1 {at1}/{reachable} = {at1 / max(reachable, 1):.1%}, "
          f"precision@3 {at3}/{reachable} = {at3 / max(reachable, 1):.1%} (reachable ones); "
          f"over all {total} proposals: @1 {at1 / max(total, 1):.1%}, "
          f"@3 {at3 / max(total, 1):.1%}")
    if classes["unlabelled"]:
        print(f"UNLABELLED: {classes['unlabelled']} (add them to word_candidates.tsv)")
    if args.show:
        print("\n".join(shown))


def _junk_in(found: list, labels: dict[str, tuple[str, set[str]]]) -> int:
    return sum(labels.get(p.word, ("",))[0] in ("junk", "place") for p in found)


if __name__ == "__main__":
    main()
