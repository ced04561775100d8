"""The answerability model: its signals on real pages, its decision, and when it applies.

Signals are read with the ``hash`` embedder (they are about words, places and years, not
the model); the shipped coefficients are checked to load and to apply only to indexes of
the bundled model they were fitted with.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.answering.question import Question
from assistant.answering.relevance import SIGNALS, Fitted, Relevance, Signals, fitted_model
from assistant.answering.search import Searcher
from assistant.settings import Settings


@pytest.fixture(scope="module")
def searcher(guangzhou_pages: Settings) -> Searcher:
    return Searcher.open(guangzhou_pages)


def signals(searcher: Searcher, question: str) -> Signals:
    query = Question.parse(question)
    return Relevance(searcher).signals(query, searcher.search(query))


def test_the_shipped_model_loads_and_names_every_signal() -> None:
    model = fitted_model()
    assert model is not None and len(model.weights) == len(SIGNALS)
    assert 0 < model.threshold < 1
    assert model.weights[SIGNALS.index("coverage")] > 0  # more of it held: likelier
    for name in ("year", "unmentioned"):
        assert model.weights[SIGNALS.index(name)] < 0


def test_an_index_of_another_embedder_is_judged_by_the_plain_rule(searcher: Searcher) -> None:
    assert Relevance(searcher).model is None  # hash: not what the model was fitted on
    query = Question.parse("灵活就业人员的一次性创业补贴找哪个部门领？")
    assert Relevance(searcher).usable(query, searcher.search(query))  # min_score 0


def test_a_year_no_passage_says_is_a_signal(searcher: Searcher) -> None:
    assert signals(searcher, "2031年的一次性创业补贴标准是多少？").year == 1.0
    assert signals(searcher, "一次性创业补贴标准是多少？").year == 0.0


def test_a_place_no_document_applies_to_is_a_signal(searcher: Searcher) -> None:
    elsewhere = signals(searcher, "杭州的一次性创业补贴标准是多少？")
    assert elsewhere.place == 1.0 and elsewhere.dense == 0.0
    assert signals(searcher, "广州的一次性创业补贴标准是多少？").place == 0.0


def test_coverage_is_the_share_of_the_question_the_passages_hold(searcher: Searcher) -> None:
    held = signals(searcher, "创业补贴由哪个部门发放？")
    unheld = signals(searcher, "宠物狗疫苗由哪个部门发放？")
    assert held.coverage > unheld.coverage


def test_a_model_decides_from_the_readings_and_the_threshold(searcher: Searcher) -> None:
    """A model that weighs only the year: refused for an absent year, answered otherwise,
    and answered when another reading of the question (glued to its topic) can be."""
    only_year = Fitted(
        weights=tuple(-5.0 if n == "year" else 0.0 for n in SIGNALS),
        means=(0.0,) * len(SIGNALS),
        scales=(1.0,) * len(SIGNALS),
        bias=2.0,
        threshold=0.5,
    )
    relevance = Relevance(searcher, model=only_year)
    absent, present = Question("2031年的一次性创业补贴标准是多少？"), Question("一次性创业补贴标准")
    hits = searcher.search(absent)
    assert relevance.usable(absent, hits) == []
    assert relevance.usable([absent, present], hits)
    assert relevance.usable(present, searcher.search(present))
    never = replace(only_year, threshold=1.0)
    assert Relevance(searcher, model=never).usable(present, searcher.search(present)) == []
