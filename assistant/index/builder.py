"""Building an index: incremental, crash-safe, swapped in atomically.

Entry point: :func:`build`. It ingests the corpus, keeps the chunks, vectors and
BM25 tokens of unchanged files, embeds and tokenizes what is new, has the store
write a complete new generation, then replaces the manifest in one
``os.replace``: a crash at any moment leaves the previous index loadable. A build
that finds nothing changed writes nothing and loads no model.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .. import __version__
from ..documents.ingest import OCR_CACHE, PIPELINE_VERSION, FileReport, ingest
from ..documents.readers.ocr import OcrStep
from ..settings import Settings
from ..types import Chunk, DocumentInfo, FileStatus
from .embedders.base import encode_with_more
from .lexicon import Group, read_synonyms
from .manifest import (
    FORMAT_VERSION,
    IndexedFile,
    IndexUnavailable,
    Manifest,
    ModelInfo,
    Problem,
    build_lock,
    check_compatible,
    read_manifest,
    settings_record,
    tuning_record,
    write_manifest,
)
from .reuse import (
    chunk_tokens,
    documents_of,
    kept_chunks,
    stored_equals,
    stored_tokens_fit,
    stored_vectors,
)
from .sentence_vectors import Sentences, has_sentences, sentence_texts
from .stores import Contents, Store, place
from .tokens import (
    TOKENIZER,
    dictionary_words,
    segment,
)
from .units import Units, passage_text, unit_texts
from .vocabulary import Vocabulary, digest


@dataclass(frozen=True)
class BuildReport:
    """What a build did.

    Attributes:
        files: One report per corpus file.
        chunks: Chunks in the new index.
        embedded: Chunks embedded in this build (new or changed documents), each
            with its sentence units.
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


REPORT_SECONDS = 0.2  # a build's embedding progress is reported at most this often


@dataclass(frozen=True)
class Progress:
    """How far the embedding of a build has got, or the OCR of one file.

    Attributes:
        done: Passages and sentence units embedded so far (pages recognized, for OCR).
        total: Passages and sentence units to embed in this build (pages to recognize).
        seconds: Time since the embedding started.
        file: For OCR, the file being read; empty for the embedding.
    """

    done: int
    total: int
    seconds: float
    file: str = ""

    @property
    def fraction(self) -> float:
        """``done / total`` (1 when there is nothing to do)."""
        return self.done / self.total if self.total else 1.0

    @property
    def text(self) -> str:
        """In Chinese, for people: 计算向量 640/1972 段，约剩 1 分 20 秒; 页 3/12 OCR识别：a.pdf."""
        if self.file:
            return f"页 {self.done}/{self.total} OCR识别：{self.file}"
        line = f"计算向量 {self.done}/{self.total} 段"
        if 0 < self.done < self.total:
            left = round(self.seconds * (self.total - self.done) / self.done)
            line += "，约剩 " + (f"{left // 60} 分 {left % 60} 秒" if left >= 60 else f"{left} 秒")
        return line

    @classmethod
    def reporter(
        cls, on_embed: Callable[[Progress], None] | None
    ) -> Callable[[int, int], None] | None:
        """An embedder's ``on_progress`` that hands ``on_embed`` a :class:`Progress`, at most
        every :data:`REPORT_SECONDS` (int8 reports each text: thousands in a build) and when
        all is done."""
        if on_embed is None:
            return None
        started = time.perf_counter()
        show = cls.every(REPORT_SECONDS, on_embed)
        return lambda done, total: show(cls(done, total, time.perf_counter() - started))

    @staticmethod
    def every(seconds: float, show: Callable[[Progress], None]) -> Callable[[Progress], None]:
        """``show`` called at most every ``seconds``, and for the last progress (all done)."""
        last = -seconds

        def shown(progress: Progress) -> None:
            nonlocal last
            if progress.done >= progress.total or time.monotonic() - last >= seconds:
                last = time.monotonic()
                show(progress)

        return shown

    @classmethod
    def ocr_reporter(
        cls, on_embed: Callable[[Progress], None] | None
    ) -> Callable[[OcrStep], None] | None:
        """An OCR ``on_step`` that hands ``on_embed`` a :class:`Progress` of the file's pages."""
        if on_embed is None:
            return None
        return lambda step: on_embed(cls(step.done, step.total, 0.0, step.file))


def build(
    settings: Settings,
    on_file: Callable[[FileReport], None] | None = None,
    on_embed: Callable[[Progress], None] | None = None,
) -> BuildReport:
    """Build or update the index at ``settings.index`` from ``settings.corpus``.

    Unchanged files keep their chunks, vectors and BM25 tokens; new and changed
    files are read, embedded and tokenized; files that are gone are dropped. A
    different model or chunking setting rebuilds everything. When neither the
    files nor the settings changed, nothing is written and the model is not loaded.
    (Over 60 lines: the steps read best in order, each a line or two.)

    Args:
        settings: Corpus, index, model and chunking settings.
        on_file: Called with each file's report as soon as it is known.
        on_embed: Called as the embedding goes, after each batch of passages, and
            after each page recognized by OCR (a :class:`Progress` naming its file).

    Raises:
        IndexUnavailable: Nothing in the corpus could be indexed (the previous
            index, if any, is left as it was).
    """
    from .embedders import load_embedder, vectors_version

    started = time.perf_counter()
    if not settings.corpus.is_dir():
        raise IndexUnavailable(f"找不到文件夹 corpus folder not found: {settings.corpus}")
    settings.index.mkdir(parents=True, exist_ok=True)
    target = place(settings)
    with build_lock(settings.index):
        old = read_manifest(settings.index)
        full_reason = "新建索引 new index" if old is None else check_compatible(old, settings)
        source = place(settings, old.store) if old else target  # where the old data is
        if old and not full_reason and not source.complete(old.generation):
            full_reason = f"索引文件不全 incomplete generation {old.generation}"
        base = old if old and not full_reason else None  # the index this build updates
        known = {f.path: f.sha256 for f in base.files} if base else {}

        reports = []
        synonyms = read_synonyms(settings.corpus)  # its problems reported like a file's
        extra = [synonyms.report] if synonyms.report else []
        cache, on_ocr = settings.index / OCR_CACHE, Progress.ocr_reporter(on_embed)
        files = ingest(settings.corpus, settings, known=known, ocr_cache=cache, on_ocr=on_ocr)
        for report in itertools.chain(files, extra):
            reports.append(report)
            if on_file:
                on_file(report)
        unchanged = [r.path for r in reports if r.status == FileStatus.UNCHANGED]
        new = [r for r in reports if r.used]
        if not unchanged and not new:
            raise IndexUnavailable(f"{settings.corpus} 中没有可用的文件 no usable files")
        removed = tuple(sorted(set(known) - set(unchanged) - {r.path for r in new}))
        problems = _problems(reports, base)
        if (  # the index already says all there is to say: keep it as it is
            base
            and base.store == target.name
            and not new
            and not removed
            and problems == base.problems
            and settings_record(settings) == base.settings
            and stored_tokens_fit(base)
            and base.vocabulary.get("sha256") == digest(synonyms.groups)
            and has_sentences(base)
        ):
            seconds = time.perf_counter() - started
            return BuildReport(
                tuple(reports), base.chunks, 0, base.chunks, (), "", seconds, changed=False
            )

        # Its data, re-used (from another store too: migration without re-embedding)
        previous = source.open(base) if base and unchanged else None
        try:
            kept = kept_chunks(previous, unchanged)
            rows = [row for row, _ in kept]
            new_chunks = [c for report in new for c in report.chunks]
            new_units = [unit_texts(c, settings.unit_chars) for c in new_chunks]
            # The sentences of new chunks, after those of the kept ones when none are stored.
            stored = previous.sentences() if previous is not None else None
            upgrade = previous is not None and stored is None
            said = [sentence_texts(c) for c in [c for _, c in kept if upgrade] + new_chunks]
            if new_chunks or not base or upgrade:
                embedder = load_embedder(settings.model, settings.backend, settings.threads)
                texts = [passage_text(c) for c in new_chunks] + [t for u in new_units for t in u]
                more = [t for _, own in said for t in own]  # sentences: only those not in texts
                # Kept chunks' sentences equal to their passage or unit take its stored vector,
                # as a full build gives them their equal's, instead of being embedded again.
                reused: dict[str, np.ndarray] = {}
                if upgrade and previous is not None:
                    reused = stored_equals(previous, kept, settings.unit_chars, set(more))
                embedded = encode_with_more(
                    embedder, texts, more, Progress.reporter(on_embed), reused
                )
                model = ModelInfo(
                    embedder.name,
                    embedder.dimension,
                    dict(embedder.prompts),
                    embedder.backend,
                    vectors_version(embedder.backend),
                )
            else:  # documents removed or settings changed: the stored vectors are all it takes
                model = base.model
                embedded = np.zeros((0, model.dimension), dtype=np.float32)
            new_vectors = embedded[: len(new_chunks)]
            chunks = [c for _, c in kept] + new_chunks
            unit_count = sum(len(u) for u in new_units)
            unit_vectors = embedded[len(new_chunks) : len(new_chunks) + unit_count]
            units = Units.of(new_vectors, new_units, unit_vectors, len(rows))
            said_vectors = embedded[len(new_chunks) + unit_count :]
            first = 0 if upgrade else len(rows)  # the chunk row of the first of ``said``
            sentences = Sentences.of([s for s, _ in said], said_vectors, first)
            if previous is not None:
                units = previous.units().take(rows) + units
            if stored is not None:
                sentences = stored.take(rows) + sentences
            reuse = previous if base and stored_tokens_fit(base) else None
            manifest = write_index(
                settings,
                model,
                documents_of(reports, previous),
                chunks,
                stored_vectors(previous, rows, new_vectors),
                units,
                problems=problems,
                previous=reuse,
                rows=rows,
                synonyms=synonyms.groups,
                sentences=sentences,
            )
        finally:
            if previous is not None:
                previous.close()
        keep = {manifest.generation, old.generation if old else ""}
        target.cleanup(keep)
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


def write_index(
    settings: Settings,
    model: ModelInfo,
    documents: list[DocumentInfo],
    chunks: list[Chunk],
    vectors: np.ndarray,
    units: Units,
    *,
    problems: tuple[Problem, ...] = (),
    previous: Store | None = None,
    rows: Sequence[int] = (),
    synonyms: Sequence[Group] = (),
    sentences: Sentences | None = None,
) -> Manifest:
    """Tokenize, write a complete new generation, then point the manifest at it.

    Args:
        settings: Where, and the settings to record.
        model: The model that made ``vectors``.
        documents: The indexed documents, in corpus order.
        chunks: All chunks, in row order.
        vectors: Their vectors, row ``i`` = chunk ``i``.
        units: Their sentence units (see :mod:`assistant.index.units`).
        problems: The corpus files' problems, for the manifest.
        previous: An index whose stored tokens may be reused.
        rows: The first ``len(rows)`` chunks are these rows of ``previous``.
        synonyms: The corpus's own synonym groups, added to the shipped lexicon.
        sentences: Their quotable sentences' vectors (see
            :mod:`assistant.index.sentence_vectors`); ``None`` stores none.

    Returns:
        The manifest now in force.
    """
    texts = [c.text for c in chunks] + [d.source.title for d in documents]
    vocabulary = Vocabulary.collect(synonyms, texts, segment)
    words = dictionary_words(
        (d.source.title for d in documents),
        (d.source.issuer for d in documents),
        (c.text for c in chunks),
    )
    tokens = chunk_tokens(chunks, words, previous, rows)
    contents = Contents(documents, chunks, vectors, units, tokens, words, vocabulary, sentences)
    target = place(settings)
    generation, dense = target.write(contents, settings.flat_limit)
    chunk_ids: dict[str, list[str]] = {}
    for c in chunks:
        chunk_ids.setdefault(c.doc, []).append(c.id)
    manifest = Manifest(
        format=FORMAT_VERSION,
        package_version=__version__,
        pipeline=PIPELINE_VERSION,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        generation=generation,
        model=model,
        settings=settings_record(settings),
        tokenizer={**TOKENIZER, "user_words": len(words)},
        dense=dense,
        chunks=len(chunks),
        files=tuple(
            IndexedFile(d.path, d.sha256, tuple(chunk_ids.get(d.path, ()))) for d in documents
        ),
        problems=problems,
        store=target.name,
        vocabulary=vocabulary.summary(),
        tuning=tuning_record(),
    )
    write_manifest(settings.index, manifest)
    return manifest


def _problems(reports: list[FileReport], base: Manifest | None) -> tuple[Problem, ...]:
    """Every corpus file's problems; unchanged files keep those found when they were read."""
    before = {p.path: p for p in base.problems} if base else {}
    problems = []
    for report in reports:
        if report.status == FileStatus.UNCHANGED and report.path in before:
            problems.append(before[report.path])
        elif report.problems:
            problems.append(Problem(report.path, report.status, tuple(report.problems)))
    return tuple(problems)
