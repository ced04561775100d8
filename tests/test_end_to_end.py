"""End to end with the real bundled model: build, search, ask and eval via the CLI."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from assistant.answering.evaluation import read_questions
from assistant.app.cli import main

from .conftest import SEED, SHARED, SHARED_CORPUS

FILES = [
    SEED,
    SHARED_CORPUS / "pdf" / "淮安市人民政府2024年政府信息公开工作年度报告_szfgs2024.pdf",
    SHARED_CORPUS / "html" / "29_广州市临时救助实施细则_穗府办规2021-19号.html",
    SHARED_CORPUS / "html" / "30_老年人助餐配餐服务管理办法_穗民规字2024-3号.html",
    SHARED_CORPUS / "html" / "16_一次性创业补贴_市人社局.html",
]
HIT_KEYS = {
    "doc",
    "title",
    "doc_number",
    "issuer",
    "issued_on",
    "jurisdiction",
    "section",
    "page",
    "text",
    "score",
    "chunk_id",
}


def cli(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(list(argv), stdout=out), out.getvalue()
    finally:
        sys.stdin = old


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e")
    corpus = root / "corpus"
    corpus.mkdir()
    for path in FILES:
        shutil.copy(path, corpus / path.name)
    code, out = cli("build", "--corpus", str(corpus), "--index", str(root / "index"))
    assert code == 0, out
    assert "共" in out and "新嵌入" in out and "没有变化" not in out
    code, out = cli("build", "--corpus", str(corpus), "--index", str(root / "index"))
    assert code == 0 and "没有变化" in out and "新嵌入 0" in out
    return root / "index"


def test_search_json_shape_and_answer(index: Path) -> None:
    code, out = cli(
        "search", "2018年知识产权专项经费是多少？", "--index", str(index), "--json", "-k", "3"
    )
    assert code == 0
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["question"] == "2018年知识产权专项经费是多少？"
    assert len(row["hits"]) == 3
    assert all(set(hit) == HIT_KEYS for hit in row["hits"])
    best = row["hits"][0]
    assert "484万元" in best["text"]
    assert best["doc_number"] == "官市监函〔2020〕18号"
    assert best["issued_on"] == "2020-08-31"
    assert best["section"].endswith("2.加大投入，知识产权经费逐年增加")
    assert best["doc"] == SEED.name


def test_search_reads_questions_from_stdin(index: Path) -> None:
    questions = "一个家庭一年内临时救助金最多多少？\n淮安市2024年受理了多少件政府信息公开申请？\n"
    code, out = cli("search", "--index", str(index), "--json", stdin=questions)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["question"] for r in rows] == questions.split()
    assert any("5万元" in h["text"] for h in rows[0]["hits"])
    pdf_hits = [h for h in rows[1]["hits"] if h["doc"].endswith(".pdf")]
    assert any("3119件" in h["text"] and h["page"] == 2 for h in pdf_hits)


ELDERLY_MEALS = "老年人在社区长者饭堂吃饭，怎么申请助餐服务？"  # answered from the 助餐 办法


@pytest.mark.parametrize(
    ("history", "question", "understood", "doc"),
    [
        # terms of its own, and the topic's document answers it: the conversation's ranking
        # (fused in at half weight) brings it first, though the question is read as asked
        ([ELDERLY_MEALS], "申请交上去以后多少天能审核完？", "", FILES[3]),
        # it points back, but to a kind of document (函) the conversation's is not: fresh
        (["临时救助应该向哪里提出申请？"], "这份答复函的联系人是谁？", "", SEED),
        # a topic of its own that another document answers far better: fresh
        ([ELDERLY_MEALS], "2018年知识产权专项经费是多少？", "", SEED),
    ],
)
def test_a_question_is_read_in_its_conversation_when_it_continues_it(
    index: Path, history: list[str], question: str, understood: str, doc: Path
) -> None:
    line = json.dumps({"question": question, "history": history}, ensure_ascii=False)
    code, out = cli("search", "--index", str(index), "--json", "-k", "1", stdin=line + "\n")
    assert code == 0
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["question"] == question and row["understood"] == understood
    assert row["hits"][0]["doc"] == doc.name


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("老年人就餐补贴标准是多少？", "最高不超过3元"),
        ("一次性创业资助的补贴标准是多少钱？", "10000元"),
    ],
)
def test_the_direct_answer_holds_the_asked_figure_on_its_first_line(
    index: Path, question: str, figure: str
) -> None:
    code, out = cli("ask", "--index", str(index), "--json", stdin=question + "\n")
    (reply,) = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and reply["found"] and reply["kind"] == "amount"
    assert figure in reply["direct"] and reply["answer"].startswith(reply["direct"])
    assert "……" not in reply["direct"]  # the direct answer is whole; a quote below may elide


def test_ask_answers_and_refuses(index: Path) -> None:
    questions = "2018年知识产权专项经费是多少？\n深圳市的人才住房租房补贴每个月能领多少钱？\n"
    code, out = cli("ask", "--index", str(index), "--json", stdin=questions)
    assert code == 0
    found, refused = [json.loads(line) for line in out.splitlines()]
    assert found["found"] is True
    body, sources = found["answer"].split("\n\n来源：\n")
    assert "484万元" in body.split("[1]")[0] and len(body) <= 320  # a short quote, cited
    assert sources.startswith("[1] 《") and "官市监函〔2020〕18号" in sources
    assert set(found["citations"][0]) == HIT_KEYS | {"validity"}  # ask: with its validity
    assert found["validity_notes"] == [] and found["citations"][0]["validity"] == "未注明"
    assert refused["found"] is False
    assert refused["answer"].startswith("未在已收录的文件中找到")


def test_eval_prints_one_metrics_table_for_several_sets(index: Path, tmp_path: Path) -> None:
    qa, asked_later = tmp_path / "qa.jsonl", tmp_path / "after_another.jsonl"
    questions = read_questions(SHARED / "eval" / "seed_qa.jsonl")
    qa.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions), "utf-8")
    history = {"history": ["在广州办居住证要带什么材料？"]}  # an unrelated earlier turn
    asked_later.write_text(
        "".join(json.dumps({**q, **history}, ensure_ascii=False) + "\n" for q in questions),
        "utf-8",
    )
    code, out = cli("eval", str(qa), str(asked_later), "--index", str(index))
    assert code == 0
    assert "hit@5" in out and "MRR" in out
    for name in ("qa", "after_another"):
        rows = {line.split()[2]: line.split() for line in out.splitlines() if line.startswith(name)}
        assert set(rows) == {"hybrid", "dense", "bm25"} and rows["hybrid"][1] == "8+0"
        assert float(rows["hybrid"][5]) >= 0.75  # hit@5 on the seed questions, alone or later


def test_question_errors_are_clear(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("ask", "x" * 600, "--index", str(index))[0] == 2
    assert "问题过长" in capsys.readouterr().err
    assert cli("search", "知识产权", "--index", str(index), "--model", "hash")[0] == 2
    assert "assistant build" in capsys.readouterr().err
