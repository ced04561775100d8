"""Follow-up questions understood in their conversation.

A follow-up such as "那需要什么材料？" or "要多久？" does not name what it is about: it
means the topic of the conversation. :meth:`Conversation.understand` decides whether
a question lacks its own topic from generic signals, never from known phrases:

* it opens by continuing: 那…, 那么…, 还有…, 另外…, 此外…;
* it points back (这笔钱, 那一年, 该项, 上述…) and has at most :data:`POINTING_LONG`
  characters of content terms (a long question that says 那份通知 names its own topic);
* little is left once its question words (多久, 什么, 啥, 几月 …) are taken out: the
  index's tokenizer (its stopwords removed) gives at most :data:`SHORT` characters of
  content terms — words of two or more characters that are not function words such as
  要是, 的话 — or none at all (要多久？ 要带啥？ 材料呢？).

Such a question inherits the topic of the most recent earlier turn that has its own:
the search query is that turn without its question words, then the follow-up, and
the reply says how it was understood (按“一次性创业补贴”理解) — unless it points to a
kind of document the conversation's are not (这份答复函 after questions on a 细则).

Retrieval fuses rankings instead of choosing between them (:func:`search_in_conversation`,
reciprocal rank, 1 / (FUSION_K + rank)): a follow-up without its own topic is ranked
glued to its topic turn (that turn's terms, then the follow-up) in the whole index and
within the documents of the topic's best passage, and alone within those documents (its
own words pick the passage: 那从什么时候开始实施？ reaches 本办法自印发之日起施行, not the
topic's 缴费比例) — or, when its own content terms occur in none of them (那居住证呢？ after
a question on 创业补贴), alone in the whole index at :data:`SECOND_WEIGHT`. A question with
a topic of its own is ranked alone, and glued at :data:`SECOND_WEIGHT`, so the
conversation only reorders what the question finds by itself ("复核要多长时间？" after a
question on 居家养老补助 means that 复核; a topic switch keeps its own answer). Measured
on the follow-up and switch sets against gluing and asking alone (bench/retrieval.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..chinese.words import alternation, words
from ..documents.metadata import DOC_TYPES, doc_type_of
from ..index.tokens import Tokenizer, segment
from ..index.vocabulary import Vocabulary
from ..tuning import TUNING
from ..types import Hit
from .fusion import fuse_rankings
from .question import (
    ASKING,
    CLAUSES,
    MAX_QUESTION_CHARS,
    OPENER,
    Question,
    content_terms,
    is_verb,
    normalize_question,
    topic_terms,
    without_asking,
)
from .relevance import holding
from .search import Filters, Ranked, Searcher

# The tuned numbers (what each does, and the figures they were chosen with: assistant/tuning.py).
SHORT = TUNING.short
POINTING_LONG = TUNING.pointing_long
TOPIC_HITS = TUNING.topic_hits
FUSION_K = TUNING.fusion_k
FUSION_DEPTH = TUNING.fusion_depth
SECOND_WEIGHT = TUNING.second_weight
MAX_HISTORY = 20  # earlier turns looked at, most recent first
# Words that point back to something said before: 这笔钱, 那一年, 该项, 上一年, 上述.
_POINTS_BACK = re.compile(
    r"[这那该此][一两]?[个笔项种类份次条位家所些样年]|[上前]一年|同年|当年|上述|前面说|刚才"
)
# A few words and 呢, nothing else (残疾人呢？): the earlier question, of something else.
_ELLIPSIS = re.compile(r"([^，,。；;！!？?\s]{1,10})呢[？?]?")
# A pointer to a document by its kind: 这份答复函, 该通知, 本办法 (see _other_document).
_POINTS_TO_DOCUMENT = re.compile(
    "[这那该此本][份个项篇]?[\u4e00-\u9fff]{0,4}?("
    + "|".join(sorted(DOC_TYPES, key=len, reverse=True))
    + ")"
)
# Terms that do not name a topic: a figure (70, 72岁, 3000元: which case; not 19号 of a 文号)
# or a modal verb's phrase (能领, 要交).
_FIGURE_UNITS = alternation(words("units", "answer"), longest_first=True)
_NOT_NAMING = re.compile(rf"[\d.%]+(?:{_FIGURE_UNITS})?$|[能可会要想该需得]")
_PARTICLES = "".join(words("question", "particles"))  # they end no topic: 低保标准是 → 低保标准


@dataclass(frozen=True)
class Understood:
    """What a question is taken to ask, in its conversation.

    Attributes:
        question: The question as asked (normalized).
        query: What is searched: the question itself, or for a follow-up the
            topic turn's terms and then the question.
        topic: The earlier turn whose topic a follow-up inherits; empty when the
            question has its own.
        label: That topic in a few words, shown as 按“label”理解; empty when fresh.
        glued: For a question with its own topic asked in a conversation, the question
            glued to the conversation's topic: another reading, which may be answerable
            when the question alone is not (:meth:`readings`).
    """

    question: Question
    query: Question
    topic: str = ""
    label: str = ""
    glued: Question | None = None

    @property
    def readings(self) -> tuple[Question, ...]:
        """What the question may mean, most likely first: the query, then ``glued``."""
        return (self.query,) if self.glued is None else (self.query, self.glued)


@dataclass(frozen=True)
class Conversation:
    """The user's earlier questions in a chat, oldest first.

    Attributes:
        history: The earlier questions as asked; empty and over-long ones are ignored.
    """

    history: tuple[str, ...] = ()

    def understand(
        self,
        question: str | Question,
        tokenizer: Tokenizer,
        vocabulary: Vocabulary | None = None,
        said: Callable[[str], bool] | None = None,
    ) -> Understood:
        """What ``question`` asks, given the earlier turns.

        Args:
            question: The new question.
            tokenizer: The index's tokenizer, which finds content terms.
            vocabulary: The index's vocabulary, whose terms name topics (:func:`lacks_topic`).
            said: Whether a passage of the index says a word (:func:`lacks_topic`).

        Raises:
            ValueError: Empty or over-long question (see :class:`Question`).
        """
        asked = Question.parse(question)
        topic = self.topic(tokenizer, vocabulary, said) if self.history else ""
        if not topic or not lacks_topic(asked.text, tokenizer, vocabulary, said):
            return Understood(asked, asked)
        return self.understand_as_follow_up(asked, topic, tokenizer)

    @staticmethod
    def understand_as_follow_up(question: Question, topic: str, tokenizer: Tokenizer) -> Understood:
        """``question`` read in the topic of the earlier turn ``topic``."""
        query = Question(f"{without_asking(topic)} {question.text}")
        return Understood(question, query, topic, topic_label(topic, tokenizer))

    def topic(
        self,
        tokenizer: Tokenizer,
        vocabulary: Vocabulary | None = None,
        said: Callable[[str], bool] | None = None,
    ) -> str:
        """The most recent earlier turn that has its own topic (normalized), or ``""``."""
        for turn in reversed(self.history[-MAX_HISTORY:]):
            text = normalize_question(turn or "")
            if not text or len(text) > MAX_QUESTION_CHARS:
                continue
            if not lacks_topic(text, tokenizer, vocabulary, said):
                return text
        return ""


def lacks_topic(
    question: str,
    tokenizer: Tokenizer,
    vocabulary: Vocabulary | None = None,
    said: Callable[[str], bool] | None = None,
) -> bool:
    """Whether a (normalized) question leaves its topic to the conversation (see above).

    With the index's ``vocabulary``, a question that says one of its terms (低保, 失业金:
    the lexicon's and the documents' abbreviations) names its topic, however short, and
    the words saying what kind of answer is asked (条件, 材料, 有效期: :func:`topic_terms`)
    name none: "要满足什么条件？" is a follow-up, "低保标准是多少？" is not. With ``said``
    (whether a passage of the index says a word), neither do verbs that no document uses
    (批下来, 能领: what is done, said the citizen's way); verbs the documents use name a
    topic (看病, 报销, 失业).
    """
    if OPENER.match(question) or _elliptical(question):
        return True
    if vocabulary is None:
        terms = content_terms(question, tokenizer)
    elif vocabulary.named(question):
        return False
    else:
        terms = topic_terms(question, tokenizer)
        if said is not None:
            terms = [t for t in terms if not (is_verb(t) and not said(t))]
    content = sum(len(term) for term in terms)
    return content <= SHORT or (content <= POINTING_LONG and bool(_POINTS_BACK.search(question)))


def _elliptical(question: str) -> bool:
    """Whether a question is a few words and 呢 alone (残疾人呢？, 博士呢？): it asks the
    earlier question again, of something else."""
    said = _ELLIPSIS.fullmatch(question)
    return said is not None and not ASKING.search(said.group(1))


def topic_label(
    turn: str,
    tokenizer: Tokenizer,
    held: Callable[[str], bool] | None = None,
    vocabulary: Vocabulary | None = None,
) -> str:
    """A few words naming the topic of ``turn``: its part with the most content.

    The turn is split at punctuation and question words, and the part with the
    most characters of content terms is kept (the first of equals), up to its last
    content term: "一次性创业补贴怎么申请？" gives "一次性创业补贴", "广州低保一个月多少钱？"
    gives "广州低保".

    With ``held`` (whether the topic's documents hold a term, in some wording), only the
    terms they hold count, but for figures (70, 72岁) and what is done to the topic (能领,
    要交: a modal verb first; 申请, 批下来: verbs alone, :func:`.question.is_verb`), and the
    label runs from the first of them to the last, the last part of equals kept (the
    situation is told first, the topic asked last): it names what the documents are about,
    not the asker's situation — "我被公司辞退了，能领失业保险金吗？" gives "失业保险金",
    "我妈70了坐公交要钱吗？" gives "公交". When they hold none of its terms, the same terms
    count all the same ("我爸72岁了，坐地铁要花钱吗？" gives "坐地铁要花钱", not "我爸72岁"). A
    term of the ``vocabulary`` that the label cuts (失业金, split 失业 + 金 by the tokenizer)
    is kept whole.
    """
    parts = [p for clause in CLAUSES.split(turn) for p in ASKING.split(clause) if p]
    if not parts:
        return turn
    if held is not None:

        def naming(part: str) -> list[str]:
            found = content_terms(part, tokenizer)
            return [t for t in found if not (_NOT_NAMING.match(t) or is_verb(t)) and t in part]

        named = [naming(part) for part in parts]
        if any(kept := [[t for t in terms if held(t)] for terms in named]):
            named = kept  # the terms the documents hold; when none, the naming terms all the same
        most, at = max((sum(len(t) for t in terms), i) for i, terms in enumerate(named))
        if most:
            part, terms = parts[at], named[at]
            start = min(part.find(t) for t in terms)
            end = max(part.rfind(t) + len(t) for t in terms)
            for term in vocabulary.named(part) if vocabulary is not None else ():
                at_term = part.find(term)
                if at_term < end and at_term + len(term) > start:  # cut by the label: whole
                    start, end = min(start, at_term), max(end, at_term + len(term))
            return part[start:end]
    best = max(parts, key=lambda part: sum(len(t) for t in content_terms(part, tokenizer)))
    ends = [i + len(t) for t in content_terms(best, tokenizer) if (i := best.rfind(t)) >= 0]
    return best[: max(ends)] if ends else best.rstrip(_PARTICLES) or best


def understood_in(
    searcher: Searcher, question: str | Question, history: Sequence[str]
) -> tuple[Understood, str]:
    """``question`` understood in its conversation with the index's words (its tokenizer,
    vocabulary and what its passages say; its slips of a pinyin input method read as the
    index's words, :mod:`.homophones`), and the conversation's topic: the follow-up's, else
    the latest earlier turn's that has one (``""`` when none has).

    Raises:
        ValueError: Empty or over-long question.
    """
    index, said, homophones = searcher.index, searcher.mentions.word, searcher.homophones
    # slips of a pinyin input method read as the index's words: 公祖房 → 按“公租房”理解
    reading = homophones.read(Question.parse(question).text)
    history = [homophones.read(normalize_question(turn or "")).text for turn in history]
    conversation = Conversation(tuple(history))
    understood = conversation.understand(reading.text, index.tokenizer, index.vocabulary, said)
    if reading.words and not understood.label:
        understood = replace(understood, label="、".join(reading.words))
    if understood.topic or not history:
        return understood, understood.topic
    return understood, conversation.topic(index.tokenizer, index.vocabulary, said)


def search_in_conversation(
    searcher: Searcher,
    question: str | Question,
    history: Sequence[str] = (),
    k: int | None = None,
    mode: str = "hybrid",
    filters: Filters | None = None,
) -> tuple[Understood, list[Hit]]:
    """Understand ``question`` in its conversation and return the best passages for it.

    Without an earlier turn that has its own topic, this is ``searcher.search``. Otherwise
    rankings of the question alone, glued to that turn, and within the topic's documents are
    fused (see the module docstring). A follow-up without a topic of its own that points to
    a kind of document the topic's are not (这份答复函 after questions on a 细则) is a
    question of its own.

    Raises:
        ValueError: Empty or over-long question, or an unknown mode.
    """
    tokenizer = searcher.index.tokenizer
    understood, topic = understood_in(searcher, question, history)
    filters = filters or Filters()
    asked = understood.question
    if not topic:
        return understood, searcher.search(asked, k, mode, filters)
    glued = Conversation.understand_as_follow_up(asked, topic, tokenizer).query
    if not understood.topic:  # a topic of its own: the conversation only reorders
        understood = replace(understood, glued=glued)
        rankings = [(asked, filters, 1.0), (glued, filters, SECOND_WEIGHT)]
        return understood, fused(searcher, asked, rankings, k, mode)
    docs = topic_documents(searcher, topic, mode, filters)
    if docs and _other_document(searcher, asked.text, docs):
        return Understood(asked, asked), searcher.search(asked, k, mode, filters)
    if docs:  # named by what the topic's documents are about
        held = functools.partial(_held, searcher, docs)
        label = topic_label(topic, tokenizer, held, searcher.index.vocabulary)
        understood = replace(understood, label=label)
    within = replace(filters, docs=docs)
    rankings = [(glued, filters, 1.0)]
    if docs:
        rankings.append((glued, within, 1.0))
    # its own words rank within the topic's documents, or everywhere when they hold none
    covered = docs and _covered(searcher, asked.text, docs)
    rankings.append((asked, within, 1.0) if covered else (asked, filters, SECOND_WEIGHT))
    return understood, fused(searcher, asked, rankings, k, mode)


def fused(
    searcher: Searcher,
    question: Question,
    rankings: Sequence[tuple[Question, Filters, float]],
    k: int | None,
    mode: str,
) -> list[Hit]:
    """The ``k`` best passages by the weighted reciprocal-rank fusion of ``rankings``
    (query, filters, weight), as :meth:`.search.Searcher.passages` gives them for ``question``
    (consecutive ones joined: then fewer than ``k``).
    A passage's score is its fused one; its dense cosine (which refusals read) and BM25
    score are those of the first ranking that found it."""
    k = k or searcher.settings.top_k
    depth = max(k, FUSION_DEPTH)
    lists = [(searcher.rank(q, depth, mode, f), weight) for q, f, weight in rankings]
    ranked: dict[int, Ranked] = {}
    for found, _ in lists:
        for r in found:
            ranked.setdefault(r.row, r)
    scores = fuse_rankings((([r.row for r in found], weight) for found, weight in lists), FUSION_K)
    # only the k best, joined: a passage joined to another leaves its place empty rather
    # than let a passage of another topic in (the conversation's passages are its topic's)
    best = sorted(scores, key=lambda row: -scores[row])[:k]
    found = [replace(ranked[row], score=scores[row]) for row in best]
    return searcher.passages(question, found, k)


def topic_documents(searcher: Searcher, topic: str, mode: str, filters: Filters) -> frozenset[str]:
    """The paths of the documents of the best passages for ``topic``."""
    index = searcher.index
    ranked = searcher.rank(topic, TOPIC_HITS, mode, filters)
    return frozenset(index.documents[int(index.chunk_docs[r.row])].path for r in ranked)


def _other_document(searcher: Searcher, question: str, docs: frozenset[str]) -> bool:
    """Whether ``question`` points to a kind of document none of ``docs`` is.

    "这份答复函的联系人是谁？" after questions answered from a 细则 is about a 函,
    not about the conversation's documents: it names its own topic.
    """
    pointed = _POINTS_TO_DOCUMENT.search(question)
    if not pointed or _inside_a_word(pointed.group(1), question):
        return False
    kind = doc_type_of(pointed.group(1))
    return bool(kind) and all(
        d.source.doc_type != kind for d in searcher.index.documents if d.path in docs
    )


def _covered(searcher: Searcher, question: str, docs: frozenset[str]) -> bool:
    """Whether one of the documents ``docs`` holds one of the question's content terms.

    Terms are matched whole (失业金 is not found in 失业人员). Words that say what kind
    of answer is asked (材料, 条件, 流程: :func:`.kinds.question_kind`) are not what the
    question is about: "那要带什么材料？" is covered by a document that says "应当提供有效
    证件" without the word 材料. A question with no other content terms (要多久？) is
    covered by any document.
    """
    index = searcher.index
    terms = topic_terms(question, index.tokenizer)
    if not terms:
        return True
    rows = [i for i, document in enumerate(index.documents) if document.path in docs]
    found = index.bm25_scores(terms) > 0
    return bool(found[np.isin(index.chunk_docs, rows)].any())


def _held(searcher: Searcher, docs: frozenset[str], term: str) -> bool:
    """Whether a passage of the documents ``docs`` holds ``term`` in some wording."""
    index = searcher.index
    rows = np.isin(index.chunk_docs, [i for i, d in enumerate(index.documents) if d.path in docs])
    return any(bool((rows & held).any()) for held in holding(index, term))


def _inside_a_word(kind: str, question: str) -> bool:
    """Whether ``kind`` (通知) is only part of a longer word of ``question`` (录取通知书, a
    letter of admission, not a notice), by jieba's accurate cut."""
    return any(kind in w and w != kind and w not in DOC_TYPES for w in segment(question))
