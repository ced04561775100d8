"""Whether a document is in force: 施行日期, 有效期, repeals, and what search does with them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.answering.search import Searcher
from assistant.documents.ingest import load_document
from assistant.documents.metadata import NO_END, read_sidecar
from assistant.documents.validity import in_force, link_repeals, repeals
from assistant.index import build
from assistant.types import DocumentInfo, Source, Validity

from .conftest import CorpusWriter

DAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize(
    ("page", "effective_on", "expires_on", "status"),
    [
        # 基本信息 box: 实施日期 2024-03-04, 失效日期 2029-03-03 (text: 有效期5年)
        ("13_户籍家庭住房保障通知_穗建规字2024-5号.html", "2024-03-04", "2029-03-03", "现行有效"),
        # 本通知有效期1年; the box: 失效日期 2026-06-01
        ("26_最低生活保障及相关社会救助标准通知_穗民规字2025-2号.html", "2025-06-01",
         "2026-06-01", "已过期"),
        # the box ends it before its 5 years: 失效日期 2023-06-01
        ("28_特困人员救助供养通知_穗府办规2021-7号.html", "2021-04-16", "2023-06-01", "已过期"),
        # no box: "自2023年9月8日起施行，有效期3年"
        ("17_天河港澳青年办法_穗天科工信规字2023-1号.html", "2023-09-08", "2026-09-07", "已过期"),
        # "自印发之日起施行，有效期5年" with "…秘书处2024年7月29日印发"
        ("11_公共租赁住房保障办法_穗府办规2024-13号.html", "2024-07-29", "2029-07-28",
         "现行有效"),
        # "有效期至2026年12月31日"
        ("36b_积分制入户管理办法_穗府办规2025-8号.html", "2025-07-04", "2026-12-31", "现行有效"),
        # a 政府令: "自2021年5月1日起施行", no end
        ("33_广州市老年人优待办法_政府令179号.html", "2021-05-01", "", "现行有效"),
        # a news page says nothing of its own validity
        ("09_生育津贴直接发放个人_2025.html", "", "", "未注明"),
    ],
)  # fmt: skip
def test_real_documents_in_force(
    shared_corpus: Path, page: str, effective_on: str, expires_on: str, status: str
) -> None:
    source = load_document(shared_corpus / "html" / page, shared_corpus).source
    assert (source.effective_on, source.expires_on) == (effective_on, expires_on)
    assert source.validity(DAY) == status


def test_status_follows_the_day() -> None:
    source = Source(effective_on="2025-07-04", expires_on="2026-12-31")
    assert source.validity(dt.date(2026, 12, 31)) is Validity.CURRENT
    assert source.validity(dt.date(2027, 1, 1)) is Validity.EXPIRED
    assert Source(repealed_by="《新办法》").validity(DAY) is Validity.REPEALED


def test_clauses_that_are_not_the_documents_own() -> None:
    # a term of something else, a standard's start: not the document's validity
    text = "评定结果有效期三年。\n本通知规定的标准从2025年1月1日起执行。"
    assert in_force(text, issued_on="2025-05-30") == ("", "")
    text = "第三十八条 本办法自2024年4月1日起实施，有效期五年。"
    assert in_force(text) == ("2024-04-01", "2029-03-31")
    text = "本细则自印发之日起施行，有效期5年。"
    assert in_force(text, issued_on="2021-12-01", printed_on="2021-12-06") == (
        "2021-12-06",
        "2026-12-05",
    )


def test_repeal_clauses_of_real_documents(shared_corpus: Path) -> None:
    page = shared_corpus / "html" / "26_最低生活保障及相关社会救助标准通知_穗民规字2025-2号.html"
    named = load_document(page, shared_corpus).repeals
    assert "穗民规字〔2024〕5号" in named
    assert "广州市民政局 广州市财政局关于提高我市2024年最低生活保障及相关社会救助标准的通知" in {
        " ".join(n.split()) for n in named
    }
    page = shared_corpus / "html" / "37_市场主体登记管理条例_国务院令746号.html"
    assert "中华人民共和国公司登记管理条例" in load_document(page, shared_corpus).repeals
    assert repeals("本年废止件数 3 现行有效件数 12") == ()


def _info(path: str, title: str, number: str = "", named: tuple[str, ...] = ()) -> DocumentInfo:
    return DocumentInfo(path, path, Source(title=title, doc_number=number), repeals=named)


def test_link_repeals_by_number_and_by_title() -> None:
    old = _info("old.txt", "广州市临时救助办法", "穗府办规〔2019〕13号")
    titled = _info("titled.txt", "某市就业见习基地管理办法")
    new = _info(
        "new.txt",
        "广州市临时救助实施细则",
        "穗府办规〔2021〕19号",
        ("穗府办规〔2019〕13号", "某局关于印发〈某市就业见习基地管理办法〉的通知"),
    )
    linked = {d.path: d.source.repealed_by for d in link_repeals([old, titled, new])}
    assert linked == {
        "old.txt": "《广州市临时救助实施细则》（穗府办规〔2021〕19号）",
        "titled.txt": "《广州市临时救助实施细则》（穗府办规〔2021〕19号）",
        "new.txt": "",
    }


def test_metadata_csv_sets_the_status(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text(
        "文件,状态,有效期至\n"
        "a.txt,已废止（穗民规字〔2025〕2号）,\n"
        "b.txt,现行有效,\n"
        "c.txt,,2025-12-31\n",
        encoding="utf-8",
    )
    sidecar = read_sidecar(tmp_path)
    assert sidecar["a.txt"].repealed_by == "穗民规字〔2025〕2号"
    assert sidecar["b.txt"].expires_on == NO_END
    assert sidecar["b.txt"].validity(DAY) is Validity.CURRENT
    assert sidecar["c.txt"].validity(DAY) is Validity.EXPIRED


OLD = (
    "某市民政局关于某市困难老人护理补贴标准的通知\n某民规字〔2019〕1号\n"
    "一、困难老人护理补贴标准为每人每月300元。\n二、本通知自2019年1月1日起施行。\n"
)
NEW = (
    "某市民政局关于调整困难老人护理补贴的通知\n某民规字〔2024〕2号\n"
    "一、补贴调整为每人每月400元，按月发放。\n二、本通知自2024年1月1日起施行。"
    "《某市民政局关于某市困难老人护理补贴标准的通知》（某民规字〔2019〕1号）同时废止。\n"
)


def test_a_repealed_document_ranks_below_its_successor(small_corpus: CorpusWriter) -> None:
    settings = small_corpus({"old.txt": OLD, "new.txt": NEW})
    build(settings)
    question = "困难老人护理补贴标准是每人每月多少"
    plain = Searcher.open(settings.with_(outdated_penalty=0.0)).search(question, k=2)
    assert plain[0].chunk.doc == "old.txt"  # its words are the question's
    hits = Searcher.open(settings).search(question, k=2)
    assert [h.chunk.doc for h in hits] == ["new.txt", "old.txt"]
    assert (
        hits[1].chunk.source.repealed_by
        == "《某市民政局关于调整困难老人护理补贴的通知》（某民规字〔2024〕2号）"
    )
    assert hits[1].chunk.source.validity() is Validity.REPEALED
