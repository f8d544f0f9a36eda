"""Light start (issue 15): heavy libraries are loaded when first needed, not by every command.

Each case runs a fresh interpreter and lists the modules it ended up with, so nothing imported by
the test process itself can hide a regression.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.bot_process import BotProcess, bot_env, cmdline, telegram_env, wait_until_polling
from tests.fakes import FakeTelegramServer

# Charts, pictures, workbooks, posters, the web server, messenger clients (aiohttp only where
# `[telegram] http_client` asks for it), migrations, holidays,
# fuzzy matching, and the pretty printing httpx's own command line would pull in.
HEAVY = frozenset(
    {
        "matplotlib",
        "numpy",
        "PIL",
        "openpyxl",
        "fpdf",
        "segno",
        "starlette",
        "uvicorn",
        "prometheus_client",
        "telegram",
        "httpx",
        "aiohttp",
        "alembic",
        "holidays",
        "rank_bm25",
        "rapidfuzz",
        "rich",
    }
)
# What answering a question needs: the matcher's BM25 index is numpy arrays, typos go to
# rapidfuzz (so do the FAQ and household search, also on first use).
MATCHER = frozenset({"numpy", "rank_bm25", "rapidfuzz"})
MODULES = "print(json.dumps(sorted(name for name, module in sys.modules.items() if module)))"
POSTGRESQL = "sqlalchemy.dialects.postgresql"
USER = 7301


def loaded_after(tmp_path: Path, code: str, stdin: str = "") -> tuple[set[str], list[str]]:
    """Modules loaded after running `code`, and the lines it printed before."""
    script = f"import json, sys\n{code}\n{MODULES}"
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=bot_env(tmp_path),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    *printed, modules = done.stdout.splitlines()
    return set(json.loads(modules)), printed


def packages(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def run_cli(*args: str) -> str:
    """Code that runs `dvcbot <args>` in the same interpreter and keeps it alive afterwards."""
    return (
        f"from bot.cli import cli\ncli({list(args)!r}, prog_name='dvcbot', standalone_mode=False)"
    )


# As the `dvcbot` script runs a command: only that command's modules are imported.
DVCBOT_SCRIPT = (
    "sys.argv = ['dvcbot', {args}]\nfrom bot.cli import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass"
)


def test_importing_the_command_line_loads_no_heavy_library(tmp_path: Path) -> None:
    loaded, _ = loaded_after(tmp_path, "import bot.cli.root")
    assert packages(loaded) & HEAVY == set()


def test_ask_loads_only_the_matcher(tmp_path: Path) -> None:
    loaded, printed = loaded_after(tmp_path, run_cli("ask", "làm căn cước"))
    assert printed[0].startswith("id-card  ")
    assert packages(loaded) & HEAVY == MATCHER


def test_a_started_bot_loads_heavy_libraries_only_when_asked(tmp_path: Path) -> None:
    # The console bot on a new database: migrations, scheduler and dispatcher start, then input
    # ends at once.
    loaded, _ = loaded_after(tmp_path, run_cli("chat"))
    assert packages(loaded) & HEAVY == {"alembic"}
    # Started again, the database is up to date; a question builds the matcher, and still no
    # chart, picture, workbook, poster, web server or messenger library is loaded.
    loaded, printed = loaded_after(tmp_path, run_cli("chat"), stdin="làm căn cước\n")
    assert any("căn cước" in line for line in printed)
    assert packages(loaded) & HEAVY == MATCHER
    assert POSTGRESQL not in loaded  # 2 MB that an SQLite installation never needs


def test_the_dvcbot_command_loads_only_the_command_asked_for(tmp_path: Path) -> None:
    # As the `dvcbot` script runs it: `ask` needs neither the database layer nor the other
    # commands' modules; `--help` lists every command.
    loaded, printed = loaded_after(tmp_path, DVCBOT_SCRIPT.format(args="'ask', 'làm căn cước'"))
    assert printed[0].startswith("id-card  ")
    assert "sqlalchemy" not in packages(loaded) and packages(loaded) & HEAVY == MATCHER
    _, printed = loaded_after(tmp_path, DVCBOT_SCRIPT.format(args="'--help'"))
    listed = "\n".join(printed)
    assert all(f" {name} " in listed for name in ("ask", "run", "chat", "db", "report", "poster"))


def test_an_admin_command_loads_neither_the_handlers_nor_the_scheduler(tmp_path: Path) -> None:
    # A report from the command line needs the database and the report, not the chat's
    # handlers or the scheduled jobs (a fifth of its start-up when they were imported).
    loaded, printed = loaded_after(
        tmp_path, DVCBOT_SCRIPT.format(args="'report', 'coverage', '--json'")
    )
    assert json.loads("\n".join(printed))["commune"]["households"] == 0
    assert {"handlers", "scheduler", "apscheduler"} & packages(loaded) == set()


async def test_a_running_bot_keeps_no_docstrings_and_its_process_id(
    tmp_path: Path, fake_telegram: FakeTelegramServer
) -> None:
    # `dvcbot run` starts itself again under `python -OO` (about 6 MB less at rest): in the
    # same process, so a service manager still watches, signals and stops what it started.
    bot = await BotProcess(tmp_path, telegram_env(tmp_path, fake_telegram)).start()
    try:
        await wait_until_polling(fake_telegram, bot)
        assert bot.process is not None
        assert {"-OO", "run"} <= set(cmdline(bot.process.pid).split())
        fake_telegram.user_sends_text(USER, "/start", first_name="Lan")
        [greeting] = await fake_telegram.wait_for(USER, 1, timeout=40)
        assert greeting.text is not None and "Xin chào Lan" in greeting.text
    finally:
        assert await bot.stop() == 0, bot.stderr
    assert "Traceback" not in bot.stderr
