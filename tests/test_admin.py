"""The app's admin side without a browser: what a document is, password, uploads checked on
arrival and refused in Chinese, replacing a document, removing one, rebuild and swap.

A real index (hash embedder, real FAISS and BM25) on a tiny corpus, real files
(empty, random bytes, encrypted, scanned, .doc); the browser tests in
``test_browser.py`` and ``test_browser_admin.py`` drive the same code through the page.
"""

from __future__ import annotations

import gc
import os
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.answering.answer import answer
from assistant.answering.render import as_html, as_text
from assistant.app.admin import Library, check_password, in_chinese
from assistant.app.files import Change, safe_name
from assistant.documents.ingest import corpus_files, ingest
from assistant.index import build
from assistant.types import FileStatus

from .conftest import ROOT, CorpusWriter, hash_settings
from .test_bad_inputs import OLE, blank_scan, encrypted_pdf, png_as_txt, write


@pytest.fixture
def library(small_corpus: CorpusWriter) -> Library:
    note = (
        "关于社区图书角的说明\n社区图书角每周开放六天，周一闭馆。"
        '<script>alert("x")</script><img src=x onerror="alert(1)">\n'
    )
    settings = small_corpus({"a.txt": note})
    build(settings)
    return Library(settings)


def test_password_is_checked_exactly_and_an_empty_one_never_matches() -> None:
    assert check_password("管理-密码", "管理-密码")
    assert not check_password("管理-密", "管理-密码")
    assert not check_password("", "")
    assert not check_password("anything", "")


@pytest.mark.parametrize(
    "name",
    ["../../x.pdf", "/etc/x.pdf", "a/b.pdf", "..\\x.pdf", "C:\\x.pdf", ".hidden.pdf", "", ".."],
)
def test_unsafe_upload_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="文件名不安全"):
        safe_name(name)


def test_upload_names_keep_chinese_spaces_and_brackets_but_not_control_characters() -> None:
    assert safe_name("城市书房 补助〔2026〕1号.TXT") == "城市书房 补助〔2026〕1号.TXT"
    assert safe_name("报告\x00\x1f.pdf") == "报告.pdf"
    with pytest.raises(ValueError, match="过长"):
        safe_name("长" * 200 + ".txt")


def test_rebuild_swaps_in_the_new_index_and_reports_every_new_file(
    library: Library, tmp_path: Path
) -> None:
    old = library.searcher
    source = tmp_path / "书房.txt"
    source.write_text("城市书房建设补助标准为每间8.8万元。", encoding="utf-8")
    library.save_uploads([source])
    (library.settings.corpus / "坏.pdf").write_bytes(b"%PDF-1.4 broken")
    (library.settings.corpus / "<img src=x onerror=1>|x.pdf").write_bytes(b"%PDF-1.4 broken")
    steps: list[str] = []
    report = library.rebuild(lambda done, text: steps.append(text))
    assert library.searcher is not old
    assert "uploads/书房.txt | 已收录" in report
    assert "坏.pdf | 未收录" in report
    assert "| &lt;img src=x onerror=1&gt;\\|x.pdf | 未收录 |" in report  # no HTML, no new column
    assert any("书房.txt" in s for s in steps)
    assert steps[-1] == "计算向量 1/1 段"  # the new file embedded, in Chinese
    reply = answer(library.searcher, "城市书房建设补助标准是多少？")
    assert "每间8.8万元" in as_text(reply)
    current = library.searcher
    assert "索引已是最新，没有变化" in library.rebuild()
    assert library.searcher is current
    assert [r[0] for r in library.rows()] == ["a", "书房"]  # title from the file name


def test_answers_show_document_html_as_text(library: Library) -> None:
    reply = answer(library.searcher, "社区图书角哪天闭馆？")
    page = as_html(reply)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page and "onerror=&quot;alert(1)&quot;" in page
    # the quote is marked from the answering sentence on (with the rest of its line, escaped)
    assert "<mark>社区图书角每周开放六天，周一闭馆。" in page
    assert '<span class="marker">[1]</span>' in page


def test_first_build_runs_in_the_background_and_questions_meanwhile_get_its_progress(
    small_corpus: CorpusWriter,
) -> None:
    library = Library(small_corpus({"通知.txt": "关于图书角的通知\n图书角周一闭馆。\n"}))
    assert library.searcher is None and library.rows() == []
    with pytest.raises(ValueError, match="索引尚未建立"):
        library.ready()
    with library._rebuilding:  # hold the build at its start, as a slow one would be
        thread = library.build_first_index()
        with pytest.raises(ValueError, match="正在建立索引.*请稍候"):
            answer(library.ready(), "图书角哪天闭馆？")
    thread.join(timeout=120)
    assert "周一闭馆" in as_text(answer(library.ready(), "图书角哪天闭馆？"))
    assert [row[0] for row in library.rows()] == ["关于图书角的通知"]


def test_failed_first_build_is_reported_to_whoever_asks(small_corpus: CorpusWriter) -> None:
    library = Library(small_corpus({"损坏.pdf": b"%PDF-1.7 broken"}))
    library.build_first_index().join(timeout=120)
    with pytest.raises(ValueError, match="无法建立索引.*没有可用的文件"):
        library.ready()


def test_rebuilds_do_not_leave_old_index_files_open(library: Library) -> None:
    def open_chunk_stores() -> int:
        links = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                links.append(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:  # the listing's own fd, already closed
                continue
        here = str(library.settings.index)  # other tests' indexes may not be collected yet
        return sum(link.startswith(here) and "chunks.jsonl" in link for link in links)

    before = open_chunk_stores()
    for i in range(3):
        note = library.settings.corpus / f"说明{i}.txt"
        note.write_text(f"第{i}份说明：图书角周{i}开放。", "utf-8")
        library.rebuild()
    gc.collect()
    assert open_chunk_stores() == before == 1


# What a document is


def test_the_shipped_corpus_indexes_its_documents_but_not_its_sources_note() -> None:
    corpus = ROOT / "corpus"
    assert (corpus / "SOURCES.md").is_file()  # it stays where it is …
    found = [p.relative_to(corpus).as_posix() for p in corpus_files(corpus)]
    assert "SOURCES.md" not in found and "metadata.csv" not in found  # … and is no document
    assert len(found) == 18 and {p.split("/")[0] for p in found} == {"html", "pdf", "seed"}


def test_project_notes_and_hidden_files_are_skipped_and_other_types_reported(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    files = {
        "通知.txt": "关于图书角的通知\n图书角周一闭馆。",
        "uploads/关于X的函.doc": OLE,
        "README.md": "说明",
        "sub/readme.txt": "说明",
        "LICENSE": "许可",
        "License.txt": "许可",
        "Sources.md": "来源",
        "sub/SOURCES.txt": "来源",
        "metadata.csv": "文件,文号\n",
        "synonyms.csv": "低保,最低生活保障\n",
        "sub/Metadata.CSV": "文件\n",
        ".hidden.txt": "隐藏",
        ".trash/20260101-120000_旧通知.txt": "关于旧图书角的通知",
        "sub/.held/x.txt": "暂存",
    }
    for name, content in files.items():
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (corpus / name).write_bytes(data)
    reports = list(ingest(corpus, hash_settings(corpus)))
    assert [r.path for r in reports] == ["uploads/关于X的函.doc", "通知.txt"]
    doc, notice = reports
    assert doc.status == FileStatus.FAILED and "请另存为 .docx 或 PDF" in doc.problems[0]
    assert notice.status == FileStatus.OK


# Uploads are read on arrival and refused in Chinese before they reach the corpus


def random_bytes(path: Path) -> None:
    path.write_bytes(b"%PDF-1.7\n" + random.Random(15).randbytes(4000))


ENGLISH_CODES = re.compile(r"\b(empty|corrupt|encrypted|unsupported|needs|too large|unsafe)\b")
REFUSED = [
    ("空文件.txt", write(b""), "文件为空"),
    ("空白.txt", write(" \n\u3000\n".encode()), "文件为空"),
    ("随机字节.pdf", random_bytes, "文件已损坏"),
    ("照片.txt", png_as_txt, "文件已损坏"),
    ("加密〔2024〕1号.pdf", encrypted_pdf, "文件已加密，请去掉密码后再上传"),
    ("空白扫描件.pdf", blank_scan, "文件为空，或没有可以提取的文字"),  # scans: test_ocr.py
    ("关于X的函.doc", write(OLE), "不支持的文件格式 .doc（请另存为 .docx 或 PDF）"),
    ("电子公文.ofd", write(b"PK\x03\x04 ofd"), "文件已损坏"),
    ("假的.docx", write(OLE), "文件实际是旧版 .doc 格式"),
    ("README.md", write("本目录说明".encode()), "说明文件的名字"),
]


@pytest.mark.parametrize(("name", "make", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_bad_uploads_are_refused_with_a_chinese_reason_and_never_saved(
    library: Library, tmp_path: Path, name: str, make: Callable[[Path], None], reason: str
) -> None:
    source = tmp_path / "upload" / name
    source.parent.mkdir()
    make(source)
    before = corpus_listing(library)
    [message] = library.save_uploads([source])
    assert message.startswith(f"未保存 {name}：") and reason in message
    assert not ENGLISH_CODES.search(message) and "—" not in message
    assert corpus_listing(library) == before


def test_uploads_over_the_size_limit_are_refused(library: Library, tmp_path: Path) -> None:
    small = Library(library.settings.with_(max_file_mb=0.5))
    big = tmp_path / "big.txt"
    big.write_bytes("城市书房。".encode() * 60_000)  # 0.9 MB
    assert small.save_uploads([big]) == ["未保存 big.txt：文件过大（0.9 MB，上限 0.5 MB）"]
    assert not (library.settings.corpus / "uploads" / "big.txt").exists()


def test_uploads_land_in_the_corpus_only(library: Library, tmp_path: Path) -> None:
    source = tmp_path / "新文件.txt"
    source.write_text("城市书房建设补助标准为每间8.8万元。", encoding="utf-8")
    corpus = library.settings.corpus
    assert library.save_uploads([source]) == ["已保存 uploads/新文件.txt，重建索引后生效"]
    assert (corpus / "uploads" / "新文件.txt").read_bytes() == source.read_bytes()
    for name in ("../../逃逸.txt", "/tmp/逃逸.txt", "..\\逃逸.txt", ".逃逸.txt"):
        [message] = [library.files.receive(source, name)]
        assert message.startswith("未保存：文件名不安全"), message
    assert not (tmp_path / "逃逸.txt").exists() and not (corpus.parent / "逃逸.txt").exists()
    assert corpus_listing(library) == ["a.txt", "uploads/新文件.txt"]  # nothing else left


def test_a_same_name_upload_is_held_until_the_replacement_is_confirmed(
    library: Library, tmp_path: Path
) -> None:
    corpus, files = library.settings.corpus, library.files
    old = corpus / "a.txt"
    original = old.read_bytes()
    source = tmp_path / "a.txt"
    source.write_text("关于社区图书角的说明\n社区图书角每周开放七天。", encoding="utf-8")
    [message] = library.save_uploads([source])
    assert "a.txt 与已有文件 a.txt 同名，尚未保存" in message and "替换同名文件" in message
    assert old.read_bytes() == original and files.held() == ["a.txt"]
    assert files.pending() == []  # a held file is not in the corpus
    assert files.discard(["a.txt"]) == ["未替换 a.txt：保留原文件，上传的文件未保存"]
    assert old.read_bytes() == original and files.held() == []

    library.save_uploads([source])
    assert files.replace(["a.txt", "../a.txt", "b.txt"]) == [
        f"已替换 a.txt（原文件已移到 {trashed(library)[0]}），重建索引后生效"
    ]
    assert old.read_bytes() == source.read_bytes() and files.held() == []
    assert (corpus / trashed(library)[0]).read_bytes() == original
    assert files.pending() == [Change("a.txt", "已替换")]
    library.rebuild()
    assert files.pending() == []
    assert "七天" in as_text(answer(library.ready(), "社区图书角每周开放几天？"))
    assert corpus_listing(library) == ["a.txt"]


def test_a_removed_document_is_pending_then_gone_from_search_after_the_rebuild(
    library: Library, tmp_path: Path
) -> None:
    source = tmp_path / "书房.txt"
    source.write_text("关于城市书房的通知\n城市书房建设补助标准为每间8.8万元。", encoding="utf-8")
    library.save_uploads([source])
    assert library.files.pending() == [Change("uploads/书房.txt", "新增")]
    library.rebuild()
    question = "城市书房建设补助标准是多少？"
    assert "每间8.8万元" in as_text(answer(library.ready(), question))
    assert library.files.documents() == ["a.txt", "uploads/书房.txt"]

    for outside in ("../a.txt", "/etc/passwd", ".trash", "uploads", ""):
        assert library.files.remove(outside).startswith("未移除"), outside
    message = library.files.remove("uploads/书房.txt")
    [where] = trashed(library)
    assert message == f"已移除 uploads/书房.txt（文件已移到 {where}），重建索引后生效"
    assert re.fullmatch(r"\.trash/\d{8}-\d{6}_书房\.txt", where)
    assert (library.settings.corpus / where).read_bytes() == source.read_bytes()
    assert library.files.pending() == [Change("uploads/书房.txt", "已移除")]
    assert "每间8.8万元" in as_text(answer(library.ready(), question))  # until the rebuild

    report = library.rebuild()
    assert "| uploads/书房.txt | 已删除 |" in report
    assert library.files.pending() == [] and library.files.documents() == ["a.txt"]
    assert "8.8万元" not in as_text(answer(library.ready(), question))
    assert [row[0] for row in library.rows()] == ["a"]


def test_the_rebuild_report_has_no_english_codes(library: Library) -> None:
    corpus = library.settings.corpus
    (corpus / "空.txt").write_bytes(b"")
    (corpus / "大.txt").write_bytes("图书角。".encode() * 100_000)
    (corpus / "副本.txt").write_bytes((corpus / "a.txt").read_bytes())
    report = Library(library.settings.with_(max_file_mb=0.5)).rebuild()
    assert "| 空.txt | 未收录 | 文件为空（0 字节）：空.txt |" in report
    assert "| 大.txt | 未收录 | 文件过大：1.1 MB，超过上限 0.5 MB |" in report
    assert "| 副本.txt | 重复，未重复收录 | 与 a.txt 内容相同，只收录一次 |" in report
    assert not ENGLISH_CODES.search(report) and "duplicate" not in report


def test_problems_are_shown_without_their_english_codes() -> None:
    assert in_chinese("empty — 文件为空（0 字节）：a.txt") == "文件为空（0 字节）：a.txt"
    assert in_chinese("no text layer — needs OCR — 扫描件：b.pdf") == "扫描件：b.pdf"
    assert in_chinese("no text layer — needs OCR: 第2页无文本层") == "第2页无文本层"
    assert in_chinese("疑似乱码 (garbled text 12%)") == "疑似乱码"
    assert in_chinese("garbled text 12%") == "疑似乱码（12%）"
    assert in_chinese("corrupt — PDF 已损坏，无法解析：c.pdf（EOF marker not found）") == (
        "PDF 已损坏，无法解析：c.pdf"
    )
    assert in_chinese("文件为空：报告 (draft).txt") == "文件为空：报告 (draft).txt"


def corpus_listing(library: Library) -> list[str]:
    """Every file of the corpus but the trash, relative to it (held uploads included)."""
    corpus = library.settings.corpus
    found = (p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.is_file())
    return sorted(p for p in found if not p.startswith(".trash/"))


def trashed(library: Library) -> list[str]:
    """The files in the corpus's trash, relative to the corpus."""
    trash = library.settings.corpus / ".trash"
    return sorted(f".trash/{p.name}" for p in trash.iterdir()) if trash.is_dir() else []
