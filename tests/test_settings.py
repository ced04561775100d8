"""Settings: defaults, environment variables, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import DEFAULT_MODEL, Settings


def test_defaults_env_and_overrides() -> None:
    assert Settings.from_env({}) == Settings()
    assert Settings().model == DEFAULT_MODEL
    env = {"ASSISTANT_INDEX": "/srv/index", "ASSISTANT_TOP_K": "8", "ASSISTANT_MIN_SCORE": "0.9"}
    settings = Settings.from_env(env, index=None, model="hash")
    assert settings.index == Path("/srv/index")
    assert settings.top_k == 8 and settings.min_score == 0.9 and settings.model == "hash"
    assert Settings.from_env(env, index=Path("other")).index == Path("other")
    assert Settings().to_dict()["index"] == "index"


def test_bad_environment_value_is_named() -> None:
    with pytest.raises(ValueError, match="ASSISTANT_TOP_K"):
        Settings.from_env({"ASSISTANT_TOP_K": "many"})


def test_unknown_fusion_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fusion 'sum'"):
        Settings.from_env({"ASSISTANT_FUSION": "sum"})
    assert Settings.from_env({"ASSISTANT_FUSION": "rrf"}).fusion == "rrf"
