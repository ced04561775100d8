"""The ``assistant`` CLI, run in-process, on real files."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.app.cli import main
from assistant.settings import Settings

from .conftest import GUANGZHOU_PAGES, SEED, SHARED_CORPUS


def run(
    *argv: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[int, str]:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    code = main(list(argv), stdout=out)
    return code, out.getvalue()


def test_help_is_instant_and_lists_commands() -> None:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert time.perf_counter() - started < 10
    for command in ("ingest", "build", "search", "ask", "eval"):
        assert command in result.stdout
    modules = subprocess.run(
        [sys.executable, "-c", "import sys, assistant.app.cli; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for heavy in ("'torch'", "'faiss'", "'gradio'", "'sentence_transformers'", "'jieba'"):
        assert heavy not in modules


def test_ingest_reports_every_file_of_the_shared_corpus() -> None:
    code, out = run("ingest", str(SHARED_CORPUS), "--json")
    assert code == 0
    report = json.loads(out)
    files = {f["path"]: f for f in report["files"]}
    on_disk = {
        p.relative_to(SHARED_CORPUS).as_posix() for p in SHARED_CORPUS.rglob("*") if p.is_file()
    }
    assert "SOURCES.md" in on_disk  # the corpus's own note: never a document
    assert set(files) == on_disk - {"SOURCES.md"}
    seed = files[f"seed/{SEED.name}"]
    assert seed["status"] == "ok"
    assert seed["doc_number"] == "官市监函〔2020〕18号"
    assert seed["issued_on"] == "2020-08-31"
    assert files["html/01_招生细则_原文.txt"]["status"] == "failed"
    assert "empty" in files["html/01_招生细则_原文.txt"]["problems"][0]
    assert "unsupported" in files["html/meta/官方文件表.csv"]["problems"][0]
    pdfs = [f for p, f in files.items() if p.endswith(".pdf")]
    assert len(pdfs) == 9 and all(f["status"] in ("ok", "warned") and f["pages"] > 0 for f in pdfs)
    summary = report["summary"]
    assert summary["files"] == len(files)
    assert summary["ok"] + summary["warned"] >= 110 and summary["chunks"] > 1000


def test_ingest_text_report_names_bad_files(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / SEED.name)
    shutil.copy(SEED, tmp_path / "副本 〔2020〕.txt")
    (tmp_path / "旧文件.doc").write_bytes(b"\xd0\xcf\x11\xe0 old word file")
    (tmp_path / "损坏.pdf").write_bytes(b"%PDF-1.7 broken")
    code, out = run("ingest", str(tmp_path))
    assert code == 0
    assert "✓ " in out and "官市监函〔2020〕18号" in out
    assert "旧文件.doc" in out and "unsupported format .doc" in out
    assert "损坏.pdf" in out
    assert "duplicate" in out
    assert out.strip().split("\n")[-1].startswith("共 4 个文件：成功 1")


def test_ingest_of_nothing_usable_exits_1(tmp_path: Path) -> None:
    (tmp_path / "a.wps").write_bytes(b"x")
    assert run("ingest", str(tmp_path))[0] == 1
    assert run("ingest", str(tmp_path / "missing"))[0] == 2


FIRST, FOLLOW_UP = "一次性创业补贴由谁发放？", "那需要提交哪些材料？"
CONVERSATION = "\n".join(
    [
        FIRST,
        json.dumps({"question": FOLLOW_UP, "history": [FIRST]}, ensure_ascii=False),
        '{"question": "那需要提交哪些材料？", "history": [',  # line 3: not JSON
        "",
        '{"history": ["一次性创业补贴由谁发放？"]}',  # line 5: no question
        json.dumps({"question": FOLLOW_UP}, ensure_ascii=False),  # no history: a plain question
    ]
)


@pytest.mark.parametrize("command", ["ask", "search"])
def test_stdin_json_lines_carry_a_conversation_and_malformed_lines_are_skipped(
    command: str,
    guangzhou_pages: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ASSISTANT_MIN_SCORE", "0")
    index = ("--index", str(guangzhou_pages.index), "--model", "hash")
    code, out = run(command, *index, "--json", stdin=CONVERSATION, monkeypatch=monkeypatch)
    err = capsys.readouterr().err
    assert code == 1  # some lines were skipped
    assert "第 3 行 line 3" in err and "invalid JSON" in err
    assert "第 5 行 line 5" in err and 'missing "question"' in err
    assert "line 1:" not in err and "line 2:" not in err and "line 6:" not in err
    first, follow_up, bare = [json.loads(line) for line in out.splitlines()]
    rows = (first, follow_up, bare)
    assert [row["question"] for row in rows] == [FIRST, FOLLOW_UP, FOLLOW_UP]
    assert [row["understood"] for row in rows] == ["", "一次性创业补贴", ""]
    hits = {"ask": "citations", "search": "hits"}[command]
    assert first[hits][0]["doc"] == GUANGZHOU_PAGES[0]
    assert GUANGZHOU_PAGES[0] in {hit["doc"] for hit in follow_up[hits][:2]}
    assert bare[hits][0]["doc"] != GUANGZHOU_PAGES[0]
    if command == "ask":
        assert follow_up["answer"].startswith("按“一次性创业补贴”理解\n")


def test_stdin_plain_lines_are_questions_and_text_output_says_what_was_understood(
    guangzhou_pages: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_MIN_SCORE", "0")
    index = ("--index", str(guangzhou_pages.index), "--model", "hash")
    lines = f"{FIRST}\n" + json.dumps({"question": FOLLOW_UP, "history": [FIRST]}) + "\n"
    code, out = run("ask", *index, stdin=lines, monkeypatch=monkeypatch)
    assert code == 0
    assert f"问 {FOLLOW_UP}\n答 按“一次性创业补贴”理解\n" in out
    assert out.count("问 ") == 2 and "{" not in out
