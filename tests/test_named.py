"""Documents a question names by 文号 or title: resolved among real indexed documents, searched
within, answered from their own metadata clauses, and refused (with the nearest 文号) when absent.
Also: a refusal that the user's filter causes says so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.answering.about import Facet, facets
from assistant.answering.answer import answer
from assistant.answering.render import as_text, direct_line
from assistant.answering.search import Filters, Searcher
from assistant.chinese.doc_numbers import find_doc_numbers, normalize_doc_number
from assistant.index import build
from assistant.settings import Settings

from .conftest import hash_settings

PAGES = (
    "13_户籍家庭住房保障通知_穗建规字2024-5号.html",  # 穗建规字〔2024〕5号
    "26_最低生活保障及相关社会救助标准通知_穗民规字2025-2号.html",  # repeals 穗民规字〔2024〕5号
    "29_广州市临时救助实施细则_穗府办规2021-19号.html",  # 穗府办规〔2021〕19号
    "30_老年人助餐配餐服务管理办法_穗民规字2024-3号.html",  # cites 穗府办规〔2022〕13号
    "37_市场主体登记管理条例_国务院令746号.html",  # its text never states its title
    "33_广州市老年人优待办法_政府令179号.html",  # 广州市人民政府令第179号
)
RELIEF = "html/29_广州市临时救助实施细则_穗府办规2021-19号.html"
HOUSING = "html/13_户籍家庭住房保障通知_穗建规字2024-5号.html"
ELDERLY = "html/33_广州市老年人优待办法_政府令179号.html"


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Searcher:
    corpus = tmp_path_factory.mktemp("named") / "corpus"
    (corpus / "html").mkdir(parents=True)
    for name in PAGES:
        shutil.copy(shared_corpus / "html" / name, corpus / "html" / name)
    settings: Settings = hash_settings(corpus, min_score=0.0)
    build(settings)
    return Searcher.open(settings)


@pytest.mark.parametrize(
    "written",
    [
        "穗府办规〔2021〕19号",
        "穗府办规[2021]19号",
        "穗府办规［２０２１］１９号",
        "穗府办规(2021)19号",
        "穗府办规（2021）第19号",
        "穗府办规【2021】19号",
        "穗府办规﹝2021﹞19号",
        "穗府办规 〔2021〕 19 号",
        "穗府办规2021年19号",
        "穗府办规2021-19号",
        "穗府办规2021 19号",
    ],
)
def test_every_written_form_of_a_number_names_its_document(
    searcher: Searcher, written: str
) -> None:
    named = searcher.named(f"想了解一下{written}里困难群众怎么申请救助")
    assert named.docs == {RELIEF} and not named.absent
    hits = searcher.search(f"{written}对上门调查的人数有要求吗")
    assert hits and {h.chunk.doc for h in hits} == {RELIEF}


@pytest.mark.parametrize(
    "written",
    ["市政府令第179号", "政府令179号", "广州市人民政府令179号", "市政府179号令", "179号令"],
)
def test_a_decree_named_short_or_without_its_di_names_its_document(
    searcher: Searcher, written: str
) -> None:
    assert searcher.named(f"{written}什么时候开始施行").docs == {ELDERLY}
    assert not searcher.named("省政府令第179号什么时候开始施行").docs  # another issuer's


def test_numbers_are_read_one_way_and_a_date_is_no_number() -> None:
    assert [n.text for n in find_doc_numbers("据中华人民共和国国务院令第746号规定")] == [
        "国务院令第746号"
    ]
    assert find_doc_numbers("广州2024年5号开始报名吗") == []  # a day, not a 文号
    assert find_doc_numbers("广州 2024 5号开始报名吗") == []
    assert normalize_doc_number("穗府办规［2021］ 19 号") == "穗府办规〔2021〕19号"
    one, other = find_doc_numbers("穗建规字〔2024〕5号和穗民规字(2024)5号")
    assert one.key != other.key and one.key == find_doc_numbers("穗建规字2024-5号")[0].key


def test_same_year_and_serial_of_another_body_is_another_document(searcher: Searcher) -> None:
    assert searcher.named("穗建规字〔2024〕5号由哪个部门印发").docs == {HOUSING}
    # 穗民规字〔2024〕5号 is only cited (repealed) by the 2025 notice: it names no document
    other = searcher.named("穗民规字〔2024〕5号由哪个部门印发")
    assert not other.docs and other.absent == ("穗民规字〔2024〕5号",)


def test_a_cited_number_is_not_the_citing_documents_own(searcher: Searcher) -> None:
    # The 助餐配餐 办法 cites 穗府办规〔2022〕13号 (the 居家社区养老 办法, not indexed here).
    reply = answer(searcher, "穗府办规〔2022〕13号这份文件是哪天印发的？")
    assert not reply.found and not reply.citations
    assert reply.reason.startswith("未收录文号为穗府办规〔2022〕13号的文件")
    assert "根据" not in as_text(reply)


def test_an_absent_number_is_refused_with_the_nearest_indexed(searcher: Searcher) -> None:
    reply = answer(searcher, "穗府办规〔2021〕20号规定的救助金额是多少？")
    assert not reply.found
    assert reply.reason.startswith("未收录文号为穗府办规〔2021〕20号的文件；已收录的相近文号：")
    nearest = reply.reason.split("：", 1)[1]
    assert nearest.startswith("穗府办规〔2021〕19号《广州市临时救助实施细则》")


@pytest.mark.parametrize(
    "title",
    [
        "《广州市临时救助实施细则》",
        "《广州市人民政府办公厅关于印发广州市临时救助实施细则的通知》",
        "广州的临时救助细则",
        "那个临时救助实施细则",
    ],
)
def test_a_title_or_its_short_form_names_its_document(searcher: Searcher, title: str) -> None:
    assert searcher.named(f"{title}对入户调查有什么要求").docs == {RELIEF}


def test_a_phrase_of_another_kind_or_body_names_nothing(searcher: Searcher) -> None:
    assert not searcher.named("临时救助办法对入户调查有什么要求").docs  # a 细则 is no 办法
    assert not searcher.named("市民政局助餐规定怎么说").docs


def test_the_validity_is_answered_from_the_documents_own_clause(searcher: Searcher) -> None:
    reply = answer(searcher, "临时救助细则的有效期到哪天为止？")
    assert reply.found and reply.kind == "validity"
    assert reply.citations[0].chunk.doc == RELIEF
    assert "有效期5年" in direct_line(reply)


def test_issuer_and_date_come_from_the_signature(searcher: Searcher) -> None:
    reply = answer(searcher, "穗建规字[2024]5号是哪个单位在什么时候发的")
    assert reply.found and {h.chunk.doc for h in reply.citations} == {HOUSING}
    assert "广州市住房和城乡建设局" in direct_line(reply) and "2024年3月4日" in as_text(reply)


def test_a_number_asked_what_it_is_is_answered_with_its_title(searcher: Searcher) -> None:
    reply = answer(searcher, "请问穗建规字(2024)5号文全称叫什么")
    assert reply.found and {h.chunk.doc for h in reply.citations} == {HOUSING}
    assert direct_line(reply).startswith("广州市住房和城乡建设局关于进一步加强户籍家庭住房保障")


def test_a_number_whose_text_never_states_its_title_is_answered_where_it_states_the_number(
    searcher: Searcher,
) -> None:
    reply = answer(searcher, "国务院令第746号是个什么文件？")
    assert reply.found and reply.kind == "metadata"
    assert reply.citations[0].chunk.doc == "html/37_市场主体登记管理条例_国务院令746号.html"
    assert "国务院令第746号" in direct_line(reply)
    assert "《中华人民共和国市场主体登记管理条例》" in as_text(reply)


def test_only_questions_about_the_document_itself_are_metadata() -> None:
    assert facets("从哪天起施行？有效期多久？") == [Facet.VALIDITY]
    assert facets("是哪个部门什么时候发的") == [Facet.ISSUER, Facet.ISSUED]
    assert facets("由哪个单位印发？") == [Facet.ISSUER]  # 哪个单位 is what is asked, not 哪个
    assert facets("是哪个单位负责审批的？") == []  # asks about a rule of it
    assert facets("是个什么文件？") == [Facet.TITLE]
    assert facets("讲的是什么？") == facets("是关于什么的？") == [Facet.TITLE]
    assert facets("施行后同时废止的原办法，文号是什么？") == []  # another document's
    assert facets("第十三条对优待凭证的有效期是怎么规定的？") == []  # a rule, not the document


def test_a_refusal_the_filter_causes_names_the_filter(searcher: Searcher) -> None:
    only = Filters(issuer="广州市住房和城乡建设局")
    reply = answer(searcher, "临时救助实施细则规定入户调查人员至少几个人？", filters=only)
    assert not reply.found
    assert reply.reason.startswith("在所选的发文机关“广州市住房和城乡建设局”的文件中没有找到")
    assert "不加筛选时，《广州市人民政府办公厅关于印发广州市临时救助实施细则的通知》可能相关" in (
        reply.reason
    )
    # without a filter the same question is answered from the 细则
    assert answer(searcher, "临时救助实施细则规定入户调查人员至少几个人？").found
    # a question that names no document: its topic lies outside the filter, or inside
    unnamed = "困难群众申请临时救助时入户调查要几个人？"
    assert answer(searcher, unnamed, filters=only).reason.startswith("在所选的发文机关“广州市住房")
    assert answer(searcher, unnamed, filters=Filters(year="2021")).found
