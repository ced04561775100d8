"""The Q&A log: every answered question, its feedback and the admin's actions, in a database.

:mod:`.schema` holds the tables and their versioned migrations, :mod:`.masking` what is
hidden from a question before it is stored, :mod:`.writer` the :class:`Recorder` that
writes from one background thread (answering never waits for the database), and
:mod:`.reports` what the 运营 tab and the exports read back; :mod:`.curated` the
人工审核答案 an admin wrote (stored beside the log, served above the answers).
"""

from __future__ import annotations

from .masking import mask
from .writer import Logged, Rating, Recorder

__all__ = ["Logged", "Rating", "Recorder", "mask"]
