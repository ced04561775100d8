"""The bad-input catalogue, through a real ``assistant build`` (hash embedder, real FAISS/BM25).

One corpus holds every bad file next to good ones in awkward encodings and under
awkward names. It is built once, in-process; each catalogue entry is then its own
test that checks the build output (the file is named, with its reason), the index
manifest (its problem is recorded, it is not a document) and, for the good files,
that a phrase of theirs is found by search. The loaders' own tests are in
``test_loaders.py``; here the question is what a whole build does with such files.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from assistant.answering.search import Searcher
from assistant.app.cli import main
from assistant.index import Manifest, read_manifest

from .conftest import SEED, SHARED_CORPUS, hash_settings
from .scans import FACT, SCANNED, image_pdf, render
from .test_loaders import HUAIAN_2024, RENTAL, SIMPLIFIED, TRADITIONAL, squash

PDF, HTML, REPORTS = SHARED_CORPUS / "pdf", SHARED_CORPUS / "html", SHARED_CORPUS / "reports"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # header of .doc/.wps files
SCRIPT = "脚本变量不应进入索引"
RARE = "生僻字：㐀𠀀𪚥。"  # not in GBK: the file really needs GB18030


def report(year: int, chars: int = 1500) -> str:
    """The start of a government work report of ``year`` (UTF-8 with BOM in the corpus)."""
    return (REPORTS / f"{year}.txt").read_text(encoding="utf-8-sig")[:chars]


def write(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def copy(source: Path, change: Callable[[str], str] | None = None) -> Callable[[Path], None]:
    """Copy ``source``; with ``change``, its UTF-8 text is rewritten first."""
    if change is None:
        return lambda path: shutil.copyfile(source, path)
    return write(change(source.read_text(encoding="utf-8")).encode())


def encrypted_pdf(path: Path) -> None:
    writer = PdfWriter(clone_from=PDF / HUAIAN_2024)
    writer.encrypt("secret")  # a user password: nothing can be read without it
    writer.write(path)


def blank_scan(path: Path) -> None:
    Image.new("L", (595, 842), 255).save(path, "PDF")  # one page, one white image, no text


def scanned_pdf(path: Path) -> None:
    """A real scan: a page of a shared PDF rendered and saved as an image-only PDF."""
    image_pdf(path, [render(*SCANNED[1])])


def png_as_txt(path: Path) -> None:
    image = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(image, "PNG")
    path.write_bytes(image.getvalue())


def zero_page_pdf(path: Path) -> None:
    PdfWriter().write(path)


def with_script(page: str) -> str:
    scripts = f"<script>var a = '{SCRIPT}';</script><noscript>{SCRIPT}</noscript>"
    return page.replace("</head>", f"{scripts}</head>").replace("</body>", f"{scripts}</body>")


def with_control_bytes(page: str) -> str:
    """A damaged save: NUL and other control characters between the paragraphs."""
    return page.replace("</p>", "\x00\x0b</p>\x1f")


@dataclass(frozen=True)
class Bad:
    """A file the build must name with its reason and leave out of the index."""

    path: str
    make: Callable[[Path], None]
    status: str  # FileReport.status
    reason: str  # in the build output's lines for this file


@dataclass(frozen=True)
class Good:
    """A file the build must index so that ``phrase`` finds it."""

    path: str
    make: Callable[[Path], None]
    phrase: str


MARK = {"failed": "✗", "duplicate": "="}
LIMIT_MB = 1
SEED_PATH = f"seed/{SEED.name}"
BAD = [
    Bad("损坏的 报告.pdf", write((PDF / HUAIAN_2024).read_bytes()[:60_000]), "failed", "corrupt"),
    Bad("加密〔2024〕1号.pdf", encrypted_pdf, "failed", "encrypted"),
    Bad("空白扫描件.pdf", blank_scan, "failed", "空白页，OCR 也未识别出文字"),
    Bad("零页.pdf", zero_page_pdf, "failed", "PDF 没有任何页面"),
    Bad("空文件.txt", write(b""), "failed", "文件为空（0 字节）"),
    Bad("零宽字符.txt", write("\u200b\ufeff\u200b\n".encode()), "failed", "清理后没有文字"),
    Bad("关于X的函.doc", write(OLE), "failed", "unsupported format .doc"),
    Bad("通知 〔2023〕.wps", write(OLE), "failed", "unsupported format .wps"),
    Bad("电子公文.ofd", write(b"PK\x03\x04 ofd"), "failed", "corrupt — OFD 已损坏"),
    Bad("照片 〔扫描〕.txt", png_as_txt, "failed", "不是文本文件（像是PNG 图片）"),
    Bad("年报 2024.txt", zero_page_pdf, "failed", "像是PDF 文件，请改用 .pdf 扩展名"),
    Bad("超大 文件.txt", write(SIMPLIFIED.encode() * 5000), "failed", "too large"),
    Bad("副本 〔2020〕 答复.txt", copy(SEED), "duplicate", f"与 {SEED_PATH} 内容相同"),
]
ORIGINAL = Good(SEED_PATH, copy(SEED), "2018年安排知识产权专项经费484万元")
SCRIPTED = Good("穗府办规〔2024〕13号 公共租赁住房 办法.html", copy(HTML / RENTAL, with_script),
                "第二十七条 住房租赁补贴期限为5年。")  # fmt: skip
GOOD = [
    ORIGINAL,
    SCRIPTED,
    Good("gbk 1955年报告.txt", write(report(1955).encode("gbk")),
         "我现在代表国务院向本次大会作关于第一个五年计划的报告"),
    Good("gb18030 1956年报告.txt", write((report(1956) + RARE).encode("gb18030")),
         "1955年国家决算的收支总数如下"),
    Good("big5 基本法 第十二條.txt", write(TRADITIONAL.encode("big5")),
         "香港特別行政區是中華人民共和國的一個享有高度自治權的地方行政區域"),
    Good("utf-16 1957年报告.txt", write(report(1957).encode("utf-16")),
         "这一年，就是以这些伟大光辉的成就载入我国史册的一年"),
    Good("截断 1958年报告.txt", write((report(1958) + "。").encode()[:-1]),  # cut inside 。
         "回顾一九五七年，就会使每个人对于我们伟大的未来充满信心"),
    Good("控制字符 低保标准.html",
         copy(HTML / "26_最低生活保障及相关社会救助标准通知_穗民规字2025-2号.html",
              with_control_bytes), "全市城乡最低生活保障标准为每人每月1309元"),
    Good("淮安市 2024 年报〔公开〕.PDF", copy(PDF / HUAIAN_2024),
         "全市共受理政府信息公开申请3119件"),
    Good("扫描件 第1页.pdf", scanned_pdf, FACT),  # read by OCR
]  # fmt: skip


def make(corpus: Path, files: Sequence[Bad | Good]) -> None:
    for entry in files:
        path = corpus / entry.path
        path.parent.mkdir(parents=True, exist_ok=True)
        entry.make(path)


def build(corpus: Path, index: Path) -> tuple[int, str]:
    """``assistant build`` in-process with the hash embedder: exit code and output."""
    out = io.StringIO()
    code = main(["build", "--corpus", str(corpus), "--index", str(index), "--model", "hash"], out)
    return code, out.getvalue()


def named(output: str) -> dict[str, str]:
    """Build output by file: ``{path: "<mark>\\n<problem lines>"}``."""
    files: dict[str, list[str]] = {}
    current: list[str] = []
    for line in output.splitlines():
        if match := re.fullmatch(r"([✓!✗=·]) (.+)", line):
            current = files.setdefault(match.group(2), [match.group(1)])
        elif line.startswith("  "):
            current.append(line.strip())
    return {path: "\n".join(lines) for path, lines in files.items()}


@dataclass(frozen=True)
class Built:
    """The catalogue build: exit code, output, output by file, manifest, a searcher."""

    corpus: Path
    code: int
    output: str
    files: dict[str, str]
    manifest: Manifest
    searcher: Searcher


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """The catalogue corpus, built once with ``ASSISTANT_MAX_FILE_MB=1``."""
    root = tmp_path_factory.mktemp("bad-inputs")
    corpus, index = root / "corpus", root / "index"
    make(corpus, GOOD)
    make(corpus, BAD)
    assert (corpus / "超大 文件.txt").stat().st_size > LIMIT_MB * 1024 * 1024
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSISTANT_MAX_FILE_MB", str(LIMIT_MB))
        code, output = build(corpus, index)
    manifest = read_manifest(index)
    assert manifest is not None, output
    searcher = Searcher.open(hash_settings(corpus, index))
    yield Built(corpus, code, output, named(output), manifest, searcher)
    searcher.index.close()


def test_build_succeeds_and_counts_every_file(built: Built) -> None:
    assert built.code == 0
    assert f"{len(BAD) - 1} 个失败，1 个重复" in built.output
    assert {f.path for f in built.manifest.files} == {good.path for good in GOOD}


@pytest.mark.parametrize("bad", BAD, ids=lambda bad: bad.path)
def test_bad_file_is_named_with_its_reason_and_not_indexed(built: Built, bad: Bad) -> None:
    lines = built.files[bad.path]
    assert lines.startswith(MARK[bad.status]) and bad.reason in lines, built.output
    problems = {p.path: p for p in built.manifest.problems}
    assert problems[bad.path].status == bad.status
    assert bad.reason in " ".join(problems[bad.path].problems)
    assert bad.path not in {f.path for f in built.manifest.files}


@pytest.mark.parametrize("good", GOOD, ids=lambda good: good.path)
def test_good_file_is_decoded_and_searchable(built: Built, good: Good) -> None:
    assert built.files.get(good.path, "✓").startswith(("✓", "!"))  # not failed
    hit = built.searcher.search(good.phrase, k=3, mode="bm25")[0]
    assert hit.chunk.doc == good.path
    assert squash(good.phrase) in squash(hit.chunk.text)  # decoded exactly, not mojibake


def all_text(built: Built) -> str:
    index = built.searcher.index
    return "\n".join(index.chunk(i).text for i in range(len(index)))


def test_gb18030_only_characters_survive(built: Built) -> None:
    assert RARE.removesuffix("。") in all_text(built)


def test_script_text_is_not_indexed(built: Built) -> None:
    assert SCRIPT in (built.corpus / SCRIPTED.path).read_text(encoding="utf-8")
    assert SCRIPT not in all_text(built)


def test_duplicate_is_indexed_once(built: Built) -> None:
    hits = built.searcher.search("2018年知识产权专项经费是多少", k=10, mode="bm25")
    assert {hit.chunk.doc for hit in hits if "484万元" in hit.chunk.text} == {SEED_PATH}


def test_size_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = next(bad for bad in BAD if "too large" in bad.reason)
    make(tmp_path / "corpus", [big])
    monkeypatch.setenv("ASSISTANT_MAX_FILE_MB", str(LIMIT_MB))
    code, output = build(tmp_path / "corpus", tmp_path / "index")
    assert code == 2 and "too large" in named(output)[big.path]  # nothing usable: no index
    assert read_manifest(tmp_path / "index") is None
    monkeypatch.delenv("ASSISTANT_MAX_FILE_MB")
    code, output = build(tmp_path / "corpus", tmp_path / "index")
    assert code == 0 and big.path not in named(output)
    manifest = read_manifest(tmp_path / "index")
    assert manifest and [f.path for f in manifest.files] == [big.path]


def test_size_limit_may_be_a_fraction_of_a_megabyte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    make(corpus, [ORIGINAL])
    (corpus / "六百KB.txt").write_bytes(SIMPLIFIED.encode() * (600_000 // len(SIMPLIFIED.encode())))
    monkeypatch.setenv("ASSISTANT_MAX_FILE_MB", "0.5")
    code, output = build(corpus, tmp_path / "index")
    assert code == 0 and "超过上限 0.5 MB (too large)" in named(output)["六百KB.txt"]
    assert ORIGINAL.path not in named(output)


def test_copy_added_later_is_a_duplicate_like_in_a_fresh_build(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    later = Good("0 副本/答复函.txt", copy(SEED), ORIGINAL.phrase)  # sorts before seed/
    make(corpus, [ORIGINAL])
    assert build(corpus, index)[0] == 0
    make(corpus, [later])
    code, output = build(corpus, index)
    assert code == 0
    assert f"与 {later.path} 内容相同" in named(output)[SEED_PATH]
    manifest = read_manifest(index)
    assert manifest and [f.path for f in manifest.files] == [later.path]
    shutil.rmtree(index)
    assert build(corpus, index)[0] == 0
    fresh = read_manifest(index)
    assert fresh and fresh.files == manifest.files


def test_corpus_of_only_bad_files_names_each_and_writes_no_index(tmp_path: Path) -> None:
    failing = [bad for bad in BAD if bad.status == "failed" and "too large" not in bad.reason]
    make(tmp_path / "corpus", failing)
    code, output = build(tmp_path / "corpus", tmp_path / "index")
    assert code == 2
    files = named(output)
    assert sorted(files) == sorted(bad.path for bad in failing)
    for bad in failing:
        assert files[bad.path].startswith("✗") and bad.reason in files[bad.path]
    assert read_manifest(tmp_path / "index") is None
