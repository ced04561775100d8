"""Consecutive passages of a document among a search's best come as one
(:mod:`assistant.answering.passages`). A real index (``hash`` embedder) of a text whose
list chunking cuts in two; the question is a paraphrase."""

from __future__ import annotations

from dataclasses import replace

from assistant.answering.composition import compose
from assistant.answering.passages import joined_hit, passage_sentences
from assistant.answering.render import body, direct_line
from assistant.answering.search import Searcher
from assistant.index import build

from .conftest import CorpusWriter, check_joined_vectors
from .test_answer import make_hit

MEASURES = "\n".join(
    f"{n}. 对受疫情影响的小微企业，第{n}项扶持措施：减免房租、缓缴社会保险费、延期申报纳税。"
    for n in range(1, 9)
)
TEXT = f"关于支持小微企业渡过难关的若干措施\n{MEASURES}\n本措施自发布之日起施行。\n"
OTHER = "关于城市书房建设补助的通知\n城市书房建设补助标准为每间8.8万元，由区财政分两次拨付。\n"


def test_a_list_cut_in_two_by_chunking_comes_back_whole(small_corpus: CorpusWriter) -> None:
    settings = small_corpus({"措施.txt": TEXT, "书房.txt": OTHER}).with_(
        chunk_size=200, chunk_min=40, unit_chars=40, joined_chars=1000
    )
    build(settings)
    searcher = Searcher.open(settings)
    question = "小微企业受疫情影响可以享受哪些减免房租缓缴社保的扶持措施？"
    apart = Searcher(searcher.index, settings.with_(joined_chars=0)).search(question, 5)
    parts = [h for h in apart if h.chunk.doc == "措施.txt"]
    assert len(parts) >= 2, "the list must be cut in passages for this test"
    hits = searcher.search(question, 5)
    first = hits[0].chunk
    assert first.doc == "措施.txt" and "1." in first.text and "8." in first.text
    assert all(p.chunk.text in first.text for p in parts)
    assert len(first.text) <= 1000 and hits[0].row is None
    # no passage is returned twice, and the other document keeps its own place
    spans = [(h.chunk.doc, h.chunk.start) for h in hits]
    assert len(spans) == len(set(spans))


def test_joined_passages_stay_under_their_limit(small_corpus: CorpusWriter) -> None:
    settings = small_corpus({"措施.txt": TEXT}).with_(
        chunk_size=200, chunk_min=40, joined_chars=300
    )
    build(settings)
    hits = Searcher.open(settings).search("小微企业有哪些扶持措施？", 5)
    assert all(len(h.chunk.text) <= 300 for h in hits)
    assert len(hits) >= 2


def test_a_joined_passage_is_answered_from_its_passages_stored_vectors(
    small_corpus: CorpusWriter,
) -> None:
    settings = small_corpus({"措施.txt": TEXT, "书房.txt": OTHER}).with_(
        chunk_size=200, chunk_min=40, unit_chars=40, joined_chars=1000
    )
    build(settings)
    searcher = Searcher.open(settings)
    question = "受疫情影响的小微企业能不能缓缴社保、少交房租？"
    hit = searcher.search(question, 5)[0]
    embedded = check_joined_vectors(searcher, question, hit)
    assert len(embedded) <= len(hit.parts) - 1, embedded  # at most what straddles
    # an answer reads its sentences as its passages split them: all stored, none embedded
    assert check_joined_vectors(searcher, question, hit, passage_sentences(hit)) == []


def test_a_joined_passages_sentences_score_as_in_their_own_passages() -> None:
    # two passages of one document saying the same of two groups: search found the later one
    # first, so its sentence answers; joined, it still does (its own rank, not the earlier's)
    first = "甲类人员可凭身份证申领补贴。"
    second = "乙类人员可凭身份证申领补贴。"
    earlier = replace(make_hit(first, 0.6, id="a", end=len(first)), score=0.4, row=7)
    later = make_hit(second, 0.8, id="b", start=len(first) + 1, end=len(first) + 1 + len(second))
    later = replace(later, score=0.9, row=8)
    question = "凭身份证能申领补贴吗？"

    def terms(text: str) -> list[str]:
        return [w for w in ("身份证", "申领", "补贴") if w in text]

    apart = compose(question, [later, earlier], terms)
    joined = compose(question, [joined_hit(later, [later, earlier])], terms)
    assert direct_line(apart).startswith(second)
    assert direct_line(joined).startswith(second), direct_line(joined)
    assert first in body(joined)  # the other passage's sentence, quoted under it


def test_a_passage_of_headings_alone_stays_quotable_when_joined() -> None:
    # a heading line is not quoted among sentences, but a passage of headings alone is:
    # joined to the list before it, it is still one of the sentences an answer reads
    items = "1.与调解协会签订服务合同。\n2.配齐各级调解员。"
    budget = "六、年度预算安排\n795万元"
    before = replace(make_hit(items, 0.5, id="a", end=len(items)), row=3)
    after = make_hit(budget, 0.9, id="b", start=len(items) + 1, end=len(items) + 1 + len(budget))
    hit = joined_hit(replace(after, row=4), [before, replace(after, row=4)])
    quotable = [hit.chunk.text[a:b] for a, b in passage_sentences(hit)]
    assert "六、年度预算安排" in quotable and "795万元" in quotable, quotable
