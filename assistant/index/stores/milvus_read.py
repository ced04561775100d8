"""A generation of the Milvus store, opened: searched and read by queries.

In memory only what every question needs: the documents, the document row of each
chunk, the tokenizer and vocabulary, the BM25 vocabularies; chunks are read on demand
(the candidates' with their scores, kept in a small cache). See :mod:`.milvus`.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ...types import Chunk, DocumentInfo
from ..manifest import Manifest
from ..sentence_vectors import Sentences
from ..tokens import Tokenizer, Tokens
from ..units import Units
from ..vocabulary import Vocabulary
from .base import HNSW, Candidates, Filters, Request

LIMIT = 16_384  # the most rows one Milvus search or query returns
CACHED = 4096  # chunks kept in memory


class MilvusStore:
    """One generation in a Milvus database, opened (see :class:`~.base.Store`)."""

    def __init__(self, client: Any, manifest: Manifest) -> None:
        """Open ``manifest``'s generation through ``client`` (use :meth:`MilvusPlace.open`)."""
        self.client = client
        self.manifest = manifest
        self._name = {k: f"{manifest.generation}_{k}" for k in ("chunks", "units", "sentences")}
        meta = read_meta(client, manifest.generation)
        self.documents = [DocumentInfo.from_dict(d) for d in json.loads(meta["documents"])]
        self.tokenizer = Tokenizer(json.loads(meta["words"]))
        self.vocabulary = Vocabulary()
        if "vocabulary" in meta:
            self.vocabulary = Vocabulary.loads(meta["vocabulary"], "Milvus meta")
        self._token_vocab: list[str] = json.loads(meta["token_vocab"])
        self._bm25: dict[str, int] = json.loads(meta["bm25_vocab"])
        self._titles: dict[str, int] = json.loads(meta["bm25_titles"])
        self.chunk_docs = np.array([r["doc"] for r in self._all("chunks", ["doc"])], np.int32)
        self._has_sentences = client.has_collection(self._name["sentences"])
        self._hnsw = {
            "chunks": manifest.dense.get("type") == "HNSW",
            "units": manifest.dense.get("units", {}).get("type") == "HNSW",
        }
        self._cache: OrderedDict[int, Chunk] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.chunk_docs)

    def chunk(self, row: int) -> Chunk:
        """Chunk ``row`` (from the cache, or one query)."""
        with self._lock:
            if row in self._cache:
                self._cache.move_to_end(row)
                return self._cache[row]
        found = self.client.query(self._name["chunks"], ids=[int(row)], output_fields=["data"])
        if not found:
            raise IndexError(f"no chunk {row} in {self.manifest.generation}")
        chunk = Chunk.from_dict(json.loads(found[0]["data"]))
        self._keep({row: chunk})
        return chunk

    def chunks(self) -> Iterator[Chunk]:
        """Every chunk, in row order."""
        for row in self._all("chunks", ["data"]):
            yield Chunk.from_dict(json.loads(row["data"]))

    def vectors(self) -> np.ndarray:
        """Every chunk's vector, row ``i`` = chunk ``i``."""
        rows = self._all("chunks", ["dense"])
        return np.array([r["dense"] for r in rows], dtype=np.float32).reshape(len(rows), -1)

    def tokens(self) -> Tokens:
        """Every chunk's stored BM25 token ids."""
        rows = self._all("chunks", ["tokens"])
        parts = [np.array(json.loads(r["tokens"]), np.int32) for r in rows]
        offsets = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)
        ids = np.concatenate(parts) if parts else np.zeros(0, np.int32)
        return Tokens(ids, offsets, self._token_vocab)

    def units(self) -> Units:
        """Every chunk's sentence units."""
        rows = self._all("units", ["chunk", "vector"])
        vectors = np.array([r["vector"] for r in rows], dtype=np.float32)
        chunks = np.array([r["chunk"] for r in rows], dtype=np.int32)
        return Units(vectors.reshape(len(rows), -1), chunks)

    def sentences(self) -> Sentences | None:
        """Every chunk's quotable sentences' vectors, or ``None`` when none are stored."""
        if not self._has_sentences:
            return None
        rows = self._all("sentences", ["chunk", "start", "end", "vector"])
        vectors = np.array([r["vector"] for r in rows], dtype=np.float32).reshape(len(rows), -1)
        spans = np.array([(r["start"], r["end"]) for r in rows], np.int32).reshape(-1, 2)
        return Sentences(vectors, np.array([r["chunk"] for r in rows], np.int32), spans)

    def sentence_vectors(self, row: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The spans and vectors of chunk ``row``'s quotable sentences (one query)."""
        if not self._has_sentences:
            return None
        fields = ["start", "end", "vector"]
        rows = self.client.query(
            self._name["sentences"], filter=f"chunk == {int(row)}", output_fields=fields
        )
        rows.sort(key=lambda r: r["id"])
        spans = np.array([(r["start"], r["end"]) for r in rows], np.int32).reshape(-1, 2)
        vectors = np.array([r["vector"] for r in rows], np.float32)
        return spans, vectors.reshape(len(rows), -1)

    def search(self, request: Request) -> Candidates:
        """The candidates for ``request``: three searches (chunks, units, BM25) with the
        filters as an expression, then one query for the candidates' vectors."""
        where = ""
        if request.filters:
            passing = [i for i, d in enumerate(self.documents) if request.filters.allows(d)]
            if not passing:
                return Candidates.empty()
            where = expression(request.filters, passing)
        query, k = request.vector, request.k
        dense: dict[int, float] = {}
        found_units: set[int] = set()
        if query is not None:
            dense = self._nearest("chunks", "dense", query[0], k, where)
            if request.units:
                found_units = set(self._nearest("units", "vector", query[0], k, where).values())
        weights = self._query_weights(request) if request.terms is not None else {}
        top: set[int] = set()
        if weights:
            hits = self._search("chunks", "sparse", weights, k, where, {})
            top = {int(h["id"]) for h in hits if h["distance"] > 0}
        rows = np.array(sorted(dense.keys() | found_units | top), dtype=np.int64)
        if not len(rows):
            return Candidates.empty()
        stored = self._candidates(rows.tolist())
        cosines = units = np.zeros(0, dtype=np.float32)
        if query is not None:
            vectors = np.array([stored[r]["dense"] for r in rows.tolist()], dtype=np.float32)
            cosines = vectors @ query[0]
            if not request.units:  # the search's own scores where it gave them
                cosines = np.array([dense.get(r, c) for r, c in zip(rows.tolist(), cosines)])
                cosines = cosines.astype(np.float32)
            else:
                units = self._unit_cosines(query[0], rows.tolist())
        bm25 = np.zeros(0)
        if request.terms is not None:
            bm25 = np.array(
                [_dot(weights, stored[r]["sparse"]) for r in rows.tolist()], dtype=np.float64
            )
        return Candidates(rows, cosines, units, bm25)

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        """Every chunk's BM25 score for ``tokens``, 0 beyond the best 16 384 (one search)."""
        weights: dict[int, float] = {}
        for token in tokens:
            if (dim := self._bm25.get(token)) is not None:
                weights[dim] = weights.get(dim, 0.0) + 1.0
        scores = np.zeros(len(self), dtype=np.float32)
        if weights:
            hits = self._search("chunks", "sparse", weights, min(len(self), LIMIT), "", {})
            for hit in hits:
                scores[int(hit["id"])] = hit["distance"]
        return scores

    def close(self) -> None:
        """Nothing to release: the client is shared."""

    def _query_weights(self, request: Request) -> dict[int, float]:
        """The query's sparse vector: its tokens at 1, expansion tokens at their weight,
        each also in its title dimension at the title weight."""
        assert request.terms is not None
        weights: dict[int, float] = {}
        parts: list[tuple[Sequence[str], float]] = [(request.terms, 1.0)]
        if request.expansion and request.expansion_weight:
            parts.append((request.expansion, request.expansion_weight))
        for tokens, weight in parts:
            for token in tokens:
                if (dim := self._bm25.get(token)) is not None:
                    weights[dim] = weights.get(dim, 0.0) + weight
                if request.title_weight and (dim := self._titles.get(token)) is not None:
                    weights[dim] = weights.get(dim, 0.0) + weight * request.title_weight
        return weights

    def _nearest(
        self, kind: str, field: str, vector: np.ndarray, k: int, where: str
    ) -> dict[int, Any]:
        """The ``k`` nearest rows of ``kind``: chunk row → cosine (``chunks``), or unit
        row → its chunk row (``units``)."""
        params = self._params(kind, k)
        output = ["chunk"] if kind == "units" else ["doc"]
        hits = self._search(kind, field, vector.tolist(), k, where, params, output)
        if kind == "units":
            return {int(h["id"]): int(h["entity"]["chunk"]) for h in hits}
        return {int(h["id"]): float(h["distance"]) for h in hits}

    def _params(self, kind: str, k: int) -> dict[str, Any]:
        """The search parameters of ``kind``'s vectors (HNSW's ``ef``, at least ``k``)."""
        return {"ef": max(HNSW["efSearch"], k)} if self._hnsw.get(kind) else {}

    def _search(
        self,
        kind: str,
        field: str,
        data: Any,
        k: int,
        where: str,
        params: dict[str, Any],
        output: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        found = self.client.search(
            self._name[kind],
            data=[data],
            anns_field=field,
            limit=k,
            filter=where,
            search_params={"metric_type": "IP", "params": params},
            output_fields=output or ["doc"],  # none would return every field
        )
        return list(found[0])

    def _candidates(self, rows: list[int]) -> dict[int, dict[str, Any]]:
        """The candidates' vectors and sparse vectors; their chunks go to the cache."""
        stored: dict[int, dict[str, Any]] = {}
        fields = ["dense", "sparse", "data"]
        for start in range(0, len(rows), 1000):
            part = rows[start : start + 1000]
            for r in self.client.query(self._name["chunks"], ids=part, output_fields=fields):
                stored[int(r["id"])] = r
        self._keep({r: Chunk.from_dict(json.loads(stored[r]["data"])) for r in rows})
        return stored

    def _unit_cosines(self, vector: np.ndarray, rows: list[int]) -> np.ndarray:
        """For each of ``rows``, the best cosine of ``vector`` to its units (one search
        grouped by chunk, among those chunks' units)."""
        best = dict.fromkeys(rows, -np.inf)
        for start in range(0, len(rows), LIMIT):
            part = rows[start : start + LIMIT]
            found = self.client.search(
                self._name["units"],
                data=[vector.tolist()],
                anns_field="vector",
                limit=len(part),
                filter=f"chunk in {part}",
                group_by_field="chunk",
                search_params={"metric_type": "IP", "params": self._params("units", len(part))},
                output_fields=["chunk"],
            )
            best.update((int(h["entity"]["chunk"]), float(h["distance"])) for h in found[0])
        return np.array([best[r] for r in rows], dtype=np.float32)

    def _keep(self, chunks: dict[int, Chunk]) -> None:
        with self._lock:
            self._cache.update(chunks)
            for row in chunks:
                self._cache.move_to_end(row)
            while len(self._cache) > CACHED:
                self._cache.popitem(last=False)

    def _all(self, kind: str, fields: list[str]) -> list[dict[str, Any]]:
        """Every row of ``kind``'s collection with ``fields``, in id order (ids are the
        rows ``0 … n-1``: read a page of them at a time)."""
        rows: list[dict[str, Any]] = []
        while True:
            start = len(rows)
            page = self.client.query(
                self._name[kind],
                filter=f"id >= {start} and id < {start + LIMIT}",
                output_fields=fields,
                limit=LIMIT,
            )
            if not page:
                return rows
            rows.extend(sorted(page, key=lambda r: r["id"]))


def expression(filters: Filters, documents: list[int]) -> str:
    """``filters`` as a Milvus boolean expression over the filter fields, or over the
    document rows ``documents`` that pass them when the fields cannot say it (a
    subclass's own test, a value with a wildcard or quote in it)."""
    values = (filters.doc_type, filters.issuer, filters.year, *filters.docs)
    plain = type(filters) is Filters and not any(set(v) & set('%_"\\') for v in values)
    if not plain:
        return f"doc in {documents}"
    parts = []
    if filters.doc_type:
        parts.append(f'doc_type == "{filters.doc_type}"')
    if filters.issuer:
        parts.append(f'issuer like "%{filters.issuer}%"')
    if filters.year:
        parts.append(f'issued_on like "{filters.year}%"')
    if filters.docs:
        parts.append(f"path in {json.dumps(sorted(filters.docs), ensure_ascii=False)}")
    return " and ".join(parts)


def _dot(weights: dict[int, float], vector: dict[int, float]) -> float:
    return float(sum(w * vector.get(dim, 0.0) for dim, w in weights.items()))


def read_meta(client: Any, generation: str) -> dict[str, str]:
    """The JSON blobs of ``generation``'s meta collection, by kind."""
    rows = client.query(
        f"{generation}_meta", filter="id >= 0", output_fields=["kind", "part", "data"], limit=LIMIT
    )
    pieces: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        pieces.setdefault(row["kind"], []).append((row["part"], row["data"]))
    return {kind: "".join(text for _, text in sorted(parts)) for kind, parts in pieces.items()}
