"""Citation metadata from text, file names and the metadata.csv sidecar."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.documents.cleaning import clean
from assistant.documents.ingest import load_document
from assistant.documents.metadata import (
    doc_type_of,
    extract,
    merge,
    normalize_doc_number,
    opening_title,
    parse_date,
    read_sidecar,
)
from assistant.documents.official import compare, files_of, read_official
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
    assert extract("中华人民共和国国务院令第746号\n条例", "a.html").doc_number == "国务院令第746号"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        # in the head, on a line of its own, in brackets, after the issuer, cut in two
        ("穗府办规〔2024〕13号\n广州市人民政府办公厅关于印发…的通知", "穗府办规〔2024〕13号"),
        ("（2021年7月27日中华人民共和国国务院令第746号公布）\n第一章 总则", "国务院令第746号"),
        ("广州市人民政府令\n第179号\n《广州市老年人优待办法》已经…通过", "广州市人民政府令第179号"),
        ("广州市民政局 穗民规字〔2024〕3号\n各区民政局：", "穗民规字〔2024〕3号"),
        # cited in a sentence: not the document's own
        ("根据《国务院办公厅关于…的意见》（国办发〔2024〕38号），现将有关事项通告如下", ""),
        ("依据穗天教规字〔2024〕1号，制定本指引。", ""),
    ],
)  # fmt: skip
def test_own_doc_number_not_a_cited_one(text: str, number: str) -> None:
    assert extract(text, "page.html").doc_number == number


def test_page_text_glued_before_the_number_yields_to_the_file_name() -> None:
    text = "点击查看：关于《办法》的解读穗天科工信规字〔2023〕1号\n区属各单位："
    name = "17_天河港澳青年办法_穗天科工信规字2023-1号.html"
    assert extract(text, name).doc_number == "穗天科工信规字〔2023〕1号"


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


# Where the extraction differs from the official table, and why (checked by hand).
KNOWN_MISMATCHES = {
    # 公布 2021-07-27 (国务院令第746号); the table gives the 施行 date 2022-03-01
    ("37_市场主体登记管理条例_国务院令746号.html", "issued_on"),
    # the table names the portal (广州市人民政府门户); the page's 来源 names the bodies
    ("09_生育津贴直接发放个人_2025.html", "issuer"),
    # the table: 门户（省医保局解读）; the page's 来源: 广州日报
    ("10_广东医保新措_大病保险门特结算.html", "issuer"),
}


def test_own_metadata_agrees_with_the_official_table(shared_corpus: Path) -> None:
    """文号 and dates ≥ 95%, issuer ≥ 90% of the official table's HTML pages; every
    mismatch known."""
    rows = read_official(shared_corpus / "html" / "meta" / "官方文件表.csv")
    files = files_of(rows, sorted((shared_corpus / "html").glob("*.html")))
    assert len(files) >= 35
    mismatches, numbers, dates, issuers = set(), [], [], []
    for row, path in files.items():
        found = compare(row, load_document(path, shared_corpus).source)
        for name, agrees in (
            ("doc_number", found.doc_number),
            ("issued_on", found.issued_on),
            ("issuer", found.issuer),
        ):
            if agrees is False:
                mismatches.add((path.name, name))
        numbers += [found.doc_number] if found.doc_number is not None else []
        dates.append(found.issued_on)
        issuers.append(found.issuer)
    assert len(numbers) >= 14 and sum(numbers) / len(numbers) >= 0.95
    assert sum(issuers) / len(issuers) >= 0.90
    assert sum(dates) / len(dates) >= 0.95
    assert mismatches <= KNOWN_MISMATCHES, sorted(mismatches - KNOWN_MISMATCHES)


def test_web_page_head_and_box(shared_corpus: Path) -> None:
    page = shared_corpus / "html" / "26_最低生活保障及相关社会救助标准通知_穗民规字2025-2号.html"
    stated = read(page).stated
    assert (stated.doc_number, stated.issuer) == ("穗民规字〔2025〕2号", "广州市民政局")
    assert (stated.effective_on, stated.expires_on) == ("2025年06月01日", "2026年06月01日")
    page = shared_corpus / "html" / "06_城乡居民医保集中参保缴费通告.html"
    stated = read(page).stated
    assert (stated.published_on, stated.publisher) == ("2025-10-17", "广州市医疗保障局")
    source = load_document(page, shared_corpus).source
    assert source.doc_number == ""  # 国办发〔2024〕38号 is cited, not its own
    assert source.issued_on == "2025-10-14"  # signed, three days before the page
    assert source.published_on == "2025-10-17"
    page = shared_corpus / "html" / "08_家庭医生实施方案_穗卫函2023-1930号.html"
    source = load_document(page, shared_corpus).source  # signed 19 days before the page
    assert (source.issued_on, source.published_on) == ("2023-10-19", "2023-11-07")


def test_a_title_cut_over_lines_is_the_pages_title(shared_corpus: Path) -> None:
    # Two lines: "…关于印发广州市就业见习" / "基地管理办法的通知"
    path = shared_corpus / "html" / "18_广州就业见习基地管理办法_穗人社规字2019-6号.html"
    title = "广州市人力资源和社会保障局广州市财政局关于印发广州市就业见习基地管理办法的通知"
    assert load_document(path, shared_corpus).source.title == title
    # Three lines: the issuers / "关于印发广州市引进人才入户管理办法" / "实施细则的通知"
    path = shared_corpus / "html" / "35_引进人才入户管理办法_穗府办规2020-10号.html"
    issuers = "广州市人力资源和社会保障局 广州市公安局"
    title = issuers + "关于印发广州市引进人才入户管理办法实施细则的通知"
    assert load_document(path, shared_corpus).source.title == title
    # A whole title line stays: the page title's "（转载）" is not part of it
    rental = shared_corpus / "html" / "11_公共租赁住房保障办法_穗府办规2024-13号.html"
    expected = "广州市人民政府办公厅关于印发广州市公共租赁住房管理办法的通知"
    assert load_document(rental, shared_corpus).source.title == expected


def test_a_file_named_by_an_id_is_titled_by_its_opening_words() -> None:
    text = "关于阶段性减免企业养老保险费的通知 各区人民政府，市政府各部门：为支持企业复工复产……"
    assert extract(text, "5606d3c8edcf3a40.txt").title == "关于阶段性减免企业养老保险费的通知"
    glued = "某市推行审批事项网上办理，记者2月5日从市政务服务中心获悉……"
    assert extract(glued, "0013aa11.txt").title == "某市推行审批事项网上办理"
    # an official title run on into the text ends at its 文种; the issuers before it stay
    run_on = "某省财政厅 某省税务局关于延长申报期限的公告各市县财政局：现将……"
    found = extract(run_on, "9f1c2e7a-4b3d-4e8f-a1b2-c3d4e5f60718.txt")
    assert (found.title, found.issuer, found.doc_type) == (
        "某省财政厅 某省税务局关于延长申报期限的公告",
        "某省财政厅",
        "公告",
    )
    # a news page: a place before a colon is inside its headline; a date begins the text
    news = "某省：多举措稳定菜价 保障供应 近日，某省出台……"
    assert extract(news, "a1b2c3d4e5f6.txt").title == "某省：多举措稳定菜价"
    dated = "某市交管部门推行驾驶证业务网上办理3月2日，记者从某市获悉……"
    found = extract(dated, "b2c3d4e5f6a7.txt")
    assert (found.title, found.issuer) == ("某市交管部门推行驾驶证业务网上办理", "")
    # a headline that names a document is not its issuer
    explained = extract("解读《关于做好复工复产工作的通知》 近日，……", "c3d4e5f6a7b8.txt")
    assert (explained.title, explained.issuer) == ("解读《关于做好复工复产工作的通知》", "")
    assert extract("某省部署春耕生产 近日，……", "d4e5f6a7b8c9.txt").issuer == ""
    # a file name with words of its own still titles a document without a title line
    assert extract(text.split(" ", 1)[1], "0013_复工复产说明.txt").title == "复工复产说明"
    # a year is a name, not an id: a 政府工作报告 named 1988.txt keeps it
    assert extract("各位代表：现在，我代表国务院向大会报告政府工作。", "1988.txt").title == "1988"


def test_a_title_read_from_the_opening_words_is_known_as_such() -> None:
    """``opening_title``: the title of a file named by an id, read from the words its text
    opens with (search leaves it out of the titles' BM25), not one the document has."""
    headline = "某县开通农民工返岗专车 记者从某县人社局获悉，首批专车已于昨日发车……"
    title = extract(headline, "7c9e6679a2b4.txt").title
    assert title == "某县开通农民工返岗专车"
    assert opening_title("7c9e6679a2b4.txt", title, headline)
    # its first passage's text is enough: the opening words end inside it
    assert opening_title("7c9e6679a2b4.txt", title, headline[:30])
    run_on = "某市财政局关于延长缴费期限的公告各区财政局：现将有关事项……"
    title = extract(run_on, "e4d909c290d0.txt").title
    assert title == "某市财政局关于延长缴费期限的公告"
    assert opening_title("e4d909c290d0.txt", title, run_on)
    # a title line of its own, a file name's words, a name that is not an id: titles
    own_line = "关于做好春耕备耕工作的通知\n各乡镇：现将有关事项通知如下……"
    title = extract(own_line, "9b2f4c7d1e3a.txt").title
    assert title == "关于做好春耕备耕工作的通知"
    assert not opening_title("9b2f4c7d1e3a.txt", title, own_line)
    named = extract(headline, "返岗专车说明.txt").title
    assert not opening_title("返岗专车说明.txt", named, headline)
    assert not opening_title("1988.txt", "1988", "各位代表：现在，我代表国务院向大会报告政府工作。")
    # a title from elsewhere (metadata.csv, a page's title) for an id-named file stays
    assert not opening_title("7c9e6679a2b4.txt", "某县农民工返岗服务办法", headline)
    assert not opening_title("7c9e6679a2b4.txt", "", headline)
