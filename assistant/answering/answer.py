"""Answers: sentences quoted verbatim from the best passages, each cited, or a clear "not found".

Entry point: :func:`answer`; :mod:`.render` turns its structured result into text::

    reply = answer(searcher, "2018年知识产权专项经费是多少？")
    print(render.as_text(reply))
    # …2018年安排知识产权专项经费484万元 … [1]
    #
    # 来源：
    # [1] 《…答复的函》 官市监函〔2020〕18号 · … · 二、… › （一）… › 2.…

No language model writes anything: the answer is copied from the passages
(numbers never rewritten). This module orchestrates: the search (in the conversation's
topic), the answerability judgement (:class:`.relevance.Relevance`), the composition of the
quoted sentences (:mod:`.composition`), or the refusal and why (:mod:`.refusal`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from ..settings import Settings
from ..types import Answer, Hit
from . import llm
from .about import about
from .composition import compose, sentence_similarity
from .conversation import search_in_conversation
from .filtered import outside
from .place import place_reason
from .procedure import asked_in as procedure_asked
from .procedure import unlisted_note
from .refusal import not_found
from .search import Filters, Searcher


def answer(
    searcher: Searcher,
    question: str,
    k: int | None = None,
    filters: Filters | None = None,
    *,
    history: Sequence[str] = (),
    on_text: Callable[[str], None] | None = None,
) -> Answer:
    """Answer ``question`` from the index, citing every sentence used.

    With an LLM configured (``settings.llm_url``, :mod:`.llm`), a found answer also
    carries the model's plain-language answer when it passes verification, or the
    note saying why it was not used; the extractive answer is always there.

    Args:
        searcher: The opened index.
        question: The question.
        k: How many passages to search (``settings.top_k`` by default).
        filters: Only documents that pass them.
        history: The user's earlier questions in the conversation, oldest first: a
            follow-up that does not name its topic is taken in the topic of the
            latest one that does (see :mod:`.conversation`), and the answer says so.
        on_text: Called with each piece of the model's answer as it streams in,
            before it is verified (show it as provisional).

    Raises:
        ValueError: Empty or over-long question.
    """
    searcher.refresh_words()  # synonyms.csv as it is now
    understood, hits = search_in_conversation(searcher, question, history, k, filters=filters)
    asked, query = understood.question.text, understood.query  # as asked, normalized once
    # A follow-up's passages are on its topic already: its sentences are chosen for what
    # it asks, while relevance (the named places and bodies) is judged on all it means.
    places, unmentioned = searcher.places, searcher.unmentioned(query)

    def can_answer(found: list[Hit]) -> list[Hit]:
        return searcher.relevance.usable(understood.readings, found)

    if scoped := outside(searcher, query, hits, filters, k, can_answer):  # the filters' doing
        reply = replace(not_found(asked, scoped.hits), reason=scoped.reason)
    elif usable := can_answer(hits):
        # 要带什么材料: the whole section headed 所需材料 (see .procedure), when one was found
        on = searcher.settings.procedure_weight > 0
        aspects, usable, headings = procedure_asked(searcher.index, asked, usable, on)
        similarity = sentence_similarity(searcher, query, usable)
        reply = about(searcher, searcher.named(query), asked) or compose(
            asked, usable, searcher.index.tokenizer, similarity, aspects, headings
        )
        reply = replace(reply, unlisted=unlisted_note(searcher.index, reply, aspects))
        reply = _with_model(searcher.settings, reply, usable, history, on_text)
    elif (named := searcher.named(query)).refused:  # only 文号 that no document has
        reply = replace(not_found(asked, []), reason=named.reason())
    elif unmentioned:
        reply = not_found(asked, hits, f"已收录的文件没有提到“{'”“'.join(unmentioned)}”")
    elif missing := places.uncovered(places.named(query.text)):
        # The same topic in the documents of the places covered, as a pointer only.
        elsewhere = searcher.search(query, k, filters=filters, place=False)
        reply = not_found(asked, elsewhere, place_reason(missing, places))
    else:
        reply = not_found(asked, hits)
    return replace(reply, understood=understood.label)


def _with_model(
    settings: Settings,
    reply: Answer,
    hits: list[Hit],
    history: Sequence[str],
    on_text: Callable[[str], None] | None,
) -> Answer:
    """``reply`` with the model's verified answer, or the note why there is none.

    The model sees the reply's cited passages first, so their markers stay, then the
    other passages found; an accepted answer cites among all of them.
    """
    if not llm.configured(settings):
        return reply
    passages = (*reply.citations, *(h for h in hits if h not in reply.citations))
    got = llm.generate(settings, reply.question, history, passages, on_text)
    if got.accepted:
        return replace(reply, citations=passages, generated=got.text.strip())
    return replace(reply, note=got.note)
