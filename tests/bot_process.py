"""Running the real `python -m bot` in a subprocess, and reading what it wrote to stderr."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.fakes import FakeTelegramServer

TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = TOKEN.split(":", 1)[1]
WEBHOOK_SECRET = "webhook-Secret_42"
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
    """`python -m bot run` (or other `args`) in the background; stderr goes to a file so a
    chatty bot never blocks on a full pipe."""

    def __init__(
        self,
        tmp_path: Path,
        env: dict[str, str],
        args: Sequence[str] = ("run",),
        name: str = "stderr",
    ) -> None:
        self.tmp_path = tmp_path
        self.env = env
        self.args = tuple(args)
        self.stderr_path = tmp_path / f"{name}.txt"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> BotProcess:
        with self.stderr_path.open("wb") as stderr:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                *self.args,
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


def serve_env(
    tmp_path: Path, server: FakeTelegramServer, database_url: str, port: int, **settings: str
) -> dict[str, str]:
    """The environment of `dvcbot serve` on `port`, taking the fake server's webhook pushes."""
    web = {
        "DVCBOT_DATABASE__URL": database_url,
        "DVCBOT_TELEGRAM__WEBHOOK_SECRET": WEBHOOK_SECRET,
        "DVCBOT_WEB__PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DVCBOT_WEB__PORT": str(port),
    }
    return telegram_env(tmp_path, server, **{**web, **settings})


STARTED = "Application startup complete."  # uvicorn's line when a worker's app is up


class ServeProcess(BotProcess):
    """`python -m bot serve --workers N`: uvicorn's parent process and its worker processes."""

    def __init__(
        self, tmp_path: Path, env: dict[str, str], workers: int, name: str = "serve"
    ) -> None:
        super().__init__(tmp_path, env, ("serve", "--workers", str(workers)), name)
        self.port = int(env["DVCBOT_WEB__PORT"])
        self.workers = workers

    async def serving(self, timeout: float = 90.0) -> ServeProcess:  # noqa: ASYNC109
        """Start, and wait until every worker runs and the port answers."""
        await self.start()
        async with asyncio.timeout(timeout):
            while self.stderr.count(STARTED) < self.workers or not await answers(self.port):
                assert self.process is not None and self.process.returncode is None, self.stderr
                await asyncio.sleep(0.1)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """The worker processes uvicorn runs now (its children that are Python, not helpers)."""
        return [pid for pid in children(self.pid) if "resource_tracker" not in cmdline(pid)]


async def answers(port: int) -> bool:
    """Whether something answers HTTP on 127.0.0.1:port (any status)."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    try:
        writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        await writer.drain()
        async with asyncio.timeout(2):
            return (await reader.read(12)).startswith(b"HTTP/1.1 ")
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()


def children(pid: int) -> list[int]:
    """The child processes of `pid`, from /proc (no psutil)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.extend(int(child) for child in task.read_text().split())
        except OSError:  # the thread ended meanwhile
            continue
    return sorted(set(found))


def cmdline(pid: int) -> str:
    """A process's command line, spaces between the arguments ("" once it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def process_with_port(pids: Sequence[int], local_port: int) -> int | None:
    """Which of `pids` holds the TCP socket with this local port (from /proc/net/tcp*)."""
    inodes = {f"socket:[{inode}]" for inode, port in tcp_sockets() if port == local_port}
    for pid in pids:
        if inodes & set(open_files(pid)):
            return pid
    return None


def open_files(pid: int) -> list[str]:
    """Where a process's file descriptors point ("socket:[inode]" for a socket)."""
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # the process is gone
        return []
    links = []
    for fd in fds:
        try:
            links.append(os.readlink(fd))
        except OSError:  # closed meanwhile
            continue
    return links


def tcp_sockets() -> list[tuple[str, int]]:
    """(inode, local port) of every TCP socket of this network namespace."""
    found: list[tuple[str, int]] = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            found.append((fields[9], int(fields[1].rsplit(":", 1)[1], 16)))
    return found
