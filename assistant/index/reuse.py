"""What an incremental build keeps of the previous generation: the chunks, vectors and BM25
tokens of unchanged files (:mod:`.builder`), so that only new or changed files are embedded and
tokenized."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

import numpy as np

from ..documents.ingest import FileReport
from ..types import Chunk, DocumentInfo, FileStatus
from .manifest import Manifest
from .stores import Store
from .tokens import TOKENIZER, Tokenizer, Tokens, keyword_text, normalize_text
from .units import passage_text, rows_of_chunks, unit_texts


def kept_chunks(previous: Store | None, unchanged: list[str]) -> list[tuple[int, Chunk]]:
    """The chunks of unchanged files in the previous index, with their rows there."""
    if previous is None:
        return []
    by_doc: dict[str, list[tuple[int, Chunk]]] = {}
    for row, chunk in enumerate(previous.chunks()):
        by_doc.setdefault(chunk.doc, []).append((row, chunk))
    return [pair for path in unchanged for pair in by_doc[path]]


def stored_vectors(previous: Store | None, rows: list[int], new: np.ndarray) -> np.ndarray:
    """Rows ``rows`` of the stored vectors, then ``new``, in one array."""
    if not rows or previous is None:
        return new
    stored = previous.vectors()
    vectors = np.empty((len(rows) + len(new), stored.shape[1]), dtype=np.float32)
    np.take(stored, np.asarray(rows, dtype=np.int64), axis=0, out=vectors[: len(rows)])
    vectors[len(rows) :] = new
    return vectors


def stored_equals(
    previous: Store,
    kept: Sequence[tuple[int, Chunk]],
    unit_chars: int,
    wanted: Collection[str],
) -> dict[str, np.ndarray]:
    """The stored vectors of the kept chunks' passage and unit texts that are among ``wanted``.

    A build that embeds the sentences of kept chunks (an index written before sentence
    vectors were stored) gives a sentence whose embedding text is one of these the vector
    stored for it, as a full build gives it its equal's (see
    :func:`~assistant.index.embedders.base.encode_with_more`).

    Args:
        previous: The index the chunks are kept from.
        kept: The kept chunks, each with its row in ``previous``.
        unit_chars: ``Settings.unit_chars`` (the same as ``previous``'s: it shapes units).
        wanted: The texts about to be embedded.
    """
    vectors, units = previous.vectors(), previous.units()
    found: dict[str, np.ndarray] = {}
    for row, chunk in kept:
        if (text := passage_text(chunk)) in wanted:
            found.setdefault(text, np.asarray(vectors[row], dtype=np.float32))
        own = unit_texts(chunk, unit_chars)  # none: the chunk is its own unit
        if own:
            picked, _ = rows_of_chunks(units.chunks, [row])
            for text, unit in zip(own, picked.tolist(), strict=True):
                if text in wanted:
                    found.setdefault(text, np.asarray(units.vectors[unit], dtype=np.float32))
    return found


def documents_of(reports: list[FileReport], previous: Store | None) -> list[DocumentInfo]:
    """Every indexed document, in corpus order."""
    before = {d.path: d for d in previous.documents} if previous else {}
    documents = []
    for report in reports:
        if report.status == FileStatus.UNCHANGED:
            documents.append(before[report.path])
        elif report.document:
            documents.append(report.document.info())
    return documents


def stored_tokens_fit(base: Manifest) -> bool:
    """Whether the tokens stored by ``base`` were made by the tokenizer in use now."""
    return {k: v for k, v in base.tokenizer.items() if k != "user_words"} == TOKENIZER


def chunk_tokens(
    chunks: list[Chunk], words: list[str], previous: Store | None, rows: Sequence[int]
) -> Tokens:
    """The BM25 tokens of ``chunks``, reusing the stored tokens of unchanged ones.

    Args:
        chunks: All chunks of the new generation.
        words: Its user dictionary (see :func:`assistant.index.tokens.dictionary_words`).
        previous: The index to take stored tokens from, if any.
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
        stored = previous.tokens()
        vocab = {token: i for i, token in enumerate(stored.vocab)}
        changed = set(words).symmetric_difference(previous.tokenizer.user_words)
        if changed:
            touched = re.compile("|".join(re.escape(w) for w in sorted(changed, key=len)[::-1]))
    tokenizer = None
    parts: list[np.ndarray] = []
    for i, chunk in enumerate(chunks):
        text = keyword_text(chunk)
        reusable = stored is not None and i < len(rows)
        if reusable and not (touched and touched.search(normalize_text(text))):
            parts.append(stored.ids_of(rows[i]))
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
