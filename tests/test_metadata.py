"""Citation metadata from text, file names and the metadata.csv sidecar."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.documents.cleaning import clean
from assistant.documents.metadata import (
    doc_type_of,
    extract,
    merge,
    normalize_doc_number,
    parse_date,
    read_sidecar,
)
from assistant.documents.readers import read
from assistant.types import Source

from .conftest import SEED


def test_seed_letter_metadata() -> None:
    text, _ = clean(read(SEED))
    meta = extract(text, SEED.name)
    assert meta.doc_number == "官市监函〔2020〕18号"
    assert "官渡区市场监督管理局" in meta.issuer
    assert meta.issued_on == "2020-08-31"
    assert meta.title == "关于政协官渡区第九届委员会第四次会议第94049号提案答复的函"
    assert meta.doc_type == "函"


def test_doc_number_from_the_file_name() -> None:
    meta = extract(
        "广州市公共租赁住房保障办法\n第一条 为了……",
        "11_公共租赁住房保障办法_穗府办规2024-13号.html",
    )
    assert meta.doc_number == "穗府办规〔2024〕13号"
    assert meta.title == "公共租赁住房保障办法"
    assert meta.doc_type == "办法"
    assert extract("x", "37_条例_国务院令746号.html").doc_number == ""
    assert (
        extract("中华人民共和国国务院令第746号\n条例", "a.html").doc_number
        == "中华人民共和国国务院令第746号"
    )


@pytest.mark.parametrize(
    ("written", "date"),
    [
        ("2020年8月31日", "2020-08-31"),
        ("二〇一七年三月一日", "2017-03-01"),
        ("二〇二〇年十二月三十一日", "2020-12-31"),
        ("2024-07-29", "2024-07-29"),
        ("2024年13月1日", ""),
    ],
)
def test_dates(written: str, date: str) -> None:
    assert parse_date(written) == date


def test_doc_numbers_and_types() -> None:
    assert normalize_doc_number("官政发[2017] 7 号") == "官政发〔2017〕7号"
    assert doc_type_of("广州市临时救助实施细则") == "细则"
    assert doc_type_of("关于印发广州市临时救助实施细则的通知") == "通知"


def test_sidecar_overrides(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text(
        "文件,文档标题,发文机关,文号,发布日期\n"
        "a.txt,广州市公共租赁住房保障办法,广州市人民政府办公厅,穗府办规〔2024〕13号,2024-07-29\n"
        "b.txt,某方案,某局,（年度方案）,2026-04-20\n",
        encoding="utf-8-sig",
    )
    sidecar = read_sidecar(tmp_path)
    assert sidecar["a.txt"].doc_number == "穗府办规〔2024〕13号"
    assert sidecar["b.txt"].doc_number == ""  # not a real 文号
    merged = merge(Source(title="x", doc_number="y", issuer="", doc_type="函"), sidecar["a.txt"])
    assert merged == Source(
        title="广州市公共租赁住房保障办法",
        doc_number="穗府办规〔2024〕13号",
        issuer="广州市人民政府办公厅",
        issued_on="2024-07-29",
        doc_type="办法",
    )
    assert read_sidecar(tmp_path / "none") == {}
