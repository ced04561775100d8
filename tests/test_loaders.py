"""Loaders on the real files of ../shared/corpus and on files written here.

No mocks: every test reads a real file through :func:`assistant.documents.readers.read`. The
shared corpus must be present (see ``conftest.py``): its tests fail without it.
"""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
from pathlib import Path

import docx
import lxml.html
import pytest
from pypdf import PdfReader, PdfWriter

from assistant.documents.readers import (
    READERS,
    CorruptFile,
    EmptyFile,
    EncryptedFile,
    LoadError,
    NoTextLayer,
    UnsupportedFormat,
    read,
    sha256_file,
)
from assistant.documents.readers.base import decode_text
from assistant.documents.readers.ocr import OcrOptions, ocr_options

from .conftest import SHARED_CORPUS

SHARED = SHARED_CORPUS
PDF, HTML = SHARED / "pdf", SHARED / "html"

PDF_PAGES = {
    "上海市普陀区司法局2026年单位预算_unit_budget.pdf": 21,
    "上海市普陀区司法局2026年部门预算_dept_budget.pdf": 23,
    "上海市普陀区社会福利院2024年单位预算_1769321942920-969924351.pdf": 16,
    "普陀区万里街道办事处2023年部门预算_1770007475548-818404804.pdf": 35,
    "普陀区万里街道办事处2024年部门预算_1769438736627-418301796.pdf": 33,
    "普陀区万里街道办事处2025年部门预算_1770870224634-745254255.pdf": 31,
    "洪泽区人民政府2023年政府信息公开工作年度报告_hzq2023_working.pdf": 5,
    "淮安市人民政府2024年政府信息公开工作年度报告_szfgs2024.pdf": 6,
    "淮安市洪泽区人民政府2024年政府信息公开工作年度报告_hzq2024_working.pdf": 5,
}
HONGZE_2023 = "洪泽区人民政府2023年政府信息公开工作年度报告_hzq2023_working.pdf"
HUAIAN_2024 = "淮安市人民政府2024年政府信息公开工作年度报告_szfgs2024.pdf"
RENTAL = "11_公共租赁住房保障办法_穗府办规2024-13号.html"

# Strings that only site chrome contains (menus, breadcrumbs, footers, share boxes, the
# gz.gov.cn department directory). Each is in the raw text of several saved pages.
NAVIGATION = [
    "网站地图", "网站标识码", "版权所有", "ICP备", "粤公网安备", "当前位置", "所在的位置",
    "字体大小", "市委组织部", "市林业园林局", "扫一扫在手机", "分享到", "返回顶部",
    "关于我们", "联系我们", "无障碍版", "长者专区", "长者助手", "简繁", "主办单位",
    "相关新闻", "关闭窗口",
]  # fmt: skip

# Real sentences: the seed letter (Simplified) and Article 12 of the Hong Kong Basic Law
# (Traditional, the way it is published in Big5).
SIMPLIFIED = (
    "尊敬的刘艳江、岳健委员：\n您在政协昆明市官渡区第九届委员会第四次会议第94049号提案"
    "《关于对官渡区知识产权促进与保护发展的建议》已交由我局办理，现答复如下：\n"
)
TRADITIONAL = (
    "第十二條\n香港特別行政區是中華人民共和國的一個享有高度自治權的地方行政區域，"
    "直轄於中央人民政府。\n"
)


corpus = functools.cache(read)  # the shared corpus is read-only: read each file once


def squash(text: str) -> str:
    """Text without any whitespace, for comparing across line breaks."""
    return re.sub(r"\s+", "", text)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------- PDF
def test_every_corpus_pdf_is_known(shared_corpus: Path) -> None:
    assert shared_corpus == SHARED
    assert sorted(p.name for p in PDF.glob("*.pdf")) == sorted(PDF_PAGES)


@pytest.mark.parametrize(("name", "pages"), sorted(PDF_PAGES.items()))
def test_pdf_page_count(name: str, pages: int) -> None:
    extracted = corpus(PDF / name)
    assert extracted.paginated is True
    assert len(extracted.pages) == pages == len(PdfReader(PDF / name).pages)
    assert all(isinstance(page, str) for page in extracted.pages)


@pytest.mark.parametrize(
    ("name", "page", "passage"),
    [
        (HUAIAN_2024, 2, "全市共受理政府信息公开申请3119件"),
        (HUAIAN_2024, 6, "全年收取政府信息公开信息处理费3940元"),
        (HONGZE_2023, 1, "洪泽区人民政府2023年政府信息公开工作年度报告"),
        (HONGZE_2023, 2, "落实“三审三校”制度"),
        ("淮安市洪泽区人民政府2024年政府信息公开工作年度报告_hzq2024_working.pdf", 1,
         "区政府办代表区政府受理政府信息公开申请17件"),
        ("上海市普陀区司法局2026年单位预算_unit_budget.pdf", 21,
         "2026年“三公”经费预算数为10.71万元"),
        ("上海市普陀区司法局2026年部门预算_dept_budget.pdf", 23, "人民调解项目经费情况说明"),
        ("上海市普陀区社会福利院2024年单位预算_1769321942920-969924351.pdf", 16,
         "2024年“三公”经费预算数为6.40万元"),
        ("普陀区万里街道办事处2023年部门预算_1770007475548-818404804.pdf", 35,
         "项目名称公共服务设施运行经费"),
    ],
)  # fmt: skip
def test_pdf_passage_on_its_page(name: str, page: int, passage: str) -> None:
    pages = corpus(PDF / name).pages
    assert [n for n, text in enumerate(pages, 1) if passage in squash(text)] == [page]


def test_pdf_text_is_raw_not_cleaned() -> None:
    first = corpus(PDF / HONGZE_2023).pages[0].split("\n")
    assert first[0].strip() == "- 1 -"  # the page number line is the cleaner's job
    assert "2023 年政府信息公开工作年度报告" in first[2]  # the PDF's own space is kept
    assert len(first) > 10  # wrapped lines stay separate lines


def test_pdf_title_from_metadata_only_when_meaningful() -> None:
    assert corpus(PDF / HONGZE_2023).title == "洪泽区人民政府2023年政府信息公开工作年度报告"
    assert corpus(PDF / "上海市普陀区司法局2026年单位预算_unit_budget.pdf").title == ""


def test_pdf_blank_page_is_reported() -> None:
    extracted = corpus(PDF / "上海市普陀区司法局2026年部门预算_dept_budget.pdf")
    assert extracted.pages[2].strip() == ""
    assert extracted.warnings == ("blank pages: 第3页没有文字",)
    assert corpus(PDF / HUAIAN_2024).warnings == ()


def test_encrypted_pdf_raises(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PDF / HONGZE_2023)
    writer.encrypt("secret")
    target = tmp_path / "加密 报告.pdf"
    writer.write(target)
    with pytest.raises(EncryptedFile) as caught:
        read(target)
    assert str(caught.value).startswith("encrypted — ")
    assert "加密 报告.pdf" in str(caught.value)


def test_pdf_with_owner_password_only_reads(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PDF / HONGZE_2023)
    writer.encrypt(user_password="", owner_password="owner-secret")
    target = tmp_path / "owner.pdf"
    writer.write(target)
    assert PdfReader(target).is_encrypted
    assert read(target).pages == corpus(PDF / HONGZE_2023).pages


@pytest.mark.parametrize("keep", [0.95, 0.5, 0.05])
def test_truncated_pdf_is_corrupt_and_quiet(
    tmp_path: Path, keep: float, capfd: pytest.CaptureFixture[str]
) -> None:
    data = (PDF / HUAIAN_2024).read_bytes()
    target = write(tmp_path / "截断.pdf", data[: int(len(data) * keep)])
    with pytest.raises(CorruptFile, match="截断.pdf"):
        read(target)
    assert capfd.readouterr().err == ""  # pypdf's own warnings are silenced


def test_not_a_pdf_is_corrupt(tmp_path: Path) -> None:
    target = write(tmp_path / "fake.pdf", "<html>404 页面不存在</html>".encode())
    with pytest.raises(CorruptFile, match=r"^corrupt — PDF 已损坏.*fake\.pdf"):
        read(target)


def test_pdf_without_text_layer_needs_ocr_when_ocr_is_off(tmp_path: Path) -> None:
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    target = tmp_path / "扫描件〔2024〕1号.pdf"
    writer.write(target)
    with pytest.raises(NoTextLayer) as caught, ocr_options(OcrOptions(enabled=False)):
        read(target)
    message = str(caught.value)
    assert message.startswith("no text layer — needs OCR — ")
    assert "扫描件〔2024〕1号.pdf" in message and "共 3 页" in message
    # With OCR on (the default), blank pages are found blank, not sent to the recognizer.
    with pytest.raises(EmptyFile, match="空白页，OCR 也未识别出文字"):
        read(target)


def test_pdf_without_pages_is_empty(tmp_path: Path) -> None:
    target = tmp_path / "no-pages.pdf"
    PdfWriter().write(target)
    with pytest.raises(EmptyFile, match="no-pages.pdf"):
        read(target)


# ---------------------------------------------------------------------------- HTML
def test_html_corpus_has_47_pages() -> None:
    assert len(list(HTML.glob("*.html"))) == 47


@pytest.mark.parametrize(
    "page",
    sorted(HTML.glob("*.html")) if HTML.is_dir() else [],
    ids=lambda page: page.name,
)
def test_html_main_text_without_navigation(page: Path) -> None:
    extracted = corpus(page)
    text = extracted.pages[0]
    assert extracted.paginated is False and len(extracted.pages) == 1
    assert len(squash(text)) >= 250, text
    assert len(extracted.title) >= 4
    root = lxml.html.fromstring(page.read_bytes().decode("utf-8"))
    for junk in root.xpath("//script|//style"):
        junk.drop_tree()
    raw = root.text_content()
    present = [nav for nav in NAVIGATION if nav in raw]
    assert present, "the saved page should contain site navigation"
    assert [nav for nav in present if nav in text] == []


def test_navigation_strings_are_really_in_the_pages() -> None:
    raw = "\n".join(p.read_text(encoding="utf-8") for p in HTML.glob("*.html"))
    assert all(nav in raw for nav in NAVIGATION)


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        (RENTAL, ["第二十七条住房租赁补贴期限为5年。", "穗府办规〔2024〕13号",
                  "第五十四条本办法自印发之日起施行，有效期5年。"]),
        ("26_最低生活保障及相关社会救助标准通知_穗民规字2025-2号.html",
         ["（一）全市城乡最低生活保障标准为每人每月1309元。"]),
        ("33_广州市老年人优待办法_政府令179号.html", ["广州市人民政府令\n第179号"]),
        ("37_市场主体登记管理条例_国务院令746号.html",
         ["第五十五条 本条例自2022年3月1日起施行。"]),
        ("01b_天河招生细则新闻稿.html",
         ["须于2026年5月7日至11日登录“广州市义务教育学校招生报名系统”"]),
    ],
)  # fmt: skip
def test_html_policy_sentences_present(name: str, facts: list[str]) -> None:
    text = corpus(HTML / name).pages[0]
    for fact in facts:
        assert fact in text


def test_html_titles() -> None:
    title = "（转载）广州市人民政府办公厅关于印发广州市公共租赁住房管理办法的通知"
    assert corpus(HTML / RENTAL).title == title
    # <title>通知公告 - 广州市人民政府门户网站</title>: the ArticleTitle meta is used instead
    assert corpus(HTML / "06_城乡居民医保集中参保缴费通告.html").title.startswith(
        "广州市医疗保险服务中心关于开展2026年度"
    )
    # <title>仲裁公告-广州市人力资源和社会保障局网站</title>, no other title: site name cut
    assert corpus(HTML / "20b_广州劳动仲裁服务指南_目录.html").title == "仲裁公告"


def test_html_tables_become_tab_separated_rows() -> None:
    lines = corpus(HTML / "06_城乡居民医保集中参保缴费通告.html").pages[0].split("\n")
    assert "序号\t人员类别\t参保缴费渠道" in lines  # trafilatura alone drops this table
    row4 = next(line for line in lines if line.startswith("4\t"))
    assert row4.startswith("4\t以个人身份参保的其他城乡居民\t1.由本人或代理人自主选择线上办理")

    lines = corpus(HTML / "10b_广州门特费用范围标准_穗医保规字2019-4号.html").pages[0].split("\n")
    assert "序号\t分类\t病种名称\t职工医保\t城乡居民 医保\t审核确认 有效期" in lines  # rowspans
    assert "1\t一类\t高血压病\t200元/月\t50元/月\t长期" in lines

    lines = corpus(HTML / "14_房屋租赁登记备案攻略_天河.html").pages[0].split("\n")
    assert "1\t沙河街\t37286460\t天河区沙河大街89号1楼" in lines

    text = corpus(HTML / "36b_积分制入户管理办法_穗府办规2025-8号.html").pages[0]
    assert "\n基 础 指 标\t2\t合法稳定就业\t" in text  # the category cell spans three rows


def test_hidden_copy_of_the_article_is_not_read_twice() -> None:
    page = HTML / "28_特困人员救助供养通知_穗府办规2021-7号.html"
    sentence = "区民政部门应在特困人员签订供养意愿书之日起1个月内"
    assert page.read_text(encoding="utf-8").count(sentence) == 2  # one copy is display:none
    assert corpus(page).pages[0].count(sentence) == 1


def test_gbk_html_with_meta_charset(tmp_path: Path) -> None:
    source = (HTML / RENTAL).read_text(encoding="utf-8")
    assert '<meta charset="UTF-8">' in source
    gbk = source.replace('<meta charset="UTF-8">', '<meta charset="gbk">')
    target = write(tmp_path / "公租房 办法〔2024〕.htm", gbk.encode("gb18030"))
    assert read(target) == corpus(HTML / RENTAL)
    no_meta = source.replace('<meta charset="UTF-8">', "")
    target = write(tmp_path / "no-meta.html", no_meta.encode("gb18030"))
    assert read(target).pages == corpus(HTML / RENTAL).pages


def test_html_repeated_article_is_kept_once(tmp_path: Path) -> None:
    article = "".join(f"<p>{line}</p>" for line in ARTICLE)
    page = (
        "<html><head><title>广州市公共租赁住房管理办法 - 广州市人民政府门户网站</title></head>"
        f"<body><div class='menu'><a href='/'>首页</a></div><div class='zw'>{article}</div>"
        f"<div class='zw2'>{article}</div><div class='footer'>版权所有</div></body></html>"
    )
    extracted = read(write(tmp_path / "dup.html", page.encode()))
    assert extracted.pages == ("\n".join(ARTICLE),)
    assert extracted.title == "广州市公共租赁住房管理办法"
    assert extracted.warnings == ("duplicate text removed: 页面中重复的正文只保留第一份",)


ARTICLE = [
    "第一条 为完善本市住房保障体系，加强公共租赁住房保障，规范住房租赁补贴发放和公共租赁"
    "住房建设、运营与使用，结合本市实际，制定本办法。",
    "第二条 本办法所称的公共租赁住房保障，是指按照规定的条件通过发放住房租赁补贴、提供公共"
    "租赁住房的方式，以解决本市城镇户籍中等偏下收入住房困难家庭为主的住房保障制度。",
    "第三条 本市规划、计划、建设、分配、使用和管理公共租赁住房，发放住房租赁补贴，实施公共租赁"
    "住房保障，适用本办法。",
    "第二十七条 住房租赁补贴期限为5年。",
]


def test_html_short_page_falls_back_to_plain_text(tmp_path: Path) -> None:
    page = "<html><body><nav>首页</nav><div>停水通知</div><script>var a = 1;</script></body></html>"
    extracted = read(write(tmp_path / "short.html", page.encode()))
    assert extracted.pages == ("停水通知",)
    assert extracted.warnings == ("main-content extraction failed — used whole page text",)


def test_html_with_only_navigation_is_empty(tmp_path: Path) -> None:
    page = "<html><body><nav><a href='/'>首页</a></nav><footer>版权所有</footer></body></html>"
    with pytest.raises(EmptyFile, match="nav-only.html"):
        read(write(tmp_path / "nav-only.html", page.encode()))


# ---------------------------------------------------------------------- TXT / MD
@pytest.mark.parametrize(
    ("encoding", "text", "prefix"),
    [
        ("utf-8", SIMPLIFIED, b""),
        ("utf-8", SIMPLIFIED, b"\xef\xbb\xbf"),
        ("gbk", SIMPLIFIED, b""),
        ("gb18030", SIMPLIFIED + "生僻字：㐀𠀀𪚥。\n", b""),
        ("big5", TRADITIONAL, b""),
        ("utf-16-le", SIMPLIFIED, b"\xff\xfe"),
        ("utf-16-be", SIMPLIFIED, b"\xfe\xff"),
        ("utf-16-le", TRADITIONAL, b"\xff\xfe"),
    ],
)
def test_text_encodings_decode_exactly(
    tmp_path: Path, encoding: str, text: str, prefix: bytes
) -> None:
    crlf = text.replace("\n", "\r\n")
    target = write(tmp_path / f"{encoding} 答复函.txt", prefix + crlf.encode(encoding))
    extracted = read(target)
    assert extracted.pages == (text,)  # exact, with \r\n turned into \n
    assert extracted.warnings == () and extracted.paginated is False


def test_gb18030_sample_really_needs_gb18030() -> None:
    with pytest.raises(UnicodeEncodeError):
        "㐀𠀀".encode("gbk")
    assert decode_text("生僻字：㐀𠀀".encode("gb18030")) == ("生僻字：㐀𠀀", "gb18030")


def test_big5_is_not_mistaken_for_gb18030() -> None:
    data = TRADITIONAL.encode("big5")
    assert data.decode("gb18030") != TRADITIONAL  # it decodes "cleanly" as GB18030 too
    text, encoding = decode_text(data)
    assert text == TRADITIONAL and encoding in {"cp950", "big5hkscs", "big5"}


def test_whole_seed_letter_in_gbk(tmp_path: Path) -> None:
    (seed,) = (SHARED / "seed").glob("*.txt")
    original = seed.read_text(encoding="utf-8")
    target = write(tmp_path / seed.name, original.encode("gbk"))
    assert read(target).pages == (original.replace("\r\n", "\n"),)
    assert read(seed).pages == read(target).pages


def test_report_with_utf8_bom() -> None:
    report = SHARED / "reports" / "1954.txt"
    assert report.read_bytes().startswith(b"\xef\xbb\xbf")
    text = read(report).pages[0]
    assert not text.startswith("\ufeff") and text.startswith("1954年政府工作报告")


def test_garbled_text_is_reported(tmp_path: Path) -> None:
    mojibake = SIMPLIFIED.encode("utf-8").decode("latin-1")  # UTF-8 read as Latin-1, saved
    extracted = read(write(tmp_path / "乱码.txt", mojibake.encode("utf-8")))
    (warning,) = extracted.warnings
    assert re.fullmatch(r"garbled text \d+%", warning) and int(warning[14:-1]) > 5

    broken = SIMPLIFIED.encode("gbk")[:40] + b"\xff\xfe\xfd" * 20 + SIMPLIFIED.encode("gbk")
    assert read(write(tmp_path / "坏字节.md", broken)).warnings[0].startswith("garbled text")


def test_binary_data_named_txt_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CorruptFile, match=r"^corrupt — 不是文本文件（\d+% 是二进制数据）"):
        read(write(tmp_path / "数据.txt", bytes(range(256)) * 64))
    with pytest.raises(CorruptFile, match=r"像是ZIP 压缩包或 .docx/.xlsx 文件.*表格.md"):
        read(write(tmp_path / "表格.md", b"PK\x03\x04" + SIMPLIFIED.encode()))
    # A few stray control bytes (a damaged save) are not binary data: the text is kept.
    text = SIMPLIFIED.encode("gbk") * 3 + b"\x00\x1a\x0c"
    assert SIMPLIFIED[:20] in read(write(tmp_path / "少量控制字符.txt", text)).pages[0]


@pytest.mark.parametrize("content", [b"", b"  \r\n\t\n", "\u3000\n".encode()])
def test_empty_text_file(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(EmptyFile, match="^empty — .*空 白.txt"):
        read(write(tmp_path / "空 白.txt", content))


def test_text_of_page_markers_only_is_empty() -> None:
    with pytest.raises(EmptyFile, match="分页标记，没有正文：01_招生细则_原文.txt"):
        read(HTML / "01_招生细则_原文.txt")


def test_text_with_page_markers_is_paginated(tmp_path: Path) -> None:
    text = "\n===PAGE 1===\n第一条 总则\n\n===PAGE 2===\n第二条 附则\n"
    extracted = read(write(tmp_path / "pages.txt", text.encode()))
    assert extracted.paginated and extracted.pages == ("第一条 总则", "第二条 附则")


def test_markdown_is_read_verbatim(tmp_path: Path) -> None:
    text = "# 答复\n\n**修改了专利授权资助办法。**\n"
    assert read(write(tmp_path / "a.MD", text.encode())).pages == (text,)


# ---------------------------------------------------------------------------- DOCX
def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("广州市公共租赁住房管理办法", level=1)
    document.add_paragraph("第一章 总则")
    document.add_paragraph("第二十七条 住房租赁补贴期限为5年。")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["类别", "指标", "分值"], ["基础指标", "合法稳定住所", "20"],
                             ["", "合法稳定就业", "2"]]):  # fmt: skip
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(0, 1).merge(table.cell(0, 2))  # one cell over two grid columns
    table.cell(1, 0).merge(table.cell(2, 0))  # one cell over two rows
    document.add_heading("第二章 规划与建设", level=2)
    document.add_paragraph("第七条 市住房城乡建设局应会同有关部门制定规划。")
    target = tmp_path / "穗府办规〔2024〕13号 办法.docx"
    document.save(target)
    assert read(target).pages == (
        "广州市公共租赁住房管理办法\n第一章 总则\n第二十七条 住房租赁补贴期限为5年。\n"
        "类别\t指标 分值\n基础指标\t合法稳定住所\t20\n基础指标\t合法稳定就业\t2\n"
        "第二章 规划与建设\n第七条 市住房城乡建设局应会同有关部门制定规划。",
    )


def test_corrupt_docx(tmp_path: Path) -> None:
    good = tmp_path / "good.docx"
    docx.Document().save(good)
    target = write(tmp_path / "坏.docx", good.read_bytes()[:300])
    with pytest.raises(CorruptFile, match="^corrupt — DOCX 已损坏.*坏.docx"):
        read(target)


def test_empty_docx(tmp_path: Path) -> None:
    target = tmp_path / "空.docx"
    docx.Document().save(target)
    with pytest.raises(EmptyFile, match="空.docx"):
        read(target)


def test_old_word_file_renamed_docx(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    with pytest.raises(UnsupportedFormat, match=r"^unsupported format \.doc — .*旧版\.docx"):
        read(write(tmp_path / "旧版.docx", ole))
    locked = ole + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(EncryptedFile, match="locked.docx"):
        read(write(tmp_path / "locked.docx", locked))


# ------------------------------------------------------------------------ dispatch
def test_readers_by_suffix() -> None:
    assert sorted(READERS) == [".docx", ".htm", ".html", ".md", ".ofd", ".pdf", ".txt"]


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("关于X的函.doc", "请另存为 .docx 或 PDF"),
        ("通知.WPS", "请另存为 .docx 或 PDF"),
        ("电子公文.xps", "请导出为 PDF"),
        ("扫描 第1页.jpg", "图片需要先做 OCR"),
        ("附件.zip", "压缩包请先解压"),
        ("预算表.xlsx", "支持 .pdf"),
    ],
)
def test_unsupported_formats_name_file_and_suffix(tmp_path: Path, name: str, hint: str) -> None:
    target = write(tmp_path / name, b"not read at all")
    suffix = target.suffix.lower()
    with pytest.raises(UnsupportedFormat) as caught:
        read(target)
    assert str(caught.value) == (
        f"unsupported format {suffix} — 不支持的文件格式 {suffix}：{name}（{hint}"
        + ("）" if not hint.startswith("支持") else " .txt .md .html .htm .docx .ofd）")
    )


def test_no_suffix_is_unsupported(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormat, match="无扩展名.*README"):
        read(write(tmp_path / "README", b"text"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="^missing — .*gone.pdf"):
        read(tmp_path / "gone.pdf")


def test_odd_file_names_and_upper_case_suffix(tmp_path: Path) -> None:
    for source, name in [
        (PDF / HUAIAN_2024, "淮安市 2024 年报〔公开〕.PDF"),
        (HTML / RENTAL, "穗府办规〔2024〕13号 公共租赁住房 办法.HTML"),
    ]:
        copy = tmp_path / name
        shutil.copyfile(source, copy)
        assert read(copy) == read(source)


def test_sha256_file(tmp_path: Path) -> None:
    data = SIMPLIFIED.encode() * 100_000  # several read blocks
    target = write(tmp_path / "大文件.txt", data)
    assert sha256_file(target) == hashlib.sha256(data).hexdigest()
    assert sha256_file(write(tmp_path / "e.txt", b"")) == hashlib.sha256(b"").hexdigest()
