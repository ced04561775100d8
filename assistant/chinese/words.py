"""The word lists of ``words.toml`` beside this module, read once.

:func:`words` gives a list (``words("index", "stopwords")``), :func:`table` a mapping
(``table("spoken")``), :func:`alternation` a list as a regular-expression alternation.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import Any

WORDS_FILE = Path(__file__).with_name("words.toml")


@functools.cache
def _data() -> dict[str, Any]:
    with WORDS_FILE.open("rb") as file:
        return tomllib.load(file)


def words(section: str, name: str) -> tuple[str, ...]:
    """The words of list ``name`` in ``section``, in their order."""
    return tuple(str(_data()[section][name]).split())


def table(section: str) -> dict[str, str]:
    """The mapping ``section`` (a word → its replacement or kind), in its order."""
    return {str(k): str(v) for k, v in _data()[section].items()}


def alternation(items: tuple[str, ...], *, longest_first: bool = False) -> str:
    """``items`` as a regular-expression alternation (``a|b|c``), escaped; in their
    order, or the longest first (so that 个工作日 is tried before 工作日)."""
    ordered = sorted(items, key=len, reverse=True) if longest_first else items
    return "|".join(map(re.escape, ordered))
