"""Place: each document's jurisdiction, places named in questions, and answers for their place."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.answering.answer import answer
from assistant.answering.place import Coverage, place_label
from assistant.answering.refusal import NOT_FOUND
from assistant.answering.render import as_text, citation
from assistant.answering.search import Searcher
from assistant.app.admin import Library
from assistant.documents.ingest import load_document
from assistant.documents.places import gazetteer, jurisdiction
from assistant.index import build
from assistant.types import Chunk, DocumentInfo, Hit, Source

from .conftest import SHARED_CORPUS, CorpusWriter, hash_settings


@pytest.mark.parametrize(
    ("path", "place"),
    [
        ("html/11_公共租赁住房保障办法_穗府办规2024-13号.html", "广东省广州市"),
        ("html/12_天河人才公寓申请公告_2025.html", "广东省广州市天河区"),
        ("html/02_积分入学指引_2026.html", "广东省广州市天河区"),
        ("html/18b_广东高校毕业生就业创业扶持政策清单_2026.html", "广东省"),
        ("html/37_市场主体登记管理条例_国务院令746号.html", "全国"),
        ("pdf/洪泽区人民政府2023年政府信息公开工作年度报告_hzq2023_working.pdf",
         "江苏省淮安市洪泽区"),
        ("pdf/淮安市人民政府2024年政府信息公开工作年度报告_szfgs2024.pdf", "江苏省淮安市"),
        ("pdf/普陀区万里街道办事处2024年部门预算_1769438736627-418301796.pdf", "上海市普陀区"),
        ("seed/官市监函〔2020〕18号_关于政协第94049号提案答复的函.txt", "云南省昆明市官渡区"),
    ],
)  # fmt: skip
def test_real_documents_get_their_jurisdiction(shared_corpus: Path, path: str, place: str) -> None:
    document = load_document(shared_corpus / path, shared_corpus)
    assert document.source.jurisdiction == place


def test_jurisdiction_from_issuer_title_and_doc_number_prefix() -> None:
    assert jurisdiction("关于X的通知", "", "穗天科工信规字〔2023〕1号") == "广东省广州市天河区"
    assert jurisdiction("关于X的通知", "", "粤财社〔2026〕19号") == "广东省"
    assert jurisdiction("关于X的通知", "", "国办发〔2024〕38号") == "全国"
    assert jurisdiction("关于X的通知", "国务院办公厅", "") == "全国"
    # The deepest place the issuer and title agree on; a cited national 文号 does not win.
    assert jurisdiction("广州市某办法", "广州市天河区教育局", "国发〔2015〕52号") == (
        "广东省广州市天河区"
    )
    assert jurisdiction("关于X的通知", "", "") == ""


def test_places_in_questions_full_and_short() -> None:
    g = gazetteer()
    found = {q: [m.places[0].full for m in g.find(q)] for q in ("深圳低保", "北京的积分落户")}
    assert found == {"深圳低保": ["广东省深圳市"], "北京的积分落户": ["北京市"]}
    assert [m.surface for m in g.find("我是四川户口，回成都领失业金")] == ["四川", "成都"]
    assert g.find("小区、社区和全市的中山大学") == []  # common words and landmarks
    assert g.find("天河的积分入学") == []  # a county's short form only where asked for
    guangzhou = g.resolve("广州市")
    assert [m.places[0].full for m in g.find("天河的积分入学", [guangzhou])] == [
        "广东省广州市天河区"
    ]


def test_metadata_csv_overrides_the_jurisdiction(small_corpus: CorpusWriter) -> None:
    settings = small_corpus(
        {
            "a.txt": "关于图书角的通知\n图书角周一闭馆。\n",
            "metadata.csv": "文件,管辖范围\na.txt,天河区\n",
        }
    )
    build(settings)
    library = Library(settings)
    source = library.searcher.index.documents[0].source
    assert source.jurisdiction == "广东省广州市天河区"
    assert place_label(source.jurisdiction) == "广州市天河区"  # as 文件库 shows it


def test_citation_shows_the_jurisdiction() -> None:
    source = Source(
        "关于X的通知", "穗民规字〔2025〕2号", "广州市民政局", jurisdiction="广东省广州市"
    )
    chunk = Chunk("c1", "a.html", source, ("一、标准",), "每人每月1309元。", 0, 9)
    assert citation(Hit(chunk, 1.0)) == (
        "《关于X的通知》 穗民规字〔2025〕2号 · 广州市民政局 · 适用地区：广州市 · 一、标准"
    )


@pytest.fixture(scope="module")
def guangzhou_and_huaian(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    """Real 广州市, 天河区 and 淮安市洪泽区 documents, hash embedder, no similarity threshold."""
    corpus = tmp_path_factory.mktemp("places") / "corpus"
    corpus.mkdir()
    for path in (
        "html/12_天河人才公寓申请公告_2025.html",
        "html/26_最低生活保障及相关社会救助标准通知_穗民规字2025-2号.html",
        "pdf/洪泽区人民政府2023年政府信息公开工作年度报告_hzq2023_working.pdf",
    ):
        shutil.copy(SHARED_CORPUS / path, corpus / Path(path).name)
    settings = hash_settings(corpus, min_score=0.0)
    build(settings)
    return Searcher.open(settings)


def test_a_question_about_an_uncovered_place_is_refused_with_the_reason(
    guangzhou_and_huaian: Searcher,
) -> None:
    reply = answer(guangzhou_and_huaian, "深圳的人才公寓租金是多少？")
    assert not reply.found
    text = as_text(reply)
    assert text.startswith(f"{NOT_FOUND}。已收录的文件没有深圳市的相关规定（收录范围：")
    assert "广州市天河区" in text and "广州市" in text and "淮安市洪泽区" in text
    # The same topic in a covered place's document, offered as a pointer only.
    assert "最接近的文件" in text and "人才公寓" in text and not reply.quotes
    # The same question about a covered place is answered.
    assert answer(guangzhou_and_huaian, "天河区的人才公寓租金是多少？").found


NOTICE = (
    "关于发放高龄老人津贴的通知\n"
    "各街道：\n"
    "一、年满80周岁的户籍老人每人每月领取高龄津贴{amount}元，由街道按月发放。\n"
    "二、申请人持身份证到户籍所在地街道便民服务中心办理。\n"
    "民政局\n2025年3月1日\n"
)
OTHER_TOPICS = (
    "图书角周一闭馆",
    "垃圾分类投放点每晚九点关闭",
    "公租房租金每年调整一次",
    "社区食堂午餐十二元",
)


def test_a_question_naming_a_district_prefers_its_documents(small_corpus: CorpusWriter) -> None:
    """Near-identical notices, their place only in metadata.csv: the named one first."""
    settings = small_corpus(
        {
            "haizhu.txt": NOTICE.format(amount=100),
            "tianhe.txt": NOTICE.format(amount=200),
            "province.txt": NOTICE.format(amount=50),
            "metadata.csv": "文件,地区\nhaizhu.txt,广州市海珠区\ntianhe.txt,天河区\n"
            "province.txt,广东省\n",
            **{f"other{i}.txt": f"关于{t[:4]}的通知\n{t}。\n" for i, t in enumerate(OTHER_TOPICS)},
        }
    )
    build(settings)
    searcher = Searcher.open(settings)
    places = [d.source.jurisdiction for d in searcher.index.documents if d.source.jurisdiction]
    assert sorted(places) == ["广东省", "广东省广州市天河区", "广东省广州市海珠区"]

    def docs(question: str, place: bool = True) -> list[str]:
        hits = searcher.search(question, 10, place=place)
        return [d for d in dict.fromkeys(h.chunk.doc for h in hits) if "other" not in d]

    haizhu, tianhe = "海珠区的高龄津贴每月多少钱？", "天河的高龄津贴每月多少钱？"
    assert docs(haizhu) == ["haizhu.txt", "province.txt", "tianhe.txt"]
    assert docs(tianhe) == ["tianhe.txt", "province.txt", "haizhu.txt"]
    assert docs(haizhu, place=False) == docs(tianhe, place=False)  # the text alone can't tell
    # A province's policy applies in its districts; a sibling's is not an answer.
    reply = answer(searcher, haizhu)
    assert reply.found and {h.chunk.doc for h in reply.citations} <= {"haizhu.txt", "province.txt"}
    # A question without a place is ranked as before.
    question = "高龄津贴每月多少钱？"
    assert searcher.rank(question, 10) == searcher.rank(question, 10, place=False)


def test_for_an_uncovered_place_only_national_documents_apply() -> None:
    def document(place: str) -> DocumentInfo:
        return DocumentInfo(f"{place}.html", "0", Source("通知", jurisdiction=place))

    coverage = Coverage([document(p) for p in ("广东省", "广东省广州市", "全国")])

    def applies(place: str, question: str) -> bool:
        hit = Hit(Chunk("c", "d", Source("通知", jurisdiction=place), (), "正文", 0, 2), 1.0)
        return coverage.applies(hit, coverage.named(question))

    assert applies("广东省", "广州的失业金是多少？")  # a province's policy applies in its cities
    assert applies("广东省广州市", "广东的失业金是多少？")  # and a city's belongs to its province
    assert not applies("广东省广州市", "深圳的失业金是多少？")  # a sibling's does not
    assert not applies("广东省", "深圳的失业金是多少？")  # not taken for 深圳's own rules
    assert applies("全国", "深圳的失业金是多少？")
    assert [p.label for p in coverage.uncovered(coverage.named("深圳的失业金"))] == ["深圳市"]
    assert coverage.uncovered(coverage.named("广州和广东的失业金")) == []
    # A district follows its city's rules; a county's short name needs its own documents.
    assert coverage.uncovered(coverage.named("番禺区的失业金")) == []
    assert coverage.named("白云山的门票") == ()
