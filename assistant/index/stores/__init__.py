"""Stores: where a built index keeps its data, one module per backend.

:data:`STORES` maps a store's name (recorded in the manifest) to its class;
every class follows the :class:`~.base.Store` protocol. Today there is one, the
file store (FAISS + bm25s in a generation folder); a second backend is one new
module and one entry here.
"""

from __future__ import annotations

from .base import CANDIDATES, Candidates, Contents, Filters, Request, Store
from .files import FileStore

DEFAULT_STORE = "file"
STORES: dict[str, type[FileStore]] = {"file": FileStore}

__all__ = [
    "CANDIDATES",
    "DEFAULT_STORE",
    "STORES",
    "Candidates",
    "Contents",
    "FileStore",
    "Filters",
    "Request",
    "Store",
]
