"""Which BM25 for the Milvus store: Milvus's own function over a jieba-analyzed field, or
sparse vectors of our tokenizer's BM25 weights (what the store does)?

Both are measured on the same index and questions, with the same dense retrieval and
fusion: ``ours`` is the file store as it is (the Milvus store ranks the same, see
tests/test_milvus.py); ``milvus-jieba`` replaces the BM25 part by a milvus-lite collection
with ``{"tokenizer": "jieba"}`` feeding a BM25 function, over each chunk's keyword text
and, in a second field, its document title (so titles count, as in ours). The question
is analyzed by the same function from our normalized query text. Run::

    PYTHONPATH=$PWD python bench/milvus_bm25.py --work /tmp/assistant-bench --sets policy citizen

It reads the index at ``<work>/policy/index-onnx-int8`` (``--no-build`` style: it never
writes there) and writes the milvus-lite database to ``--db``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from retrieval import SETS  # bench/ is on sys.path when this file is run

from assistant.answering.evaluation import HEADER, evaluate, table
from assistant.answering.search import Searcher
from assistant.index import Candidates, Request, open_index
from assistant.index.tokens import keyword_text
from assistant.settings import Settings

COLLECTION = "native_bm25"


class NativeBm25:
    """A file store whose BM25 candidates and scores come from Milvus's BM25 function."""

    def __init__(self, store: Any, client: Any) -> None:
        self.store, self.client = store, client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def __len__(self) -> int:
        return len(self.store)

    def search(self, request: Request) -> Candidates:
        dense = self.store.search(replace(request, terms=None))
        if request.terms is None:
            return dense
        text = "".join(request.terms)
        where = ""
        if request.filters:
            docs = [i for i, d in enumerate(self.store.documents) if request.filters.allows(d)]
            where = f"doc in {docs}"
        top = {r: s for r, s in self._bm25(text, request.k, where).items() if s > 0}
        rows = np.array(sorted(set(dense.rows.tolist()) | top.keys()), dtype=np.int64)
        if not len(rows):
            return Candidates.empty()
        scores = self._bm25(text, len(rows), f"id in {rows.tolist()}")
        bm25 = np.array([scores.get(r, 0.0) for r in rows.tolist()])
        if request.vector is None:
            return Candidates(rows, np.zeros(0, np.float32), np.zeros(0, np.float32), bm25)
        known = dict(zip(dense.rows.tolist(), range(len(dense)), strict=True))
        cosines = self.store.cosines(request.vector, rows.tolist())
        units = self.store.unit_cosines(request.vector, rows.tolist())
        for i, row in enumerate(rows.tolist()):  # the dense candidates' own scores
            if row in known:
                cosines[i] = dense.cosines[known[row]]
                units[i] = dense.units[known[row]] if len(dense.units) else 0.0
        return Candidates(rows, cosines, units, bm25)

    def _bm25(self, text: str, k: int, where: str) -> dict[int, float]:
        scores: dict[int, float] = {}
        for field, weight in (("text_bm25", 1.0), ("title_bm25", 0.5)):
            hits = self.client.search(
                COLLECTION,
                data=[text],
                anns_field=field,
                limit=k,
                filter=where,
                search_params={"metric_type": "BM25"},
                output_fields=["doc"],
            )[0]
            for hit in hits:  # milvus-lite 3.2.2 returns BM25 scores negated (best = lowest)
                score = abs(hit["distance"])
                scores[int(hit["id"])] = scores.get(int(hit["id"]), 0.0) + weight * score
        return scores


def load_native(store: Any, db: Path) -> Any:
    """A milvus-lite collection of the store's chunks with Milvus's BM25 over jieba."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    db.parent.mkdir(parents=True, exist_ok=True)
    client = MilvusClient(str(db))
    if client.has_collection(COLLECTION):
        client.drop_collection(COLLECTION)
    analyzer = {"tokenizer": "jieba"}
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("doc", DataType.INT64)
    for name in ("text", "title"):
        schema.add_field(
            name,
            DataType.VARCHAR,
            max_length=65535,
            enable_analyzer=True,
            analyzer_params=analyzer,
        )
        schema.add_field(f"{name}_bm25", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            Function(
                name=f"{name}_fn",
                function_type=FunctionType.BM25,
                input_field_names=[name],
                output_field_names=[f"{name}_bm25"],
            )
        )
    index = client.prepare_index_params()
    for name in ("text_bm25", "title_bm25"):
        index.add_index(name, index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection(COLLECTION, schema=schema, index_params=index)
    rows = [
        {
            "id": row,
            "doc": int(store.chunk_docs[row]),
            "text": keyword_text(chunk),
            "title": store.documents[int(store.chunk_docs[row])].source.title,
        }
        for row, chunk in enumerate(store.chunks())
    ]
    for start in range(0, len(rows), 1000):
        client.insert(COLLECTION, rows[start : start + 1000])
    client.flush(COLLECTION)
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/assistant-bench"))
    parser.add_argument("--sets", nargs="+", default=["policy", "citizen"])
    parser.add_argument("--db", type=Path, default=Path("/tmp/milvus-bm25/milvus.db"))
    args = parser.parse_args()
    settings = Settings.from_env(
        corpus=args.work / "policy" / "corpus", index=args.work / "policy" / "index-onnx-int8"
    )
    ours = Searcher.open(settings)
    started = time.perf_counter()
    native = Searcher(NativeBm25(open_index(settings), load_native(ours.index, args.db)), settings)
    print(f"native BM25 collection: {time.perf_counter() - started:.0f} s", flush=True)
    rows = []
    for name in args.sets:
        corpus_name, load = SETS[name]
        questions = load(args.work / corpus_name / "corpus")
        for label, searcher in (("ours", ours), ("milvus-jieba", native)):
            for scores in evaluate(searcher, questions, modes=("hybrid", "bm25")):
                n = f"{scores.answerable}+{scores.unanswerable}"
                rows.append([name, label, n, *scores.row()])
    print(table(rows, ["set", "BM25", "n", *HEADER]))


if __name__ == "__main__":
    main()
