"""The documents' titles as a BM25 index of their own: a passage's BM25 score adds its
document title's (``Settings.title_weight``), counted once per document rather than inside
every passage. Used by the file store at its first search and by :mod:`.sparse` when an
engine's sparse vectors are made.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...types import DocumentInfo
from ..tokens import Tokenizer


def title_index(
    tokenizer: Tokenizer, documents: Sequence[DocumentInfo], openings: Sequence[str]
) -> Any:
    """A bm25s index of the documents' titles, row ``i`` = document ``i``.

    A title read from a document's own opening words (``openings[i]``, its first passage's
    text; :func:`~assistant.documents.metadata.opening_title`: a file named by an id, whose
    text runs on past them) is left out: its words are already the first passage's, and
    as a title they would count again there and in every other passage of the document —
    a news headline or the first words up to a space (重庆 重庆日报2020-02-21), which
    near-copies about the same measure in several places share. It still names the
    document in citations and in the passages' embedded text.
    """
    import bm25s

    from ...documents.metadata import opening_title

    titles = bm25s.BM25()
    given = [
        "" if opening_title(d.path, d.source.title, opening) else d.source.title
        for d, opening in zip(documents, openings, strict=True)
    ]
    titles.index([tokenizer.words(title) or [""] for title in given], show_progress=False)
    return titles


def first_rows(chunk_docs: np.ndarray, documents: int) -> np.ndarray:
    """The row of each document's first chunk (``-1`` for a document without any)."""
    rows = np.full(documents, -1, dtype=np.int64)
    docs, first = np.unique(np.asarray(chunk_docs), return_index=True)
    rows[docs] = first
    return rows
