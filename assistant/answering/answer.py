"""Answers: sentences quoted verbatim from the best passages, each cited, or a clear "not found".

Entry point: :func:`answer`; :mod:`.render` turns its structured result into text::

    reply = answer(searcher, "2018年知识产权专项经费是多少？")
    print(render.as_text(reply))
    # …2018年安排知识产权专项经费484万元 … [1]
    #
    # 来源：
    # [1] 《…答复的函》 官市监函〔2020〕18号 · … · 二、… › （一）… › 2.…

No language model writes anything: the answer is copied from the passages
(numbers never rewritten). Its first line is the direct answer, the one sentence
chosen by how much of the question it contains — its terms, numbers and dates
weighing most, its character bigrams, the same with the sentence's context —, how
well its passage ranked, its dense similarity to the question, whether it holds
what the question asks for (:mod:`.kinds`) and whether its age bracket holds the
age the question gives (:mod:`.ages`: 我妈70了 → 65周岁以上); under it, the clause it belongs to and
nearly as good sentences of other passages (:func:`compose`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..documents.places import gazetteer
from ..documents.sentences import clause, headed, sentences
from ..index.tokens import answer_spans
from ..settings import Settings
from ..types import Answer, Hit, Quote
from . import llm
from .about import about
from .ages import age_fit, asked_age
from .conversation import search_in_conversation
from .filtered import outside
from .kinds import Asked
from .place import Coverage, place_reason
from .procedure import NO_HEADINGS, Aspect, Headings, quoted_section, section_fit, unlisted_note
from .procedure import asked_in as procedure_asked
from .question import Question
from .search import Filters, Searcher

NOT_FOUND = "未在已收录的文件中找到与该问题直接相关的内容"
MAX_SENTENCES = 3
MAX_ANSWER_CHARS = 300
NEAREST_DOCUMENTS = 3

# Places and bodies a question may name: 深圳市, 普陀区, 教育局, 市场监督管理局 (3+ characters,
# so that common words such as 小区, 社区, 全市 are not taken for names).
_NOT_IN_NAMES = "的是在了和与及或把被对向从到为个哪些几多少什么怎年月日全本各该每这那其我您你他她它"
_NAMED = re.compile(
    rf"(?:(?![{_NOT_IN_NAMES}])[\u4e00-\u9fff]){{2,8}}?(?:自治区|街道|委员会|省|市|区|县|镇|乡|局|厅)"
)
_DIVISIONS = ("省", "市", "区", "县")  # names with these ends must be real places
# Words that say what is asked (多少, 哪天 …), not what it is about: left out of the bigrams.
_ASK_WORDS = re.compile(r"多少|什么|哪些|哪个|哪里|哪天|哪|怎么|怎样|如何|是否|能否|吗|呢|请问|几")
_NOT_WORD = re.compile(r"[^\w\u4e00-\u9fff]")
# Chosen on the visible question sets (bench/answers.py); the share each signal gets.
_WEIGHTS = {
    "terms": 0.5,
    "bigrams": 0.5,
    "context": 0.3,
    "rank": 0.2,
    "kind": 0.3,
    "dense": 0.5,
    "age": 1.0,
    "section": 0.8,
}
# The dense similarity of sentences (their hit, start and end) to the question.
Similarity = Callable[[list[tuple[int, int, int]]], "np.ndarray"]
# The direct answer is the best sentence holding the most of what is asked (a date for
# 哪天) when it scores this share of the best sentence.
FITTING = 0.75
OTHERS = 0.65  # another passage's sentence is quoted too when it scores this share of the best


@dataclass(frozen=True)
class Candidate:
    """A sentence of a hit, with its score for the question, how much of what is asked
    it holds (:meth:`.kinds.Asked.fit`) and the part of its score that its section, headed
    by the procedure asked (所需材料), gives."""

    hit: int
    start: int
    end: int
    score: float
    fit: float = 0.0
    section: float = 0.0


def named_bodies(question: str) -> list[str]:
    """Place and organisation names in ``question`` (e.g. ``["深圳市"]``).

    A name that ends like a division (市, 区, 县, 省) is the real division's name
    that ends it (:func:`~assistant.documents.places.gazetteer`), or none: "我住番禺区"
    names 番禺区, and "问区教育局" names 教育局 but no place.
    """
    names = []
    for name in _NAMED.findall(question):
        if name.endswith(_DIVISIONS):
            ends = [m.surface for m in gazetteer().find(name) if name.endswith(m.surface)]
            name = ends[-1] if ends else ""
        if name:
            names.append(name)
    return names


def is_relevant(
    question: str,
    hits: list[Hit],
    min_score: float,
    places: Coverage | None = None,
    unmentioned: Sequence[str] = (),
    wordings: Callable[[str], list[str]] | None = None,
) -> bool:
    """Whether the passages found can answer ``question``.

    See :func:`answerable`: ``True`` when some passage can.
    """
    return bool(answerable(question, hits, min_score, places, unmentioned, wordings))


def answerable(
    question: str,
    hits: list[Hit],
    min_score: float,
    places: Coverage | None = None,
    unmentioned: Sequence[str] = (),
    wordings: Callable[[str], list[str]] | None = None,
) -> list[Hit]:
    """The passages of ``hits`` that may answer ``question``; empty when none can.

    None can when the question asks about a topic no document mentions
    (``unmentioned``: its terms found by :meth:`Searcher.unmentioned`, such as
    结婚登记 in a corpus without a word on marriage). With ``places`` (the index's
    :class:`Coverage`), a question that names a place (深圳, 天河区) keeps only the
    passages of documents that apply there. Then two checks, both needed: the best
    dense cosine similarity of the passages kept reaches ``min_score`` (comparable
    across questions, unlike RRF or BM25 scores), and every other body the question
    names (教育局, 司法局) appears in them or their documents' titles and issuers, in
    any of its ``wordings`` (市场监管局 or 市场监督管理局: the index's
    :meth:`~assistant.index.vocabulary.Vocabulary.wordings`) — a question about another
    agency is not answered from a look-alike document.
    Without ``places``, named places are checked like bodies, by their names.
    """
    if unmentioned:
        return []
    bodies = named_bodies(question)
    if places is not None and (named := places.named(question)):
        hits = [h for h in hits if places.applies(h, named)]
        bodies = [b for b in bodies if not any(m.surface in b for m in named)]
    best = max((h.dense for h in hits if h.dense is not None), default=None)
    if best is None or best < min_score:
        return []
    context = "".join(f"{h.chunk.source.title}{h.chunk.source.issuer}{h.chunk.text}" for h in hits)
    said = wordings or (lambda name: [name])
    return hits if all(any(w in context for w in said(name)) for name in bodies) else []


def compose(
    question: str,
    hits: list[Hit],
    terms: Callable[[str], list[str]],
    similarity: Similarity | None = None,
    aspects: frozenset[Aspect] = frozenset(),
    headings: Headings = NO_HEADINGS,
) -> Answer:
    """The direct answer — the one sentence that best answers ``question`` — and its clause.

    The direct answer is the best sentence of the passages (see :func:`_candidates`),
    quoted verbatim with the figures asked for emphasized (an amount for 多少钱, a
    date for 哪天; :mod:`.kinds`). Under it, the clause it belongs to — its
    paragraph, or its list quoted by whole items (:func:`~assistant.documents.sentences.clause`)
    — and up to two more sentences of other passages nearly as good.

    Args:
        question: The question (normalized).
        hits: Relevant passages, best first.
        terms: Splits text into search terms (the index's tokenizer).
        similarity: The dense similarity of each sentence (its span in its hit) to
            the question (:func:`sentence_similarity`); ``None`` leaves it out.
        aspects: What of a procedure the question asks (:mod:`.procedure`): the sentences
            of sections headed by it gain, and the direct answer's list or steps are
            quoted whole under their heading (:func:`.procedure.quoted_section`).
        headings: What the labels of the topic document's section paths name
            (:func:`.procedure.document_headings`; by their words alone when empty).
    """
    asks = Asked.of(question)
    candidates = _candidates(question, hits, terms, asks, aspects, headings)
    if similarity is not None and candidates:
        candidates = _with_similarity(candidates, similarity)
    best = _direct(candidates, hits, asks)
    text = hits[best.hit].chunk.text
    chunk = hits[best.hit].chunk
    spans = quoted_section(chunk, best.start, best.end, aspects, headings) if aspects else []
    spans = spans or [clause(text, best.start, best.end)]
    chosen = [replace(best, start=a, end=b) for a, b in spans if (a, b) != (best.start, best.end)]
    chosen += _others(candidates, hits, best)
    markers: dict[int, int] = {best.hit: 1}
    for c in chosen:
        markers.setdefault(c.hit, len(markers) + 1)
    sentence = text[best.start : best.end]
    spans = answer_spans(sentence, asks.types)
    emphasis = tuple((best.start + a, best.start + b) for a, b in spans)
    direct = Quote(markers[best.hit], headed(text, best.start, best.end), best.end, emphasis)
    quotes = tuple(Quote(markers[c.hit], c.start, c.end) for c in chosen)
    return Answer(
        question, True, tuple(hits[i] for i in markers), quotes, direct=direct, kind=asks.kind
    )


def not_found(question: str, hits: list[Hit], why: str = "") -> Answer:
    """The refusal, with the best passage of each of the nearest documents to look at.

    Args:
        question: The question (normalized).
        hits: The passages found, best first.
        why: What more to say than :data:`NOT_FOUND` (e.g. which place is not covered).
    """
    seen: dict[str, Hit] = {}
    for hit in hits:
        seen.setdefault(hit.chunk.doc, hit)
    nearest = tuple(seen.values())[:NEAREST_DOCUMENTS]
    return Answer(question, False, nearest, reason=f"{NOT_FOUND}。{why}" if why else NOT_FOUND)


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


def _candidates(
    question: str,
    hits: list[Hit],
    terms: Callable[[str], list[str]],
    asks: Asked,
    aspects: frozenset[Aspect] = frozenset(),
    headings: Headings = NO_HEADINGS,
) -> list[Candidate]:
    """Every sentence of every hit, scored.

    The score adds up: the share of the question's terms in the sentence (longer
    terms and numbers weigh more), the share of its character bigrams (robust to
    word-splitting differences such as 救助金/救助), the share of its terms in the
    sentence with its context (title, section path, previous sentence), the
    passage's rank, how much of what the question asks for the sentence holds
    (:meth:`.kinds.Asked.fit`: an amount for 多少钱, a date for 哪天, 须/不得 for 能否), and
    whether its section is headed by the procedure ``aspects`` asked (所需材料 for 要带什么)
    in the topic's document (the first passage's).
    """
    weights = {t: _term_weight(t) for t in set(terms(question))}
    total = sum(weights.values()) or 1.0
    asked = bigrams(_ASK_WORDS.sub(" ", question))
    age = asked_age(question)

    def coverage(text: str) -> float:
        return sum(w for t, w in weights.items() if t in text) / total

    candidates = []
    for rank, hit in enumerate(hits):
        text = hit.chunk.text
        # the sections of a procedure asked (所需材料) of the topic's document, the best passage's
        topic = hit.chunk.doc == hits[0].chunk.doc
        in_section = section_fit(aspects, hit.chunk.section_path, headings) if topic else 0.0
        section = _WEIGHTS["section"] * in_section
        before = 0  # the context of a sentence: the previous one and any headings after it
        for start, end in sentences(text):
            sentence = text[start:end].lower()
            context = f"{hit.chunk.source.title}{hit.chunk.section}{text[before:start]}".lower()
            overlap = len(asked & bigrams(sentence)) / max(1, len(asked))
            fit = asks.fit(text[start:end])
            score = (
                _WEIGHTS["terms"] * coverage(sentence)
                + _WEIGHTS["bigrams"] * overlap
                + _WEIGHTS["context"] * coverage(context + sentence)
                + _WEIGHTS["rank"] / (rank + 1)
                + _WEIGHTS["kind"] * fit
                + _WEIGHTS["age"] * age_fit(age, text[start:end])
                + section
            )
            candidates.append(Candidate(rank, start, end, score, fit, section))
            before = start
    return candidates


def bigrams(text: str) -> set[str]:
    """The character bigrams of ``text`` (lower case, without punctuation and spaces)."""
    text = _NOT_WORD.sub("", text.lower())
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _term_weight(term: str) -> float:
    """Longer terms and numbers say more about where the answer is."""
    return 3.0 if any(ch.isdigit() for ch in term) else float(min(len(term), 4))


def _with_similarity(candidates: list[Candidate], similarity: Similarity) -> list[Candidate]:
    """``candidates`` with their dense similarity to the question added, rescaled to 0–1
    among them, at ``_WEIGHTS["dense"]``."""
    cosines = similarity([(c.hit, c.start, c.end) for c in candidates])
    low, high = float(cosines.min()), float(cosines.max())
    scaled = (cosines - low) / (high - low) if high > low else np.zeros_like(cosines)
    gains = (_WEIGHTS["dense"] * scaled).tolist()
    return [replace(c, score=c.score + g) for c, g in zip(candidates, gains, strict=True)]


def sentence_similarity(searcher: Searcher, question: Question, hits: list[Hit]) -> Similarity:
    """The dense similarity of sentences of ``hits`` to ``question``: each sentence's
    vector, embedded with its passage's title and section path when the index was built,
    is looked up (:meth:`.search.Searcher.sentence_cosines`)."""

    def similarity(spans: list[tuple[int, int, int]]) -> np.ndarray:
        return searcher.sentence_cosines(question, [(hits[i], a, b) for i, a, b in spans])

    return similarity


def _direct(candidates: list[Candidate], hits: list[Hit], asks: Asked) -> Candidate:
    """The direct answer: the best candidate that may answer (:func:`_may_answer`), or,
    when what is asked is decisive (a date for 哪天, an amount for 多少钱, where to go,
    what to bring: :attr:`.kinds.Asked.decisive`), the best of those fitting it most if
    it scores :data:`FITTING` of the best."""
    answers = [c for c in candidates if _may_answer(hits[c.hit], c)] or candidates
    best = max(answers, key=lambda c: c.score)
    if not asks.decisive:
        return best
    most = max(c.fit for c in answers)
    fitting = [c for c in answers if c.fit == most]
    return max(
        (c for c in fitting if c.score >= FITTING * best.score), key=lambda c: c.score, default=best
    )


def _may_answer(hit: Hit, c: Candidate) -> bool:
    """Whether a sentence may be a direct answer: not a question (an FAQ's 有多少个？) and
    not the document's title repeated in its text."""
    sentence = hit.chunk.text[c.start : c.end].strip()
    return not sentence.endswith(("？", "?")) and sentence != hit.chunk.source.title


def _others(candidates: list[Candidate], hits: list[Hit], best: Candidate) -> list[Candidate]:
    """Up to two more sentences of other passages, nearly as good as ``best`` (in rank order);
    one that opens a list (…提交下列材料：) comes with its items."""
    chosen: list[Candidate] = []
    seen = {_key(hits, best)}
    # nearly as good for the question itself, whatever the procedure's section gave
    for c in sorted(candidates, key=lambda c: c.section - c.score):
        if len(chosen) == MAX_SENTENCES - 1 or c.score - c.section < OTHERS * (
            best.score - best.section
        ):
            break
        if c.hit == best.hit or _key(hits, c) in seen or c.end - c.start > MAX_ANSWER_CHARS:
            continue
        seen.add(_key(hits, c))
        text = hits[c.hit].chunk.text
        if text[c.start : c.end].rstrip().endswith(("：", ":")):  # a list's intro: with its items
            c = replace(c, end=clause(text, c.start, c.end)[1])
        chosen.append(c)
    return sorted(chosen, key=lambda c: (c.hit, c.start))


def _key(hits: list[Hit], c: Candidate) -> str:
    """A sentence's text without whitespace: the same sentence in two passages is quoted once."""
    return re.sub(r"\s+", "", hits[c.hit].chunk.text[c.start : c.end])
