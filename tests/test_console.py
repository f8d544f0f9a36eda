"""The console channel, run as a person would: `dvcbot chat` with piped input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_chat(tmp_path: Path, lines: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DVCBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path}/c.db"}
    env.pop("DVCBOT_TELEGRAM__TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=lines,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


def test_piped_chat_shows_greeting_and_numbered_menu(tmp_path: Path) -> None:
    result = run_chat(tmp_path, "", "chat")
    assert result.returncode == 0, result.stderr
    assert "Xin chào" in result.stdout
    assert "Gõ số để chọn:" in result.stdout
    assert "1. ❓ Trợ giúp" in result.stdout


def test_numbers_pick_choices_and_state_survives_restart(tmp_path: Path) -> None:
    result = run_chat(tmp_path, "1\n/lenh-la\n", "chat")
    assert result.returncode == 0, result.stderr
    assert "/menu — mở danh mục chính" in result.stdout  # 1 picked "Trợ giúp"
    assert "Tôi không biết lệnh /lenh-la" in result.stdout
    again = run_chat(tmp_path, "", "chat")
    assert again.returncode == 0 and "Xin chào" in again.stdout


def test_run_without_token_says_so_and_uses_the_console(tmp_path: Path) -> None:
    result = run_chat(tmp_path, "", "run")
    assert result.returncode == 0, result.stderr
    assert "token" in result.stderr.lower() and result.stderr.strip().count("\n") == 0
    assert "Xin chào" in result.stdout


def test_help_is_plain_words(tmp_path: Path) -> None:
    result = run_chat(tmp_path, "", "--help")
    assert result.returncode == 0
    for command in ("run", "chat", "db"):
        assert command in result.stdout
