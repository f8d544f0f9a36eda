"""What the person starting the bot sees when the database or Telegram is not right: one line
saying what to check, exit status 2, no traceback, never the token or a password."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.bot_process import (
    SECRET,
    TOKEN,
    BotProcess,
    bot_env,
    problem_line,
    run_bot,
    telegram_env,
    unused_port,
)
from tests.conftest import POSTGRES_ENV
from tests.fakes import FakeTelegramServer

PASSWORD = "hunter2-Mat-Khau"


def refused(result_code: int, stderr: str, *expected: str) -> str:
    """The one line, checked: exit status 2, what to check in it, no secrets."""
    assert result_code == 2, stderr
    line = problem_line(stderr)
    assert line.startswith("dvcbot: "), line
    for text in expected:
        assert text in line, line
    for secret in (SECRET, PASSWORD):
        assert secret.lower() not in stderr.lower()
    return line


def postgres_url(
    *, database: str | None = None, username: str | None = None, password: str | None = None
) -> str:
    """The test server's URL with some parts changed."""
    url = make_url(os.environ[POSTGRES_ENV]).set(
        database=database, username=username, password=password
    )
    return url.render_as_string(hide_password=False)


def test_postgresql_unreachable(tmp_path: Path) -> None:
    port = unused_port()
    url = f"postgresql+asyncpg://dvcbot:{PASSWORD}@127.0.0.1:{port}/dvcbot"
    result = run_bot(tmp_path, bot_env(tmp_path, DVCBOT_DATABASE__URL=url), "db", "upgrade")
    refused(result.returncode, result.stderr, f"127.0.0.1:{port}", "database.url")


def postgres_refuses(tmp_path: Path, url: str, expected: str) -> str:
    result = run_bot(tmp_path, bot_env(tmp_path, DVCBOT_DATABASE__URL=url), "db", "upgrade")
    return refused(result.returncode, result.stderr, expected, "database.url")


if os.environ.get(POSTGRES_ENV):  # like conftest.BACKENDS: where a server is configured (CI)

    def test_postgresql_database_missing(tmp_path: Path) -> None:
        name = f"dvcbot_missing_{uuid.uuid4().hex[:8]}"
        assert "does not exist" in postgres_refuses(tmp_path, postgres_url(database=name), name)

    def test_postgresql_wrong_user(tmp_path: Path) -> None:
        user = f"nobody_{uuid.uuid4().hex[:8]}"
        postgres_refuses(tmp_path, postgres_url(username=user, password=PASSWORD), user)


def test_sqlite_folder_missing(tmp_path: Path) -> None:
    folder = tmp_path / "no-such-folder"
    url = f"sqlite+aiosqlite:///{folder}/dvcbot.db"
    result = run_bot(tmp_path, bot_env(tmp_path, DVCBOT_DATABASE__URL=url), "chat")
    refused(result.returncode, result.stderr, str(folder), "database.url")
    assert result.stdout == "" and not folder.exists()


async def test_telegram_token_refused(tmp_path: Path, fake_telegram: FakeTelegramServer) -> None:
    fake_telegram.refused_tokens.add(TOKEN)
    bot = await BotProcess(tmp_path, telegram_env(tmp_path, fake_telegram)).start()
    line = refused(await bot.wait(), bot.stderr, "telegram.token", "@BotFather")
    assert "123456" not in line  # not even the bot's id: nothing of the token is shown
    assert fake_telegram.calls["getUpdates"] == 0


async def test_telegram_unreachable(tmp_path: Path, fake_telegram: FakeTelegramServer) -> None:
    port = unused_port()
    env = telegram_env(
        tmp_path, fake_telegram, DVCBOT_TELEGRAM__BASE_URL=f"http://127.0.0.1:{port}/bot"
    )
    bot = await BotProcess(tmp_path, env).start()
    refused(await bot.wait(), bot.stderr, f"127.0.0.1:{port}", "telegram.base_url")
