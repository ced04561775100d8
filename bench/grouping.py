"""Hot-question grouping measured on the dev sets' labelled paraphrases.

Questions of ``policy_qa``, ``citizen_qa``, ``staff_qa`` and ``colloquial_qa`` that share a
document and an answer span ask for one fact; so does each hand-written paraphrase of
``bench/curated_pairs.tsv`` with the dev-set question it rewords (the sets hold too few
same-fact pairs of their own: see docs/curated.md). For each threshold: the share of same-fact pairs
that land in one group, and of pairs from different documents that land in different groups.

    python bench/grouping.py [--thresholds 0.86 0.88 0.90 0.92 0.93]
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

from assistant.index.embedders import load_embedder
from assistant.records.grouping import group
from assistant.settings import DEFAULT_MODEL, Settings

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
SETS = ("policy_qa", "citizen_qa", "staff_qa", "colloquial_qa")
PAIRS = Path(__file__).with_name("curated_pairs.tsv")
SOURCES = (*SETS, "seed_qa", "datafountain/dev_qa")  # where the paraphrased questions come from


def one_fact(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Same document, and one answer span holds the other (or they overlap by 6+ characters)."""
    if a[0] != b[0]:
        return False
    x, y = a[1].replace(" ", ""), b[1].replace(" ", "")
    if x in y or y in x:
        return True
    return any(x[i : i + 6] in y for i in range(max(0, len(x) - 5)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--thresholds", type=float, nargs="+", default=[0.86, 0.88, 0.9, 0.92, 0.93, 0.94]
    )
    args = parser.parse_args()
    questions, facts = [], []
    known = {}
    for name in SOURCES:
        for line in (EVAL / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("answer"):
                known[row["id"]] = row
                if name in SETS:
                    questions.append(row["question"])
                    facts.append((row["doc"], row["answer"]))
    for line in PAIRS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            source, paraphrase = line.split("\t")
            row = known[source]
            if row["question"] not in questions:
                questions.append(row["question"])
                facts.append((row["doc"], row["answer"]))
            questions.append(paraphrase)
            facts.append((row["doc"], row["answer"]))
    settings = Settings()
    embedder = load_embedder(DEFAULT_MODEL, settings.backend, settings.threads)
    vectors = embedder.encode_queries(questions)
    index = {q: v for q, v in zip(questions, vectors, strict=True)}
    pairs = list(itertools.combinations(range(len(questions)), 2))
    same = [(a, b) for a, b in pairs if one_fact(facts[a], facts[b])]
    different = [(a, b) for a, b in pairs if facts[a][0] != facts[b][0]]
    print(f"{len(questions)} questions, {len(same)} same-fact pairs, {len(different)} others")
    for threshold in args.thresholds:
        groups = group(questions, lambda qs: [index[q] for q in qs], threshold)
        where = {i: n for n, g in enumerate(groups) for i in g.members}
        together = sum(where[a] == where[b] for a, b in same) / max(1, len(same))
        apart = sum(where[a] != where[b] for a, b in different) / max(1, len(different))
        print(
            f"threshold {threshold:.2f}: {len(groups)} groups, paraphrases together "
            f"{together:.1%}, different facts apart {apart:.1%}"
        )


if __name__ == "__main__":
    main()
