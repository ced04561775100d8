"""The data that flows through the pipeline: ``Document → Chunk → Hit → Answer``.

:mod:`.documents` holds what documents become (``Document``, ``Chunk``, their ``Source``);
:mod:`.answers` what answering makes of them (``Hit``, ``Quote``, ``Answer``). All are frozen
dataclasses, imported by every stage and importing nothing of ours but each other.
"""

from __future__ import annotations

from .answers import Answer, Curated, Hit, Part, Quote
from .documents import (
    Chunk,
    Document,
    DocumentInfo,
    Extracted,
    FileStatus,
    Source,
    Stated,
    Validity,
    content_hash,
)

__all__ = [
    "Answer",
    "Chunk",
    "Curated",
    "Document",
    "DocumentInfo",
    "Extracted",
    "FileStatus",
    "Hit",
    "Part",
    "Quote",
    "Source",
    "Stated",
    "Validity",
    "content_hash",
]
