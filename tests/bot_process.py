"""Running the real `python -m bot` in a subprocess, and reading what it wrote to stderr."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.fakes import FakeTelegramServer

TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = TOKEN.split(":", 1)[1]
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) "
)


def bot_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """This environment without our settings, on a SQLite file in tmp_path, plus `settings`."""
    env = {name: value for name, value in os.environ.items() if not _ours(name)}
    env["DVCBOT_DATABASE__URL"] = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    env["DVCBOT_BOT__DEMO_DATA"] = "false"
    env.update(settings)
    return env


def _ours(name: str) -> bool:
    return name.upper().startswith("DVCBOT_") and name.upper() != "DVCBOT_TEST_POSTGRES_URL"


def telegram_env(tmp_path: Path, server: FakeTelegramServer, **settings: str) -> dict[str, str]:
    """The environment of a bot polling the fake Bot API server with TOKEN."""
    telegram = {
        "DVCBOT_TELEGRAM__TOKEN": TOKEN,
        "DVCBOT_TELEGRAM__BASE_URL": server.base_url,
        "DVCBOT_TELEGRAM__BASE_FILE_URL": server.base_file_url,
        "DVCBOT_TELEGRAM__POLL_TIMEOUT": "1",
    }
    return bot_env(tmp_path, **{**telegram, **settings})


def run_bot(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a command to its end (no input, so a console chat ends at once)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


def unused_port() -> int:
    """A local port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def problem_line(stderr: str) -> str:
    """The one line that is not a log record; there must be exactly one, and no traceback."""
    assert "Traceback" not in stderr, stderr
    others = [line for line in stderr.splitlines() if line.strip() and not LOG_LINE.match(line)]
    assert len(others) == 1, stderr
    return others[0]


class BotProcess:
    """`python -m bot run` in the background; stderr goes to a file so a chatty bot never
    blocks on a full pipe."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.env = env
        self.stderr_path = tmp_path / "stderr.txt"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> BotProcess:
        with self.stderr_path.open("wb") as stderr:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=self.tmp_path,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        return self

    async def wait(self, timeout: float = 60.0) -> int:  # noqa: ASYNC109 - a test helper
        """Wait for the process to end on its own; returns the exit status."""
        assert self.process is not None
        async with asyncio.timeout(timeout):
            return await self.process.wait()

    async def stop(self) -> int:
        """Ask the bot to stop, as a service manager would, and wait for it."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.wait()

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


async def wait_until_polling(server: FakeTelegramServer, bot: BotProcess) -> None:
    """Wait until the bot asks the fake server for updates (it is then fully started)."""
    assert bot.process is not None
    async with asyncio.timeout(60):
        while server.calls["getUpdates"] == 0:
            assert bot.process.returncode is None, bot.stderr
            await asyncio.sleep(0.1)
