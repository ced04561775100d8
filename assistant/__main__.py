"""``python -m assistant``: the command line (see :mod:`assistant.app.cli`)."""

from __future__ import annotations

from .app.cli import main

raise SystemExit(main())
