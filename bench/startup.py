"""Start-up time and memory: our figures next to their references, in one run.

Wall time (best of --repeat) of `python -c pass`, `dvcbot ask "…"` and `dvcbot report coverage
--json` on a migrated SQLite database with the demo data; RSS of `dvcbot run` (Telegram, polling a
fake Bot API server) when idle, idle again with `[telegram] http_client = "httpx"`, and after a
load: --questions free-text questions, an official's coverage table and chart, and the month's
workbook. Targets (issue 15): `ask` under 1 s,
`run` idle under 90 MB. Run: uv run python bench/startup.py [--questions 20 --repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.bot_process import BotProcess, bot_env, telegram_env
from tests.fakes import FakeTelegramServer

ASK_TARGET_S = 1.0
IDLE_TARGET_MB = 90.0
QUESTIONS = [
    "làm căn cước cho con",
    "quên mật khẩu dịch vụ công",
    "đăng ký khai sinh online",
    "thời tiết hôm nay thế nào",
    "tra cứu hồ sơ đã nộp",
]
OFFICIAL = 910001
CITIZEN = 910002
DEMO = {"DVCBOT_BOT__DEMO_DATA": "true"}


def wall(
    command: Sequence[str], env: dict[str, str], cwd: Path, repeat: int
) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds (user + system) of `command` over `repeat` runs,
    after one untimed run that compiles what it imports (an installation does that once); it
    must succeed. CPU time varies less than wall time on a busy machine."""
    best, best_cpu = float("inf"), float("inf")
    for run in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        if run:
            best, best_cpu = min(best, elapsed), min(best_cpu, cpu)
    return best, best_cpu


def rss_mb(pid: int) -> float:
    """Resident set size of a process, from /proc (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert found is not None
    return int(found.group(1)) / 1024


def bare_python_rss_mb() -> float:
    """RSS of an interpreter that imported nothing: the floor every Python process pays."""
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as idle:
        time.sleep(0.5)
        try:
            return rss_mb(idle.pid)
        finally:
            idle.kill()


async def exchange(
    server: FakeTelegramServer, chat: int, text: str | None, data: str | None, count: int
) -> None:
    """Send a text or press a button, then wait for `count` more messages to that chat."""
    before = len(server.messages_to(chat))
    if text is not None:
        server.user_sends_text(chat, text, first_name="Bình")
    else:
        assert data is not None
        server.user_presses_button(chat, data)
    await server.wait_for(chat, before + count, timeout=60)


async def run_memory(
    tmp: Path, env: dict[str, str], invite: str, questions: int
) -> tuple[float, float, float]:
    """RSS of `dvcbot run` idle (polling, no update yet) and after a load. As installed (pip
    compiles every module at install time), the measured start reads compiled modules: a first
    start compiles what `run` imports, even lazily, which would leave the heap about 5 MB
    larger if the measured process did it."""
    async with FakeTelegramServer() as server:
        run_env = telegram_env(tmp, server, **env)
        run_env.pop("PYTHONDONTWRITEBYTECODE", None)
        await (await idle_bot(tmp, run_env, server)).stop()
        on_httpx = await idle_bot(
            tmp, {**run_env, "DVCBOT_TELEGRAM__HTTP_CLIENT": "httpx"}, server
        )
        assert on_httpx.process is not None
        idle_on_httpx = rss_mb(on_httpx.process.pid)
        await on_httpx.stop()
        bot = await idle_bot(tmp, run_env, server)
        assert bot.process is not None
        try:
            idle = rss_mb(bot.process.pid)
            for n in range(questions):
                await exchange(server, CITIZEN, QUESTIONS[n % len(QUESTIONS)], None, 1)
            await exchange(server, OFFICIAL, f"/start {invite}", None, 1)
            await exchange(server, OFFICIAL, None, "rp:c", 2)  # coverage table and chart
            await exchange(server, OFFICIAL, None, "rp:x", 1)  # the month's workbook
            loaded = rss_mb(bot.process.pid)
        finally:
            await bot.stop()
    return idle, loaded, idle_on_httpx


async def idle_bot(tmp: Path, env: dict[str, str], server: FakeTelegramServer) -> BotProcess:
    """`dvcbot run` started, polling, past the scheduler's first rounds."""
    polls = server.calls["getUpdates"]
    bot = await BotProcess(tmp, env).start()
    async with asyncio.timeout(60):
        while server.calls["getUpdates"] < polls + 2:  # noqa: ASYNC110 - no event for polls
            await asyncio.sleep(0.05)
    await asyncio.sleep(2.0)  # the scheduler's first rounds
    return bot


def line(what: str, ours: str, reference: str) -> None:
    print(f"{what:<52} {ours:>22}   {reference}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=20, help="questions before 'loaded'")
    parser.add_argument("--repeat", type=int, default=3, help="runs per wall time (best kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        env = bot_env(tmp, **DEMO)
        # As installed: modules compiled once and read from __pycache__ after. With
        # PYTHONDONTWRITEBYTECODE (set in some sandboxes) every start compiles every module again.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        bot = [sys.executable, "-m", "bot"]
        # Migrations and demo data, not timed.
        subprocess.run([*bot, "db", "upgrade"], env=env, cwd=tmp, capture_output=True, check=True)
        invite = subprocess.run(
            [*bot, "invite", "--role", "official"],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        code = re.search(r"/start (join-\S+)", invite.stdout)
        if code is None:
            raise SystemExit(f"no invite code:\n{invite.stdout}{invite.stderr}")
        bare = wall([sys.executable, "-c", "pass"], env, tmp, args.repeat)
        ask = wall([*bot, "ask", "làm căn cước"], env, tmp, args.repeat)
        coverage = wall([*bot, "report", "coverage", "--json"], env, tmp, args.repeat)
        idle, loaded, on_httpx = asyncio.run(run_memory(tmp, DEMO, code.group(1), args.questions))
    floor = bare_python_rss_mb()
    print(f"Start-up and memory (best of {args.repeat}; python {sys.version.split()[0]})")
    print(f"{'':<52} {'ours':>22}   reference")
    line("python -c pass", timed(bare), "(the floor of any command)")
    line('dvcbot ask "làm căn cước"', timed(ask), f"target < {ASK_TARGET_S:.0f} s wall")
    line("dvcbot report coverage --json", timed(coverage), f"python -c pass {timed(bare)}")
    line(
        "dvcbot run, idle RSS",
        f"{idle:.0f} MB",
        f"target < {IDLE_TARGET_MB:.0f} MB; bare python {floor:.0f} MB",
    )
    line(
        "dvcbot run, idle RSS, http_client = httpx",
        f"{on_httpx:.0f} MB",
        f"the default (aiohttp) {idle:.0f} MB (an option for the smallest servers)",
    )
    line(
        f"dvcbot run, RSS after {args.questions} questions, chart, workbook",
        f"{loaded:.0f} MB",
        f"idle {idle:.0f} MB",
    )


def timed(seconds: tuple[float, float]) -> str:
    return f"{seconds[0]:.2f} s (cpu {seconds[1]:.2f} s)"


if __name__ == "__main__":
    main()
