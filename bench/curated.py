"""The curated-answer threshold: paraphrases matched against other questions falsely matched.

Curated questions are dev-set questions (``bench/curated_pairs.tsv``, column 1); each has a
paraphrase written by hand (column 2: the dev sets hold too few questions asking the same
thing). Every other question of the dev sets (policy, seed, citizen, colloquial, staff,
follow-up, DataFountain) is an "other" question. For each threshold: the share of paraphrases
that get their own curated answer, and the share of other questions that get any. The guard
is applied as the app does: each curated answer cites its question's gold document, read
(read only) from the benchmark indexes' document lists (/tmp/assistant-bench/…, built by
bench/retrieval.py); without them, only the guard's place and year checks apply.

    python bench/curated.py [--thresholds 0.88 0.90 …] [--show 0.94]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant.answering.curated import THRESHOLD, Cited, Entry, Matcher, best_match
from assistant.answering.named import Named, resolve
from assistant.answering.question import normalize_question
from assistant.index.embedders import load_embedder
from assistant.settings import DEFAULT_MODEL, Settings
from assistant.types import DocumentInfo, Source

HERE = Path(__file__).resolve().parent
EVAL = HERE.parents[1] / "shared" / "eval"
SETS = (
    "policy_qa", "seed_qa", "citizen_qa", "colloquial_qa", "staff_qa", "followup_qa",
    "followup2_qa", "datafountain/dev_qa",
)  # fmt: skip
INDEXES = (Path("/tmp/assistant-bench/policy/index-onnx-int8"),
           Path("/tmp/assistant-bench/datafountain/index-onnx-int8"))  # fmt: skip
THRESHOLDS = [0.86, 0.88, 0.9, 0.91, 0.92, 0.93, 0.935, 0.94, 0.945, 0.95]


def read_pairs(path: Path = HERE / "curated_pairs.tsv") -> list[tuple[str, str]]:
    """(dev-set id, paraphrase) rows."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            qid, paraphrase = line.split("\t")
            rows.append((qid, paraphrase))
    return rows


def indexed_documents() -> list[DocumentInfo]:
    """The documents of the benchmark indexes (none when they are not built)."""
    from assistant.index import read_manifest

    found = []
    for folder in INDEXES:
        manifest = read_manifest(folder) if folder.is_dir() else None
        if manifest is None:
            print(f"(no index at {folder}: its documents are not checked by the guard)")
            continue
        lines = (folder / manifest.generation / "documents.jsonl").read_text(encoding="utf-8")
        found += [DocumentInfo.from_dict(json.loads(line)) for line in lines.splitlines()]
    # Matching is measured, not validity: a gold document that has expired or been repealed
    # would withhold its curated answer (as the app does) and hide how matching went.
    in_force = {"expires_on": "", "repealed_by": ""}
    return [replace(d, source=replace(d.source, **in_force)) for d in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--thresholds", type=float, nargs="+", default=THRESHOLDS)
    parser.add_argument(
        "--show", type=float, default=THRESHOLD, help="list the misses at this threshold"
    )
    args = parser.parse_args()
    questions: dict[str, str] = {}
    gold: dict[str, str] = {}
    for name in SETS:
        for line in (EVAL / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            questions[row["id"]] = normalize_question(row["question"])
            gold[row["id"]] = row.get("doc") or ""
    pairs = read_pairs()
    known = indexed_documents()
    by_name = {d.path.rsplit("/", 1)[-1]: d for d in known}
    stand_in = DocumentInfo("curated.txt", "0", Source())  # a gold document not indexed
    documents = {d.path: d for d in (*known, stand_in)}
    when = dt.datetime(2026, 1, 1)
    cited = [by_name.get(gold[qid], stand_in) for qid, _ in pairs]
    entries = [
        Entry(n, questions[qid], (), "", "bench", when, (Cited(d.path, d.sha256),))
        for n, ((qid, _), d) in enumerate(zip(pairs, cited, strict=True))
    ]
    cache: dict[str, Named] = {}

    def named(text: str) -> Named:
        if text not in cache:
            cache[text] = resolve(text, known)
        return cache[text]

    def match(question: str, vector: np.ndarray, threshold: float) -> tuple[float, Entry] | None:
        return best_match(question, vector, entries, matcher, documents, named=named,
                          threshold=threshold)  # fmt: skip

    found = sum(d is not stand_in for d in cited)
    print(f"{found} of {len(cited)} curated questions cite their gold document as indexed")

    curated = {qid for qid, _ in pairs}
    others = [q for qid, q in questions.items() if qid not in curated]
    paraphrases = [normalize_question(p) for _, p in pairs]
    settings = Settings()
    embedder = load_embedder(DEFAULT_MODEL, settings.backend, settings.threads)
    matcher = Matcher(embedder.encode_queries)
    matcher.vectors([e.question for e in entries])
    vectors = np.asarray(embedder.encode_queries(paraphrases + others))
    print(f"{len(entries)} curated questions with a paraphrase each, {len(others)} other questions")
    print("threshold  paraphrases matched  others falsely matched")
    shown: list[str] = []
    for t in sorted({*args.thresholds, args.show}):
        matched = [
            (found := match(q, v, t)) is not None and found[1] is entries[n]
            for n, (q, v) in enumerate(zip(paraphrases, vectors, strict=False))
        ]
        right = sum(matched)
        wrong = [
            q for q, v in zip(others, vectors[len(paraphrases):], strict=True)
            if match(q, v, t) is not None
        ]  # fmt: skip
        print(f"{t:9.3f}  {right / len(pairs):18.1%}  {len(wrong) / len(others):21.1%}"
              f"  ({right}/{len(pairs)}, {len(wrong)}/{len(others)})")  # fmt: skip
        if t == args.show:
            triples = zip(entries, paraphrases, matched, strict=True)
            missed = [f"{e.question} ≠ {p}" for e, p, ok in triples if not ok]
            shown.append(f"At {t}: paraphrases missed:\n  " + "\n  ".join(missed))
            shown.append("Other questions matched:\n  " + "\n  ".join(wrong))
    print("\n".join(shown))


if __name__ == "__main__":
    main()
