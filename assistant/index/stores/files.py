"""The file store: one generation folder of plain files, FAISS and bm25s (the default).

Layout of a generation, ``index/g-<time>-<id>/``, never changed once a manifest
names it::

    documents.jsonl    one document's citation metadata a line
    chunks.jsonl       one chunk a line (UTF-8), read on demand (and kept, see FileStore.chunk)
    chunk_offsets.npy  byte offset of every line of chunks.jsonl
    chunk_docs.npy     the document (line of documents.jsonl) of every chunk
    vectors.npy        float32 passage embeddings, row i = chunk i
    dense.faiss        FAISS inner-product index over the vectors (exact, or HNSW
                       above ``flat_limit`` vectors)
    unit_vectors.npy   float32 embeddings of the chunks' sentence units
    unit_chunks.npy    the chunk of every unit (non-decreasing)
    units.faiss        FAISS index over the unit vectors, like dense.faiss
    sentence_vectors.npy  float32 embeddings of the chunks' quotable sentences, looked
                       up when composing an answer (see :mod:`assistant.index.sentence_vectors`)
    sentence_chunks.npy   the chunk of every sentence (non-decreasing)
    sentence_spans.npy    int32 start and end of every sentence in its chunk's text
    tokens.npy         int32 BM25 tokens of all chunks, one after another (ids into vocab.jsonl)
    token_offsets.npy  where each chunk's tokens start in tokens.npy (one more than chunks)
    vocab.jsonl        one token a line, as a JSON string
    bm25/              bm25s index of the chunks' tokens (memory-mapped when searching)
    userdict.txt       the jieba words kept whole
    vocabulary.json    the citizens' vocabulary: synonym groups, abbreviations, term
                       counts (optional: a generation written before it is read
                       with an empty one, and the next build writes it)

The sentence files are optional too: a generation written before them (its manifest's
``dense`` has no ``sentences``) answers by embedding sentences as it goes, and the next
build adds them, embedding only the sentences.

No pickle. Everything is written and synced before the manifest names it.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...types import Chunk, DocumentInfo
from ..manifest import MANIFEST, Manifest
from ..sentence_vectors import Sentences, has_sentences
from ..tokens import Tokenizer, Tokens, load_words
from ..units import Units, best_per_chunk, unit_rows
from ..vocabulary import Vocabulary
from .base import Candidates, Contents, Request
from .files_write import FILES, SENTENCE_FILES, VOCABULARY, write_generation
from .titles import first_rows, title_index

# np.load parses each .npy header with ast.literal_eval, and on CPython 3.11 two threads
# doing that at once can fail with "SystemError: AST constructor recursion depth
# mismatch" (python/cpython#106905): a rebuild thread and a reader opening the index
# are such a pair. Every load of index arrays takes this lock; loads take milliseconds.
_LOADING = threading.Lock()
CHUNKS_KEPT = 4096  # decoded chunks a store keeps (about 3 KB each)


class FileStore:
    """One generation folder, opened: documents in memory, chunks read on demand.

    To keep memory low the BM25 arrays and the vectors are memory-mapped and
    chunks are read from disk when asked for.
    """

    def __init__(self, folder: Path, manifest: Manifest) -> None:
        """Open ``folder`` (use :meth:`open`)."""
        import bm25s
        import faiss

        self.folder = folder
        self.manifest = manifest
        rows = _read_jsonl(folder / "documents.jsonl")
        self.documents = [DocumentInfo.from_dict(row) for row in rows]
        self._offsets = _load_npy(folder / "chunk_offsets.npy")
        self.chunk_docs = _load_npy(folder / "chunk_docs.npy")
        self.dense = faiss.read_index(str(folder / "dense.faiss"))
        self.unit_index = faiss.read_index(str(folder / "units.faiss"))
        hnsw = ((self.dense, manifest.dense), (self.unit_index, manifest.dense["units"]))
        for index, info in hnsw:
            if "efSearch" in info:
                index.hnsw.efSearch = info["efSearch"]
        self.unit_chunks = _load_npy(folder / "unit_chunks.npy")
        # The units of chunk i are rows unit_starts[i] … unit_starts[i + 1] - 1.
        self._unit_starts = np.searchsorted(self.unit_chunks, np.arange(len(self._offsets) + 1))
        # A question reads only its own tokens' postings: map the arrays, do not load them.
        with _LOADING:
            self.bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True, show_progress=False)
        self.tokenizer = Tokenizer(load_words(folder / "userdict.txt"))
        self.vocabulary = Vocabulary()
        if manifest.vocabulary or (folder / VOCABULARY).exists():  # missing: damaged
            self.vocabulary = Vocabulary.load(folder / VOCABULARY)
        self._sentences: Sentences | None = None
        if has_sentences(manifest):
            vectors, chunks, spans = (
                _load_npy(folder / name, mmap=True) for name in SENTENCE_FILES
            )
            self._sentences = Sentences(vectors, chunks, spans)
            # The sentences of chunk i are rows sentence_starts[i] … sentence_starts[i + 1] - 1.
            ends = np.arange(len(self._offsets) + 1)
            self._sentence_starts = np.searchsorted(chunks, ends)
        self._title_index: Any = None
        self._titles_lock = threading.Lock()
        self._chunks = (folder / "chunks.jsonl").open("rb")  # closed by close() or on drop
        self._read: dict[int, Chunk] = {}  # the first CHUNKS_KEPT chunks read (see chunk)

    @classmethod
    def open(cls, index_dir: Path, manifest: Manifest) -> FileStore:
        """Open the generation ``manifest`` names (``OSError``/``ValueError`` when damaged)."""
        return cls(index_dir / manifest.generation, manifest)

    def __len__(self) -> int:
        return len(self._offsets)

    def chunk(self, row: int) -> Chunk:
        """Chunk ``row``, read from ``chunks.jsonl`` (thread-safe: one ``pread``), and kept:
        an answer reads about 100 chunks (its candidates' texts, places and sections), and
        decoding them each time took 4.6 ms of its 34 ms of CPU. The first
        :data:`CHUNKS_KEPT` chunks read are kept (a generation's files never change)."""
        if (kept := self._read.get(row)) is not None:
            return kept
        chunk = self._read_chunk(row)
        if len(self._read) < CHUNKS_KEPT:
            self._read[row] = chunk
        return chunk

    def _read_chunk(self, row: int) -> Chunk:
        start = int(self._offsets[row])
        if row + 1 < len(self._offsets):
            size = int(self._offsets[row + 1]) - start
        else:
            size = os.fstat(self._chunks.fileno()).st_size - start
        return Chunk.from_dict(json.loads(os.pread(self._chunks.fileno(), size, start)))

    def chunks(self) -> Iterator[Chunk]:
        """Every chunk, in row order."""
        for data in _read_jsonl(self.folder / "chunks.jsonl"):
            yield Chunk.from_dict(data)

    def vectors(self) -> np.ndarray:
        """All stored passage vectors (memory-mapped)."""
        return _load_npy(self.folder / "vectors.npy", mmap=True)

    def tokens(self) -> Tokens:
        """The stored BM25 tokens of every chunk."""
        vocab = _read_jsonl(self.folder / "vocab.jsonl")
        ids = _load_npy(self.folder / "tokens.npy")
        return Tokens(ids, _load_npy(self.folder / "token_offsets.npy"), vocab)

    def nearest(
        self, query: np.ndarray, n: int, allowed: np.ndarray | None = None
    ) -> dict[int, float]:
        """The ``n`` nearest chunks to ``query`` among ``allowed`` rows: row → cosine."""
        import faiss

        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        scores, rows = self.dense.search(query, min(n, len(self)), params=params)
        return {int(r): float(s) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0}

    def cosines(self, query: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """The cosine of ``query`` to the vectors of ``rows`` (from the FAISS index)."""
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        vectors = self.dense.reconstruct_batch(np.asarray(rows, dtype=np.int64))
        return vectors @ query[0]

    def units(self) -> Units:
        """All stored unit vectors (memory-mapped) and their chunks."""
        return Units(_load_npy(self.folder / "unit_vectors.npy", mmap=True), self.unit_chunks)

    def sentences(self) -> Sentences | None:
        """All stored sentence vectors (memory-mapped), or ``None`` for a generation
        written without them."""
        return self._sentences

    def sentence_vectors(self, row: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The spans and vectors of chunk ``row``'s sentences, or ``None`` when not stored."""
        if self._sentences is None:
            return None
        start, end = self._sentence_starts[row], self._sentence_starts[row + 1]
        return self._sentences.spans[start:end], self._sentences.vectors[start:end]

    def nearest_units(
        self, query: np.ndarray, n: int, allowed: np.ndarray | None = None
    ) -> dict[int, float]:
        """The chunks of the ``n`` nearest units to ``query``: row → best cosine among them."""
        import faiss

        params = None
        if allowed is not None:
            units = self._units_of(allowed)[0]
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(units))
        total = len(self.unit_chunks)
        scores, rows = self.unit_index.search(query, min(n, total), params=params)
        found = rows[0] >= 0
        return best_per_chunk(scores[0][found], self.unit_chunks[rows[0][found]])

    def unit_cosines(self, query: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        """For each of ``rows``, the best cosine of ``query`` to its units (from FAISS)."""
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        units, counts = self._units_of(rows)
        cosines = self.unit_index.reconstruct_batch(units) @ query[0]
        return np.maximum.reduceat(cosines, np.cumsum(counts) - counts)

    def _units_of(self, rows: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The unit rows of chunk ``rows``, one chunk after another, and each chunk's count."""
        rows = np.asarray(rows, dtype=np.int64)
        starts, ends = self._unit_starts[rows], self._unit_starts[rows + 1]
        return unit_rows(starts, ends), ends - starts

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        """The BM25 score of every chunk for ``tokens`` (those the index knows)."""
        return _bm25_scores(self.bm25, tokens, len(self))

    def search(self, request: Request) -> Candidates:
        """The candidates for ``request``: FAISS and bm25s, filters as a mask over chunks."""
        allowed = None
        if request.filters:
            passes = [request.filters.allows(d) for d in self.documents]
            allowed = np.flatnonzero(np.array(passes, dtype=bool)[self.chunk_docs])
            if not len(allowed):
                return Candidates.empty()
        query, dense, nearest_units = request.vector, {}, {}
        if query is not None:
            dense = self.nearest(query, request.k, allowed)
            if request.units:
                nearest_units = self.nearest_units(query, request.k, allowed)
        scores, top = None, []
        if request.terms is not None:
            scores = self._keyword_scores(request)
            if allowed is not None:
                mask = np.zeros(len(self), dtype=bool)
                mask[allowed] = True
                scores = np.where(mask, scores, 0.0)
            top = _top(scores, request.k)
        first = sorted(dense.keys() | nearest_units.keys())  # the dense candidates
        rest = sorted(set(top) - set(first))  # found by BM25 only
        rows = np.array(sorted(first + rest), dtype=np.int64)
        cosines = units = np.zeros(0)
        if query is not None:
            scored: dict[int, float] = {}
            if request.units:
                scored.update(zip(first, self.cosines(query, first).tolist(), strict=True))
            else:  # the search's own scores
                scored.update(dense)
            scored.update(zip(rest, self.cosines(query, rest).tolist(), strict=True))
            cosines = np.array([scored[r] for r in rows.tolist()], dtype=np.float32)
            if request.units:
                best = dict(zip(first, self.unit_cosines(query, first).tolist(), strict=True))
                best.update(zip(rest, self.unit_cosines(query, rest).tolist(), strict=True))
                units = np.array([best[r] for r in rows.tolist()], dtype=np.float32)
        bm25 = np.asarray(scores[rows], dtype=np.float64) if scores is not None else np.zeros(0)
        return Candidates(rows, cosines, units, bm25)

    def _keyword_scores(self, request: Request) -> np.ndarray:
        """Every chunk's BM25 score for the request's terms and, at their weight, for its
        expansion terms; each with its document title's BM25 score added at its weight."""
        assert request.terms is not None
        scores = self._with_title(list(request.terms), request.title_weight)
        if request.expansion and request.expansion_weight:
            more = self._with_title(list(request.expansion), request.title_weight)
            scores = scores + request.expansion_weight * more
        return scores

    def _with_title(self, tokens: list[str], title_weight: float) -> np.ndarray:
        scores = self.bm25_scores(tokens)
        if title_weight:
            titles = _bm25_scores(self._titles(), tokens, len(self.documents))
            scores = scores + title_weight * titles[self.chunk_docs]
        return scores

    def _titles(self) -> Any:
        """A BM25 index of the documents' titles, row ``i`` = document ``i`` (made once)."""
        with self._titles_lock:
            if self._title_index is None:
                starts = first_rows(self.chunk_docs, len(self.documents))
                openings = [self._read_chunk(r).text if r >= 0 else "" for r in starts]
                self._title_index = title_index(self.tokenizer, self.documents, openings)
            return self._title_index

    def close(self) -> None:
        """Close the chunk file."""
        self._chunks.close()

    @classmethod
    def complete(cls, index_dir: Path, generation: str) -> bool:
        """Whether a generation folder holds all its files."""
        return all((index_dir / generation / name).exists() for name in FILES)

    @classmethod
    def write(
        cls, index_dir: Path, contents: Contents, flat_limit: int
    ) -> tuple[str, dict[str, Any]]:
        """Write ``contents`` into a new generation folder, synced; return its name and
        the dense index's type and parameters (see :mod:`.files_write`)."""
        return write_generation(index_dir, contents, flat_limit)

    @classmethod
    def cleanup(cls, index_dir: Path, keep: set[str]) -> None:
        """Remove generations and temporary manifests that no manifest points to any more."""
        for path in index_dir.iterdir():
            generation = path.is_dir() and path.name.startswith("g-")
            stale_generation = generation and path.name not in keep
            stale_manifest = path.name.startswith(f"{MANIFEST}.") and path.name.endswith(".tmp")
            if stale_generation:
                shutil.rmtree(path, ignore_errors=True)
            elif stale_manifest:
                path.unlink(missing_ok=True)


@dataclass(frozen=True)
class FilePlace:
    """The file store's generations: folders in the index folder (see :class:`Place`)."""

    index_dir: Path
    name: str = "file"

    def write(self, contents: Contents, flat_limit: int) -> tuple[str, dict[str, Any]]:
        return FileStore.write(self.index_dir, contents, flat_limit)

    def open(self, manifest: Manifest) -> FileStore:
        return FileStore.open(self.index_dir, manifest)

    def complete(self, generation: str) -> bool:
        return FileStore.complete(self.index_dir, generation)

    def cleanup(self, keep: set[str]) -> None:
        FileStore.cleanup(self.index_dir, keep)


def _bm25_scores(bm25: Any, tokens: list[str], n: int) -> np.ndarray:
    """The ``n`` BM25 scores of ``tokens`` (those the index knows)."""
    known = [t for t in tokens if t in bm25.vocab_dict]
    return bm25.get_scores(known) if known else np.zeros(n, dtype=np.float32)


def _top(scores: np.ndarray, n: int) -> list[int]:
    """Rows of the ``n`` highest scores, those above 0 only (in no particular order)."""
    n = min(n, len(scores))
    rows = np.argpartition(-scores, n - 1)[:n] if n else []
    return [int(r) for r in rows if scores[r] > 0]


def _read_jsonl(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _load_npy(path: Path, mmap: bool = False) -> np.ndarray:
    """An array saved by :mod:`.files_write` (memory-mapped read-only with ``mmap``)."""
    with _LOADING:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
