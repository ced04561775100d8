"""The index: a self-describing folder, built incrementally and swapped atomically.

Layout (``index/`` by default)::

    manifest.json        format, model, settings, documents (sha256, chunk ids),
                         the files' problems and the generation folder that holds the data
    g-<time>-<id>/       one generation, never changed once the manifest names it
        documents.jsonl  one document's citation metadata a line
        chunks.jsonl     one chunk a line (UTF-8, ensure_ascii=False)
        chunk_offsets.npy  byte offset of every line of chunks.jsonl
        chunk_docs.npy   the document (line of documents.jsonl) of every chunk
        vectors.npy      float32 passage embeddings, row i = chunk i
        dense.faiss      FAISS inner-product index over the vectors
        tokens.npy       int32 BM25 tokens of all chunks, one after another (ids into vocab.jsonl)
        token_offsets.npy  where each chunk's tokens start in tokens.npy (one more than chunks)
        vocab.jsonl      one token a line, as a JSON string
        bm25/            bm25s index of the chunks' jieba tokens
        userdict.txt     the jieba words kept whole

A build writes a new generation, then replaces ``manifest.json`` in one
``os.replace``: a crash at any moment leaves the previous index loadable. A build
that finds nothing changed writes nothing. Unchanged documents keep their vectors
and their BM25 tokens, so an update embeds and tokenizes only what is new.
Entry points: :func:`build` and :func:`open_index`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from . import __version__
from .ingest import PIPELINE_VERSION, FileReport, ingest
from .models import Chunk
from .settings import Settings
from .tokens import (
    JIEBA_VERSION,
    Tokenizer,
    dictionary_words,
    keyword_text,
    load_words,
    normalize_text,
    save_words,
)

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
# Bump when tokens.Tokenizer changes the tokens of a text: builds then tokenize every
# chunk again instead of reusing the tokens stored for unchanged documents.
TOKENS_VERSION = 2
TOKENIZER = {"name": "jieba", "version": JIEBA_VERSION, "mode": "search", "tokens": TOKENS_VERSION}
GENERATION_FILES = (
    "documents.jsonl",
    "chunks.jsonl",
    "chunk_offsets.npy",
    "chunk_docs.npy",
    "vectors.npy",
    "dense.faiss",
    "tokens.npy",
    "token_offsets.npy",
    "vocab.jsonl",
    "bm25",
    "userdict.txt",
)
# Settings whose change makes every stored chunk or vector stale.
SHAPING = ("model", "chunk_size", "chunk_min")
# np.load parses each .npy header with ast.literal_eval, and on CPython 3.11 two threads
# doing that at once can fail with "SystemError: AST constructor recursion depth
# mismatch" (python/cpython#106905): a rebuild thread and a reader opening the index
# are such a pair. Every load of index arrays takes this lock; loads take milliseconds.
_LOADING = threading.Lock()


class IndexUnavailable(RuntimeError):
    """The index is missing, damaged, or was built in a way this version cannot use."""


@dataclass(frozen=True)
class BuildReport:
    """What a build did.

    Attributes:
        files: One report per corpus file.
        chunks: Chunks in the new index.
        embedded: Chunks embedded in this build (new or changed documents).
        reused: Chunks whose stored vectors were kept.
        removed: Documents dropped because their file is gone.
        full_reason: Why everything was rebuilt, or ``""`` for an incremental build.
        seconds: Wall time.
        changed: Whether a new generation was written; ``False`` when the corpus
            and settings matched the index already (nothing written, no model loaded).
    """

    files: tuple[FileReport, ...]
    chunks: int
    embedded: int
    reused: int
    removed: tuple[str, ...]
    full_reason: str
    seconds: float
    changed: bool


@dataclass
class Index:
    """A loaded index: manifest, documents, chunk store, FAISS and BM25.

    To keep memory low, ``manifest`` lacks the per-document list (see
    :func:`read_manifest` for all of it), the BM25 arrays are memory-mapped and
    chunks are read from disk when asked for.
    """

    path: Path
    manifest: dict[str, Any]
    documents: list[dict[str, Any]]
    chunk_docs: np.ndarray
    dense: Any
    bm25: Any
    tokenizer: Tokenizer
    _offsets: np.ndarray = field(repr=False)
    _chunks: BinaryIO = field(repr=False)  # closed by close(), or when the index is dropped

    def __len__(self) -> int:
        return len(self._offsets)

    def chunk(self, i: int) -> Chunk:
        """Chunk ``i``, read from ``chunks.jsonl`` on demand (thread-safe)."""
        start = int(self._offsets[i])
        end = int(self._offsets[i + 1]) if i + 1 < len(self._offsets) else None
        size = (end - start) if end is not None else os.fstat(self._chunks.fileno()).st_size - start
        line = os.pread(self._chunks.fileno(), size, start)
        return Chunk.from_dict(json.loads(line))

    def vectors(self) -> np.ndarray:
        """All stored passage vectors (memory-mapped)."""
        return _load_npy(self.generation / "vectors.npy", mmap=True)

    @property
    def generation(self) -> Path:
        return self.path / self.manifest["generation"]

    def close(self) -> None:
        self._chunks.close()


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The manifest of ``index_dir``, or ``None`` when there is no index yet."""
    path = index_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise IndexUnavailable(f"索引清单损坏 damaged manifest {path}: {error}") from error


def check_compatible(
    manifest: dict[str, Any], settings: Settings, names: tuple[str, ...] = SHAPING
) -> str:
    """Return why ``manifest`` cannot serve ``settings`` (``""`` when it can).

    Args:
        manifest: A manifest from :func:`read_manifest`.
        settings: The settings in force.
        names: The settings that must match: all that shape chunks and vectors
            when building, only the model when searching.
    """
    if manifest.get("format") != FORMAT_VERSION:
        return f"索引格式版本 {manifest.get('format')} ≠ {FORMAT_VERSION}"
    if names == SHAPING and manifest.get("pipeline") != PIPELINE_VERSION:
        return f"文本处理流程版本 pipeline {manifest.get('pipeline')} ≠ {PIPELINE_VERSION}"
    built = manifest.get("settings", {})
    for name in names:
        if built.get(name) != getattr(settings, name):
            return f"{name} 已从 {built.get(name)!r} 改为 {getattr(settings, name)!r}"
    return ""


def open_index(settings: Settings) -> Index:
    """Load the index at ``settings.index`` for searching.

    Raises:
        IndexUnavailable: No index, a damaged one, or one built with another
            model or format; the message says how to rebuild.
    """
    manifest = read_manifest(settings.index)
    if manifest is None:
        raise IndexUnavailable(
            f"还没有索引 no index at {settings.index}："
            f"请先运行 assistant build --index {settings.index}"
        )
    if reason := check_compatible(manifest, settings, names=("model",)):
        raise IndexUnavailable(
            f"索引 {settings.index} 与当前设置不符（{reason}）。"
            f"请重建 rebuild: assistant build --index {settings.index}"
        )
    try:
        return _load(settings.index, manifest)
    except (OSError, RuntimeError, ValueError) as error:
        latest = read_manifest(settings.index)
        if latest and latest["generation"] != manifest["generation"]:
            return open_index(settings)  # replaced while loading: open the new one
        raise IndexUnavailable(
            f"索引文件损坏 damaged index {settings.index / manifest['generation']}: {error}。"
            "请重建: assistant build"
        ) from error


def _load(index_dir: Path, manifest: dict[str, Any]) -> Index:
    """Open the generation ``manifest`` names (raises OSError and the like when damaged)."""
    import bm25s
    import faiss

    manifest.pop("documents", None)  # every chunk id: for builds, not needed to search
    generation = index_dir / manifest["generation"]
    documents = _read_jsonl(generation / "documents.jsonl")
    offsets = _load_npy(generation / "chunk_offsets.npy")
    chunk_docs = _load_npy(generation / "chunk_docs.npy")
    dense = faiss.read_index(str(generation / "dense.faiss"))
    if "efSearch" in manifest["dense"]:
        dense.hnsw.efSearch = manifest["dense"]["efSearch"]
    # A question reads only its own tokens' postings: map the arrays, do not load them.
    with _LOADING:
        bm25 = bm25s.BM25.load(str(generation / "bm25"), mmap=True, show_progress=False)
    tokenizer = Tokenizer(load_words(generation / "userdict.txt"))
    store = (generation / "chunks.jsonl").open("rb")
    return Index(index_dir, manifest, documents, chunk_docs, dense, bm25, tokenizer, offsets, store)


def passage_text(chunk: Chunk) -> str:
    """What is embedded for a chunk: title and section give it context.

    BM25 indexes :func:`assistant.tokens.keyword_text` instead (no title).
    """
    return "\n".join(x for x in (chunk.title, chunk.section, chunk.text) if x)


def build(
    settings: Settings,
    on_file: Callable[[FileReport], None] | None = None,
    progress: bool = False,
) -> BuildReport:
    """Build or update the index at ``settings.index`` from ``settings.corpus``.

    Unchanged files keep their chunks, vectors and BM25 tokens; new and changed
    files are read, embedded and tokenized; files that are gone are dropped. A
    different model or chunking setting rebuilds everything. When neither the
    files nor the settings changed, nothing is written and the model is not loaded.

    Args:
        settings: Corpus, index, model and chunking settings.
        on_file: Called with each file's report as soon as it is known.
        progress: Show a progress bar while embedding.

    Raises:
        IndexUnavailable: Nothing in the corpus could be indexed (the previous
            index, if any, is left as it was).
    """
    from .embedding import load_embedder

    started = time.perf_counter()
    if not settings.corpus.is_dir():
        raise IndexUnavailable(f"找不到文件夹 corpus folder not found: {settings.corpus}")
    settings.index.mkdir(parents=True, exist_ok=True)
    with _build_lock(settings.index):
        old = read_manifest(settings.index)
        full_reason = "新建索引 new index" if old is None else check_compatible(old, settings)
        if old and not full_reason and not _complete(settings.index / old["generation"]):
            full_reason = f"索引文件不全 incomplete generation {old['generation']}"
        base = old if old and not full_reason else None  # the index this build updates
        known = {d["path"]: d["sha256"] for d in base["documents"]} if base else {}

        reports = []
        for report in ingest(settings.corpus, settings, known=known):
            reports.append(report)
            if on_file:
                on_file(report)
        unchanged = [r.path for r in reports if r.status == "unchanged"]
        new = [r for r in reports if r.used]
        if not unchanged and not new:
            raise IndexUnavailable(f"{settings.corpus} 中没有可用的文件 no usable files")
        removed = tuple(sorted(set(known) - set(unchanged) - {r.path for r in new}))
        problems = _problems(reports, base)
        if (  # the index already says all there is to say: keep it as it is
            base
            and not new
            and not removed
            and problems == base["problems"]
            and _settings_record(settings) == base["settings"]
            and _stored_tokens_fit(base)
        ):
            count = base["counts"]["chunks"]
            seconds = time.perf_counter() - started
            return BuildReport(tuple(reports), count, 0, count, (), "", seconds, changed=False)

        previous = _previous_chunks(settings.index, base) if base and unchanged else {}
        kept = [pair for path in unchanged for pair in previous[path]]
        rows = [row for row, _ in kept]
        new_chunks = [c for report in new for c in report.chunks]
        if new_chunks or not base:
            embedder = load_embedder(settings.model)
            new_vectors = embedder.encode_passages(
                [passage_text(c) for c in new_chunks], progress=progress
            )
            model = {
                "name": embedder.name,
                "dimension": embedder.dimension,
                "prompts": embedder.prompts,
            }
        else:  # documents removed or settings changed: the stored vectors are all it takes
            model = base["model"]
            new_vectors = np.zeros((0, model["dimension"]), dtype=np.float32)
        vectors = _vectors(settings.index, base, rows, new_vectors)
        chunks = [c for _, c in kept] + new_chunks
        documents = _documents(reports, settings.index, base)
        reuse = base and _stored_tokens_fit(base)
        manifest = _write_generation(
            settings,
            model,
            documents,
            chunks,
            vectors,
            problems,
            previous=settings.index / base["generation"] if reuse else None,
            rows=rows,
        )
        _cleanup(settings.index, keep={manifest["generation"], old and old.get("generation")})
    return BuildReport(
        files=tuple(reports),
        chunks=len(chunks),
        embedded=len(new_chunks),
        reused=len(kept),
        removed=removed,
        full_reason=full_reason,
        seconds=time.perf_counter() - started,
        changed=True,
    )


@dataclass(frozen=True)
class Tokens:
    """The BM25 tokens of every chunk of a generation.

    Chunk ``i`` has the tokens ``[vocab[t] for t in ids[offsets[i]:offsets[i + 1]]]``.
    """

    ids: np.ndarray
    offsets: np.ndarray
    vocab: list[str]

    def of(self, i: int) -> list[str]:
        """The tokens of chunk ``i``."""
        return [self.vocab[t] for t in self.ids[self.offsets[i] : self.offsets[i + 1]].tolist()]

    def id_lists(self) -> list[list[int]]:
        """The token ids of every chunk, as bm25s takes them."""
        return [part.tolist() for part in np.split(self.ids, self.offsets[1:-1])]


def load_tokens(generation: Path) -> Tokens:
    """The stored BM25 tokens of a generation folder."""
    with (generation / "vocab.jsonl").open(encoding="utf-8") as handle:
        vocab = [json.loads(line) for line in handle]
    return Tokens(
        _load_npy(generation / "tokens.npy"),
        _load_npy(generation / "token_offsets.npy"),
        vocab,
    )


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    with open(index_dir / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise IndexUnavailable(
                f"另一个构建正在进行 another build is running on {index_dir}"
            ) from error
        yield


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _complete(generation: Path) -> bool:
    """Whether a generation folder holds all its files."""
    return all((generation / name).exists() for name in GENERATION_FILES)


def _settings_record(settings: Settings) -> dict[str, Any]:
    """The settings as the manifest stores them (the paths left out)."""
    return {k: v for k, v in settings.to_dict().items() if k not in ("corpus", "index")}


def _problems(reports: list[FileReport], base: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every corpus file's problems; unchanged files keep those found when they were read."""
    before = {p["path"]: p for p in base["problems"]} if base else {}
    problems = []
    for report in reports:
        if report.status == "unchanged" and report.path in before:
            problems.append(before[report.path])
        elif report.problems:
            problems.append(
                {"path": report.path, "status": report.status, "problems": list(report.problems)}
            )
    return problems


def _previous_chunks(index_dir: Path, old: dict[str, Any]) -> dict[str, list[tuple[int, Chunk]]]:
    """Chunks of the old index by document path, with their row in the old vectors."""
    by_doc: dict[str, list[tuple[int, Chunk]]] = {}
    for row, data in enumerate(_read_jsonl(index_dir / old["generation"] / "chunks.jsonl")):
        chunk = Chunk.from_dict(data)
        by_doc.setdefault(chunk.doc, []).append((row, chunk))
    return by_doc


def _vectors(
    index_dir: Path, base: dict[str, Any] | None, rows: list[int], new: np.ndarray
) -> np.ndarray:
    """Rows ``rows`` of the stored vectors, then ``new``, in one array."""
    if not rows or base is None:
        return new
    stored = _load_npy(index_dir / base["generation"] / "vectors.npy", mmap=True)
    vectors = np.empty((len(rows) + len(new), stored.shape[1]), dtype=np.float32)
    np.take(stored, np.asarray(rows, dtype=np.int64), axis=0, out=vectors[: len(rows)])
    vectors[len(rows) :] = new
    return vectors


def _documents(
    reports: list[FileReport], index_dir: Path, base: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Citation metadata of every indexed document, in corpus order."""
    before = {}
    if base and any(r.status == "unchanged" for r in reports):
        rows = _read_jsonl(index_dir / base["generation"] / "documents.jsonl")
        before = {d["path"]: d for d in rows}
    documents = []
    for report in reports:
        if report.status == "unchanged":
            documents.append(before[report.path])
        elif report.document:
            d = report.document.to_dict()
            del d["text"], d["page_starts"]
            d["pages"] = report.document.pages
            documents.append(d)
    return documents


def _stored_tokens_fit(base: dict[str, Any]) -> bool:
    """Whether the tokens stored by ``base`` were made by the tokenizer in use now."""
    stored = {k: v for k, v in base["tokenizer"].items() if k != "user_words"}
    return stored == TOKENIZER


def _chunk_tokens(
    chunks: list[Chunk], words: list[str], previous: Path | None, rows: Sequence[int]
) -> Tokens:
    """The BM25 tokens of ``chunks``, reusing the stored tokens of unchanged ones.

    Args:
        chunks: All chunks of the new generation.
        words: Its user dictionary (see :func:`assistant.tokens.dictionary_words`).
        previous: The generation folder to take stored tokens from, if any.
        rows: The first ``len(rows)`` chunks are these rows of ``previous``. Their
            stored tokens are reused unless their text contains a dictionary word
            that was added or dropped since, which jieba would now cut differently.
            The other chunks are tokenized.

    A reused chunk's tokens can still differ from a fresh build's in one rare way:
    the dictionary's word count enters jieba's path probabilities, so a near-tie
    between two ways to cut a phrase may fall the other way once words are added.
    """
    stored, touched = None, None
    vocab: dict[str, int] = {}  # token -> id, ids in insertion order
    if previous is not None and rows:
        stored = load_tokens(previous)
        vocab = {token: i for i, token in enumerate(stored.vocab)}
        changed = set(words).symmetric_difference(load_words(previous / "userdict.txt"))
        if changed:
            touched = re.compile("|".join(re.escape(w) for w in sorted(changed, key=len)[::-1]))
    tokenizer = None
    parts: list[np.ndarray] = []
    for i, chunk in enumerate(chunks):
        text = keyword_text(chunk)
        reusable = stored is not None and i < len(rows)
        if reusable and not (touched and touched.search(normalize_text(text))):
            parts.append(stored.ids[stored.offsets[rows[i]] : stored.offsets[rows[i] + 1]])
            continue
        tokenizer = tokenizer or Tokenizer(words)
        tokens = tokenizer(text) or [""]  # bm25s needs a token in every document
        parts.append(np.array([vocab.setdefault(t, len(vocab)) for t in tokens], dtype=np.int32))
    ids = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)
    used = np.zeros(len(vocab), dtype=bool)  # drop the tokens of documents that are gone
    used[ids] = True
    renumbered = (np.cumsum(used) - 1).astype(np.int32)
    kept_vocab = [token for token, keep in zip(vocab, used.tolist(), strict=True) if keep]
    return Tokens(renumbered[ids], offsets, kept_vocab)


def _write_generation(
    settings: Settings,
    model: dict[str, Any],
    documents: list[dict[str, Any]],
    chunks: list[Chunk],
    vectors: np.ndarray,
    problems: list[dict[str, Any]],
    previous: Path | None = None,
    rows: Sequence[int] = (),
) -> dict[str, Any]:
    """Write a complete generation folder, then point the manifest at it.

    Args:
        settings: The settings in force (recorded in the manifest).
        model: The embedding model's ``name``, ``dimension`` and ``prompts``.
        documents: Rows of ``documents.jsonl``.
        chunks: All chunks, in row order.
        vectors: Their passage vectors, row ``i`` = chunk ``i``.
        problems: The corpus files' problems, for the manifest.
        previous: A generation whose stored tokens may be reused.
        rows: The first ``len(rows)`` chunks are these rows of ``previous``.
    """
    import bm25s
    import faiss

    name = f"g-{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    target = settings.index / name
    target.mkdir()
    doc_row = {d["path"]: i for i, d in enumerate(documents)}
    _write_jsonl(target / "documents.jsonl", documents)
    offsets = _write_jsonl(target / "chunks.jsonl", [c.to_dict() for c in chunks])
    _save_npy(target / "chunk_offsets.npy", np.asarray(offsets, dtype=np.int64))
    _save_npy(target / "chunk_docs.npy", np.asarray([doc_row[c.doc] for c in chunks], np.int32))
    _save_npy(target / "vectors.npy", vectors)

    dense, dense_info = _dense_index(vectors, settings.flat_limit)
    faiss.write_index(dense, str(target / "dense.faiss"))
    del dense

    words = dictionary_words(
        (d["title"] for d in documents), (d["issuer"] for d in documents), (c.text for c in chunks)
    )
    save_words(words, target / "userdict.txt")
    tokens = _chunk_tokens(chunks, words, previous, rows)
    _save_npy(target / "tokens.npy", tokens.ids)
    _save_npy(target / "token_offsets.npy", tokens.offsets)
    _write_jsonl(target / "vocab.jsonl", tokens.vocab)
    bm25 = bm25s.BM25()
    vocab = {token: i for i, token in enumerate(tokens.vocab)}
    bm25.index((tokens.id_lists(), vocab), show_progress=False)
    bm25.save(str(target / "bm25"), show_progress=False)
    _fsync_tree(target)

    chunk_ids: dict[str, list[str]] = {}
    for c in chunks:
        chunk_ids.setdefault(c.doc, []).append(c.id)
    manifest = {
        "format": FORMAT_VERSION,
        "package_version": __version__,
        "pipeline": PIPELINE_VERSION,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "generation": name,
        "model": model,
        "settings": _settings_record(settings),
        "tokenizer": {**TOKENIZER, "user_words": len(words)},
        "dense": dense_info,
        "counts": {"documents": len(documents), "chunks": len(chunks)},
        "documents": [
            {"path": d["path"], "sha256": d["sha256"], "chunks": chunk_ids.get(d["path"], [])}
            for d in documents
        ],
        "problems": problems,
    }
    temporary = settings.index / f"{MANIFEST}.{name}.tmp"
    temporary.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    _fsync(temporary)
    os.replace(temporary, settings.index / MANIFEST)
    _fsync(settings.index)
    return manifest


def _dense_index(vectors: np.ndarray, flat_limit: int) -> tuple[Any, dict[str, Any]]:
    """Exact inner product up to ``flat_limit`` vectors, HNSW above it."""
    import faiss

    dimension = vectors.shape[1]
    if len(vectors) <= flat_limit:
        index = faiss.IndexFlatIP(dimension)
        info: dict[str, Any] = {"type": "IndexFlatIP"}
    else:
        index = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        info = {"type": "IndexHNSWFlat", "M": 32, "efConstruction": 80, "efSearch": 128}
    index.add(vectors)
    return index, info


def _write_jsonl(path: Path, rows: Sequence[Any]) -> list[int]:
    """Write ``rows`` as JSON lines; return the byte offset of each line."""
    offsets, position = [], 0
    with path.open("wb") as handle:
        for row in rows:
            line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
            offsets.append(position)
            handle.write(line)
            position += len(line)
    return offsets


def _load_npy(path: Path, mmap: bool = False) -> np.ndarray:
    """An array saved by :func:`_save_npy` (memory-mapped read-only with ``mmap``)."""
    with _LOADING:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)


def _save_npy(path: Path, array: np.ndarray) -> None:
    np.save(path, array, allow_pickle=False)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            _fsync(path)
    for path in [*folder.rglob("*"), folder]:
        if path.is_dir():
            _fsync(path)


def _cleanup(index_dir: Path, keep: set[str | None]) -> None:
    """Remove generations and temporary files that no manifest points to any more.

    The previous generation is kept so that readers that loaded it keep working.
    """
    for path in index_dir.iterdir():
        stale_generation = path.is_dir() and path.name.startswith("g-") and path.name not in keep
        stale_manifest = path.name.startswith(f"{MANIFEST}.") and path.name.endswith(".tmp")
        if stale_generation:
            shutil.rmtree(path, ignore_errors=True)
        elif stale_manifest:
            path.unlink(missing_ok=True)
