"""What the web app's 文件库 and 管理 tabs do, without any UI: list, upload, rebuild, swap.

Entry point: :class:`Library`, the app's handle on the corpus and the loaded
index. Questions are answered from ``library.searcher``; :meth:`Library.rebuild`
builds beside it and swaps in the new index only when the build is complete,
so the app keeps answering from the old one meanwhile.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np

from ..answering.place import place_label
from ..answering.search import Searcher
from ..documents.ingest import FileReport, corpus_files
from ..documents.readers import READERS
from ..index import BuildReport, IndexUnavailable, build, read_manifest
from ..index.builder import Progress
from ..settings import Settings
from ..types import Chunk, FileStatus

log = logging.getLogger(__name__)

UPLOAD_DIR = "uploads"
MAX_NAME_CHARS = 120


def check_password(entered: str, expected: str) -> bool:
    """Whether ``entered`` is the admin password, compared in constant time.

    An empty ``expected`` (admin disabled) never matches.
    """
    if not expected:
        return False
    return hmac.compare_digest(entered.encode("utf-8"), expected.encode("utf-8"))


def safe_name(name: str, suffixes: Iterable[str]) -> str:
    """A file name that is safe to create inside the corpus, or a ``ValueError`` saying why not.

    Rejects path parts (``../../x.pdf``, ``/etc/x.pdf``, ``C:\\x.pdf``), hidden
    names and unsupported types; removes control characters; keeps Chinese,
    spaces and 〔〕.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    plain = PurePosixPath(name).name == name and PureWindowsPath(name).name == name
    if not name or not plain or name.startswith("."):
        raise ValueError(f"文件名不安全，已拒绝 unsafe file name: {name!r}")
    if Path(name).suffix.lower() not in suffixes:
        allowed = "、".join(sorted(suffixes))
        raise ValueError(f"不支持的文件类型，已拒绝：{name}（支持 {allowed}）")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"文件名过长（超过 {MAX_NAME_CHARS} 字），已拒绝：{name[:40]}…")
    return name


class Library:
    """The corpus and the loaded index behind the web app.

    Attributes:
        settings: Corpus, index and search settings.
        searcher: The index questions are answered from; replaced after a rebuild.
    """

    COLUMNS = ("标题", "文号", "发文机关", "管辖范围", "日期", "页数", "段落数", "提示")
    UPLOAD_SUFFIXES = tuple(READERS)  # what the readers can read

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.searcher: Searcher | None = None
        if read_manifest(settings.index) is not None:
            self.searcher = Searcher.open(settings)
        self.status = ""  # what the first build is doing while there is no index yet
        self._rebuilding = threading.Lock()

    def ready(self) -> Searcher:
        """The searcher, once there is an index.

        Raises:
            ValueError: The first build is still running (or failed); the message
                says so in Chinese, with its progress or its error.
        """
        if self.searcher is None:
            raise ValueError(self.status or "索引尚未建立。")
        return self.searcher

    def build_first_index(self) -> threading.Thread:
        """Build the missing index in a background thread, so the app can serve meanwhile.

        Until it is done, :meth:`ready` raises with the build's progress.
        """
        waiting = "正在建立索引（{}），读完文件后还要计算向量，完成后即可提问，请稍候。"
        self.status = waiting.format("开始")

        def run() -> None:
            log.warning("没有索引，正在从 %s 构建 building the index …", self.settings.corpus)
            try:
                self.rebuild(lambda done, desc: setattr(self, "status", waiting.format(desc)))
            except IndexUnavailable as error:
                self.status = f"无法建立索引：{error}"
                log.error("%s", self.status)
            else:
                log.warning("索引已建好 index built: %d 个段落 chunks", len(self.ready().index))

        thread = threading.Thread(target=run, name="first-build", daemon=True)
        thread.start()
        return thread

    def rows(self) -> list[tuple[str | int, ...]]:
        """One row per indexed document, in :attr:`COLUMNS` order."""
        if self.searcher is None:
            return []
        index = self.searcher.index
        counts = np.bincount(index.chunk_docs, minlength=len(index.documents))
        return [
            (
                d.source.title,
                d.source.doc_number,
                d.source.issuer,
                place_label(d.source.jurisdiction),
                d.source.issued_on,
                d.pages or "",
                int(n),
                "；".join(d.warnings),
            )
            for d, n in zip(index.documents, counts, strict=True)
        ]

    def passages(self, document: int) -> list[Chunk]:
        """Every passage of the document in row ``document`` of :meth:`rows`, in order."""
        if self.searcher is None:
            return []
        index = self.searcher.index
        return [index.chunk(int(row)) for row in np.flatnonzero(index.chunk_docs == document)]

    def filter_choices(self) -> tuple[list[str], list[str], list[str]]:
        """Document types, issuers and years present in the index, for the filters."""
        if self.searcher is None:
            return [], [], []
        sources = [d.source for d in self.searcher.index.documents]
        types = sorted({s.doc_type for s in sources if s.doc_type})
        issuers = sorted({s.issuer for s in sources if s.issuer})
        years = sorted({s.issued_on[:4] for s in sources if s.issued_on}, reverse=True)
        return types, issuers, years

    def save_uploads(self, files: Iterable[str | Path]) -> list[str]:
        """Copy uploaded files into ``corpus/uploads/``; one message per file.

        Each file is checked with :func:`safe_name` and the size limit; a file of
        the same name is replaced. Nothing is written outside the corpus.
        """
        return [self.save_upload(Path(f)) for f in files]

    def rebuild(self, progress: Callable[[float | None, str], None] | None = None) -> str:
        """Update the index from the corpus, then answer from the new one.

        Args:
            progress: Called with (fraction done or ``None``, description).

        Returns:
            The per-file report as Markdown.

        Raises:
            IndexUnavailable: Nothing could be built; the old index stays in use.
        """
        with self._rebuilding:
            total = max(1, len(corpus_files(self.settings.corpus)))
            seen = 0

            def on_file(report: FileReport) -> None:
                nonlocal seen
                seen += 1
                if progress:
                    progress(seen / total, f"读取文件 {seen}/{total}：{report.path}")

            def on_embed(done: Progress) -> None:
                if progress:
                    progress(done.fraction, done.text)

            report = build(self.settings, on_file=on_file, on_embed=on_embed)
            if report.changed:
                self.searcher = Searcher.open(self.settings)
        return report_markdown(report)

    def save_upload(self, source: Path, name: str | None = None) -> str:
        """Copy one uploaded file into the corpus as ``name`` (its own name by default).

        Returns:
            What happened, for the admin: saved, replaced, or why it was refused.
        """
        try:
            name = safe_name(source.name if name is None else name, self.UPLOAD_SUFFIXES)
            size = source.stat().st_size
            if size > self.settings.max_file_bytes:
                limit = self.settings.max_file_mb
                raise ValueError(f"{name} 文件过大（{size / 1048576:.1f} MB，上限 {limit:g} MB）")
        except (ValueError, OSError) as error:
            return f"未保存：{error}"
        folder = self.settings.corpus / UPLOAD_DIR
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        replaced = target.exists()
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
        os.close(handle)
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
        where = f"{UPLOAD_DIR}/{name}"
        return f"已保存 {where}" + ("（替换了同名文件）" if replaced else "") + "，重建索引后生效"


def report_markdown(report: BuildReport) -> str:
    """A build report for people: a summary line, then every file that is new or has a problem."""
    counts = Counter(r.status for r in report.files)
    summary = "，".join(f"{status.label} {n}" for status, n in counts.items())
    how = f"全部重建（{report.full_reason}）" if report.full_reason else "增量更新"
    head = "索引已更新" if report.changed else "索引已是最新，没有变化"
    lines = [
        f"**{head}**：{how}，共 {report.chunks} 段，新嵌入 {report.embedded} 段，"
        f"用时 {report.seconds:.0f} 秒。{summary}。",
        "",
        "| 文件 | 结果 | 说明 |",
        "|---|---|---|",
    ]
    for r in report.files:
        if r.status != FileStatus.UNCHANGED:
            problems = "；".join(r.problems) or f"{len(r.chunks)} 段"
            lines.append(f"| {_cell(r.path)} | {r.status.label} | {_cell(problems)} |")
    lines += [f"| {_cell(path)} | 已删除 | 文件已不在语料库中 |" for path in report.removed]
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no HTML, no column breaks."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("|", "\\|").replace("\n", " ")
