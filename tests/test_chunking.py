"""Structure-aware chunks with section paths, pages and stable ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.documents.chunking import chunk
from assistant.documents.headings import heading_kind, heading_label
from assistant.documents.ingest import load_document
from assistant.types import Chunk, Document, Source

from .conftest import SEED, SHARED_CORPUS

PDFS = sorted((SHARED_CORPUS / "pdf").glob("*.pdf"))
PROTECTED = re.compile(
    r"\d+(?:\.\d+)?(?:万元|元|%|件|家|人)|(?:19|20)\d{2}年\d{1,2}月\d{1,2}日|[\u4e00-\u9fff]+〔\d{4}〕\d+号"
)


@pytest.fixture(scope="module")
def seed() -> tuple[Document, list[Chunk]]:
    document = load_document(SEED, SEED.parent)
    return document, chunk(document)


def test_484_passage_has_its_section_path(seed: tuple[Document, list[Chunk]]) -> None:
    _, chunks = seed
    (hit,) = [c for c in chunks if "484万元" in c.text]
    assert hit.section_path == (
        "二、官渡区知识产权促进与保护发展取得的成效",
        "（一）强化统筹，构建知识产权管理长效机制",
        "2.加大投入，知识产权经费逐年增加",
    )
    assert hit.text == (
        "2.加大投入，知识产权经费逐年增加。区财政在年度预算中安排知识产权宣传、专利扶持资助、"
        "优势企业培育、专利转化应用项目等经费。2017年安排支出知识产权专项经费401万元，"
        "2018年安排知识产权专项经费484万元。2019年安排（预算）知识产权专项经费300万元。"
    )
    assert hit.source.doc_number == "官市监函〔2020〕18号"
    assert hit.page_start is None  # a text file has no pages


def test_chunks_point_into_the_text_and_have_stable_ids(
    seed: tuple[Document, list[Chunk]],
) -> None:
    document, chunks = seed
    for c in chunks:
        assert document.text[c.start : c.end] == c.text
        assert len(c.text) <= 500
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    again = chunk(load_document(SEED, SEED.parent))
    assert [c.id for c in again] == [c.id for c in chunks]
    assert len({c.id for c in chunks}) == len(chunks)


def test_yishi_runs_label_the_section(seed: tuple[Document, list[Chunk]]) -> None:
    small = chunk(seed[0], chunk_size=150)
    runs = [c for c in small if re.match(r"[一二三四五六]是", c.text)]
    assert len(runs) >= 3
    for c in runs:
        assert c.section_path[-1].startswith(c.text[:6])
    assert any(c.section_path[0] == "三、下一步工作打算" for c in runs)
    assert all(len(c.text) <= 150 for c in small)


@pytest.mark.parametrize("pdf", PDFS, ids=lambda p: p.name[:20])
def test_pdf_chunks_have_no_page_number_lines_and_real_pages(pdf: Path) -> None:
    document = load_document(pdf, pdf.parent)
    chunks = chunk(document)
    assert chunks
    for c in chunks:
        assert not re.search(r"^\s*[-－—]\s*\d+\s*[-－—]\s*$", c.text, re.MULTILINE), c.text
        assert 1 <= c.page_start <= c.page_end <= document.pages


def test_pdf_page_of_a_known_passage() -> None:
    pdf = SHARED_CORPUS / "pdf" / "淮安市人民政府2024年政府信息公开工作年度报告_szfgs2024.pdf"
    chunks = chunk(load_document(pdf, pdf.parent))
    (hit,) = [c for c in chunks if "全市共受理政府信息公开申请3119件" in c.text]
    assert hit.page_start == hit.page_end == 2
    budget = SHARED_CORPUS / "pdf" / "上海市普陀区司法局2026年部门预算_dept_budget.pdf"
    (hit,) = [
        c
        for c in chunk(load_document(budget, budget.parent))
        if "政府采购预算1486.42万元" in c.text
    ]
    assert hit.page_start == 22


def test_numbers_dates_and_doc_numbers_are_never_split() -> None:
    for path in [SEED, *PDFS]:
        document = load_document(path, path.parent)
        chunks = chunk(document, chunk_size=120, chunk_min=0)
        for match in PROTECTED.finditer(document.text):
            assert any(c.start <= match.start() and match.end() <= c.end for c in chunks), (
                f"{path.name}: {match.group()} split"
            )


def test_long_paragraph_splits_at_sentence_ends() -> None:
    sentence = "申请人应当提交身份证明材料和收入证明材料，经审核符合条件的予以登记。"
    text = "第五条 " + sentence * 20
    document = Document("a.txt", "0" * 64, Source("t"), text)
    chunks = chunk(document, chunk_size=200)
    assert len(chunks) > 1
    assert all(c.text.endswith("。") for c in chunks)
    assert "".join(c.text for c in chunks) == text
    assert {c.section_path for c in chunks} == {("第五条 申请人应当提交身份证明材料和收入证明材…",)}


def test_table_groups_repeat_the_header() -> None:
    rows = "\n".join(f"项目{i}\t{i * 10}\t{i * 20}" for i in range(60))
    text = "三、支出预算表\n项目\t预算数\t执行数\n" + rows
    document = Document("t.docx", "0" * 64, Source("t"), text)
    chunks = chunk(document, chunk_size=200)
    tables = [c for c in chunks if "\t" in c.text]
    assert len(tables) > 2
    for c in tables:
        assert c.text.split("\n")[0] in ("三、支出预算表", "项目\t预算数\t执行数")
        assert "项目\t预算数\t执行数" in c.text
        assert c.text.endswith(document.text[c.start : c.end])
        assert c.section_path == ("三、支出预算表",)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("第一章 总则", "chapter"),
        ("第二节 申请", "section"),
        ("第十二条 本办法自2024年起施行。", "article"),
        ("第二十六条 第一类资助对象每人每月400元", "article"),
        ("第二十条第（一）项", "cited"),  # a report's table caption citing the 条例
        ("第五条第二款规定的人员", "cited"),
        ("第二步：办理申领", "step"),
        ("一、基本情况", "cn"),
        ("（三）立足企业", "paren_cn"),
        ("2.加大投入", "arabic"),
        ("3、开展培训", "arabic"),
        ("（1）身份证", "paren_arabic"),
        ("①材料", "circled"),
        ("一是密切配合，狠抓落实。", "shi"),
        ("1.5倍的标准", None),
        ("2018年官渡区", None),
        ("一是", None),
    ],
)
def test_heading_kinds(line: str, kind: str | None) -> None:
    assert heading_kind(line) == kind


def test_heading_label_is_short() -> None:
    assert heading_label("（一）强化统筹，构建知识产权管理长效机制。知识产权涉及专利") == (
        "（一）强化统筹，构建知识产权管理长效机制"
    )
    assert len(heading_label("一、" + "很长的标题" * 10)) == 24


def test_html_chunks_carry_no_site_navigation() -> None:
    from .test_loaders import NAVIGATION

    pages = sorted((SHARED_CORPUS / "html").glob("*.html"))
    texts = [c.text for page in pages for c in chunk(load_document(page, page.parent))]
    assert len(texts) > 500
    assert [nav for nav in NAVIGATION if any(nav in text for text in texts)] == []


def test_unnumbered_part_titles_start_a_new_section() -> None:
    text = (
        "一、部门主要职能\n负责辖区内的社会管理和公共服务工作，承办区委区政府交办的其他事项。\n"
        "部门预算编制说明\n2023年，上海市普陀区人民政府万里街道办事处收入预算16497.86万元。"
    )
    document = Document("b.pdf", "0" * 64, Source("t"), text)
    chunks = chunk(document, chunk_min=0)
    assert chunks[-1].section_path == ("部门预算编制说明",)
    assert chunks[-1].text.startswith("部门预算编制说明\n2023年")
    assert chunks[0].section_path == ("一、部门主要职能",)


def test_a_heading_closes_the_deeper_headings_open_before_it() -> None:
    """A 小贴士's 1. 2. list, then 第二步 and its （一）: they are not under "2.…"."""
    path = SHARED_CORPUS / "html" / "22_怎么申领广州市社会保障卡_2026.html"
    chunks = chunk(load_document(path, SHARED_CORPUS))
    online = next(c for c in chunks if c.text.startswith("第二步：办理申领"))
    assert "港澳台居民暂不支持邮寄领卡" in online.text
    assert online.section_path[:2] == ("四、申领方法", "第二步")
    bank = next(c for c in chunks if c.text.startswith("（二）银行网点现场办理"))
    assert bank.section_path[:-1] == ("四、申领方法", "第二步")


def test_a_bare_line_before_a_numbered_list_titles_it() -> None:
    """A budget's project description: its name heads 一、…七、, not the table before it."""
    text = (
        "机关运行经费预算\n数合计 因公出国(境)费 公务接待费 公务用车购置及运行费\n"
        "人民调解项目经费情况说明\n一、项目概述\n人民调解承担着化解社会矛盾的责任。\n"
        "六、年度预算安排\n795万元"
    )
    chunks = chunk(Document("b.pdf", "0" * 64, Source("t"), text), chunk_min=0)
    assert chunks[-1].section_path == ("人民调解项目经费情况说明", "六、年度预算安排")


def test_an_attachment_and_the_page_box_start_parts_of_their_own() -> None:
    """附件：… after the last article: its headings are not under 第二十三条. The page's
    基本信息 box, which the main text lacks, is a passage of its own that can be quoted."""
    path = SHARED_CORPUS / "html" / "18_广州就业见习基地管理办法_穗人社规字2019-6号.html"
    chunks = chunk(load_document(path, SHARED_CORPUS))
    box = chunks[-1]
    assert box.section_path == ("基本信息",)
    assert (
        "文号：穗人社规字〔2019〕6号\n实施日期：2019年10月16日\n失效日期：2024年10月15日"
        in box.text
    )
    assert "文件状态" not in box.text  # empty on the saved page (a script fills it in)
    form = next(c for c in chunks if "广州市就业见习基地评估表" in c.text and "三、" in c.section)
    assert form.section_path[0] == "广州市就业见习基地申请程序"  # the attachment's own title
    assert not any("第二十三条" in label for label in form.section_path)
    last_article = next(c for c in chunks if "第二十三条" in c.text)
    assert last_article.section_path[:1] == ("第五章 附则",)
