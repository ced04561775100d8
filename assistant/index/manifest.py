"""``manifest.json``: what an index folder holds, and the one place it is read and written.

The manifest names the model, the settings and the pipeline versions an index was
built with, every indexed file (sha256, chunk ids), the corpus files' problems,
the store that holds the data and the generation of it in use. A build commits by
replacing the manifest in one ``os.replace``; :func:`build_lock` keeps builds of
one folder apart.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..documents.ingest import PIPELINE_VERSION
from ..settings import Settings
from ..tuning import TUNING, Tuning
from ..types import FileStatus
from .embedders import resolve_backend, vectors_version

FORMAT_VERSION = 3
MANIFEST = "manifest.json"
# Settings whose change makes every stored chunk or vector stale (OCR on or off, or its
# page limit, changes what scanned pages yield; the OCR cache makes the re-reading cheap).
SHAPING = ("model", "chunk_size", "chunk_min", "unit_chars", "ocr", "ocr_max_pages")


class IndexUnavailable(RuntimeError):
    """The index is missing, damaged, or was built in a way this version cannot use."""


@dataclass(frozen=True)
class ModelInfo:
    """The embedding model an index was built with, and what ran it.

    ``backend`` defaults to ``torch``: indexes written before there was a choice;
    ``vectors`` is the backend's :func:`~.embedders.vectors_version` of the build (0 in
    manifests written before it was recorded).
    """

    name: str
    dimension: int
    prompts: dict[str, str]
    backend: str = "torch"
    vectors: int = 0


@dataclass(frozen=True)
class IndexedFile:
    """A corpus file in the index: its digest and its chunks' ids."""

    path: str
    sha256: str
    chunks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """The problems of one corpus file, as its last reading reported them."""

    path: str
    status: FileStatus
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    """The contents of ``manifest.json``.

    Attributes:
        format: :data:`FORMAT_VERSION` of the writer.
        package_version: The package version that built it.
        pipeline: ``assistant.documents.ingest.PIPELINE_VERSION`` of the build.
        built_at: UTC time of the build, ISO 8601.
        generation: The store's name for the data in use (a folder ``g-…``).
        model: The embedding model.
        settings: The settings in force, paths left out.
        tokenizer: The BM25 tokenizer's name, versions and user-word count.
        dense: The dense index's type and parameters.
        chunks: How many chunks the index holds.
        files: Every indexed file, in corpus order.
        problems: Every corpus file that had a problem.
        store: The name of the store that holds the data (see ``assistant.index.stores``).
        vocabulary: The vocabulary's digest and sizes (see
            ``assistant.index.vocabulary.Vocabulary.summary``); empty before there was one.
        tuning: The tuned constants of search and answers of the package that built it
            (:func:`tuning_record`); empty before they were recorded. They do not shape the
            index: a build that changes nothing else keeps the manifest as it is.
    """

    format: int | None
    package_version: str
    pipeline: int
    built_at: str
    generation: str
    model: ModelInfo
    settings: dict[str, Any]
    tokenizer: dict[str, Any]
    dense: dict[str, Any]
    chunks: int
    files: tuple[IndexedFile, ...] = field(repr=False, default=())
    problems: tuple[Problem, ...] = ()
    store: str = "file"
    vocabulary: dict[str, Any] = field(default_factory=dict)
    tuning: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON object written to ``manifest.json``."""
        data = asdict(self)
        del data["files"], data["chunks"]
        data["counts"] = {"documents": len(self.files), "chunks": self.chunks}
        data["documents"] = [{**asdict(f), "chunks": list(f.chunks)} for f in self.files]
        data["problems"] = [{**asdict(p), "problems": list(p.problems)} for p in self.problems]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """Read :meth:`to_json` output (``KeyError``/``TypeError`` when it is not one)."""
        return cls(
            format=data["format"],
            package_version=data.get("package_version", ""),
            pipeline=data["pipeline"],
            built_at=data.get("built_at", ""),
            generation=data["generation"],
            model=ModelInfo(**data["model"]),
            settings=data["settings"],
            tokenizer=data["tokenizer"],
            dense=data["dense"],
            chunks=data["counts"]["chunks"],
            files=tuple(
                IndexedFile(d["path"], d["sha256"], tuple(d["chunks"])) for d in data["documents"]
            ),
            problems=tuple(
                Problem(p["path"], FileStatus(p["status"]), tuple(p["problems"]))
                for p in data["problems"]
            ),
            store=data.get("store", "file"),
            vocabulary=data.get("vocabulary", {}),
            tuning=data.get("tuning", {}),
        )


def read_manifest(index_dir: Path) -> Manifest | None:
    """The manifest of ``index_dir``, or ``None`` when there is no index yet.

    A manifest of another format version is returned with only its format and
    generation, for :func:`check_compatible` to refuse and a build to replace.

    Raises:
        IndexUnavailable: The manifest is damaged.
    """
    path = index_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT_VERSION:  # an older writer's: only good for a rebuild
            return Manifest(
                data.get("format"), "", 0, "", str(data.get("generation", "")),
                ModelInfo("", 0, {}, ""), {}, {}, {}, 0,
            )  # fmt: skip
        return Manifest.from_json(data)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise IndexUnavailable(f"索引清单损坏 damaged manifest {path}: {error}") from error


def write_manifest(index_dir: Path, manifest: Manifest) -> None:
    """Point ``index_dir`` at ``manifest`` in one atomic, synced rename."""
    temporary = index_dir / f"{MANIFEST}.{manifest.generation}.tmp"
    text = json.dumps(manifest.to_json(), ensure_ascii=False, indent=1)
    temporary.write_text(text, encoding="utf-8")
    fsync(temporary)
    os.replace(temporary, index_dir / MANIFEST)
    fsync(index_dir)


def settings_record(settings: Settings) -> dict[str, Any]:
    """The settings as the manifest stores them.

    Left out: the paths, the thread count, the store (the manifest names it), the ``llm_*``
    and the log's settings, which do not shape an index (and ``llm_api_key``, ``db`` and
    ``store_token`` may hold secrets).
    """
    left_out = ("corpus", "index", "threads", "db", "log", "log_days")
    left_out += ("store", "store_token", "store_db")
    return {
        k: v
        for k, v in settings.to_dict().items()
        if k not in left_out and not k.startswith("llm_")
    }


def tuning_record(tuning: Tuning = TUNING) -> dict[str, Any]:
    """The tuned constants as the manifest stores them, beside the settings (see
    :mod:`assistant.tuning`): they do not shape the index, they say how it was searched."""
    return tuning.to_dict()


def check_compatible(
    manifest: Manifest, settings: Settings, names: tuple[str, ...] = SHAPING
) -> str:
    """Return why ``manifest`` cannot serve ``settings`` (``""`` when it can).

    Args:
        manifest: A manifest from :func:`read_manifest`.
        settings: The settings in force.
        names: The settings that must match: all that shape chunks and vectors
            when building, only the model when searching. The backend that runs
            the model must match in both cases.
    """
    if manifest.format != FORMAT_VERSION:
        return f"索引格式版本 {manifest.format} ≠ {FORMAT_VERSION}"
    if names == SHAPING and manifest.pipeline != PIPELINE_VERSION:
        return f"文本处理流程版本 pipeline {manifest.pipeline} ≠ {PIPELINE_VERSION}"
    for name in names:
        if manifest.settings.get(name) != getattr(settings, name):
            return f"{name} 已从 {manifest.settings.get(name)!r} 改为 {getattr(settings, name)!r}"
    backend = resolve_backend(settings.model, settings.backend)
    if manifest.model.backend != backend:
        return f"嵌入后端 backend 已从 {manifest.model.backend!r} 改为 {backend!r}"
    if names == SHAPING and manifest.model.vectors != vectors_version(backend):
        # Searching such an index still works (a question's vector is as it was); a build
        # embeds it again, so that old and new vectors are not mixed.
        return f"向量版本 vectors {manifest.model.vectors} ≠ {vectors_version(backend)}"
    return ""


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's build lock; another build meanwhile is refused.

    Raises:
        IndexUnavailable: Another build holds it.
    """
    with open(index_dir / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise IndexUnavailable(
                f"另一个构建正在进行 another build is running on {index_dir}"
            ) from error
        yield


def fsync(path: Path) -> None:
    """Flush a file or folder to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
