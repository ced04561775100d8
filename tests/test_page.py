"""The web page's parts without a browser: filters by body, 文件库 rows, original files."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from fastapi.testclient import TestClient

from assistant.app.admin import Library
from assistant.app.filters import BodyFilters, chosen_filters, filter_choices, issuer_bodies
from assistant.app.library_tab import details_html, matching
from assistant.app.server import original_file, web_app
from assistant.index import build
from assistant.types import DocumentInfo, Source

from .conftest import CorpusWriter


@pytest.mark.parametrize(
    ("issuer", "bodies"),
    [
        ("广州市民政局", ["广州市民政局"]),
        ("广州市人力资源社会保障局（越秀区政府网转载）", ["广州市人力资源和社会保障局"]),
        ("广州市民政局、广州市财政局", ["广州市民政局", "广州市财政局"]),
        ("广州市民政局 广州市财政局", ["广州市民政局", "广州市财政局"]),
        (
            "广州市医疗保障局、市财政局、市民政局",
            ["广州市医疗保障局", "广州市财政局", "广州市民政局"],
        ),
        (
            "广州市天河区科技工业和信息化局、区人力资源和社会保障局",
            ["广州市天河区科技工业和信息化局", "广州市天河区人力资源和社会保障局"],
        ),
        ("国家市场监督管理总局、市场监管局", ["国家市场监督管理总局", "市场监督管理局"]),
        ("", []),
    ],
)
def test_an_issuer_line_names_its_bodies(issuer: str, bodies: list[str]) -> None:
    assert issuer_bodies(issuer) == bodies


@pytest.mark.parametrize(
    ("issuer", "jurisdiction", "bodies"),
    [  # issuer lines of ../shared/corpus pages, with the jurisdiction their documents get
        (
            "市人力资源社会保障局、市劳动就业服务管理中心",
            "广东省广州市",
            ["广州市人力资源和社会保障局", "广州市劳动就业服务管理中心"],
        ),
        ("市人社局", "广东省广州市", ["广州市人力资源和社会保障局"]),
        ("天河区教育局", "广东省广州市天河区", ["广州市天河区教育局"]),
        ("区住建园林局", "广东省广州市天河区", ["广州市天河区住建园林局"]),
        ("普陀区万里街道办事处", "上海市普陀区", ["上海市普陀区万里街道办事处"]),
        ("洪泽区人民政府", "江苏省淮安市洪泽区", ["淮安市洪泽区人民政府"]),
        ("市人社局、社保中心", "广东省", ["市人力资源和社会保障局", "社保中心"]),  # which city?
        ("广州市民政局", "广东省广州市", ["广州市民政局"]),
    ],
)
def test_a_body_named_without_its_place_takes_the_documents(
    issuer: str, jurisdiction: str, bodies: list[str]
) -> None:
    assert issuer_bodies(issuer, jurisdiction) == bodies


def test_one_body_written_three_ways_is_one_filter_choice() -> None:
    documents = [
        info("a.html", issuer="市人社局", jurisdiction="广东省广州市"),
        info("b.html", issuer="市人力资源社会保障局、社保中心", jurisdiction="广东省广州市"),
        info("c.html", issuer="广州市人力资源和社会保障局", jurisdiction="广东省广州市"),
        info("d.html", issuer="天河区人力资源和社会保障局", jurisdiction="广东省广州市天河区"),
    ]
    bodies = filter_choices(documents)[1]
    assert bodies == ["广州市人力资源和社会保障局", "广州市天河区人力资源和社会保障局", "社保中心"]
    chosen = chosen_filters("", "广州市人力资源和社会保障局", "")
    assert [d.path for d in documents if chosen.allows(d)] == ["a.html", "b.html", "c.html"]


def info(path: str, **fields: str) -> DocumentInfo:
    return DocumentInfo(path, "0" * 64, Source(**fields))


DOCUMENTS = [
    info("a.html", title="低保标准", issuer="广州市民政局、广州市财政局", issued_on="2025-05-30"),
    info(
        "b.html",
        title="助餐",
        effective_on="2026-01-05",
        issuer="广州市民政局（越秀区政府网转载）",
        issued_on="2026-01-05",
    ),
    info("c.html", title="医保", issuer="广州市医疗保障局、市民政局", issued_on="2024-01-03"),
    info(
        "d.html",
        title="临时救助",
        doc_number="穗府办规〔2021〕19号",
        issuer="广州市人民政府办公厅",
        issued_on="2021-12-06",
        effective_on="2021-12-06",
        expires_on="2025-12-05",
        jurisdiction="广东省广州市",
    ),
    info("e.html", title="旧低保", issuer="广州市民政局", repealed_by="穗民规字〔2025〕2号"),
]


def test_filters_list_bodies_and_the_documents_years() -> None:
    types, bodies, years = filter_choices(DOCUMENTS)
    assert bodies == [
        "广州市人民政府办公厅", "广州市医疗保障局", "广州市民政局", "广州市财政局"
    ]  # fmt: skip
    assert years == ["2026", "2025", "2024", "2021"] and types == []


def test_a_body_filter_passes_every_document_that_body_issued() -> None:
    passed = [d.path for d in DOCUMENTS if chosen_filters("全部", "广州市民政局", "").allows(d)]
    assert passed == ["a.html", "b.html", "c.html", "e.html"]
    assert [d.path for d in DOCUMENTS if chosen_filters("", "广州市", "2025").allows(d)] == [
        "a.html"
    ]  # a part of the issuer's name, as the API has always taken it
    assert not BodyFilters(issuer="广州市民政局", docs=frozenset({"d.html"})).allows(DOCUMENTS[0])
    assert not chosen_filters("全部", "全部", "全部")


def library_of(documents: list[DocumentInfo]) -> Library:
    library = Library.__new__(Library)
    index = SimpleNamespace(documents=documents, chunk_docs=[])
    library.searcher = SimpleNamespace(index=index)  # type: ignore[assignment]
    library.passages = lambda document: []  # type: ignore[method-assign]
    return library


def test_library_rows_fit_five_columns_with_the_validity() -> None:
    rows = library_of(DOCUMENTS).rows()
    assert Library.COLUMNS == ("标题", "文号", "发文机关", "日期", "状态")
    assert rows[3] == (
        "临时救助", "穗府办规〔2021〕19号", "广州市人民政府办公厅", "2021-12-06",
        "已过期（2025-12-05）",
    )  # fmt: skip
    assert rows[4][-1] == "已废止（被穗民规字〔2025〕2号废止）"
    assert rows[0][-1] == "未注明" and rows[1][-1] == "现行有效"


def test_library_search_keeps_rows_with_every_word() -> None:
    library = library_of(DOCUMENTS)
    assert matching(library, "")[1] == [0, 1, 2, 3, 4]
    assert matching(library, " 民政局  2026 ")[1] == [1]
    assert matching(library, "已废止")[1] == [4]
    rows, documents = matching(library, "穗府办规〔2021〕")
    assert documents == [3] and rows[0][0] == "临时救助"
    assert matching(library, "深圳")[1] == []


def test_details_of_a_document_escape_its_text_and_link_the_original() -> None:
    library = library_of([info("x y.html", title="<b>通知</b>", url="https://a.gov.cn/1.html")])
    page = details_html(library, 0)
    assert "&lt;b&gt;通知&lt;/b&gt;" in page and "<b>" not in page
    assert '<a href="https://a.gov.cn/1.html" target="_blank"' in page
    assert '<a href="original/x%20y.html"' in page and "<dd>未注明</dd>" in page


@pytest.fixture
def served(small_corpus: CorpusWriter, tmp_path: Path) -> tuple[TestClient, Library]:
    settings = small_corpus({"a.txt": "关于图书角的通知\n图书角周一闭馆。\n".encode("gbk")})
    (settings.corpus / "sub").mkdir()
    (settings.corpus / "sub" / "b 乙.txt").write_text("乙通知\n周二闭馆。\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    build(settings)
    library = Library(settings)
    return TestClient(web_app(gr.Blocks(), library), base_url="http://127.0.0.1"), library


def test_original_files_are_served_only_for_indexed_documents(
    served: tuple[TestClient, Library],
) -> None:
    client, library = served
    reply = client.get("/original/a.txt")
    assert reply.status_code == 200 and reply.content.decode("gbk").startswith("关于图书角")
    assert reply.headers["content-type"] == "text/plain; charset=gb18030"
    assert "sandbox" in reply.headers["content-security-policy"]
    assert reply.headers["content-security-policy"].endswith("; frame-ancestors 'none'")
    assert client.get("/original/sub/b%20%E4%B9%99.txt").text.startswith("乙通知")
    for path in (
        "../secret.txt", "sub/../../secret.txt", "%2e%2e/secret.txt", "%252e%252e/secret.txt",
        "..%2fsecret.txt", "..%5csecret.txt", "sub%5c..%5c..%5csecret.txt",
        str(library.settings.corpus.parent / "secret.txt"), "/etc/passwd", "missing.txt",
        "sub", "", "index/manifest.json",
    ):  # fmt: skip
        assert client.get(f"/original/{path}").status_code == 404, path
        assert original_file(library, path) is None, path


def test_an_indexed_path_that_now_leads_outside_the_corpus_is_refused(
    served: tuple[TestClient, Library], tmp_path: Path
) -> None:
    client, library = served
    (library.settings.corpus / "a.txt").unlink()
    (library.settings.corpus / "a.txt").symlink_to(tmp_path / "secret.txt")
    assert original_file(library, "a.txt") is None
    assert client.get("/original/a.txt").status_code == 404
    (library.settings.corpus / "sub" / "b 乙.txt").unlink()  # removed, not yet rebuilt
    assert original_file(library, "sub/b 乙.txt") is None


def test_configured_hosts_and_frame_ancestors(served: tuple[TestClient, Library]) -> None:
    """``ASSISTANT_ALLOWED_HOSTS`` replaces the localhost names; ``ASSISTANT_FRAME_ANCESTORS``
    replaces ``X-Frame-Options: DENY`` by the CSP's ``frame-ancestors``."""
    _, library = served
    settings = library.settings.with_(
        allowed_hosts="zc.example.gov.cn, [::1]", frame_ancestors="https://portal.example.gov.cn"
    )
    app = web_app(gr.Blocks(), Library(settings))
    for host, status in [("zc.example.gov.cn", 200), ("[::1]:7860", 200), ("127.0.0.1", 400)]:
        reply = TestClient(app, base_url=f"http://{host}").get("/original/a.txt")
        assert reply.status_code == status, host
    reply = TestClient(app, base_url="http://zc.example.gov.cn").get("/original/a.txt")
    assert "x-frame-options" not in reply.headers
    assert (
        "frame-ancestors https://portal.example.gov.cn" in reply.headers["content-security-policy"]
    )
    default = TestClient(web_app(gr.Blocks(), library), base_url="http://localhost")
    assert default.get("/original/a.txt").headers["x-frame-options"] == "DENY"
