"""Retrieval benchmark: hit@k, MRR and refusals for bm25-only, dense-only and hybrid.

Four question sets, each over its corpus:

* policy  — ../shared/eval/seed_qa.jsonl + policy_qa.jsonl over ../shared/corpus seed + html + pdf;
* colloquial — ../shared/eval/colloquial_qa.jsonl (residents' own words) over the same corpus;
* citizen — ../shared/eval/citizen_qa.jsonl (residents' questions, procedures among them, and
  look-alike unanswerables), same corpus;
* staff — ../shared/eval/staff_qa.jsonl (a 文号 or title named; absent 文号), same corpus;
* followup, followup2 — ../shared/eval/followup_qa.jsonl and followup2_qa.jsonl (conversations
  of 2-3 turns, topic switches among them) over the same corpus, each follow-up asked with its
  history; rows "alone" (the bare follow-up) and "glued" (earlier questions + follow-up as one
  query) are the baselines to beat;
* switch — the policy questions, each asked after an unrelated question (a topic switch: it
  should score as the policy set does; its "no history" row is the policy set itself);
  switch_citizen — the same with the citizens' answerable questions, in their own words;
* datafountain — ../shared/eval/datafountain/dev_qa.jsonl: 841 real questions over their own
  599 policy documents;
* cmrc    — CMRC 2018 dev: its 848 paragraphs as documents, 3,219 questions;
* domainrag — DomainRAG basic_qa: its reference passages as the corpus (spaces between CJK
  characters removed); a hit is a passage of a positive reference.

Indexes are built with the bundled model into ``--work`` (default /tmp/assistant-bench), one
per corpus and backend, and updated incrementally on later runs. Each set gets a "baseline"
row from the same run: plain hybrid search (:data:`BASELINE`), follow-ups glued; every row
prints a bootstrap 90% interval of hit@5, so a difference inside it reads as none.
``--ablate`` adds one row per mechanism switched off (:data:`ABLATIONS`).
``--backends onnx-int8 torch`` compares embedder backends side by side in one run
(each against the last); ``--before`` adds rows ranked as before sentence units
(passages only, BM25 weight 1), on the same index.
Usage::

    python bench/retrieval.py [--sets policy colloquial citizen staff followup followup2 switch
                                     datafountain cmrc domainrag]
                              [--backends B …] [--limit N] [--ablate] [--sweep] [--before]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.answering.conversation import search_in_conversation
from assistant.answering.evaluation import HEADER, Scores, evaluate, read_questions, table
from assistant.answering.refusal import answerable
from assistant.answering.search import Searcher
from assistant.index import build
from assistant.settings import BACKENDS, Settings

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CJK_SPACE = re.compile(
    r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])"
)


# How search ranked before sentence units (--before): passages only, BM25 at full weight.
BEFORE = {"unit_weight": 0.0, "bm25_weight": 1.0}


def policy(corpus: Path, *files: str) -> list[dict[str, Any]]:
    for folder in ("seed", "html", "pdf"):
        shutil.copytree(SHARED / "corpus" / folder, corpus / folder, dirs_exist_ok=True)
    names = files or ("seed_qa.jsonl", "policy_qa.jsonl")
    return [q for name in names for q in read_questions(SHARED / "eval" / name)]


def colloquial(corpus: Path) -> list[dict[str, Any]]:
    return policy(corpus, "colloquial_qa.jsonl")


def followup(corpus: Path) -> list[dict[str, Any]]:
    return policy(corpus, "followup_qa.jsonl")


def citizen(corpus: Path) -> list[dict[str, Any]]:
    return policy(corpus, "citizen_qa.jsonl")


def followup2(corpus: Path) -> list[dict[str, Any]]:
    return policy(corpus, "followup2_qa.jsonl")


def staff(corpus: Path) -> list[dict[str, Any]]:
    return policy(corpus, "staff_qa.jsonl")


def switch(corpus: Path) -> list[dict[str, Any]]:
    """The policy questions, each asked after an unrelated one (a question about another
    document): a topic switch must be found as well as the question alone."""
    return switched(policy(corpus))


def switch_citizen(corpus: Path) -> list[dict[str, Any]]:
    """The citizens' answerable questions, each asked after another citizen's question about
    another document: a switch in their own words (我想…, 孩子…), as a chat has it."""
    return switched([q for q in citizen(corpus) if q.get("doc")])


def switched(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each of ``questions`` asked after the next one that is about another document."""
    asked = []
    for i, q in enumerate(questions):
        others = [p for p in questions[i + 1 :] + questions[:i] if p.get("doc") != q.get("doc")]
        asked.append({**q, "history": [others[0]["question"]]})
    return asked


def cmrc(corpus: Path) -> list[dict[str, Any]]:
    data = json.loads(
        (SHARED / "eval/cmrc2018/squad-style-data_cmrc2018_dev.json").read_text("utf-8")
    )
    questions = []
    corpus.mkdir(parents=True, exist_ok=True)
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            name = f"{paragraph['id']}.txt"
            _write(corpus / name, f"{article['title']}\n{paragraph['context']}")
            for qa in paragraph["qas"]:
                answer = qa["answers"][0]["text"]
                questions.append({"question": qa["question"], "doc": name, "answer": answer})
    return questions


def domainrag(corpus: Path) -> list[dict[str, Any]]:
    questions = []
    corpus.mkdir(parents=True, exist_ok=True)
    for line in (SHARED / "eval/domainrag/basic_qa.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        docs = []
        for ref in row["positive_reference"]:
            name = f"{ref['id']}-{ref['psg_id']}.txt"
            _write(corpus / name, f"{ref['title']}\n{CJK_SPACE.sub('', ref['contents'])}")
            docs.append(name)
        questions.append({"question": row["question"], "doc": docs, "answer": ""})
    return questions


def datafountain(corpus: Path) -> list[dict[str, Any]]:
    """The DataFountain dev questions over their own 599 documents (one file per document).

    Eleven of the documents are copies of another (five texts, each under two or three
    docids); the index keeps one copy of a text (the others are reported as duplicates),
    so a question's ``doc`` lists every file with its document's text: a passage of the
    copy kept is a passage of its document.
    """
    corpus.mkdir(parents=True, exist_ok=True)
    folder = SHARED / "eval" / "datafountain"
    copies: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for line in (folder / "corpus.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        name = f"{row['docid']}.txt"
        _write(corpus / name, row["text"])
        copies.setdefault(row["text"], []).append(name)
        names[name] = row["text"]
    return [
        {**q, "doc": copies[names[q["doc"]]]} if len(copies[names[q["doc"]]]) > 1 else q
        for q in read_questions(folder / "dev_qa.jsonl")
    ]


def question_file(path: Path) -> str:
    """Register a QA file over the shared policy corpus (``--questions``: a probe or a
    held-out set kept outside ``../shared/eval``) as a set named by its file's stem."""
    SETS[path.stem] = ("policy", lambda corpus: policy(corpus, str(path.resolve())))
    return path.stem


def _write(path: Path, text: str) -> None:
    if not path.exists() or path.read_text("utf-8") != text:
        path.write_text(text, encoding="utf-8")


# A set's questions and the corpus they are asked over (colloquial, followup share policy's).
SETS: dict[str, tuple[str, Callable[[Path], list[dict[str, Any]]]]] = {
    "policy": ("policy", policy),
    "colloquial": ("policy", colloquial),
    "followup": ("policy", followup),
    "switch": ("policy", switch),
    "switch_citizen": ("policy", switch_citizen),
    "citizen": ("policy", citizen),
    "followup2": ("policy", followup2),
    "staff": ("policy", staff),
    "datafountain": ("datafountain", datafountain),
    "cmrc": ("cmrc", cmrc),
    "domainrag": ("domainrag", domainrag),
}


QUESTIONS_HELP = "also these QA files (the eval format) over the shared policy corpus"

# Plain hybrid search, the baseline of every set: no vocabulary expansion, no moves after
# fusion (answer types, ages, places, validity, procedure sections), passages as chunked
# (none joined), questions as typed (no slips read), and no conversation
# logic (a follow-up is asked glued: its earlier questions, then itself, as one query).
BASELINE = {
    "expansion_weight": 0.0,
    "answer_weight": 0.0,
    "age_shift": 0.0,
    "place_shift": 0.0,
    "outdated_penalty": 0.0,
    "procedure_weight": 0.0,
    "joined_chars": 0,
    "slips": "off",
}
# --ablate: each mechanism switched off alone, the rest as shipped.
ABLATIONS = {
    "no expansion": {"expansion_weight": 0.0},
    "no answer types": {"answer_weight": 0.0},
    "no age shift": {"age_shift": 0.0},
    "no place shift": {"place_shift": 0.0},
    "no validity shift": {"outdated_penalty": 0.0},
    "no procedure sections": {"procedure_weight": 0.0},
    "no titles": {"title_weight": 0.0},
    "no units": {"unit_weight": 0.0},
    "no joined passages": {"joined_chars": 0},
    "no slips read": {"slips": "off"},
}


def glued(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each question with its earlier questions in front of it, as one query, no history."""
    return [
        {**q, "question": " ".join([*(q.get("history") or ()), q["question"]]), "history": []}
        for q in questions
    ]


def alone(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each question without its history."""
    return [{**q, "history": []} for q in questions]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS))
    parser.add_argument("--questions", nargs="+", type=Path, default=[], help=QUESTIONS_HELP)
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, help="compare, side by side")
    parser.add_argument("--work", type=Path, default=Path("/tmp/assistant-bench"))
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions of a set")
    parser.add_argument("--modes", nargs="+", default=["hybrid"], help="also dense, bm25")
    parser.add_argument("--ablate", action="store_true", help="each mechanism off, alone")
    parser.add_argument("--system-only", action="store_true", help="no baseline rows")
    parser.add_argument("--no-build", action="store_true", help="search the indexes as they are")
    parser.add_argument("--label", default="system", help="the name of the system's rows")
    parser.add_argument(
        "--sweep", action="store_true", help="refusal trade-off over all sets, by min_score"
    )
    parser.add_argument(
        "--before",
        action="store_true",
        help="also rank as before sentence units: passages only, BM25 weight 1",
    )
    args = parser.parse_args()
    args.sets += [question_file(path) for path in args.questions]
    base = Settings.from_env()
    backends = args.backends or [base.backend]
    rows, hybrid, swept = [], {}, []
    for name in args.sets:
        corpus_name, load = SETS[name]
        questions = load(args.work / corpus_name / "corpus")[: args.limit or None]
        for backend in backends:
            settings = base.with_(
                corpus=args.work / corpus_name / "corpus",
                index=args.work / corpus_name / f"index-{backend}",
                backend=backend,
            )
            started = time.perf_counter()
            if not args.no_build:
                report = build_when_free(settings)
                print(
                    f"{name} / {backend}: {report.chunks} chunks ({report.embedded} embedded) "
                    f"in {time.perf_counter() - started:.0f} s; {len(questions)} questions",
                    flush=True,
                )
            searcher = Searcher.open(settings)

            def score(label: str, searcher: Searcher, asked: list[dict[str, Any]]) -> None:
                for scores in evaluate(searcher, asked, modes=tuple(args.modes)):
                    rows.append(_row(name, label, backend, scores))

            history = any(q.get("history") for q in questions)
            if not args.system_only:
                plain = Searcher(searcher.index, settings.with_(**BASELINE))
                score("baseline" + (" (glued)" if history else ""), plain, glued(questions))
            if history and not args.system_only:
                score("alone", searcher, alone(questions))
                score("glued", searcher, glued(questions))
            if args.before:  # the same index, ranked as before: chunks only
                before = Searcher(searcher.index, settings.with_(**BEFORE))
                score("passages only", before, questions)
            if args.ablate:
                for label, changes in ABLATIONS.items():
                    score(label, Searcher(searcher.index, settings.with_(**changes)), questions)
            for scores in evaluate(searcher, questions, modes=tuple(args.modes)):
                rows.append(_row(name, args.label, backend, scores))
                if scores.mode == "hybrid":
                    hybrid[name, backend] = scores
            if args.sweep and backend == backends[0]:
                swept += sweep_rows(name, searcher, questions)
    print(table(rows, ["set", "row", "backend", "n", *HEADER, "hit@5 90% CI"]))
    if swept:
        sweep(swept)
    if len(backends) > 1:
        print(f"\nhybrid, each backend against {backends[-1]}:")
        print(table(differences(hybrid, args.sets, backends), ["set", "backend", "Δhit@5", "ΔMRR"]))


def build_when_free(settings: Settings) -> Any:
    """``build(settings)``, waiting while another bench holds the index's build lock."""
    from assistant.index.manifest import IndexUnavailable

    for _ in range(600):
        try:
            return build(settings)
        except IndexUnavailable:
            time.sleep(1)
    return build(settings)


def _row(name: str, label: str, backend: str, scores: Scores) -> list[str]:
    low, high = scores.interval(5)
    n = f"{scores.answerable}+{scores.unanswerable}"
    return [name, label, backend, n, *scores.row(), f"{low:.3f}–{high:.3f}"]


def differences(
    hybrid: dict[tuple[str, str], Scores], sets: list[str], backends: list[str]
) -> list[list[str]]:
    """hit@5 and MRR of each backend minus those of the last one, per set."""
    rows = []
    for name in sets:
        reference = hybrid[name, backends[-1]]
        for backend in backends[:-1]:
            scores = hybrid[name, backend]
            rows.append(
                [
                    name,
                    backend,
                    f"{scores.hits[5] - reference.hits[5]:+.3f}",
                    f"{scores.mrr - reference.mrr:+.3f}",
                ]
            )
    return rows


# A question of the sweep: its set, whether it is answerable, refused(min_score).
Swept = tuple[str, bool, Callable[[float], bool]]


def sweep_rows(name: str, searcher: Searcher, questions: list[dict[str, Any]]) -> list[Swept]:
    """Per question: its set, whether it is answerable, and ``refused(min_score)``."""
    rows = []
    for q in questions:
        history = q.get("history") or ()
        understood, hits = search_in_conversation(searcher, q["question"], history, 10)
        query = understood.query.text
        unmentioned = searcher.unmentioned(query)

        def refused(
            threshold: float, query: str = query, hits: list = hits, unmentioned: list = unmentioned
        ) -> bool:
            wordings = searcher.index.vocabulary.wordings
            return not answerable(query, hits, threshold, searcher.places, unmentioned, wordings)

        rows.append((name, bool(q.get("doc")), refused))
    return rows


def sweep(results: list[Swept]) -> None:
    """The refusal trade-off over all sets: refused unanswerable vs answerable per ``min_score``."""
    names = list(dict.fromkeys(name for name, *_ in results))
    header = ["min_score", "unans. refused", "ans. refused (all)"] + [f"ans. {n}" for n in names]
    rows = []
    for threshold in [x / 100 for x in range(80, 94)]:
        unanswerable = [refused(threshold) for _, ok, refused in results if not ok]
        answerable = [refused(threshold) for _, ok, refused in results if ok]
        per_set = []
        for n in names:
            mine = [refused(threshold) for name, ok, refused in results if ok and name == n]
            per_set.append(f"{sum(mine) / max(1, len(mine)):.1%}")
        rows.append(
            [
                f"{threshold:.2f}",
                f"{sum(unanswerable)}/{len(unanswerable)} = "
                f"{sum(unanswerable) / max(1, len(unanswerable)):.0%}",
                f"{sum(answerable) / max(1, len(answerable)):.1%}",
                *per_set,
            ]
        )
    print("\nrefusals by min_score, all sets together:")
    print(table(rows, header))


if __name__ == "__main__":
    main()
