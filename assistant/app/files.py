"""The corpus's files as the 管理 tab manages them: check, save, replace, move to the trash.

Entry point: :class:`CorpusFiles`. An upload is read on arrival, with the real
readers, in a hidden folder of the corpus (``.held/``), and refused with a
Chinese reason before it reaches the corpus when it cannot be indexed. One that
has the name of a corpus document is held there until the admin confirms the
replacement. Nothing is ever deleted: a removed or replaced document is moved to
``.trash/`` with a time stamp in its name. Hidden folders are never indexed
(:func:`assistant.documents.ingest.corpus_files`), so neither folder reaches the
index; the next rebuild applies the changes, which :meth:`CorpusFiles.pending` lists.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..documents.ingest import (
    OCR_CACHE,
    corpus_files,
    is_document_path,
    load_document,
    ocr_settings,
)
from ..documents.readers import (
    CorruptFile,
    EmptyFile,
    EncryptedFile,
    LoadError,
    NoTextLayer,
    UnsupportedFormat,
    sha256_file,
)
from ..documents.readers.ocr import ocr_options
from ..index import read_manifest
from ..settings import Settings

UPLOAD_DIR = "uploads"
HELD_DIR = ".held"
TRASH_DIR = ".trash"
MAX_NAME_CHARS = 120
# Why an upload is refused, by what its reader raised. A scan (NoTextLayer) is one
# entry: readers that OCR it will stop raising it, and this refusal with them.
REFUSALS: dict[type[LoadError], str] = {
    EmptyFile: "文件为空，或没有可以提取的文字",
    EncryptedFile: "文件已加密，请去掉密码后再上传",
    CorruptFile: "文件已损坏，或内容与扩展名不符，无法读取",
    NoTextLayer: "扫描件没有文字层，暂时无法收录（需要先做文字识别）",
}
UNREADABLE = "无法读取文件"


@dataclass(frozen=True)
class Change:
    """A change to the corpus that the index does not have yet (待重建生效).

    Attributes:
        path: The file, relative to the corpus root.
        what: ``新增``, ``已替换`` or ``已移除``.
    """

    path: str
    what: str


def safe_name(name: str) -> str:
    """A file name that is safe to create inside the corpus, or a ``ValueError`` saying why not.

    Rejects path parts (``../../x.pdf``, ``/etc/x.pdf``, ``C:\\x.pdf``), hidden and
    over-long names; removes control characters; keeps Chinese, spaces and 〔〕.
    Whether its type can be read is for the readers to say.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    plain = PurePosixPath(name).name == name and PureWindowsPath(name).name == name
    if not name or not plain or name.startswith("."):
        raise ValueError(f"文件名不安全（不能含路径或以“.”开头）：{name or '（空）'}")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"文件名过长（超过 {MAX_NAME_CHARS} 字）：{name[:40]}…")
    return name


def refusal(path: Path, settings: Settings) -> str:
    """Why the file at ``path`` cannot be indexed, in Chinese; ``""`` when it can.

    It is read, cleaned and described as a build would (:func:`load_document`),
    under its own name: unsupported, over-size, empty, corrupt, encrypted and
    scanned files are refused (scans only with OCR off; OCR'd pages go to the index's
    OCR cache, so the rebuild does not read them again).
    """
    size = path.stat().st_size
    if size > settings.max_file_bytes:
        return f"文件过大（{size / 1048576:.1f} MB，上限 {settings.max_file_mb:g} MB）"
    if not is_document_path(PurePosixPath(UPLOAD_DIR, path.name)):
        return "这是说明文件的名字（README、SOURCES、LICENSE 等），不会被收录，请改名后上传"
    try:
        with ocr_options(ocr_settings(settings, settings.index / OCR_CACHE)):
            load_document(path, path.parent)
    except UnsupportedFormat as error:  # its hint: 请另存为 .docx 或 PDF …
        return error.detail.replace(f"：{path.name}", "")
    except LoadError as error:
        return next((why for kind, why in REFUSALS.items() if isinstance(error, kind)), UNREADABLE)
    return ""


class CorpusFiles:
    """The documents of one corpus folder, for the admin.

    Attributes:
        settings: The corpus, the index (for :meth:`pending`) and the size limit.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.corpus = settings.corpus

    def receive(self, source: Path, name: str | None = None) -> str:
        """Check an uploaded file and save it as ``uploads/<name>`` (its own name by default).

        A file with the name of a corpus document is held instead, until
        :meth:`replace` or :meth:`discard`.

        Returns:
            What happened, in Chinese: saved, held, or refused and why.
        """
        try:
            name = safe_name(source.name if name is None else name)
        except ValueError as error:
            return f"未保存：{error}"
        held = self.corpus / HELD_DIR
        held.mkdir(parents=True, exist_ok=True)
        checking = Path(tempfile.mkdtemp(dir=held, prefix=".check-"))
        try:
            shutil.copyfile(source, checking / name)
            if why := refusal(checking / name, self.settings):
                return f"未保存 {name}：{why}"
            if existing := self._existing(name):
                os.replace(checking / name, held / name)
                return f"{name} 与已有文件 {existing} 同名，尚未保存：确认“替换同名文件”后才会替换"
            target = self.corpus / UPLOAD_DIR / name
            target.parent.mkdir(exist_ok=True)
            os.replace(checking / name, target)
            return f"已保存 {UPLOAD_DIR}/{name}，重建索引后生效"
        finally:
            shutil.rmtree(checking, ignore_errors=True)

    def held(self) -> list[str]:
        """The names of the uploads waiting for the admin to confirm their replacement."""
        folder = self.corpus / HELD_DIR
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_file() and p.name[0] != ".")

    def replace(self, names: Iterable[str]) -> list[str]:
        """Put each held upload in place of the document of its name (moved to the trash)."""
        messages = []
        for name in self._held(names):
            existing = self._existing(name) or f"{UPLOAD_DIR}/{name}"
            target = self.corpus / existing
            trashed = self._trash(target) if target.exists() else ""
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.corpus / HELD_DIR / name, target)
            old = f"（原文件已移到 {trashed}）" if trashed else ""
            messages.append(f"已替换 {existing}{old}，重建索引后生效")
        return messages

    def discard(self, names: Iterable[str]) -> list[str]:
        """Forget held uploads: they were never saved, and the corpus keeps its documents."""
        messages = []
        for name in self._held(names):
            (self.corpus / HELD_DIR / name).unlink()
            messages.append(f"未替换 {name}：保留原文件，上传的文件未保存")
        return messages

    def documents(self) -> list[str]:
        """Every document of the corpus (what :meth:`remove` accepts), relative to its root."""
        return [p.relative_to(self.corpus).as_posix() for p in corpus_files(self.corpus)]

    def remove(self, relative: str) -> str:
        """Move the document ``relative`` (one of :meth:`documents`) to the trash.

        Returns:
            Where it went, or why nothing was moved, in Chinese.
        """
        if relative not in self.documents():  # nothing outside the corpus, no project notes
            return f"未移除：语料库中没有这个文件：{relative or '（未选择）'}"
        trashed = self._trash(self.corpus / relative)
        return f"已移除 {relative}（文件已移到 {trashed}），重建索引后生效"

    def pending(self) -> list[Change]:
        """Changes to the corpus since the index in use was built, in path order."""
        manifest = read_manifest(self.settings.index)
        if manifest is None:
            return []
        indexed = {f.path: f.sha256 for f in manifest.files}
        reported = {p.path for p in manifest.problems}
        changes = [Change(path, "已移除") for path in indexed if not (self.corpus / path).exists()]
        for path in self.documents():
            if path not in indexed and path not in reported:
                changes.append(Change(path, "新增"))
            elif path in indexed and sha256_file(self.corpus / path) != indexed[path]:
                changes.append(Change(path, "已替换"))
        return sorted(changes, key=lambda change: change.path)

    def _existing(self, name: str) -> str:
        """The corpus document named ``name`` (in ``uploads/`` first), or ``""``."""
        same = [path for path in self.documents() if PurePosixPath(path).name == name]
        return f"{UPLOAD_DIR}/{name}" if f"{UPLOAD_DIR}/{name}" in same else next(iter(same), "")

    def _held(self, names: Iterable[str]) -> list[str]:
        """Those of ``names`` that are held (anything else, a path too, is ignored)."""
        held = self.held()
        return [name for name in names if name in held]

    def _trash(self, path: Path) -> str:
        """Move ``path`` to ``.trash/`` as ``<time stamp>_<name>``; return where it went."""
        trash = self.corpus / TRASH_DIR
        trash.mkdir(exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target, n = trash / f"{stamp}_{path.name}", 1
        while target.exists():
            n += 1
            target = trash / f"{stamp}-{n}_{path.name}"
        os.replace(path, target)
        return target.relative_to(self.corpus).as_posix()
