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

import re
from collections import Counter
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


def key(question: str) -> str:
    """A question without spaces and punctuation: the same question typed twice."""
    return _PUNCTUATION.sub("", question).lower()


def group(questions: Sequence[str], embed: Embed, threshold: float = THRESHOLD) -> list[Group]:
    """Group ``questions`` by meaning, biggest group first (ties: first asked first)."""
    if not questions:
        return []
    keys = [key(q) for q in questions]
    counts = Counter(keys)
    distinct = sorted(counts, key=lambda k: (-counts[k], keys.index(k)))
    wording = {k: questions[keys.index(k)] for k in distinct}
    vectors = np.asarray(embed([wording[k] for k in distinct]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    leaders: list[int] = []
    groups: list[list[str]] = []
    for n, k in enumerate(distinct):
        if leaders:
            cosines = vectors[leaders] @ vectors[n]
            best = int(np.argmax(cosines))
            if cosines[best] >= threshold:
                groups[best].append(k)
                continue
        groups.append([k])
        leaders.append(n)
    members = {k: [i for i, other in enumerate(keys) if other == k] for k in distinct}
    found = [
        Group(tuple(sorted(i for k in ks for i in members[k])), wording[ks[0]]) for ks in groups
    ]
    return sorted(found, key=lambda g: (-g.count, g.members[0]))
