"""Writing one generation folder of the file store (see :mod:`.files` for its layout)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..manifest import fsync
from ..tokens import save_words
from .base import HNSW, Contents

# The files of a generation folder (the layout: :mod:`.files`).
FILES = (
    "documents.jsonl",
    "chunks.jsonl",
    "chunk_offsets.npy",
    "chunk_docs.npy",
    "vectors.npy",
    "dense.faiss",
    "unit_vectors.npy",
    "unit_chunks.npy",
    "units.faiss",
    "tokens.npy",
    "token_offsets.npy",
    "vocab.jsonl",
    "bm25",
    "userdict.txt",
)
VOCABULARY = "vocabulary.json"  # not in FILES: older generations lack it (:mod:`.files`)
SENTENCE_FILES = ("sentence_vectors.npy", "sentence_chunks.npy", "sentence_spans.npy")  # idem


def write_generation(
    index_dir: Path, contents: Contents, flat_limit: int
) -> tuple[str, dict[str, Any]]:
    """Write ``contents`` into a new generation folder, synced; return its name and the
    dense index's type and parameters."""
    import bm25s
    import faiss

    name = f"g-{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    target = index_dir / name
    target.mkdir()
    documents, chunks = contents.documents, contents.chunks
    doc_row = {d.path: i for i, d in enumerate(documents)}
    _write_jsonl(target / "documents.jsonl", [d.to_dict() for d in documents])
    offsets = _write_jsonl(target / "chunks.jsonl", [c.to_dict() for c in chunks])
    _save_npy(target / "chunk_offsets.npy", np.asarray(offsets, dtype=np.int64))
    _save_npy(target / "chunk_docs.npy", np.asarray([doc_row[c.doc] for c in chunks], np.int32))
    _save_npy(target / "vectors.npy", contents.vectors)

    dense, dense_info = _dense_index(contents.vectors, flat_limit)
    faiss.write_index(dense, str(target / "dense.faiss"))
    del dense
    _save_npy(target / "unit_vectors.npy", contents.units.vectors)
    _save_npy(target / "unit_chunks.npy", contents.units.chunks)
    units, dense_info["units"] = _dense_index(contents.units.vectors, flat_limit)
    faiss.write_index(units, str(target / "units.faiss"))
    del units
    if (sentences := contents.sentences) is not None:
        arrays = (sentences.vectors, sentences.chunks, sentences.spans)
        for file, array in zip(SENTENCE_FILES, arrays, strict=True):
            _save_npy(target / file, array)
        dense_info["sentences"] = {"count": len(sentences.chunks)}

    tokens = contents.tokens
    save_words(contents.words, target / "userdict.txt")
    contents.vocabulary.save(target / VOCABULARY)
    _save_npy(target / "tokens.npy", tokens.ids)
    _save_npy(target / "token_offsets.npy", tokens.offsets)
    _write_jsonl(target / "vocab.jsonl", tokens.vocab)
    bm25 = bm25s.BM25()
    vocab = {token: i for i, token in enumerate(tokens.vocab)}
    bm25.index((tokens.id_lists(), vocab), show_progress=False)
    bm25.save(str(target / "bm25"), show_progress=False)
    _fsync_tree(target)
    return name, dense_info


def _dense_index(vectors: np.ndarray, flat_limit: int) -> tuple[Any, dict[str, Any]]:
    """Exact inner product up to ``flat_limit`` vectors, HNSW above it."""
    import faiss

    dimension = vectors.shape[1]
    if len(vectors) <= flat_limit:
        index = faiss.IndexFlatIP(dimension)
        info: dict[str, Any] = {"type": "IndexFlatIP"}
    else:
        index = faiss.IndexHNSWFlat(dimension, HNSW["M"], faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW["efConstruction"]
        info = {"type": "IndexHNSWFlat", **HNSW}
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


def _save_npy(path: Path, array: np.ndarray) -> None:
    np.save(path, array, allow_pickle=False)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            fsync(path)
    for path in [*folder.rglob("*"), folder]:
        if path.is_dir():
            fsync(path)
