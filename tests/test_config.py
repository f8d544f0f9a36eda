"""Configuration: defaults, the TOML file, DVCBOT_* overrides and one-line errors."""

from __future__ import annotations

import os
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


def dvcbot(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a clean environment (no stray DVCBOT_* of ours)."""
    clean = {name: value for name, value in os.environ.items() if name != "DVCBOT_CONFIG"}
    clean.pop("DVCBOT_TELEGRAM__TOKEN", None)
    clean["DVCBOT_DATABASE__URL"] = f"sqlite+aiosqlite:///{tmp_path}/c.db"
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean, **(env or {})},
        timeout=120,
    )


def refused_in_one_line(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit status 2, one line on stderr naming what was wrong, no traceback, nothing run."""
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    for text in expected:
        assert text in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '[database]\nulr = "postgresql+asyncpg://u@h/db"\n',
            ["'database.ulr'", "'database.url'"],
        ),
        ('[telegram]\ntokn = "123:ABC"\n', ["'telegram.tokn'", "'telegram.token'"]),
        ('[databse]\nurl = "sqlite+aiosqlite:///x.db"\n', ["'databse'", "'database'"]),
        ('log_level = "DEBUG"\n', ["'log_level'", "'bot.log_level'"]),
        ("[shifts]\nhorizon_weeks = 4\nnonsense_key = 1\n", ["'shifts.nonsense_key'"]),
        ('[bot]\nlog_level = "LOUD"\n', ["'bot.log_level'", "LOUD", "DEBUG, INFO"]),
        ('[bot]\nlog_level = "WARN"\n', ["'bot.log_level'", "'WARNING'"]),
    ],
)
def test_unknown_keys_in_the_file_are_refused(
    tmp_path: Path, content: str, expected: list[str]
) -> None:
    config = tmp_path / "bot.toml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as problem:
        load_settings(config)
    message = str(problem.value)
    assert "\n" not in message and "bot.toml" in message
    for text in expected:
        assert text in message, message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DVCBOT_BOT__FOO", ["DVCBOT_BOT__FOO"]),
        ("DVCBOT_DATABASE__ULR", ["DVCBOT_DATABASE__ULR", "DVCBOT_DATABASE__URL"]),
        ("DVCBOT_TELEGRAM_TOKEN", ["DVCBOT_TELEGRAM_TOKEN", "DVCBOT_TELEGRAM__TOKEN"]),
        ("DVCBOT_TELEGRAMM__TOKEN", ["DVCBOT_TELEGRAMM__TOKEN", "DVCBOT_TELEGRAM__TOKEN"]),
        ("dvcbot_bot__demo_dta", ["dvcbot_bot__demo_dta", "DVCBOT_BOT__DEMO_DATA"]),
    ],
)
def test_unknown_environment_variables_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, expected: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DVCBOT_CONFIG", raising=False)
    monkeypatch.setenv(name, "1")
    with pytest.raises(ConfigError) as problem:
        load_settings()
    message = str(problem.value)
    assert "\n" not in message
    for text in expected:
        assert text in message, message


def test_an_invalid_environment_value_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DVCBOT_CONFIG", raising=False)
    monkeypatch.setenv("DVCBOT_BOT__LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigError) as problem:
        load_settings()
    assert "DVCBOT_BOT__LOG_LEVEL" in str(problem.value)


def test_every_documented_form_is_still_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every key of config.example.toml as an environment variable, in both cases, and the
    variables that are not settings (DVCBOT_CONFIG, the tests' own DVCBOT_TEST_POSTGRES_URL)."""
    monkeypatch.chdir(tmp_path)
    example = Path(__file__).parent.parent / "config.example.toml"
    monkeypatch.setenv("DVCBOT_CONFIG", str(example))
    monkeypatch.setenv("DVCBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://u@h/db")
    settings = load_settings()
    for section, model in settings:
        for key, value in model:
            if value is None:
                continue
            shown = value.isoformat(timespec="minutes") if hasattr(value, "isoformat") else value
            monkeypatch.setenv(f"DVCBOT_{section.upper()}__{key.upper()}", str(shown))
    monkeypatch.delenv("DVCBOT_BOT__LOG_LEVEL")
    monkeypatch.setenv("dvcbot_bot__log_level", "debug")
    monkeypatch.setenv("DVCBOT_TELEGRAM__TOKEN", "123456:ABC")
    again = load_settings()
    assert again.bot.log_level == "DEBUG"
    assert again.commune == settings.commune and again.shifts == settings.shifts


def test_unknown_keys_stop_the_command_line_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[telegram]\ntokn = "123456:ABC"\n', encoding="utf-8")
    refused_in_one_line(dvcbot(tmp_path, "run"), "telegram.tokn", "telegram.token")
    config.write_text('[database]\nulr = "postgresql+asyncpg://u@h/db"\n', encoding="utf-8")
    refused_in_one_line(dvcbot(tmp_path, "db", "upgrade"), "database.ulr", "database.url")
    config.unlink()
    refused_in_one_line(dvcbot(tmp_path, "run", env={"DVCBOT_BOT__FOO": "1"}), "DVCBOT_BOT__FOO")
    refused_in_one_line(
        dvcbot(tmp_path, "run", env={"DVCBOT_BOT__LOG_LEVEL": "LOUD"}), "DVCBOT_BOT__LOG_LEVEL"
    )
    assert not (tmp_path / "c.db").exists()


def test_an_empty_token_is_refused_not_sent_to_telegram(tmp_path: Path) -> None:
    result = dvcbot(tmp_path, "run", env={"DVCBOT_TELEGRAM__TOKEN": " "})
    refused_in_one_line(result, "DVCBOT_TELEGRAM__TOKEN", "empty")
