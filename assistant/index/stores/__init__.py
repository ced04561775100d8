"""Stores: where a built index keeps its data, one module per backend.

:func:`place` turns the settings' ``store`` (or the ``store`` a manifest records) into
the :class:`~.base.Place` that writes and opens its generations; every store follows
the :class:`~.base.Store` protocol. ``file`` (FAISS + bm25s in a generation folder,
:mod:`.files`) is the default; ``milvus://…`` and ``http(s)://…`` name a Milvus
database (:mod:`.milvus`, imported only then).
"""

from __future__ import annotations

from ...settings import Settings
from .base import CANDIDATES, Candidates, Contents, Filters, Place, Request, Store
from .files import FilePlace, FileStore

DEFAULT_STORE = "file"


def place(settings: Settings, name: str | None = None) -> Place:
    """The place the store ``name`` (``settings.store`` by default) keeps generations in.

    Raises:
        ValueError: An unknown store name.
    """
    name = settings.store if name is None else name
    if name == DEFAULT_STORE:
        return FilePlace(settings.index)
    from .milvus import MilvusPlace

    return MilvusPlace.of(name, settings)


__all__ = [
    "CANDIDATES",
    "DEFAULT_STORE",
    "Candidates",
    "Contents",
    "FilePlace",
    "FileStore",
    "Filters",
    "Place",
    "Request",
    "Store",
    "place",
]
