"""Cleaning keeps every word in order and removes only layout noise."""

from __future__ import annotations

import re

import pytest

from assistant.documents.cleaning import clean, normalize_chars, squeeze_spaces
from assistant.documents.readers import read
from assistant.types import Extracted

from .conftest import SEED, SHARED_CORPUS


def _strip(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_sentence_of_the_seed_letter_survives_cleaning() -> None:
    raw = SEED.read_text(encoding="utf-8")
    text, _ = clean(read(SEED))
    cleaned = _strip(text)
    sentences = [s for s in re.split(r"(?<=[。！？；])", raw.replace("**", "")) if _strip(s)]
    assert len(sentences) > 60
    position = 0
    for sentence in sentences:
        found = cleaned.find(_strip(sentence), position)
        assert found >= 0, sentence
        position = found  # in order
    assert len(cleaned) == len(_strip(raw.replace("**", "")))


def test_seed_line_and_page_wraps_are_rejoined() -> None:
    text, _ = clean(read(SEED))
    assert "推动大众创业，万众创新，支撑创新型官渡建设" in text
    assert "专利转化应用项目等经费" in text
    assert "二是抓专利申请，提高发明专利" in text
    assert "2017年安排支出知识产权专项经费401万元，2018年安排知识产权专项经费484万元" in text
    assert "**" not in text


def test_headings_and_paragraphs_stay_on_their_own_lines() -> None:
    lines = clean(read(SEED))[0].split("\n")
    assert "一、基本情况" in lines
    assert "三、下一步工作打算" in lines
    assert "2020年8月31日" in lines
    assert any(line.startswith("（一）强化统筹") for line in lines)


def test_pdf_page_numbers_and_wraps() -> None:
    pdf = SHARED_CORPUS / "pdf" / "洪泽区人民政府2023年政府信息公开工作年度报告_hzq2023_working.pdf"
    text, page_starts = clean(read(pdf))
    assert len(page_starts) == 5
    assert not re.search(r"^\s*[-－—]\s*\d+\s*[-－—]\s*$", text, re.MULTILINE)
    # a sentence wrapped across three PDF lines, with spaces the PDF inserted
    assert (
        "如对本报告有疑问，请与淮安市洪泽区人民政府办公室联系（地址：淮安市洪泽区洪泽湖大道90号，邮编：223100"
        in text
    )
    # a sentence wrapped across the page break between pages 1 and 2
    assert "严格执行“分级审核、先审后发”程序" in text
    joined = text.index("严格执行“分级审核")
    assert page_starts[0] < joined < page_starts[1] < joined + 20


def test_repeated_running_headers_are_removed() -> None:
    pages = tuple(
        f"某某市财政局2024年部门预算\n第{n}部分正文，内容{n}。\n共{n}页\n- {n} -"
        for n in range(1, 6)
    )
    text, starts = clean(Extracted(pages=pages, paginated=True))
    assert "某某市财政局2024年部门预算" not in text
    assert "共1页" not in text
    assert text.split("\n") == [f"第{n}部分正文，内容{n}。" for n in range(1, 6)]
    assert starts == (0, 12, 24, 36, 48)


def test_full_width_forms_and_invisible_characters() -> None:
    assert normalize_chars("２０１８年ＡＢＣ　ｘ％\u200b⽣") == "2018年ABC x%生"
    assert normalize_chars("（一）：，。") == "（一）：，。"


@pytest.mark.parametrize(
    ("spaced", "squeezed"),
    [
        ("2017 年安排 401 万元", "2017年安排401万元"),
        ("号 ， 邮 编 ： 223100 ， 电 话 ：", "号，邮编：223100，电话："),
        ("联系人：王丽红 联系电话", "联系人：王丽红 联系电话"),
        ("Rural Area", "Rural Area"),
    ],
)
def test_spaces_inside_numbers_and_units_are_removed_but_real_separators_kept(
    spaced: str, squeezed: str
) -> None:
    assert squeeze_spaces(spaced) == squeezed


def test_table_rows_keep_their_cells() -> None:
    raw = "信息内容 本年制发件数 本年废止件数\n规章 0 0 0\n行政规范性文件 0 5 5\n"
    text, _ = clean(Extracted(pages=(raw,), paginated=True))
    assert text.split("\n")[1:] == ["规章\t0\t0\t0", "行政规范性文件\t0\t5\t5"]


def test_paragraph_ends_are_not_joined() -> None:
    raw = "第一段写完了。\n第二段也写完了！\n一、标题\n正文"
    assert clean(Extracted(pages=(raw,)))[0] == raw
