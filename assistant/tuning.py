"""Every tuned number of retrieval and answering, in one typed value: :data:`TUNING`.

Each field says what it does and, where it was measured, on which sets and with which figures
(``docs/understanding.md`` holds the tables; ``bench/retrieval.py`` and ``bench/answers.py``
measure). "Not measured" means the number was set by reasoning and no comparison is on record:
the first candidates for re-validation on the dev sets (issue 31).

The weights an office may want to change without a release are :class:`~assistant.settings.Settings`
fields instead (``ASSISTANT_<NAME>`` and CLI flags): ``unit_weight``, ``answer_weight``,
``procedure_weight``, ``dense_weight``, ``bm25_weight``, ``rrf_k``, ``fusion``, ``title_weight``,
``min_score``, ``expansion_weight``, ``age_shift``, ``place_shift``, ``outdated_penalty``. The
refusal model's coefficients and threshold are data fitted by ``bench/relevance.py``
(``assistant/answering/relevance.json``). An index's manifest records both this value and the
settings it was built with (:func:`assistant.index.manifest.tuning_record`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class SentenceWeights:
    """The share each signal gets in a sentence's score when an answer picks its direct sentence
    (:mod:`assistant.answering.composition`). Chosen on the visible question sets with
    ``bench/answers.py`` (policy, colloquial, follow-up); per-signal figures not recorded."""

    terms: float = 0.5  # the question's content terms the sentence holds
    bigrams: float = 0.5  # its character bigrams
    context: float = 0.3  # the terms its paragraph holds
    rank: float = 0.2  # its passage's rank
    kind: float = 0.3  # what is asked it holds (an amount for 多少钱; .kinds.Asked.fit)
    dense: float = 0.5  # its cosine to the question
    age: float = 1.0  # whether its age bracket holds the age asked (.ages.age_fit; not asked how)
    section: float = 0.8  # whether its section is the procedure asked (所需材料)


@dataclass(frozen=True)
class Tuning:
    """The tuned constants of search, conversation and answers (see the module docstring).

    Attributes:
        candidates: Hybrid search fuses each method's best this many passages. Not measured
            (wide enough for the fused top 10).
        max_equivalents: Per term of a question, the vocabulary adds at most this many other
            wordings, the most frequent in the documents. Not measured.
        age_docs: Only passages of the documents of the best this many passages gain by the
            age a question gives (the question's topic). Not measured.
        procedure_docs: The procedure sections (所需材料, 办理流程) of the best this many
            documents gain. Not measured.
        own_place_bonus: A passage of a place the question names gains this, in standard
            deviations of the candidates' scores: enough to turn near ties (the same policy in
            two provinces, a 区 and its 市). Not measured beyond the ablation of the whole
            place shift (docs/understanding.md: DataFountain −0.012 without it).
        other_place_penalty: …and one of another place loses this: not enough to bury a
            passage far ahead of the rest (a document whose place is a guess).
        fusion_k: A conversation's rankings are fused by reciprocal rank, 1 / (k + rank):
            followup / followup2 / switch hit@5 0.900 / 0.933 / 0.979 with alone + topic-glued
            at k = 10 (docs/understanding.md, "Follow-ups").
        fusion_depth: …over each ranking's best this many. Not measured.
        second_weight: The weight of the less likely reading's ranking (a question with its own
            topic glued to the conversation's; a follow-up alone when its words are in none of
            the topic's documents). Chosen on followup, followup2 and switch together: hit@5
            with 0.5: 1.000 / 0.900 / 1.000; at 1.0: 1.000 / 0.933 / 0.958; at 0.7: 0.900 /
            0.900 / 1.000.
        short: A question with at most this many characters of content terms names no topic
            (要多久？). Not measured apart.
        pointing_long: A question that points back (这笔钱, 那份通知) but has more content
            characters than this names its own topic. Not measured apart.
        topic_hits: A follow-up's topic documents: those of the topic turn's best this many
            passages (the one it was answered from). Not measured apart.
        fitting: The direct answer is the best sentence holding the most of what is asked
            when it scores this share of the best sentence. Chosen with ``bench/answers.py``
            on the visible sets; figures not recorded.
        others: Another passage's sentence is quoted too when it scores this share of the
            best. As ``fitting``.
        sentence: The weights of a sentence's signals (:class:`SentenceWeights`).
        answer_chars: What an answer quotes in all, at most (its direct answer's sentence
            always; a procedure's section whole): chosen on the DataFountain dev set with the
            other composition numbers (``bench/answers.py``; docs/understanding.md).
        procedure_chars: What a procedure answer quotes in all, at most, when a section
            headed by what is asked (所需材料, 办理方式) is quoted: the section whole when it
            fits, else the part of it that answers (an FAQ's question with its answer, the
            list under its heading), by whole lines and sentences. Quoted is the same at
            200, 250, 300 and 400 on the six policy-corpus sets (``bench/answers.py``; citizen
            0.860, followup2 0.767, the others as main); 300 quotes 64% of the shared corpus's
            125 procedure sections whole (200: 45%, 400: 74%) and keeps the longest answer at
            446 characters (400: 547; main: 1,103). docs/understanding.md, "Procedure answers".
        following: The sentences after the direct answer quoted next, when they fit. Not
            measured apart.
        intro_chars: A list's intro line this short comes with its items, whatever the
            budget. Not measured apart.
        procedure_answering: A section of an aspect that answers the one asked (the steps,
            for where to go) fits this much. Not measured apart.
        close_title: A title in 《》 names a document whose title (or its core) is this close
            (difflib ratio). Not measured.
        min_phrase: A title-like phrase without 《》 needs this many characters besides its
            kind and places. Not measured.
        filtered_close: The filtered documents hold the topic when their best passage is this
            close (dense cosine) to the best of all documents. Not measured.
        relevance_read: The best passages whose text and titles the refusal model's coverage
            signals read (``bench/relevance.py`` fits the model with this).
        slip_rare_word: A dictionary word this rare may be a slip's artifact (公祖, 2: 公祖房
            is read 公 祖 房), :mod:`assistant.answering.homophones`.
        slip_function_char: A character this frequent alone in jieba's dictionary is a
            function word, never a slip (为 295,952, 是, 不, 在; 正 37,763 may be one).
        slip_min_passages: A BM25 word a slip is read as is held by this many passages at
            least. The three chosen by reading every change they make to the 1,108 questions
            of the dev sets and the 70 of the blind probe, and by ``bench/slips.py`` (slips
            made in the dev questions; docs/understanding.md, "Slips of a pinyin input
            method"): 9 changes, 3 slips (公组房, 社宝卡, 公祖房), 5 交社保 → 缴社保 and 1 wrong
            (北京市危化品 → 北京市委化品).
    """

    candidates: int = 100
    max_equivalents: int = 3
    age_docs: int = 3
    procedure_docs: int = 1
    own_place_bonus: float = 0.2
    other_place_penalty: float = 1.0
    fusion_k: int = 10
    fusion_depth: int = 30
    second_weight: float = 0.5
    short: int = 2
    pointing_long: int = 8
    topic_hits: int = 1
    fitting: float = 0.75
    others: float = 0.65
    sentence: SentenceWeights = field(default_factory=SentenceWeights)
    answer_chars: int = 260
    procedure_chars: int = 300
    following: int = 2
    intro_chars: int = 80
    procedure_answering: float = 0.5
    close_title: float = 0.75
    min_phrase: int = 3
    filtered_close: float = 0.02
    relevance_read: int = 3
    slip_rare_word: int = 20
    slip_function_char: int = 50_000
    slip_min_passages: int = 2

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the index manifest."""
        return asdict(self)


TUNING = Tuning()
