"""Questions grouped by meaning: hot questions, unanswered ones, disliked answers.

:func:`group` embeds the distinct questions (with the app's embedder, as queries), then
clusters them greedily: the most asked question first, each joins the group whose first
(most asked) question is nearest when their cosine is at least ``threshold``, else starts a
group. Comparing with the group's first question, not its centroid, keeps a group from
drifting into a neighbouring topic.
Groups are returned biggest first. :data:`THRESHOLD` was measured on the dev sets'
labelled paraphrases (``bench/grouping.py``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

THRESHOLD = 0.93  # bundled-model cosine from which two questions are one group (bench/grouping.py)
BUDGET = 1.0  # seconds a refresh waits for question vectors; the rest group by wording till later
BATCH = 32  # questions embedded at a time in the background
FIRST = 4  # questions of the first batch, which measures the model's pace
_PUNCTUATION = re.compile(r"[\s，。？！、；：,.?!;:“”\"'（）()]+")

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Group:
    """Questions asked in other words about one thing.

    Attributes:
        members: Indexes of the grouped questions in the list given to :func:`group`.
        wording: The representative wording: the group's most asked question.
    """

    members: tuple[int, ...]
    wording: str

    @property
    def count(self) -> int:
        return len(self.members)


def wordings_only(questions: Sequence[str]) -> np.ndarray:
    """An :data:`Embed` without a model: one pseudo-random unit vector per wording (its 64
    components the bytes of a hash of it), so only the same question typed again groups (two
    such vectors are all but orthogonal: cosines about ±0.13, far below :data:`THRESHOLD`)."""
    digests = b"".join(hashlib.blake2b(key(q).encode(), digest_size=64).digest() for q in questions)
    vectors = np.frombuffer(digests, dtype=np.int8).reshape(len(questions), 64).astype(np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def key(question: str) -> str:
    """A question without spaces and punctuation: the same question typed twice."""
    return _PUNCTUATION.sub("", question).lower()


def group(questions: Sequence[str], embed: Embed, threshold: float = THRESHOLD) -> list[Group]:
    """Group ``questions`` by meaning, biggest group first (ties: first asked first)."""
    keys = [key(q) for q in questions]
    members: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        members.setdefault(k, []).append(i)
    distinct = sorted(members, key=lambda k: (-len(members[k]), members[k][0]))
    wording = {k: questions[members[k][0]] for k in distinct}
    found = [
        Group(tuple(sorted(i for n in c for i in members[distinct[n]])), wording[distinct[c[0]]])
        for c in cluster([wording[k] for k in distinct], embed, threshold)
    ]
    return sorted(found, key=lambda g: (-g.count, g.members[0]))


def cluster(wordings: Sequence[str], embed: Embed, threshold: float = THRESHOLD) -> list[list[int]]:
    """Distinct ``wordings``, most asked first, in groups by meaning: each group the indexes of
    its wordings, its first (most asked) one first; the groups in the order they were begun."""
    if not wordings:
        return []
    vectors = np.asarray(embed(wordings), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    similar = vectors @ vectors.T  # one product; the greedy pass below only looks values up
    leaders = np.empty(len(wordings), dtype=np.intp)  # each group's first question, in order
    groups: list[list[int]] = []
    for n in range(len(wordings)):
        if groups:
            cosines = similar[n, leaders[: len(groups)]]
            best = int(np.argmax(cosines))
            if cosines[best] >= threshold:
                groups[best].append(n)
                continue
        leaders[len(groups)] = n
        groups.append([n])
    return groups


class Vectors:
    """An :data:`Embed` that keeps the vectors it made and makes new ones in a background thread.

    A call waits at most ``budget`` seconds for the vectors of questions no earlier call asked
    for (so the three groupings of one refresh wait once), and no longer once the model's pace
    (seconds per question, measured on each batch, the first one of :data:`FIRST` questions)
    says the questions queued cannot be embedded in the time left: a first open over thousands
    of new questions does not wait the budget out for nothing. A question still waiting gets a
    vector orthogonal to every model vector (its wording's, in dimensions of its own), so it
    groups only with the same question typed again until a later call finds it embedded. The
    运营 tab thus opens at once over thousands of new questions, and groups them by meaning as the
    model catches up (``pending`` says how many are left).
    """

    def __init__(
        self, encode: Callable[[list[str]], np.ndarray], budget: float = BUDGET, keep: int = 8000
    ) -> None:
        self.encode = encode
        self.budget = budget
        self.keep = keep
        self._made: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queue: OrderedDict[str, None] = OrderedDict()
        self._working: list[str] = []
        self._ready = threading.Condition()
        self._worker: threading.Thread | None = None
        self._each: float | None = None  # seconds per question of the last batch

    @property
    def pending(self) -> int:
        with self._ready:
            return len(self._queue) + len(self._working)

    def __call__(self, questions: Sequence[str]) -> np.ndarray:
        with self._ready:
            new = [
                q for q in dict.fromkeys(questions)
                if q not in self._made and q not in self._queue and q not in self._working
            ]  # fmt: skip
            self._queue.update(dict.fromkeys(new))
            if self._queue and self._worker is None:
                self._worker = threading.Thread(target=self._work, daemon=True)
                self._worker.start()
            deadline = time.monotonic() + self.budget

            def done_or_hopeless() -> bool:
                if all(q in self._made for q in new):
                    return True
                queued = len(self._queue) + len(self._working)
                return self._each is not None and queued * self._each > deadline - time.monotonic()

            self._ready.wait_for(done_or_hopeless, self.budget)
            made = [self._made.get(q) for q in questions]
            for q in dict.fromkeys(q for q in questions if q in self._made):
                self._made.move_to_end(q)
        size = next((v.shape[0] for v in made if v is not None), 0)
        vectors = np.zeros((len(questions), size + 64), dtype=np.float32)
        alone = [i for i, vector in enumerate(made) if vector is None]
        if alone:
            vectors[alone, size:] = wordings_only([questions[i] for i in alone])
        for i, vector in enumerate(made):
            if vector is not None:
                vectors[i, :size] = vector
        return vectors

    def _work(self) -> None:
        while True:
            with self._ready:
                size = BATCH if self._each is not None else FIRST  # the pace known soon
                self._working = [self._queue.popitem(last=False)[0]
                                 for _ in range(min(size, len(self._queue)))]  # fmt: skip
                if not self._working:
                    self._worker = None
                    self._ready.notify_all()
                    return
            batch = self._working
            started = time.monotonic()
            try:
                made = np.asarray(self.encode(batch), dtype=np.float32)
            except Exception:  # noqa: BLE001 - these group by wording; the next call retries
                logging.getLogger(__name__).exception("问题向量计算失败")
                made = None
            with self._ready:
                if made is not None:
                    self._made.update(zip(batch, made, strict=True))
                    self._each = (time.monotonic() - started) / len(batch)
                while len(self._made) > self.keep:
                    self._made.popitem(last=False)
                self._working = []
                self._ready.notify_all()
