"""Ingestion: walk a corpus folder and turn every file into a cited ``Document``.

One entry point, :func:`ingest`, yields a :class:`FileReport` per file (with the
document and its chunks when it could be used). A bad file is reported, by
name and reason, and never stops the run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath

from ..settings import Settings
from ..types import Chunk, Document, FileStatus, Source
from .chunking import chunk
from .cleaning import clean
from .metadata import SIDECAR, extract, merge, read_sidecar
from .places import jurisdiction
from .readers import EmptyFile, LoadError, read, sha256_file
from .readers.ocr import OcrOptions, OcrStep, ocr_options
from .validity import repeals

# Bump when loading, cleaning or chunking changes what a file yields: indexes built
# by an older pipeline are then rebuilt in full instead of reusing stale chunks.
PIPELINE_VERSION = 13  # 11: a page's 基本信息 box; 12: headings close deeper ones, 第X步; 13: an
# id-named file (DataFountain's 0013aa11….txt) titled by its opening words
# An office's own synonym groups (read by :mod:`assistant.index.lexicon`), like the
# metadata sidecar never indexed as a document.
SYNONYMS = "synonyms.csv"
# The index folder's cache of pages recognized by OCR (``readers.ocr``): kept across
# generations, so that no page is recognized twice.
OCR_CACHE = "ocr-cache"
# Project notes beside the documents, never indexed (by lower-case name, in any folder).
NOTE_FILES = (SIDECAR, SYNONYMS)
NOTE_PREFIXES = ("readme", "sources", "license")
_GARBLED = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x08\x0e-\x1f]")
GARBLED_LIMIT = 0.05


@dataclass(frozen=True)
class FileReport:
    """What happened to one file of the corpus.

    Attributes:
        path: Path relative to the corpus root.
        status: ``OK``, ``WARNED`` (used, with warnings), ``FAILED`` (not used),
            ``DUPLICATE`` (same bytes as another file, not indexed twice) or
            ``UNCHANGED`` (same bytes as in the index; not read again).
        problems: The warnings or the error, in plain words.
        document: The document, when it was used.
        chunks: Its chunks, when it was used.
    """

    path: str
    status: FileStatus
    problems: tuple[str, ...] = ()
    document: Document | None = None
    chunks: tuple[Chunk, ...] = field(default=(), repr=False)

    @property
    def used(self) -> bool:
        """Whether the file's chunks go into the index."""
        return self.document is not None


def corpus_files(corpus: Path) -> list[Path]:
    """Every file under ``corpus`` that is meant as a document, sorted.

    Project notes are never documents: hidden files and folders (``.trash/``),
    ``README*``, ``SOURCES*``, ``LICENSE*``, ``metadata.csv`` and ``synonyms.csv``,
    in any folder, in any case. Files of other types stay, so that a build
    reports them (a ``.doc`` with the hint to save it as ``.docx``).
    """
    return sorted(
        p for p in corpus.rglob("*") if p.is_file() and is_document_path(p.relative_to(corpus))
    )


def is_document_path(relative: PurePath) -> bool:
    """Whether the file at ``relative`` (to the corpus root) is a document, not a project note."""
    name = relative.name.lower()
    hidden = any(part.startswith(".") for part in relative.parts)
    return not hidden and name not in NOTE_FILES and not name.startswith(NOTE_PREFIXES)


def load_document(
    path: Path, corpus: Path, override: Source | None = None, sha256: str | None = None
) -> Document:
    """Read, clean and describe one file.

    Args:
        path: The file.
        corpus: The corpus root that citations are relative to.
        override: Metadata from the corpus's ``metadata.csv`` for this file.
        sha256: The file's digest, when already known.

    Raises:
        LoadError: The file cannot be used; the message names it and says why.
    """
    extracted = read(path)
    text, page_starts = clean(extracted)
    if not text.strip():
        raise EmptyFile(path, f"清理后没有文字（只有不可见字符或版面符号）：{path.name}")
    warnings = list(extracted.warnings)
    garbled = len(_GARBLED.findall(text)) / len(text)
    if garbled > GARBLED_LIMIT and not any("garbled" in w for w in warnings):
        warnings.append(f"疑似乱码 (garbled text {garbled:.0%})")
    source = merge(extract(text, path.name, extracted.title, extracted.stated), override)
    if not source.jurisdiction:  # metadata.csv may set it; else from issuer, title, 文号, text
        where = jurisdiction(source.title, source.issuer, source.doc_number, text)
        source = replace(source, jurisdiction=where)
    return Document(
        path=path.relative_to(corpus).as_posix(),
        sha256=sha256 or sha256_file(path),
        source=source,
        text=text,
        page_starts=page_starts,
        warnings=tuple(warnings),
        repeals=repeals(text),
        ocr_pages=extracted.ocr_pages,
    )


def ocr_settings(
    settings: Settings, cache: Path | None, on_ocr: Callable[[OcrStep], None] | None = None
) -> OcrOptions:
    """What ``settings`` ask of OCR (``ocr``, ``ocr_max_pages``), with the page cache ``cache``.

    Readers get them through :func:`~assistant.documents.readers.ocr.ocr_options`.
    """
    return OcrOptions(settings.ocr == "on", settings.ocr_max_pages, cache, on_ocr)


def ingest(
    corpus: Path,
    settings: Settings | None = None,
    known: Mapping[str, str] | None = None,
    ocr_cache: Path | None = None,
    on_ocr: Callable[[OcrStep], None] | None = None,
) -> Iterator[FileReport]:
    """Load every file of ``corpus`` and chunk it; yield one report per file.

    Args:
        corpus: The corpus folder.
        settings: Chunk sizes, the file size limit and OCR (defaults when ``None``).
        known: sha256 by relative path of files already indexed: those whose
            bytes did not change are reported ``unchanged`` and not read.
        ocr_cache: Folder of pages already recognized by OCR (none when ``None``).
        on_ocr: Called after each page recognized by OCR.
    """
    known = known or {}
    settings = settings or Settings()
    ocr = ocr_settings(settings, ocr_cache, on_ocr)
    overrides = read_sidecar(corpus)
    seen: dict[str, str] = {}
    limit = settings.max_file_bytes
    for path in corpus_files(corpus):
        relative = path.relative_to(corpus).as_posix()
        size = path.stat().st_size
        if size > limit:
            problem = f"文件过大：{size / 1048576:.1f} MB，超过上限 {settings.max_file_mb:g} MB"
            yield FileReport(relative, FileStatus.FAILED, (problem + " (too large)",))
            continue
        digest = sha256_file(path)
        if digest in seen:  # before "unchanged": an update keeps the copy a fresh build keeps
            problem = f"与 {seen[digest]} 内容相同，只收录一次 (duplicate)"
            yield FileReport(relative, FileStatus.DUPLICATE, (problem,))
            continue
        if known.get(relative) == digest:
            seen[digest] = relative
            yield FileReport(relative, FileStatus.UNCHANGED)
            continue
        try:
            with ocr_options(ocr):
                document = load_document(path, corpus, overrides.get(relative), digest)
        except LoadError as error:
            yield FileReport(relative, FileStatus.FAILED, (str(error),))
            continue
        seen[digest] = relative
        chunks = tuple(chunk(document, settings.chunk_size, settings.chunk_min))
        status = FileStatus.WARNED if document.warnings else FileStatus.OK
        yield FileReport(relative, status, document.warnings, document, chunks)
