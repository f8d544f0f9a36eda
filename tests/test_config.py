"""Configuration: defaults, the TOML file, DVCBOT_* overrides and one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_defaults_without_any_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DVCBOT_CONFIG", raising=False)
    settings = load_settings()
    assert settings.database.url == "sqlite+aiosqlite:///./dvcbot.db"
    assert settings.telegram.token is None
    assert settings.commune.timezone == "Asia/Ho_Chi_Minh"


def test_file_then_environment_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "bot.toml"
    config.write_text(
        '[telegram]\ntoken = "123:FILE"\nbase_url = "http://127.0.0.1:1/bot"\n'
        '[commune]\nname = "Xã Đức An"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DVCBOT_CONFIG", str(config))
    monkeypatch.setenv("DVCBOT_TELEGRAM__TOKEN", "456:ENV")
    monkeypatch.setenv("DVCBOT_DATABASE__URL", "postgresql+asyncpg://u@127.0.0.1/x")
    settings = load_settings()
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == "456:ENV"
    assert "456:ENV" not in repr(settings)
    assert settings.telegram.base_url == "http://127.0.0.1:1/bot"
    assert settings.commune.name == "Xã Đức An"
    assert settings.database.url.startswith("postgresql+asyncpg://")


def test_example_config_is_valid_and_documents_every_key() -> None:
    example = Path(__file__).parent.parent / "config.example.toml"
    settings = load_settings(example)
    text = example.read_text(encoding="utf-8")
    for section, model in settings:
        assert f"[{section}]" in text
        for key in type(model).model_fields:
            assert f"{key} =" in text or f"# {key} =" in text, f"{section}.{key} undocumented"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[database]\nurl = "mysql://x"\n', "database.url"),
        ('[commune]\ntimezone = "Mars/Base"\n', "commune.timezone"),
        ("[telegram]\nconcurrent_updates = 'many'\n", "telegram.concurrent_updates"),
        ("[telegram\n", "TOML"),
        ("[nonsense]\nx = 1\n", "nonsense"),
    ],
)
def test_invalid_config_names_the_key(tmp_path: Path, content: str, expected: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as problem:
        load_settings(config)
    message = str(problem.value)
    assert expected in message and "\n" not in message


def test_missing_config_file_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(tmp_path / "nope.toml"), "db", "upgrade"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "nope.toml" in result.stderr and "Traceback" not in result.stderr
