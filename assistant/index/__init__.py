"""The index: chunks → vectors and BM25 tokens, kept in a store, built incrementally.

``embedders`` (one module per backend, the bundled model in ``embedders.bundled``)
turn passages, their sentence ``units`` and the sentences an answer may quote
(``sentence_vectors``) into vectors,
``tokens`` into jieba BM25 tokens; ``stores`` keep them (one module per backend,
picked by name); ``manifest`` records what an index folder holds; ``build``
updates it from the corpus. Imports :mod:`assistant.documents`, never the
answering or app stages. Entry points: :func:`build` and :func:`open_index`.
"""

from __future__ import annotations

from ..documents.validity import link_repeals
from ..settings import Settings
from .builder import BuildReport, build
from .manifest import IndexUnavailable, Manifest, check_compatible, read_manifest
from .stores import CANDIDATES, Candidates, Filters, Request, Store, place
from .units import passage_text

__all__ = [
    "CANDIDATES",
    "BuildReport",
    "Candidates",
    "Filters",
    "Request",
    "IndexUnavailable",
    "Manifest",
    "Store",
    "build",
    "open_index",
    "passage_text",
    "read_manifest",
]


def open_index(settings: Settings) -> Store:
    """Open the index at ``settings.index`` for searching.

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
        store = place(settings, manifest.store).open(manifest)
        store.documents = link_repeals(store.documents)  # as of this index: not stored
        return store
    except (OSError, RuntimeError, ValueError, KeyError) as error:
        latest = read_manifest(settings.index)
        if latest and latest.generation != manifest.generation:
            return open_index(settings)  # replaced while loading: open the new one
        raise IndexUnavailable(
            f"索引文件损坏 damaged index {settings.index / manifest.generation}: {error}。"
            "请重建: assistant build"
        ) from error
