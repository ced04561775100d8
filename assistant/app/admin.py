"""What the web app's 文件库 and 管理 tabs do, without any UI: list, upload, rebuild, swap.

Entry point: :class:`Library`, the app's handle on the corpus and the loaded
index. Questions are answered from ``library.searcher``; :meth:`Library.rebuild`
builds beside it and swaps in the new index only when the build is complete,
so the app keeps answering from the old one meanwhile.
"""

from __future__ import annotations

import hmac
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from ..answering.render import validity_label
from ..answering.search import Searcher
from ..documents.ingest import FileReport, corpus_files
from ..index import BuildReport, IndexUnavailable, build, read_manifest
from ..index.builder import Progress
from ..settings import Settings
from ..types import Chunk, FileStatus
from .files import CorpusFiles

log = logging.getLogger(__name__)
_CJK = re.compile(r"[\u3400-\u9fff]")
# The English parts of the pipeline's bilingual problem texts, and what replaces them.
_ENGLISH = (
    (re.compile(r"^garbled text (\d+%)$"), r"疑似乱码（\1）"),  # a reader's warning
    (re.compile(r"\s*\([a-z][a-z0-9 %]*\)$"), ""),  # 疑似乱码 (garbled text 9%), (too large)
    (re.compile(r"^[A-Za-z][A-Za-z ]*: "), ""),  # blank pages: 第2页没有文字
    (re.compile(r"（[A-Za-z][^（）\u3400-\u9fff]*）$"), ""),  # a library's error: （EOF marker …）
)
RECHECK = 2.0  # seconds between two looks at the manifest for another instance's rebuild
_ENGLISH_AFTER_CHINESE = re.compile(r"(?<=[\u3400-\u9fff]) [a-z][a-z ]*[a-z](?= |$)")


def check_password(entered: str, expected: str) -> bool:
    """Whether ``entered`` is the admin password, compared in constant time.

    An empty ``expected`` (admin disabled) never matches.
    """
    if not expected:
        return False
    return hmac.compare_digest(entered.encode("utf-8"), expected.encode("utf-8"))


class Library:
    """The corpus and the loaded index behind the web app.

    Attributes:
        settings: Corpus, index and search settings.
        searcher: The index questions are answered from; replaced after a rebuild.
    """

    COLUMNS = ("标题", "文号", "发文机关", "日期", "状态")

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.files = CorpusFiles(settings)
        self.searcher: Searcher | None = None
        if read_manifest(settings.index) is not None:
            self.searcher = Searcher.open(settings)
        self.status = ""  # what the first build is doing while there is no index yet
        self._rebuilding = threading.Lock()
        self._reopening = threading.Lock()
        self._checked = time.monotonic()

    def ready(self) -> Searcher:
        """The searcher, once there is an index (see :meth:`follow`).

        Raises:
            ValueError: The first build is still running (or failed); the message
                says so in Chinese, with its progress or its error.
        """
        if self.searcher is None:
            raise ValueError(self.status or "索引尚未建立。")
        self.follow()
        return self.searcher

    def follow(self) -> threading.Thread | None:
        """Another instance's rebuild: when the manifest names a generation other than the
        one in use (looked at every :data:`RECHECK` seconds at most), open it in the
        background and swap it in; questions are answered from the old one meanwhile.

        Returns:
            The thread opening the new generation, or ``None`` when there is none.
        """
        now = time.monotonic()
        if self.searcher is None or now - self._checked < RECHECK or self._reopening.locked():
            return None
        self._checked = now
        try:
            manifest = read_manifest(self.settings.index)
        except IndexUnavailable:
            return None
        if manifest is None or manifest.generation == self.searcher.index.manifest.generation:
            return None

        def reopen() -> None:
            with self._reopening:
                try:
                    self.searcher = Searcher.open(self.settings)
                except IndexUnavailable as error:
                    log.error("无法打开新索引 cannot open the new index: %s", error)
                else:
                    log.warning("已切换到新索引 switched to %s", manifest.generation)

        thread = threading.Thread(target=reopen, name="reopen-index", daemon=True)
        thread.start()
        return thread

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

    def rows(self) -> list[tuple[str, ...]]:
        """One row per indexed document, in :attr:`COLUMNS` order (the 文件库 table)."""
        if self.searcher is None:
            return []
        return [
            (s.title, s.doc_number, s.issuer, s.issued_on, validity_label(s))
            for s in (d.source for d in self.searcher.index.documents)
        ]

    def passages(self, document: int) -> list[Chunk]:
        """Every passage of the document in row ``document`` of :meth:`rows`, in order."""
        if self.searcher is None:
            return []
        index = self.searcher.index
        return [index.chunk(int(row)) for row in np.flatnonzero(index.chunk_docs == document)]

    def save_uploads(self, files: Iterable[str | Path]) -> list[str]:
        """Check uploaded files and save them into the corpus; one message per file.

        See :meth:`CorpusFiles.receive`: a file that cannot be indexed is refused
        with its reason, one with a document's name is held until confirmed.
        """
        return [self.files.receive(Path(f)) for f in files]

    def pending_markdown(self) -> str:
        """The changes waiting for a rebuild (待重建生效), as Markdown; ``""`` when none."""
        changes = self.files.pending()
        if not changes:
            return ""
        lines = [f"- {_cell(change.what)}：{_cell(change.path)}" for change in changes]
        return "\n".join(["**待重建生效**（点击“重建索引”后生效）：", *lines])

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


def report_markdown(report: BuildReport) -> str:
    """A build report for people: a summary line, then every file that is new or has a problem."""
    counts = Counter(r.status for r in report.files)
    summary = "，".join(f"{status.label} {n}" for status, n in counts.items())
    reason = _ENGLISH_AFTER_CHINESE.sub("", report.full_reason)  # 新建索引 new index
    how = f"全部重建（{reason}）" if reason else "增量更新"
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
            problems = "；".join(map(in_chinese, r.problems)) or f"{len(r.chunks)} 段"
            lines.append(f"| {_cell(r.path)} | {r.status.label} | {_cell(problems)} |")
    lines += [f"| {_cell(path)} | 已删除 | 文件已不在语料库中 |" for path in report.removed]
    return "\n".join(lines)


def in_chinese(problem: str) -> str:
    """A file's problem as the pipeline words it, without its English codes.

    ``"empty — 文件为空（0 字节）：a.txt"`` → ``"文件为空（0 字节）：a.txt"``;
    ``"文件过大：… (too large)"`` → ``"文件过大：…"``; ``"garbled text 9%"`` → ``"疑似乱码（9%）"``.
    """
    parts = problem.split(" — ")  # a LoadError is "<english keyword> — <中文说明>"
    while len(parts) > 1 and not _CJK.search(parts[0]):
        parts.pop(0)
    text = " — ".join(parts)
    for pattern, replacement in _ENGLISH:
        text = pattern.sub(replacement, text)
    return text


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no HTML, no column breaks."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("|", "\\|").replace("\n", " ")
