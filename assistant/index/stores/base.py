"""What every store is: the :class:`Store` protocol and the :class:`Contents` it writes.

A store keeps one built index's documents, chunks, vectors and BM25 tokens, and
serves one search request over them (:class:`Request` → :class:`Candidates`): the
nearest chunks and sentence units to a query vector, the best BM25 matches to the
query's terms, the filters (:class:`Filters`, as data) pushed down to the store —
masks in the file store, expressions in an engine. Everything after (fusion, shifts,
refusals, answers) works on the candidates. The build
(:mod:`assistant.index.builder`) decides what goes in; the manifest
(:mod:`assistant.index.manifest`) names the store and the generation in use.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from ...types import Chunk, DocumentInfo
from ..manifest import Manifest
from ..sentence_vectors import Sentences
from ..tokens import Tokenizer, Tokens
from ..units import Units
from ..vocabulary import Vocabulary

CANDIDATES = 100
# The HNSW graphs of every store that builds one (faiss, Milvus): links a vector keeps, the
# candidate list while building, and while searching (at least the k asked).
HNSW = {"M": 32, "efConstruction": 80, "efSearch": 128}


@dataclass(frozen=True)
class Filters:
    """Optional restrictions on what a search may return (empty = no restriction).

    Attributes:
        doc_type: Only documents of this 文种.
        issuer: Only documents whose issuer contains this.
        year: Only documents issued in this year.
        docs: Only these documents (their paths in the index), e.g. those a
            conversation's topic was answered from.
    """

    doc_type: str = ""
    issuer: str = ""
    year: str = ""
    docs: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.doc_type or self.issuer or self.year or self.docs)

    def within(self, docs: frozenset[str]) -> Filters:
        """These filters, and only the documents ``docs`` as well."""
        return replace(self, docs=self.docs & docs if self.docs else docs)

    def allows(self, document: DocumentInfo) -> bool:
        """Whether a document passes the filters."""
        source = document.source
        return (
            (not self.doc_type or source.doc_type == self.doc_type)
            and (not self.issuer or self.issuer in source.issuer)
            and (not self.year or source.issued_on.startswith(self.year))
            and (not self.docs or document.path in self.docs)
        )


@dataclass(frozen=True)
class Request:
    """One search, as a store serves it.

    Attributes:
        vector: The query's L2-normalized vector, shape ``(1, dimension)``; ``None``
            searches no vectors (BM25 only).
        terms: The query's BM25 tokens; ``None`` scores no BM25 (dense only).
        expansion: The tokens of the documents' other wordings of its terms, scored
            at ``expansion_weight`` (see :mod:`assistant.index.vocabulary`).
        expansion_weight: Their weight.
        title_weight: A chunk's BM25 score adds this times its document title's BM25
            score among all titles (once per document, not inside each chunk).
        units: Also search the sentence units, and give every candidate its best
            unit's cosine (parent/child retrieval, see :mod:`assistant.index.units`).
        filters: Only chunks of documents that pass them.
        k: How many candidates of each method (chunks, units, BM25).
    """

    vector: np.ndarray | None
    terms: tuple[str, ...] | None
    expansion: tuple[str, ...] = ()
    expansion_weight: float = 0.0
    title_weight: float = 0.0
    units: bool = True
    filters: Filters = field(default_factory=Filters)
    k: int = CANDIDATES


@dataclass(frozen=True)
class Candidates:
    """What a store found for a :class:`Request`: each candidate chunk with its scores.

    Candidates are the ``k`` nearest chunks, the chunks of the ``k`` nearest units and
    the ``k`` best BM25 matches (score above 0), in row order, each scored by every
    method searched.

    Attributes:
        rows: The candidates' chunk rows, ascending.
        cosines: Each one's cosine to the query vector, float32 (empty without a vector).
        units: Each one's best cosine among its sentence units, float32 (empty without
            units).
        bm25: Each one's BM25 score, title and expansion included (empty without terms).
    """

    rows: np.ndarray
    cosines: np.ndarray
    units: np.ndarray
    bm25: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def empty(cls) -> Candidates:
        """No candidates."""
        nothing = np.zeros(0, dtype=np.float32)
        return cls(np.zeros(0, dtype=np.int64), nothing, nothing, np.zeros(0))


@dataclass(frozen=True)
class Contents:
    """Everything a build hands a store to write as a new generation.

    Attributes:
        documents: The indexed documents, in corpus order.
        chunks: All chunks, in row order.
        vectors: Their passage vectors, row ``i`` = chunk ``i`` (float32, L2-normalized).
        units: Their sentence units' vectors (see :mod:`assistant.index.units`).
        tokens: Their BM25 tokens.
        words: The jieba user dictionary the tokens were made with.
        vocabulary: The citizens' vocabulary that expands questions.
        sentences: Their quotable sentences' vectors (see
            :mod:`assistant.index.sentence_vectors`); ``None`` writes none.
    """

    documents: list[DocumentInfo]
    chunks: list[Chunk]
    vectors: np.ndarray
    units: Units
    tokens: Tokens
    words: list[str]
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    sentences: Sentences | None = None


class Store(Protocol):
    """One generation of a built index, opened for reading and searching.

    Attributes:
        manifest: The manifest that names this generation.
        documents: The indexed documents; row ``i`` is document ``i``.
        chunk_docs: The document row of every chunk.
        tokenizer: The BM25 tokenizer with this generation's user dictionary.
        vocabulary: The vocabulary that expands questions (empty for a
            generation written before there was one).
    """

    manifest: Manifest
    documents: list[DocumentInfo]
    chunk_docs: np.ndarray
    tokenizer: Tokenizer
    vocabulary: Vocabulary

    @classmethod
    def write(cls, index_dir: Path, contents: Contents, flat_limit: int) -> tuple[str, dict]:
        """Write ``contents`` as a new generation; return its name and dense-index info.

        Nothing the current manifest names is touched: the caller commits the new
        generation by writing a manifest that names it.
        """
        ...

    @classmethod
    def open(cls, index_dir: Path, manifest: Manifest) -> Store:
        """Open the generation ``manifest`` names (``OSError``/``ValueError`` when damaged)."""
        ...

    @classmethod
    def complete(cls, index_dir: Path, generation: str) -> bool:
        """Whether a generation holds all its data."""
        ...

    @classmethod
    def cleanup(cls, index_dir: Path, keep: set[str]) -> None:
        """Remove the generations not in ``keep`` and any half-written leftovers."""
        ...

    def __len__(self) -> int:
        """The number of chunks."""
        ...

    def chunk(self, row: int) -> Chunk:
        """Chunk ``row`` (thread-safe)."""
        ...

    def chunks(self) -> Iterator[Chunk]:
        """Every chunk, in row order."""
        ...

    def vectors(self) -> np.ndarray:
        """Every chunk's vector, row ``i`` = chunk ``i``."""
        ...

    def tokens(self) -> Tokens:
        """Every chunk's stored BM25 tokens."""
        ...

    def units(self) -> Units:
        """Every chunk's sentence units (vectors memory-mapped where the store can)."""
        ...

    def sentences(self) -> Sentences | None:
        """Every chunk's sentence vectors, or ``None`` when this generation has none."""
        ...

    def sentence_vectors(self, row: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The spans (``(n, 2)``, in the chunk's text) and vectors of chunk ``row``'s
        quotable sentences, or ``None`` when this generation stores none."""
        ...

    def search(self, request: Request) -> Candidates:
        """The candidates for ``request`` with their scores (see :class:`Request`)."""
        ...

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        """The BM25 score of every chunk for query ``tokens`` (the checks that ask which
        chunks hold a word)."""
        ...

    def close(self) -> None:
        """Release open files."""
        ...


class Place(Protocol):
    """Where a store's generations live (a folder, a Milvus database), as settings name it.

    Attributes:
        name: What the manifest records as its ``store`` (``file``, or the Milvus
            address without credentials).
    """

    name: str

    def write(self, contents: Contents, flat_limit: int) -> tuple[str, dict]:
        """Write ``contents`` as a new generation; return its name and dense-index info.

        Nothing the current manifest names is touched: the caller commits the new
        generation by writing a manifest that names it.
        """
        ...

    def open(self, manifest: Manifest) -> Store:
        """Open the generation ``manifest`` names (``OSError``/``ValueError`` when damaged)."""
        ...

    def complete(self, generation: str) -> bool:
        """Whether a generation holds all its data."""
        ...

    def cleanup(self, keep: set[str]) -> None:
        """Remove the generations not in ``keep`` and any half-written leftovers."""
        ...
