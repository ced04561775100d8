"""Refusal rules and citation lines of the answer stage."""

from __future__ import annotations

from assistant.answer import citation, is_relevant, named_bodies
from assistant.models import Chunk, Hit


def make_hit(text: str, dense: float | None, **fields: object) -> Hit:
    base = dict(
        id="c1", doc="seed/a.txt", title="关于政协第94049号提案答复的函",
        doc_number="官市监函〔2020〕18号", issuer="昆明市官渡区市场监督管理局",
        issued_on="2020-08-31", doc_type="函",
        section_path=("二、成效", "（一）强化统筹", "2.加大投入"),
        text=text, start=0, end=len(text),
    )  # fmt: skip
    return Hit(Chunk(**{**base, **fields}), 0.5, dense, None)


def test_named_bodies_finds_places_and_agencies_not_common_words() -> None:
    assert named_bodies("上海市普陀区教育局2026年部门预算的收入预算是多少？") == [
        "上海市",
        "普陀区",
        "教育局",
    ]
    assert named_bodies("深圳市的人才住房租房补贴每个月能领多少钱？") == ["深圳市"]
    assert named_bodies("推出的是哪个小区、一共多少套房") == []
    assert named_bodies("淮安市2024年全市一共受理了多少件") == ["淮安市"]


def test_relevance_needs_similarity_and_the_named_bodies() -> None:
    hit = make_hit("2018年安排知识产权专项经费484万元。", 0.93)
    assert is_relevant("官渡区2018年知识产权专项经费是多少？", [hit], 0.88)
    assert not is_relevant("官渡区2018年知识产权专项经费是多少？", [hit], 0.95)
    assert not is_relevant("深圳市2018年知识产权专项经费是多少？", [hit], 0.88)
    assert not is_relevant("知识产权专项经费", [make_hit("x", None)], 0.0)
    assert not is_relevant("知识产权专项经费", [], 0.0)


def test_citation_line() -> None:
    line = citation(make_hit("……", 0.9, page_start=3, page_end=4))
    assert line == (
        "《关于政协第94049号提案答复的函》 官市监函〔2020〕18号 · 昆明市官渡区市场监督管理局 · "
        "2020-08-31 · 二、成效 › （一）强化统筹 › 2.加大投入 · 第3–4页"
    )
    assert "页" not in citation(make_hit("……", 0.9))
