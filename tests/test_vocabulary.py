"""Citizens' vocabulary: lexicon, synonyms.csv, abbreviations, normalized questions.

The lexicon, abbreviation and normalization tests need no index; the build tests
use the ``hash`` embedder; the retrieval tests build a small index of real pages
from ``../shared/corpus`` with the bundled model.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

import pytest

from assistant.answering.answer import answer
from assistant.answering.question import Question
from assistant.answering.search import Searcher
from assistant.app.cli import main
from assistant.documents.ingest import corpus_files, ingest
from assistant.index import build, read_manifest
from assistant.index.lexicon import abbreviations, lexicon, parse_groups
from assistant.index.tokens import segment
from assistant.index.vocabulary import Vocabulary, numbers
from assistant.settings import Settings
from assistant.types import FileStatus

from .conftest import SHARED_CORPUS, hash_settings

HTML = SHARED_CORPUS / "html"
PAGES = (
    "06_城乡居民医保集中参保缴费通告.html",  # defines 城乡居民医保
    "18_广州就业见习基地管理办法_穗人社规字2019-6号.html",  # defines 市高指中心
    "24_养老保险待遇资格认证通告_2025.html",  # 补发时长在24个月（含）内
    "26_最低生活保障及相关社会救助标准通知_穗民规字2025-2号.html",  # 最低生活保障, never 低保
    "33b_老年优待卡用途与办理指南_政务指引.html",  # 老年人优待卡, 提前2个月
)


def texts_of(*names: str) -> list[str]:
    """The chunk texts of real pages, as a build sees them."""
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            shutil.copy(HTML / name, Path(folder) / name)
        return [chunk.text for report in ingest(Path(folder)) for chunk in report.chunks]


def refuse(*args: object) -> None:
    raise AssertionError(f"a model was loaded: {args}")


# The lexicon and its format


def test_lexicon_is_large_well_formed_and_unambiguous() -> None:
    groups = lexicon()
    assert len(groups) >= 200
    terms = [term for group in groups for term in group]
    assert len(terms) == len(set(terms)), "a term in two groups"
    assert all(2 <= len(term) <= 30 for term in terms)


def test_the_lexicon_maps_dibao_both_ways() -> None:
    vocabulary = Vocabulary(lexicon())
    assert "最低生活保障" in vocabulary.equivalents("低保")
    assert "低保" in vocabulary.equivalents("最低生活保障")
    # expanded only to wordings the documents use: a page that says 最低生活保障 …
    page = Vocabulary.collect((), texts_of(PAGES[3]), segment)
    (expansion,) = page.expand("低保标准是多少？")
    assert expansion.term == "低保" and "最低生活保障" in expansion.equivalents
    assert page.expand("最低生活保障标准") == []  # … and never 低保
    # … and a text that says 低保 the other way round
    said = Vocabulary.collect((), ["低保申请须由户主本人向户籍所在地街道提出。"], segment)
    assert [e.equivalents for e in said.expand("最低生活保障怎么申请")] == [("低保",)]


def test_a_formal_term_expands_only_to_wordings_the_documents_prefer() -> None:
    text = "本市户籍居民凭户口簿办理；户籍所在地街道受理；非本市户籍人员另行办理。"
    vocabulary = Vocabulary.collect((), [text], segment)
    assert [e.equivalents for e in vocabulary.expand("户口在外地怎么办")] == [("户籍",)]
    assert vocabulary.expand("户籍在外地怎么办") == []  # 户口 is the rarer wording here


def test_longest_term_first() -> None:
    text = "社会保障卡 社会保险 社会保险基金管理局 医疗保障局 基本医疗保险"
    vocabulary = Vocabulary.collect((), [text], segment)
    expanded = vocabulary.expand("社保卡丢了，社保局和医保局在哪")
    assert [(e.term, e.equivalents) for e in expanded] == [
        ("社保卡", ("社会保障卡",)),
        ("社保局", ("社会保险基金管理局",)),
        ("医保局", ("医疗保障局",)),
    ]


def test_groups_format_reports_bad_rows_in_chinese() -> None:
    rows = ["# 注释", "标准用语,其他说法", "最低生活保障,低保/低保金", "只有一个", ","]
    rows += ["长" * 31 + ",xy", "生育津贴,钱"]
    groups, problems = parse_groups("\n".join(rows))
    assert groups == [("最低生活保障", "低保", "低保金")]
    assert problems[0].startswith("第 4 行只有“只有一个”")
    assert "第 6 行" in problems[1] and "超过 30 字" in problems[1]
    assert problems[2].startswith("第 7 行的“钱”只有一个字")


# Abbreviations the documents define


def test_abbreviations_that_real_documents_define() -> None:
    found = dict(abbreviations(texts_of(PAGES[0], PAGES[1]), segment))
    assert found["城乡居民医保"] == "城乡居民基本医疗保险"
    assert found["市高指中心"] == "广州市高校毕业生就业指导中心"
    text = (
        "根据《中华人民共和国社会保险法》（以下简称《社会保险法》）和《条例》（以下简称《条例》），"
        "从事支教、支农、支医和帮扶乡村振兴（以下简称“三支一扶”）；本市长期护理保险（以下简称长护险）"
    )
    assert abbreviations([text], segment) == [
        ("社会保险法", "中华人民共和国社会保险法"),
        ("长护险", "长期护理保险"),
    ]  # 《条例》 names nothing in particular; 三支一扶 is not made of the words before it


# Questions: spoken words, Traditional characters, numbers


def test_questions_are_normalized_not_documents() -> None:
    assert Question.parse("請問低保咋申請？要帶啥材料").text == "请问低保怎么申请？要带什么材料？"
    assert Question.parse("能不能领失业金？每月几号发？").text == "能否领失业金？每月哪天发？"


def test_numbers_are_matched_in_both_writings() -> None:
    def pairs(question: str) -> list[tuple[str, tuple[str, ...]]]:
        return [(e.term, e.equivalents) for e in numbers(question)]

    assert pairs("失业金最多领二十四个月吗") == [("二十四个月", ("24个月",))]
    assert pairs("满60周岁，提前2个月，补贴百分之五") == [
        ("百分之五", ("5%",)),
        ("60周岁", ("六十周岁",)),
        ("2个月", ("两个月",)),
    ]
    assert pairs("一次性补贴5月1日发放20元") == []


# Builds: synonyms.csv


@pytest.fixture()
def pages_corpus(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (PAGES[3], PAGES[4]):
        shutil.copy(HTML / name, corpus / name)
    return hash_settings(corpus, min_score=0.0)


def test_synonyms_csv_re_expands_without_re_embedding(pages_corpus: Settings) -> None:
    assert build(pages_corpus).embedded > 0
    question = "银发卡看病有什么优惠？"  # an office's own word for 老年人优待卡
    assert Searcher.open(pages_corpus).index.vocabulary.expand(question) == []
    synonyms = pages_corpus.corpus / "synonyms.csv"
    synonyms.write_text("标准用语,其他说法\n老年人优待卡,银发卡\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:  # no model is loaded: nothing to embed
        patch.setattr("assistant.index.embedders.load_embedder", refuse)
        report = build(pages_corpus)
        assert report.changed and report.embedded == 0 and report.reused == report.chunks
        assert not build(pages_corpus).changed  # and it is stable
    searcher = Searcher.open(pages_corpus)
    (expansion,) = searcher.index.vocabulary.expand(question)
    assert expansion.equivalents == ("老年人优待卡",)
    top = searcher.search(question, 1, mode="bm25")[0].chunk
    assert top.doc == PAGES[4] and "就医优惠" in top.text
    # synonyms.csv is not a document
    assert synonyms not in corpus_files(pages_corpus.corpus)
    manifest = read_manifest(pages_corpus.index)
    assert manifest and "synonyms.csv" not in {f.path for f in manifest.files}
    assert all(c.doc != "synonyms.csv" for c in searcher.index.chunks())


def test_a_malformed_synonyms_csv_is_reported_and_the_build_goes_on(
    pages_corpus: Settings,
) -> None:
    synonyms = pages_corpus.corpus / "synonyms.csv"
    synonyms.write_text("标准用语,其他说法\n银发卡\n老年人优待卡,银发卡\n", encoding="utf-8")
    out = io.StringIO()
    args = ["build", "--corpus", str(pages_corpus.corpus), "--index", str(pages_corpus.index)]
    assert main([*args, "--model", "hash"], stdout=out) == 0
    assert "synonyms.csv" in out.getvalue() and "第 2 行只有“银发卡”" in out.getvalue()
    searcher = Searcher.open(pages_corpus)
    assert searcher.index.vocabulary.expand("银发卡")  # the good row works
    synonyms.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe\x00\x00")  # an .xlsx
    report = build(pages_corpus)
    (bad,) = [r for r in report.files if r.path == "synonyms.csv"]
    assert bad.status == FileStatus.FAILED and "无法读取" in bad.problems[0]
    assert report.changed and report.embedded == 0
    manifest = read_manifest(pages_corpus.index)
    assert manifest and any(p.path == "synonyms.csv" for p in manifest.problems)
    assert Searcher.open(pages_corpus).index.vocabulary.expand("银发卡") == []


# Retrieval with the bundled model


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    root = tmp_path_factory.mktemp("vocabulary")
    (root / "corpus").mkdir()
    for name in PAGES:
        shutil.copy(HTML / name, root / "corpus" / name)
    settings = Settings(corpus=root / "corpus", index=root / "index")
    build(settings)
    return Searcher.open(settings)


def top_texts(searcher: Searcher, question: str, k: int = 3) -> list[str]:
    return [hit.chunk.text for hit in searcher.search(question, k)]


def test_an_abbreviation_finds_the_passage_that_defines_it(searcher: Searcher) -> None:
    (expansion,) = searcher.index.vocabulary.expand("市高指中心负责什么？")
    assert expansion.equivalents == ("广州市高校毕业生就业指导中心",)
    assert "（以下简称市高指中心）" in top_texts(searcher, "市高指中心负责什么？", 1)[0]


def test_a_traditional_character_question_finds_its_passage(searcher: Searcher) -> None:
    question = "門診診查費減收多少？"  # BM25 knows no Traditional word: converted first
    for mode in ("hybrid", "bm25"):
        assert "普通门诊诊查费自费部分减收1元" in searcher.search(question, 1, mode)[0].chunk.text


def test_a_chinese_numeral_question_finds_its_passage(searcher: Searcher) -> None:
    top = top_texts(searcher, "超过二十四个月怎么办？", 1)[0]  # the passage says 24个月
    assert "补发时长超过24个月" in top


def test_a_colloquial_question_finds_the_documents_words(searcher: Searcher) -> None:
    top = [hit.chunk.text for hit in searcher.search("老人卡能提前两个月办吗", 2, "bm25")]
    assert any("提前2个月" in text for text in top)  # 老人卡 → 老年人优待卡, 两个月 → 2个月


def test_a_term_no_document_mentions_in_any_wording_is_unmentioned() -> None:
    text = "办理退休手续须提交身份证。电动车停放须规范。"
    vocabulary = Vocabulary.collect((), [text], segment)
    words = set(segment(text))

    def mentioned(term: str) -> bool:  # every word of the term occurs in the text
        return all(w in words for w in segment(term) if len(w) > 1)

    question = "结婚登记和办退休要带什么？电瓶车呢？"
    # 结婚登记: no wording and no word of it occurs; 办退休: 退休 occurs; 电瓶车: 电动车 does
    assert vocabulary.unmentioned(question, mentioned) == ["结婚登记"]
    assert vocabulary.unmentioned("办退休要带什么？", mentioned) == []


def test_a_question_on_a_topic_no_document_mentions_is_refused_with_why(
    searcher: Searcher,
) -> None:
    reply = answer(searcher, "在广州办结婚登记要带什么材料？")
    assert not reply.found and "已收录的文件没有提到“结婚登记”" in reply.reason
    assert searcher.unmentioned("老人卡能提前两个月办吗") == []  # 老年人优待卡 is mentioned


def test_a_question_that_gives_an_age_prefers_the_bracket_that_holds_it(
    searcher: Searcher,
) -> None:
    """我爸70岁: the 65周岁及以上 rule, not the 60–65 one, among the passages found (each
    bracket a passage of its own: joined, the two consecutive ones come as one)."""
    question = "我爸70岁，坐公交要钱吗？"

    def top(searcher: Searcher, k: int) -> str:
        return "\n".join(hit.chunk.text for hit in searcher.search(question, k))

    apart = searcher.settings.with_(joined_chars=0)
    shifted = Searcher(searcher.index, apart)
    unshifted = Searcher(searcher.index, apart.with_(age_shift=0.0))
    assert "3.年满65周岁及以上者" in top(shifted, 2)
    # the bracket that does not hold 70 is among the first three only without the shift
    assert "2.年满60周岁未满65周岁者" in top(unshifted, 3)
    assert "2.年满60周岁未满65周岁者" not in top(shifted, 3)


@pytest.mark.parametrize(
    ("question", "unmentioned"),
    [
        ("广州夏天有没有高温补贴？", ["高温补贴"]),  # 高温: no document, no lexicon entry
        ("就业见习补贴怎么领？", []),  # 见习补贴: 见习 is written
        ("低保补贴一个月多少？", []),  # 低保: a lexicon term (最低生活保障)
        ("孩子补贴一个月多少？", []),  # 孩子: a lexicon word for 儿童 (儿童基本生活补贴)
    ],
)
def test_a_service_named_by_a_word_no_document_uses_is_unmentioned(
    searcher: Searcher, question: str, unmentioned: list[str]
) -> None:
    assert searcher.unmentioned(question) == unmentioned
