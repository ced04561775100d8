"""The office's own words at once: ``assistant synonyms add|list|remove`` edit the corpus's
``synonyms.csv``; the next question of an already opened index is expanded with it (no
rebuild), a removed group stops applying, and the next build keeps the file's groups."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from assistant.answering.answer import answer
from assistant.answering.render import as_text
from assistant.answering.search import Searcher
from assistant.app.cli import main
from assistant.app.word_candidates import (
    dismiss,
    dismissed,
    document_terms,
    proposals,
    topical,
)
from assistant.index import build
from assistant.index.office_words import add_group, office_groups, remove_term
from assistant.records import Recorder
from assistant.settings import Settings
from assistant.types import Answer

from .conftest import CorpusWriter

NOTICES = {
    "书房通知.txt": "关于城市书房建设的通知\n城市书房建设补助标准为每间8.8万元，由区财政于次年"
    "一季度拨付。\n申请城市书房补助须提交场地证明和运营方案。\n",
    "社区通知.txt": "关于社区活动中心开放的通知\n社区活动中心设有书吧和棋牌室，开放时间为每天"
    "上午九点至下午五点。\n",
}
ASKED = "社区书吧有补助吗？"  # citizens' word for what the notice calls 城市书房


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


def cites_the_notice(reply: Answer) -> bool:
    """Whether the reply quotes the 城市书房 notice."""
    return "书房通知.txt" in {h.chunk.doc for h in reply.citations} and "城市书房" in as_text(reply)


@pytest.fixture()
def built(small_corpus: CorpusWriter) -> Settings:
    settings = small_corpus(NOTICES)
    build(settings)
    return settings


def test_a_group_added_changes_the_next_answer_without_a_rebuild(built: Settings) -> None:
    searcher = Searcher.open(built)
    assert not cites_the_notice(answer(searcher, ASKED))
    code, said = run("synonyms", "add", "城市书房", "社区书吧", "--corpus", str(built.corpus))
    assert code == 0 and "城市书房 / 社区书吧" in said
    # the same searcher: nothing rebuilt or reopened
    assert cites_the_notice(answer(searcher, ASKED))
    assert searcher.search(ASKED, mode="bm25")[0].chunk.doc == "书房通知.txt"

    code, said = run("synonyms", "list", "--json", "--corpus", str(built.corpus))
    assert json.loads(said) == {"groups": [{"line": 1, "terms": ["城市书房", "社区书吧"]}]}
    code, said = run("synonyms", "remove", "社区书吧", "--corpus", str(built.corpus))
    assert code == 0 and "已删除" in said
    assert office_groups(built.corpus) == []
    assert not cites_the_notice(answer(searcher, ASKED))


def test_a_group_added_is_read_for_its_slips_too(built: Settings) -> None:
    searcher = Searcher.open(built)
    slipped = "社区书巴有补助吗？"  # 吧 typed 巴 (both ba)
    assert answer(searcher, slipped).understood == ""  # no word of the index sounds like it
    add_group(built.corpus, ["城市书房", "社区书吧"])
    reply = answer(searcher, slipped)  # the same searcher: its words are the new vocabulary's
    assert reply.understood == "社区书吧" and cites_the_notice(reply)


def test_another_instance_sees_the_edit_and_a_rebuild_keeps_it(built: Settings) -> None:
    one, other = Searcher.open(built), Searcher.open(built)
    other.search(ASKED)  # looked at the file before the edit
    add_group(built.corpus, ["城市书房", "社区书吧"])
    os.utime(built.corpus / "synonyms.csv")
    assert cites_the_notice(answer(other, ASKED))
    assert cites_the_notice(answer(one, ASKED))
    build(built)
    rebuilt = Searcher.open(built)
    assert ("城市书房", "社区书吧") in rebuilt.index.vocabulary.groups
    assert rebuilt.index.vocabulary.counts["城市书房"] > 0
    assert cites_the_notice(answer(rebuilt, ASKED))


def test_bad_groups_are_refused_with_the_reason(built: Settings) -> None:
    corpus = built.corpus
    with pytest.raises(ValueError, match="至少要两个"):
        add_group(corpus, ["社区书吧"])
    with pytest.raises(ValueError, match="只有一个字"):
        add_group(corpus, ["书", "城市书房"])
    with pytest.raises(ValueError, match="已有这组同义词"):
        add_group(corpus, ["老人卡", "老年人优待证"])  # the shipped lexicon has it
    with pytest.raises(ValueError, match="内置词表"):
        remove_term(corpus, "老人卡")
    with pytest.raises(ValueError, match="不在同义词表"):
        remove_term(corpus, "社区书吧")
    code, _ = run("synonyms", "add", "书", "--corpus", str(corpus))
    assert code == 2
    assert not (corpus / "synonyms.csv").exists()  # nothing written by a refusal


def test_the_office_file_keeps_its_comments_and_other_rows(built: Settings) -> None:
    path = built.corpus / "synonyms.csv"
    path.write_text("标准用语,其他说法\n# 本局常用说法\n居民证,居住证明\n", encoding="utf-8")
    add_group(built.corpus, ["城市书房", "社区书吧", "书吧"])
    assert [g.terms for g in office_groups(built.corpus)] == [
        ("居民证", "居住证明"),
        ("城市书房", "社区书吧", "书吧"),
    ]
    remove_term(built.corpus, "居住证明")
    kept = "标准用语,其他说法\n# 本局常用说法\n城市书房,社区书吧,书吧\n"
    assert path.read_text(encoding="utf-8") == kept


def test_words_of_unanswered_questions_that_no_document_holds_are_proposed(
    built: Settings, tmp_path: Path
) -> None:
    searcher = Searcher.open(built)
    refused = ["图书驿站有补助吗？", "图书驿站每间补多少？", "驿站怎么办？", "社区书吧几点开门？"]
    found = proposals(searcher, refused)
    by_word = {p.word: p for p in found}
    assert "驿站" in by_word and by_word["驿站"].count == 3
    assert found[0].word == "驿站"  # the most asked first
    assert by_word["驿站"].example == "图书驿站有补助吗？"
    assert "社区" not in by_word and "书吧" not in by_word  # the notices hold them
    assert "怎么办" not in by_word  # a word of asking, not of a topic
    terms = set(document_terms(searcher))
    assert {"城市", "书房"} <= terms and all(set(p.nearest) <= terms for p in found)
    assert all(len(p.nearest) == 3 for p in found)

    recorder = Recorder(f"sqlite:///{tmp_path / 'log.sqlite3'}")
    dismiss(recorder.engine(), "驿站")
    assert dismissed(recorder.engine()) == {"驿站"}
    assert "驿站" not in {p.word for p in proposals(searcher, refused, {"驿站"})}
    recorder.close()


def test_only_words_that_may_name_a_topic_are_proposed(built: Settings) -> None:
    kept = ["老婆", "开店", "打零工", "退休金", "残疾证", "寄回", "夏天", "不动产", "会计", "想法"]
    dropped = [
        "我买", "那里", "以后", "多少钱",  # pronoun, direction, time, numeral (jieba's tags)
        "哪几年", "行不行", "咋整",  # words of asking
        "上来", "能退", "不让",  # a directional complement; a modal or negation and a verb
        "钱去", "票要",  # a cut across two words
        "南京", "南京市",  # another place
    ]  # fmt: skip
    assert [w for w in kept if not topical(w)] == []
    assert [w for w in dropped if topical(w)] == []
    searcher = Searcher.open(built)
    asked = ["我买的驿站年票以后还能退吗？", "南京的图书驿站哪几年开放？"]
    assert {p.word for p in proposals(searcher, asked)} >= {"驿站", "年票"}
    assert not {p.word for p in proposals(searcher, asked)} & {"我买", "以后", "南京", "哪几年"}
