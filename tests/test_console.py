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
    assert "1. 📘 Hướng dẫn từng bước" in result.stdout
    assert "❓ Trợ giúp" in result.stdout


def test_numbers_pick_choices_and_state_survives_restart(tmp_path: Path) -> None:
    result = run_chat(tmp_path, "1\n/lenh-la\n", "chat")
    assert result.returncode == 0, result.stderr
    assert "Các hướng dẫn theo nhóm" in result.stdout  # 1 picked "Hướng dẫn từng bước"
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


def test_citizen_walks_a_guide_in_the_console_and_resumes_after_restart(tmp_path: Path) -> None:
    from bot.content.catalog import load_catalog

    guide = load_catalog().get("birth-registration")
    assert guide is not None
    total = len(guide.steps)
    # Ask, start (1), next (2), back (1), then next to the middle, and quit.
    middle = total // 2
    script = ["lam giay khai sinh cho con", "1", "2", "1", *["2"] * (middle - 1)]
    first = run_chat(tmp_path, "\n".join(script) + "\n", "chat")
    assert first.returncode == 0, first.stderr
    assert "Đăng ký khai sinh" in first.stdout and f"Bước 2/{total}" in first.stdout
    assert first.stdout.rstrip().count(f"Bước {middle}/{total}") >= 1

    # A new process: /start offers to continue; then walk to the end and answer.
    rest = ["1", *["2"] * (total - middle + 1), "1"]
    second = run_chat(tmp_path, "\n".join(rest) + "\n", "chat")
    assert second.returncode == 0, second.stderr
    assert f"1. ▶️ Tiếp tục: Đăng ký khai sinh (bước {middle})" in second.stdout
    assert f"Bước {total}/{total}" in second.stdout
    assert "Tuyệt vời, cảm ơn bạn" in second.stdout


def test_weather_gets_the_out_of_scope_answer_in_the_console(tmp_path: Path) -> None:
    result = run_chat(tmp_path, "thoi tiet ngay mai the nao\n", "chat")
    assert result.returncode == 0, result.stderr
    assert "tôi chỉ hỗ trợ các việc về dịch vụ công" in result.stdout
