"""The app's admin side without a browser: password, upload names and sizes, rebuild and swap.

A real index (hash embedder, real FAISS and BM25) on a tiny corpus; the browser
tests in ``test_browser.py`` drive the same code through the page.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from assistant.answering.answer import answer
from assistant.answering.render import as_html, as_text
from assistant.app.admin import Library, check_password, safe_name
from assistant.documents.ingest import corpus_files, ingest
from assistant.index import build
from assistant.types import FileStatus

from .conftest import ROOT, CorpusWriter, hash_settings
from .test_bad_inputs import OLE

SUFFIXES = Library.UPLOAD_SUFFIXES


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
    with pytest.raises(ValueError, match="不安全"):
        safe_name(name, SUFFIXES)


def test_upload_names_keep_chinese_spaces_and_brackets_but_not_control_characters() -> None:
    assert safe_name("城市书房 补助〔2026〕1号.TXT", SUFFIXES) == "城市书房 补助〔2026〕1号.TXT"
    assert safe_name("报告\x00\x1f.pdf", SUFFIXES) == "报告.pdf"
    for name in ("x.doc", "x.exe", "x.pdf.sh", "x"):
        with pytest.raises(ValueError, match="不支持的文件类型"):
            safe_name(name, SUFFIXES)
    with pytest.raises(ValueError, match="过长"):
        safe_name("长" * 200 + ".txt", SUFFIXES)


def test_uploads_land_in_the_corpus_only(library: Library, tmp_path: Path) -> None:
    source = tmp_path / "新文件.txt"
    source.write_text("城市书房建设补助标准为每间8.8万元。", encoding="utf-8")
    corpus = library.settings.corpus
    assert library.save_upload(source).startswith("已保存 uploads/新文件.txt")
    assert (corpus / "uploads" / "新文件.txt").read_bytes() == source.read_bytes()
    assert "替换" in library.save_upload(source)
    assert library.save_upload(source, "../../逃逸.txt").startswith("未保存")
    assert not (tmp_path / "逃逸.txt").exists() and not (corpus.parent / "逃逸.txt").exists()
    files = sorted(p.name for p in corpus.rglob("*"))
    assert files == ["a.txt", "uploads", "新文件.txt"]  # no temporary file left behind


def test_uploads_over_the_size_limit_are_refused(library: Library, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (library.settings.max_file_bytes + 1))
    assert "文件过大" in library.save_upload(big)
    assert not (library.settings.corpus / "uploads" / "big.txt").exists()


def test_rebuild_swaps_in_the_new_index_and_reports_every_new_file(
    library: Library, tmp_path: Path
) -> None:
    old = library.searcher
    source = tmp_path / "书房.txt"
    source.write_text("城市书房建设补助标准为每间8.8万元。", encoding="utf-8")
    library.save_upload(source)
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
    assert "<mark>社区图书角每周开放六天，周一闭馆。</mark>" in page
    assert '<span class="marker">[1]</span>' in page


def test_first_build_runs_in_the_background_and_questions_meanwhile_get_its_progress(
    small_corpus: CorpusWriter,
) -> None:
    library = Library(small_corpus({"通知.txt": "关于图书角的通知\n图书角周一闭馆。\n"}))
    assert library.searcher is None and library.rows() == []
    assert library.filter_choices() == ([], [], [])
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
