"""Every setting and every environment variable is documented, and the environment reaches the settings."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from chatkit_host.server.settings import ENVIRONMENT, Settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_and_variable_is_documented() -> None:
    text = DOCS.read_text()
    for field in fields(Settings):
        assert f"`{field.name}`" in text, f"docs/settings.md does not describe the setting {field.name}"
    for variable in ENVIRONMENT:
        assert f"`{variable}`" in text, f"docs/settings.md does not name {variable}"


def test_environment_fills_the_settings() -> None:
    settings = Settings.from_env(
        {
            "CHATKIT_HOST_DATA_DIR": "/srv/chatkit",
            "CHATKIT_HOST_API_KEY": " a, b ,,",
            "CHATKIT_HOST_PLAYGROUND": "off",
            "CHATKIT_HOST_DATABASE_URL": "postgresql://db/chatkit",
        }
    )
    assert settings.data_dir == Path("/srv/chatkit")
    assert settings.api_keys == ("a", "b")
    assert settings.playground is False
    assert settings.resolved_database_url == "postgresql://db/chatkit"


def test_explicit_values_win_and_unknown_ones_are_refused() -> None:
    settings = Settings.from_env({"CHATKIT_HOST_REDIS_URL": "redis://env"}, redis_url="redis://flag", data_dir=None)
    assert settings.redis_url == "redis://flag"
    assert settings.data_dir == Settings().data_dir
    with pytest.raises(TypeError):
        Settings.from_env({}, no_such_setting=1)
