"""The structured answer and its renderers: one ``Answer``, three faces, no parsing back."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest

from assistant.answering.refusal import NOT_FOUND
from assistant.answering.render import (
    as_html,
    as_json,
    as_markdown,
    as_text,
    body,
    citation,
    json_line,
    validity_label,
    validity_note,
)
from assistant.index.manifest import IndexedFile, Manifest, ModelInfo, Problem
from assistant.types import Answer, Chunk, FileStatus, Hit, Quote, Source

SOURCE = Source("关于政协第94049号提案答复的函", "官市监函〔2020〕18号", "官渡区市场监督管理局")
TEXT = "2.加大投入。2017年安排专项经费401万元。其他内容。2018年安排专项经费484万元。"


def hit(text: str = TEXT, source: Source = SOURCE, page: int | None = None) -> Hit:
    chunk = Chunk("c1", "seed/a.txt", source, ("二、成效", "2.加大投入"), text, 0, len(text))
    if page:
        chunk = Chunk(chunk.id, chunk.doc, source, chunk.section_path, text, 0, 1, page, page)
    return Hit(chunk, 1.0, 0.9, 2.0)


def quote(fragment: str, marker: int = 1, text: str = TEXT) -> Quote:
    start = text.index(fragment)
    return Quote(marker, start, start + len(fragment))


def test_text_joins_separate_quotes_of_one_passage_with_an_ellipsis() -> None:
    reply = Answer(
        "q",
        True,
        (hit(),),
        (quote("2017年安排专项经费401万元。"), quote("2018年安排专项经费484万元。")),
    )
    assert body(reply) == "2017年安排专项经费401万元。……2018年安排专项经费484万元。 [1]"
    assert as_text(reply) == body(reply) + "\n\n来源：\n[1] " + citation(hit())
    assert as_markdown(reply) == as_text(reply).replace("\n", "  \n")


def test_adjacent_quotes_are_joined_without_an_ellipsis() -> None:
    reply = Answer(
        "q", True, (hit(),), (quote("2.加大投入。"), quote("2017年安排专项经费401万元。"))
    )
    assert body(reply) == "2.加大投入。2017年安排专项经费401万元。 [1]"


def test_citation_carries_every_field_of_the_source() -> None:
    line = citation(hit(page=3))
    assert line == (
        "《关于政协第94049号提案答复的函》 官市监函〔2020〕18号 · 官渡区市场监督管理局 · "
        "二、成效 › 2.加大投入 · 第3页"
    )


def test_refusal_gives_its_reason_and_the_nearest_documents() -> None:
    reply = Answer("q", False, (hit(),), reason=NOT_FOUND)
    assert as_text(reply) == (
        f"{NOT_FOUND}。\n\n最接近的文件（可能不含答案）：\n"
        "- 《关于政协第94049号提案答复的函》 官市监函〔2020〕18号 · 官渡区市场监督管理局"
    )
    assert as_text(Answer("q", False, reason=NOT_FOUND)) == NOT_FOUND + "。"
    assert as_json(reply)["found"] is False and as_json(reply)["answer"] == as_text(reply)


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", '<img src=x onerror="x">'])
def test_html_marks_the_quote_and_escapes_document_text(hostile: str) -> None:
    text = f"{hostile}。补贴标准为每人每月100元。"
    source = Source(f"标题{hostile}")
    reply = Answer(
        "q", True, (hit(text, source),), (quote("补贴标准为每人每月100元。", text=text),)
    )
    page = as_html(reply)
    assert "<script>" not in page and "<img" not in page
    assert "<mark>补贴标准为每人每月100元。</mark>" in page
    assert '补贴标准为每人每月100元。 <span class="marker">[1]</span>' in page


def test_json_shape_of_ask() -> None:
    reply = Answer("q", True, (hit(),), (quote("2017年安排专项经费401万元。"),))
    data = as_json(reply)
    assert list(data) == [
        "question", "understood", "found", "kind", "answered_by", "note", "unlisted", "direct",
        "answer", "validity_notes", "citations", "curated_id", "curated",
    ]  # fmt: skip
    assert data["citations"][0]["doc_number"] == "官市监函〔2020〕18号"
    assert data["citations"][0]["validity"] == "未注明" and data["validity_notes"] == []
    assert data["understood"] == ""
    json.dumps(data, ensure_ascii=False)


def test_a_follow_up_says_first_how_it_was_understood() -> None:
    quotes = (quote("2017年安排专项经费401万元。"),)
    plain = Answer("那2017年呢？", True, (hit(),), quotes)
    reply = Answer("那2017年呢？", True, (hit(),), quotes, understood="知识产权<专项>经费")
    assert as_text(reply) == "按“知识产权<专项>经费”理解\n" + as_text(plain)
    # Markdown rendered with HTML allowed shows it as text; JSON keeps the value, escaped.
    assert as_markdown(reply).startswith("按“知识产权&lt;专项&gt;经费”理解  \n")
    assert as_json(reply)["understood"] == "知识产权<专项>经费"
    line = json_line(as_json(reply))
    assert "<" not in line and ">" not in line and json.loads(line) == as_json(reply)
    page = as_html(reply)
    assert '<p class="understood">按“知识产权&lt;专项&gt;经费”理解</p><p>' in page
    refusal = Answer("那深圳呢？", False, reason=NOT_FOUND, understood="专项经费")
    assert as_text(refusal) == f"按“专项经费”理解\n{NOT_FOUND}。"
    assert '<p class="understood">按“专项经费”理解</p>' in as_html(refusal)
    assert "understood" not in as_html(plain)


@pytest.mark.parametrize(
    ("status", "label", "mark"),
    [
        (FileStatus.OK, "已收录", "✓"),
        (FileStatus.WARNED, "已收录（有提示）", "!"),
        (FileStatus.FAILED, "未收录", "✗"),
        (FileStatus.DUPLICATE, "重复，未重复收录", "="),
        (FileStatus.UNCHANGED, "未变", "·"),
    ],
)
def test_file_status_has_its_label_and_mark(status: FileStatus, label: str, mark: str) -> None:
    assert (status.label, status.mark) == (label, mark)
    assert json.dumps(status) == f'"{status.value}"'


def test_chunk_round_trip_keeps_its_source_and_the_flat_json_shape() -> None:
    chunk = hit(page=2).chunk
    data = chunk.to_dict()
    assert data["title"] == SOURCE.title and data["doc_number"] == SOURCE.doc_number
    assert "source" not in data
    assert Chunk.from_dict(data) == chunk


def test_manifest_round_trip() -> None:
    manifest = Manifest(
        2, "0.1.0", 4, "2026-12-02T00:00:00+00:00", "g-1", ModelInfo("hash", 256, {"query": ""}),
        {"chunk_size": 500}, {"name": "jieba"}, {"type": "IndexFlatIP"}, 3,
        (IndexedFile("a.txt", "ab", ("c1", "c2", "c3")),),
        (Problem("b.pdf", FileStatus.FAILED, ("corrupt",)),),
    )  # fmt: skip
    data = json.loads(json.dumps(manifest.to_json()))
    assert data["counts"] == {"documents": 1, "chunks": 3}
    assert data["documents"] == [{"path": "a.txt", "sha256": "ab", "chunks": ["c1", "c2", "c3"]}]
    assert Manifest.from_json(data) == manifest


def test_the_direct_answer_comes_first_with_its_figure_emphasized() -> None:
    sentence = "2018年安排专项经费484万元。"
    start = TEXT.index(sentence)
    figure = start + sentence.index("484万元")
    direct = Quote(1, start, start + len(sentence), ((figure, figure + len("484万元")),))
    reply = Answer(
        "q", True, (hit(),), (quote("2.加大投入。2017年安排专项经费401万元。"),), direct=direct
    )
    assert body(reply).splitlines()[0] == f"{sentence} [1]"
    assert as_markdown(reply).startswith("2018年安排专项经费**484万元**。 [1]")
    page = as_html(reply)
    assert '<p class="direct">2018年安排专项经费<strong>484万元</strong>。' in page
    # the source card marks the direct answer's sentence, not the clause around it
    assert f"<mark>{sentence}</mark>" in page and "<mark>2.加大投入" not in page
    assert as_json(reply)["direct"] == sentence


def test_source_cards_are_one_per_document_with_each_cited_passage() -> None:
    other = "3.强化保护。2019年查处侵权案件18件。"
    second = Hit(Chunk("c2", "seed/a.txt", SOURCE, ("二、成效", "3.强化保护"), other, 0, 1), 0.9)
    elsewhere = Source("另一份文件", "穗府办规〔2021〕19号", "广州市人民政府办公厅")
    third = Hit(
        Chunk("c3", "b.txt", elsewhere, (), "临时救助金额累计最高不得超过5万元。", 0, 1), 0.8
    )
    quotes = (quote("2017年安排专项经费401万元。"), Quote(2, 6, len(other)), Quote(3, 0, 17))
    page = as_html(Answer("q", True, (hit(), second, third), quotes))
    assert page.count('<details class="source">') == 2
    assert "<summary>[1][2] 《关于政协第94049号提案答复的函》" in page
    assert "<summary>[3] 《另一份文件》 穗府办规〔2021〕19号" in page
    assert '<p class="where">[2] 二、成效 › 3.强化保护</p>' in page
    assert page.index("[1] 二、成效 › 2.加大投入") < page.index("[2] 二、成效")


EXPIRED = replace(SOURCE, effective_on="2021-12-06", expires_on="2025-06-30")
REPEALED = replace(SOURCE, repealed_by="广州市最低生活保障办法")
CURRENT = replace(SOURCE, effective_on="2024-01-01", expires_on="2029-12-31")
LATER = dt.date(2026, 1, 1)


@pytest.mark.parametrize(
    ("source", "label", "note"),
    [
        (SOURCE, "未注明", ""),
        (CURRENT, "现行有效", ""),
        (replace(SOURCE, effective_on="2024-01-01"), "现行有效", ""),
        (EXPIRED, "已过期（2025-06-30）", "该文件已于2025-06-30到期，请以最新规定为准"),
        (
            REPEALED,
            "已废止（被《广州市最低生活保障办法》废止）",
            "该文件已被《广州市最低生活保障办法》废止，请以最新规定为准",
        ),
        (
            replace(SOURCE, repealed_by="穗民规字〔2025〕2号"),
            "已废止（被穗民规字〔2025〕2号废止）",
            "该文件已被穗民规字〔2025〕2号废止，请以最新规定为准",
        ),
    ],
)
def test_validity_label_and_note(source: Source, label: str, note: str) -> None:
    assert validity_label(source, LATER) == label
    assert validity_note(source, LATER) == note


def test_a_document_is_current_until_its_last_day() -> None:
    assert validity_label(EXPIRED, dt.date(2025, 6, 30)) == "现行有效"
    assert validity_label(EXPIRED, dt.date(2025, 7, 1)) == "已过期（2025-06-30）"


def two_documents(first: Source, second: Source) -> Answer:
    """An answer quoting two passages of ``first`` and one of ``second``."""
    other = Chunk("c2", "seed/a.txt", first, (), TEXT, 0, len(TEXT))
    third = Chunk("c3", "html/b 新.html", second, (), TEXT, 0, len(TEXT))
    hits = (hit(source=first), Hit(other, 0.9), Hit(third, 0.8))
    quotes = (quote("2017年安排专项经费401万元。"), quote("2018年安排专项经费484万元。", 3))
    return Answer("q", True, hits, quotes)


def test_an_answer_quoting_expired_or_repealed_documents_says_so_in_every_format() -> None:
    reply = two_documents(EXPIRED, REPEALED)
    expired = "[1][2] 该文件已于2025-06-30到期，请以最新规定为准"
    repealed = "[3] 该文件已被《广州市最低生活保障办法》废止，请以最新规定为准"
    text = as_text(reply)
    assert text.startswith(body(reply) + f"\n{expired}\n{repealed}\n\n来源：\n")
    assert "[1] " + citation(reply.citations[0]) + " · 已过期（2025-06-30）" in text
    assert (
        "[3] " + citation(reply.citations[2]) + " · 已废止（被《广州市最低生活保障办法》废止）"
        in text
    )
    assert f"{expired}  \n{repealed}" in as_markdown(reply)
    assert as_json(reply)["validity_notes"] == [expired, repealed]
    assert [c["validity"] for c in as_json(reply)["citations"]] == [
        "已过期（2025-06-30）", "已过期（2025-06-30）", "已废止（被《广州市最低生活保障办法》废止）"
    ]  # fmt: skip
    page = as_html(reply)
    assert f'<p class="validity-note">{expired}</p>' in page
    assert f'<p class="validity-note">{repealed}</p>' in page
    cards = page.split("<details")[1:]
    assert len(cards) == 2 and '<span class="validity">已过期（2025-06-30）</span>' in cards[0]
    assert "该文件已于2025-06-30到期" in cards[0] and "该文件已被" in cards[1]


def test_current_and_unstated_documents_carry_no_warning() -> None:
    reply = two_documents(CURRENT, SOURCE)
    assert "请以最新规定为准" not in as_text(reply) + as_html(reply)
    assert as_json(reply)["validity_notes"] == []
    assert " · 现行有效\n" in as_text(reply) and "未注明" not in as_text(reply)
    cards = as_html(reply).split("<details")[1:]
    assert '<span class="validity">现行有效</span>' in cards[0]
    assert '<span class="validity">未注明</span>' in cards[1]


def test_a_refusal_warns_of_nothing() -> None:
    reply = Answer("q", False, (hit(source=EXPIRED),), reason=NOT_FOUND)
    assert as_json(reply)["validity_notes"] == [] and "到期" not in as_html(reply)


def test_source_cards_link_to_the_published_page_and_the_original_file() -> None:
    published = replace(SOURCE, url="https://www.gz.gov.cn/post_1.html?a=1&b=2")
    reply = two_documents(published, replace(SOURCE, url="javascript:alert(1)"))
    first, second = as_html(reply).split("<details")[1:]
    assert (
        '<a href="https://www.gz.gov.cn/post_1.html?a=1&amp;b=2" target="_blank" '
        'rel="noopener noreferrer">出处链接</a>'
    ) in first
    assert '<a href="original/seed/a.txt" target="_blank"' in first
    assert "javascript" not in second and "出处链接" not in second
    assert '<a href="original/html/b%20%E6%96%B0.html"' in second
    markdown = as_markdown(reply, "http://127.0.0.1:7860/")
    assert "[出处链接](<https://www.gz.gov.cn/post_1.html?a=1&b=2>)" in markdown
    assert "[原文件](<http://127.0.0.1:7860/original/seed/a.txt>)" in markdown
    assert markdown.count("原文件") == 3 and markdown.count("出处链接") == 2
    assert "原文件" not in as_markdown(reply) and "原文件" not in as_text(reply)
