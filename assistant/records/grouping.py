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
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

THRESHOLD = 0.93  # cosine of two questions (bundled model) from which they are one group
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
    """An :data:`Embed` without a model: one random unit vector per wording (seeded by it), so
    only the same question typed again groups (two such vectors are all but orthogonal)."""
    vectors = np.empty((len(questions), 64), dtype=np.float32)
    for i, question in enumerate(questions):
        seed = int.from_bytes(hashlib.blake2b(key(question).encode(), digest_size=8).digest())
        vectors[i] = np.random.default_rng(seed).standard_normal(64)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def key(question: str) -> str:
    """A question without spaces and punctuation: the same question typed twice."""
    return _PUNCTUATION.sub("", question).lower()


def group(questions: Sequence[str], embed: Embed, threshold: float = THRESHOLD) -> list[Group]:
    """Group ``questions`` by meaning, biggest group first (ties: first asked first)."""
    if not questions:
        return []
    keys = [key(q) for q in questions]
    members: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        members.setdefault(k, []).append(i)
    distinct = sorted(members, key=lambda k: (-len(members[k]), members[k][0]))
    wording = {k: questions[members[k][0]] for k in distinct}
    vectors = np.asarray(embed([wording[k] for k in distinct]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    leaders = np.empty_like(vectors)  # the first question of each group, in group order
    groups: list[list[str]] = []
    for n, k in enumerate(distinct):
        if groups:
            cosines = leaders[: len(groups)] @ vectors[n]
            best = int(np.argmax(cosines))
            if cosines[best] >= threshold:
                groups[best].append(k)
                continue
        leaders[len(groups)] = vectors[n]
        groups.append([k])
    found = [
        Group(tuple(sorted(i for k in ks for i in members[k])), wording[ks[0]]) for ks in groups
    ]
    return sorted(found, key=lambda g: (-g.count, g.members[0]))
