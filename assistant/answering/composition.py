"""Composition: the sentences of the best passages that answer a question, chosen and quoted.

The direct answer is the one sentence chosen by how much of the question it contains — its
terms, numbers and dates weighing most, its character bigrams, the same with the sentence's
context —, how well its passage ranked, its dense similarity to the question, whether it holds
what the question asks for (:mod:`.kinds`) and whether its age bracket holds the age the
question gives (:mod:`.ages`: 我妈70了 → 65周岁以上); under it, within one budget
(:data:`ANSWER_CHARS`) and never repeating it, the rest of the clause it belongs to, nearly as
good sentences (other passages' first) and the sentences after it (:func:`compose`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import numpy as np

from ..documents.sentences import clause, headed, is_signature, list_intro, opening
from ..index.tokens import answer_spans
from ..tuning import TUNING
from ..types import Answer, Hit, Quote
from .ages import age_fit
from .kinds import Asked, Kind
from .passages import passage_sentences, ranked_parts
from .procedure import NO_HEADINGS, Aspect, Headings, quoted_section, section_fit
from .question import ASKING, Question
from .search import Searcher

# The tuned numbers (what each does, and the figures they were chosen with: assistant/tuning.py).
ANSWER_CHARS = TUNING.answer_chars
FOLLOWING = TUNING.following
INTRO_CHARS = TUNING.intro_chars
_NOT_WORD = re.compile(r"[^\w\u4e00-\u9fff]")
_LABEL = re.compile(r"^[^：:]{0,6}[：:]|\s+")  # a field's label (文　　号：) and spaces
_WEIGHTS = asdict(TUNING.sentence)  # the share each signal gets
SIGNALS = tuple(_WEIGHTS)  # a candidate's signals, in this order
_DENSE = SIGNALS.index("dense")
# The dense similarity of sentences (their hit, start and end) to the question.
Similarity = Callable[[list[tuple[int, int, int]]], "np.ndarray"]
FITTING = TUNING.fitting
OTHERS = TUNING.others


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
    signals: tuple[float, ...] = ()  # its value of each of SIGNALS, unweighted
    part: int = 0  # which of a joined passage's passages it is in


def compose(
    question: str,
    hits: list[Hit],
    terms: Callable[[str], list[str]],
    similarity: Similarity | None = None,
    aspects: frozenset[Aspect] = frozenset(),
    headings: Headings = NO_HEADINGS,
) -> Answer:
    """The direct answer — the sentence that best answers ``question`` — and what else answers.

    The direct answer is the best sentence of the passages (see :func:`_candidates`),
    quoted verbatim from where its sentence opens (:func:`opening`) with the figures asked
    for emphasized (an amount for 多少钱, a date for 哪天; :mod:`.kinds`). Under it, within
    :data:`ANSWER_CHARS` in all: the rest of the clause it belongs to — its paragraph, or
    its list by whole items (:func:`~assistant.documents.sentences.clause`) —, then the
    sentences scoring :data:`OTHERS` of it, other passages' first (a list's intro with its
    items), then the :data:`FOLLOWING` sentences after it: what a passage says next often
    completes its answer. Sentences that follow the direct
    answer on its line join it, so nothing is quoted twice; a list item comes with its own
    list's intro line when its passage has it. A procedure asked (所需材料) quotes the
    direct answer's section whole, or the part of it that answers, within
    :data:`~.procedure.PROCEDURE_CHARS` of its own (:func:`.procedure.quoted_section`).

    Args:
        question: The question (normalized).
        hits: Relevant passages, best first.
        terms: Splits text into search terms (the index's tokenizer).
        similarity: The dense similarity of each sentence (its span in its hit) to
            the question (:func:`sentence_similarity`); ``None`` leaves it out.
        aspects: What of a procedure the question asks (:mod:`.procedure`): the sentences
            of sections headed by it gain, and the direct answer's list or steps are
            quoted under their heading (:func:`.procedure.quoted_section`).
        headings: What the labels of the topic document's section paths name
            (:func:`.procedure.document_headings`; by their words alone when empty).
    """
    asks = Question.of(question).asked
    candidates = _candidates(question, hits, terms, asks, aspects, headings)
    if similarity is not None and candidates:
        candidates = _with_similarity(candidates, similarity)
    best = _direct(candidates, hits, asks)
    chunk = hits[best.hit].chunk
    text = chunk.text
    first = headed(text, opening(text, best.start), best.end)
    quoting = Quoting(hits, (best.hit, first, best.end))
    quoting.heading(best.hit, best.start)
    section = quoted_section(chunk, best.start, best.end, aspects, headings) if aspects else []
    for a, b in section:  # the procedure's list or steps, or the part that answers
        quoting.add(best.hit, a, b, whole=True)
    if not section:
        a, b = clause(text, best.start, best.end)
        quoting.add(best.hit, a, b)
    _others(candidates, hits, best, quoting)
    if not section:
        for c in _following(candidates, best):  # what it says next: often what completes it
            quoting.add(c.hit, opening(text, c.start), c.end)
    hit, a, b = quoting.direct
    spans = answer_spans(text[best.start : best.end], asks.types)
    emphasis = tuple((best.start + x, best.start + y) for x, y in spans)
    markers: dict[int, int] = {hit: 1}
    for i, _, _ in quoting.under:
        markers.setdefault(i, len(markers) + 1)
    direct = Quote(1, a, b, emphasis)
    quotes = tuple(Quote(markers[i], x, y) for i, x, y in quoting.under)
    return Answer(
        question, True, tuple(hits[i] for i in markers), quotes, direct=direct, kind=asks.kind
    )


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
    asked = bigrams(ASKING.sub(" ", question))  # what it is about, not what is asked (多少)
    # an age decides which rule applies (70 → 65周岁以上), not how a procedure is done
    age = Question.of(question).age if asks.kind is not Kind.PROCEDURE else None

    def coverage(text: str) -> float:
        return sum(w for t, w in weights.items() if t in text) / total

    candidates = []
    # a joined passage's sentences score as in their own passages: at the rank each was
    # found at, read under its own section path (.passages.ranked_parts)
    for i, (hit, parts) in enumerate(zip(hits, ranked_parts(hits), strict=True)):
        text = hit.chunk.text
        # the sections of a procedure asked (所需材料) of the topic's document, the best passage's
        topic = hit.chunk.doc == hits[0].chunk.doc
        fits = [section_fit(aspects, p.section_path, headings) if topic else 0.0 for p, _ in parts]
        before = 0  # the context of a sentence: the previous one and any headings after it
        for start, end in passage_sentences(hit):
            j = max((j for j, (p, _) in enumerate(parts) if p.start <= start), default=0)
            part, rank = parts[j]
            section = _WEIGHTS["section"] * fits[j]
            sentence = text[start:end].lower()
            path = " › ".join(part.section_path)
            context = f"{hit.chunk.source.title}{path}{text[before:start]}".lower()
            fit = asks.fit(text[start:end])
            signals = {
                "terms": coverage(sentence),
                "bigrams": len(asked & bigrams(sentence)) / max(1, len(asked)),
                "context": coverage(context + sentence),
                "rank": 1 / (rank + 1),
                "kind": fit,
                "age": age_fit(age, text[start:end]),
                "section": fits[j],
                "dense": 0.0,  # added by _with_similarity
            }
            score = sum(_WEIGHTS[name] * value for name, value in signals.items())
            values = tuple(signals[name] for name in SIGNALS)
            candidates.append(Candidate(i, start, end, score, fit, section, values, part=j))
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
    return [
        replace(
            c,
            score=c.score + _WEIGHTS["dense"] * d,
            signals=(*c.signals[:_DENSE], d, *c.signals[_DENSE + 1 :]),
        )
        for c, d in zip(candidates, scaled.tolist(), strict=True)
    ]


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
    answers = [c for c in candidates if _may_answer(hits[c.hit], c, asks)] or candidates
    best = max(answers, key=lambda c: c.score)
    if not asks.decisive:
        return best
    most = max(c.fit for c in answers)
    fitting = [c for c in answers if c.fit == most]
    return max(
        (c for c in fitting if c.score >= FITTING * best.score), key=lambda c: c.score, default=best
    )


def _may_answer(hit: Hit, c: Candidate, asks: Asked) -> bool:
    """Whether a sentence may be a direct answer: not a question (an FAQ's 有多少个？), not
    the document's title or 文号 repeated in its text (文号：穗民规字〔2025〕2号), not its
    signature (…局2020年2月3日) and, when where to go or what to bring is asked, not a case
    alone (（二）提供虚假证明等材料的；: an item of a rule's cases says nothing of what is done)."""
    source = hit.chunk.source
    sentence = hit.chunk.text[c.start : c.end].strip()
    return not (
        _is_question(sentence)
        or sentence == source.title
        or (bool(source.doc_number) and _LABEL.sub("", sentence) == source.doc_number)
        or is_signature(sentence)
        or asks.only_a_case(sentence)
    )


def _is_question(sentence: str) -> bool:
    return sentence.strip().endswith(("？", "?"))


def _following(candidates: list[Candidate], best: Candidate) -> list[Candidate]:
    """The :data:`FOLLOWING` sentences after ``best`` in its passage."""
    after = sorted(
        (c for c in candidates if c.hit == best.hit and c.start >= best.end), key=lambda c: c.start
    )
    return after[:FOLLOWING]


def _others(
    candidates: list[Candidate], hits: list[Hit], best: Candidate, quoting: Quoting
) -> None:
    """Add to ``quoting`` the sentences scoring :data:`OTHERS` of ``best`` while they fit:
    those of other passages first, best first, then those of its own; one that opens a list
    (…提交下列材料：) comes with its items, a list item with its list's intro; never a
    question (an FAQ's, whose answer says what it asks)."""
    seen = {_key(hits, best)}
    # nearly as good for the question itself, whatever the procedure's section gave;
    # other passages' first, then the direct answer's own
    good = [c for c in candidates if c.score - c.section >= OTHERS * (best.score - best.section)]
    own = (best.hit, best.part)  # a joined passage's other passages are others too
    for c in sorted(good, key=lambda c: ((c.hit, c.part) == own, c.section - c.score)):
        text = hits[c.hit].chunk.text
        if _key(hits, c) in seen or _is_question(text[c.start : c.end]):
            continue  # a question alone (an FAQ's, without its answer) says nothing
        start, end = opening(text, c.start), c.end
        if text[c.start : c.end].rstrip().endswith(("：", ":")):  # a list's intro: with its items
            end = clause(text, c.start, c.end)[1]
        if quoting.add(c.hit, start, end):
            seen.add(_key(hits, c))
            quoting.heading(c.hit, c.start)


class Quoting:
    """The spans an answer quotes: the direct answer's, then those under it, within
    :data:`ANSWER_CHARS` in all (the direct answer's always; a procedure's section, within
    :data:`~.procedure.PROCEDURE_CHARS` of its own, and a list's short intro beyond it)."""

    def __init__(self, hits: list[Hit], direct: tuple[int, int, int]) -> None:
        self.hits = hits
        self.spans = [direct]
        self.used = direct[2] - direct[1]

    def add(self, hit: int, start: int, end: int, whole: bool = False) -> bool:
        """Quote ``[start, end)`` of ``hit`` but what is quoted already, if it fits (or
        ``whole``: a procedure's section); whether anything was added."""
        text = self.hits[hit].chunk.text
        pieces = [(start, end)]
        for i, a, b in self.spans:
            if i == hit:
                pieces = [p for x, y in pieces for p in ((x, min(y, a)), (max(x, b), y))]
        said = {_compact(self.hits[i].chunk.text[a:b]) for i, a, b in self.spans}
        # nothing twice: not what is quoted already, nor the same words of another passage
        pieces = [(x, y) for x, y in pieces if _compact(text[x:y]) not in {"", *said}]
        size = sum(y - x for x, y in pieces)
        if not pieces or (not whole and self.used + size > ANSWER_CHARS):
            return False
        self.spans += [(hit, *_stripped(text, x, y)) for x, y in pieces]
        self.used += 0 if whole else size  # a procedure's section is beyond the budget
        return True

    def heading(self, hit: int, start: int) -> None:
        """The intro line of the list whose item starts at ``start``, when its passage has it."""
        text = self.hits[hit].chunk.text
        if (line := list_intro(text, start)) is not None:
            self.add(hit, *line, whole=line[1] - line[0] <= INTRO_CHARS)

    @property
    def direct(self) -> tuple[int, int, int]:
        """The direct answer's span, with the quotes that follow it on its line: it leads,
        what completes it comes after it, what comes before it is quoted under it."""
        hit, start, end = self.spans[0]
        text = self.hits[hit].chunk.text
        for i, a, b in sorted(self.spans):
            if i == hit and a >= end and _joins(text[end:a]):
                end = b
        return hit, start, end

    @property
    def under(self) -> list[tuple[int, int, int]]:
        """The quotes under the direct answer, in passage and text order."""
        hit, start, end = self.direct
        rest = [s for s in self.spans[1:] if not (s[0] == hit and start <= s[1] < end)]
        return sorted(rest)


def _joins(gap: str) -> bool:
    return not gap.strip() and "\n" not in gap


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), start + len(piece.rstrip())


def _key(hits: list[Hit], c: Candidate) -> str:
    """A sentence's text without whitespace: the same sentence in two passages is quoted once."""
    return _compact(hits[c.hit].chunk.text[c.start : c.end])


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)
