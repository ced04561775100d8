"""Start the 政策问答助手 web app on the corpus in ``corpus/`` (see README)."""

from __future__ import annotations

from assistant.app.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve"]))
