"""Slips of a pinyin input method: how retrieval holds when a question's topic word is mistyped.

For every answerable question without history of the chosen sets, one slip is made in its
topic: its longest content term of three or four Chinese characters that the index has
(:mod:`assistant.answering.homophones`' words) gets one character replaced by another with the
same usual reading (tones left out) — a common character (:data:`COMMON` in jieba's
dictionary), the mistyped term no word of the dictionary and said nowhere in the documents, as
a slip of the input method would be (公租房 → 公组房). The first such slip in a fixed random
order (seed 0) is kept; a question without one is left out. Each question is then searched as
asked, slipped with ``slips=off`` (as typed) and slipped with ``slips=on`` (read back), and
hit@1 / hit@5 are printed with a bootstrap 90% interval of hit@5, and how many slipped terms
were read back as the term itself. Usage::

    python bench/slips.py [--sets policy colloquial citizen] [--work DIR] [--show]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

from retrieval import SETS  # bench/ is on sys.path when this file is run

from assistant.answering.conversation import search_in_conversation
from assistant.answering.evaluation import bootstrap, is_hit, table
from assistant.answering.homophones import Homophones, sounding_like
from assistant.answering.question import Question, topic_terms
from assistant.answering.search import Searcher
from assistant.index.tokens import word_count
from assistant.settings import Settings

COMMON = 1000  # a character typed by slip is one jieba's dictionary counts this often alone


def slipped(question: str, homophones: Homophones, tokenizer: Any, draw: random.Random) -> str:
    """``question`` with one slip in its longest topic term the index has; "" when none."""
    text = Question.parse(question).text
    words = homophones.words
    terms = sorted(
        (t for t in topic_terms(text, tokenizer) if t in words and t in text),
        key=len,
        reverse=True,
    )
    for term in terms:
        options = [
            term[:i] + other + term[i + 1 :]
            for i, ch in enumerate(term)
            for other in sounding_like(ch)
            if word_count(other) >= COMMON
        ]
        draw.shuffle(options)
        for typo in options:
            if not word_count(typo) and not homophones.said(typo) and typo not in words:
                return text.replace(term, typo, 1)
    return ""


def rank(searcher: Searcher, q: dict[str, Any], question: str) -> int | None:
    hits = search_in_conversation(searcher, question, [])[1]
    return next((i for i, h in enumerate(hits[:5]) if is_hit(q, h.chunk)), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sets = ["policy", "colloquial", "citizen"]
    parser.add_argument("--sets", nargs="+", choices=[*SETS], default=sets)
    parser.add_argument("--work", type=Path, default=Path("/tmp/assistant-bench"))
    parser.add_argument("--show", action="store_true", help="print each slipped question")
    args = parser.parse_args()
    rows = []
    for name in args.sets:
        corpus_name, load = SETS[name]
        settings = Settings.from_env()
        folder = args.work / corpus_name
        index = folder / f"index-{settings.backend}"
        settings = settings.with_(corpus=folder / "corpus", index=index)
        on = Searcher.open(settings)
        off = Searcher(on.index, settings.with_(slips="off"))
        draw = random.Random(0)
        asked, typed, read, back = [], [], [], 0
        for q in load(settings.corpus):
            if not q.get("doc") or not q.get("answer") or q.get("history"):
                continue
            slip = slipped(q["question"], on.homophones, on.index.tokenizer, draw)
            if not slip:
                continue
            asked.append(rank(on, q, q["question"]))
            typed.append(rank(off, q, slip))
            read.append(rank(on, q, slip))
            back += on.homophones.read(slip).text == Question.parse(q["question"]).text
            if args.show:
                print(f"{slip}  as asked {asked[-1]}, as typed {typed[-1]}, read {read[-1]}")
        ways = (("as asked", asked), ("slipped, as typed", typed), ("slipped, read", read))
        for row, ranks in ways:
            hit5 = [r is not None for r in ranks]
            low, high = bootstrap(hit5)
            rows.append(
                [name, row, str(len(ranks)), f"{sum(r == 0 for r in ranks) / len(ranks):.3f}",
                 f"{sum(hit5) / len(ranks):.3f}", f"{low:.3f}–{high:.3f}",
                 f"{back}" if row == "slipped, read" else ""]
            )  # fmt: skip
    print(table(rows, ["set", "row", "n", "hit@1", "hit@5", "hit@5 90% CI", "read back"]))


if __name__ == "__main__":
    main()
