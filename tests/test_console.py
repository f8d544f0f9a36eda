"""The console channel, run as a person would: `dvcbot chat` with piped input."""

from __future__ import annotations

import csv
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.locales import t


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

    # A new process shows the step left open, numbered as before; walk to the end and answer.
    rest = [*["2"] * (total - middle + 1), "1"]
    second = run_chat(tmp_path, "\n".join(rest) + "\n", "chat")
    assert second.returncode == 0, second.stderr
    assert second.stdout.index(f"Bước {middle}/{total}") < second.stdout.index("Gõ số để chọn")
    assert f"Bước {total}/{total}" in second.stdout
    assert "Tuyệt vời, cảm ơn bạn" in second.stdout


def test_weather_gets_the_out_of_scope_answer_in_the_console(tmp_path: Path) -> None:
    result = run_chat(tmp_path, "thoi tiet ngay mai the nao\n", "chat")
    assert result.returncode == 0, result.stderr
    assert "tôi chỉ hỗ trợ các việc về dịch vụ công" in result.stdout


# ------------------------------------------------------------------ numbered menus, piped


def number_of(output: str, label: str) -> str:
    """The number printed beside `label` in the last menu of a console transcript."""
    found = re.findall(rf"^\s*(\d+)\. {re.escape(label)}", output, re.MULTILINE)
    assert found, f"{label!r} not on the menu:\n{output[-1500:]}"
    return str(found[-1])


def turn(tmp_path: Path, lines: list[str], *args: str) -> str:
    """One console process: type `lines`, then quit (each turn is a restart)."""
    result = run_chat(tmp_path, "".join(f"{line}\n" for line in lines), "chat", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def exported(tmp_path: Path) -> dict[str, dict[str, str]]:
    result = run_chat(tmp_path, "", "export", "households", str(tmp_path / "ho.csv"))
    assert result.returncode == 0, result.stderr
    with (tmp_path / "ho.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return {row["Chủ hộ"]: row for row in rows}


def test_a_volunteer_registers_a_household_by_typing_numbers(tmp_path: Path) -> None:
    volunteer = ("--as", "volunteer", "--name", "Trần Văn Tư", "--user", "tu")
    out = turn(tmp_path, ["/households"], *volunteer)
    out = turn(tmp_path, [number_of(out, "Thôn Đức An")], *volunteer)
    out = turn(tmp_path, [number_of(out, t("volunteer.add_new"))], *volunteer)
    out = turn(
        tmp_path, [number_of(out, t("volunteer.consent_yes")), "Hoàng Văn Thử", "4"], *volunteer
    )
    assert "0 · 1 · 2 · 3 · 4" in out
    # A new process between the question and the answer: the same numbers still hold.
    out = turn(tmp_path, ["9", "quay lại", "3"], *volunteer)
    assert t("menus.not_on_list", number=9) in out
    assert "Muốn quay lại, gõ" in out
    out = turn(tmp_path, [number_of(out, t("volunteer.yes"))], *volunteer)
    out = turn(tmp_path, [number_of(out, t("volunteer.not_yet"))], *volunteer)
    out = turn(tmp_path, [number_of(out, t("volunteer.skip"))], *volunteer)
    out = turn(tmp_path, [number_of(out, t("volunteer.skip"))], *volunteer)
    out = turn(tmp_path, [number_of(out, t("volunteer.save"))], *volunteer)
    row = exported(tmp_path)["Hoàng Văn Thử"]
    assert (row["Số nhân khẩu"], row["Số tài khoản DVC"]) == ("4", "3")
    assert "Trần Văn Tư" in turn(tmp_path, ["/people"], "--as", "admin", "--user", "tu")


def test_each_console_gets_only_its_own_messages(tmp_path: Path) -> None:
    officer = ("--as", "officer", "--name", "Trần Văn Tư", "--user", "tu")
    citizen = ("--name", "Lê Thị Hoa", "--user", "hoa")
    turn(tmp_path, [], *officer)
    out = turn(tmp_path, ["gặp cán bộ"], *citizen)
    out = turn(tmp_path, [number_of(out, t("handoff.ask_button"))], *citizen)
    out = turn(tmp_path, ["Tôi cần làm giấy khai sinh cho con"], *citizen)
    out = turn(tmp_path, [number_of(out, t("handoff.skip_phone_button"))], *citizen)
    assert "Đã gửi yêu cầu số 1" in out
    assert "Yêu cầu gặp cán bộ số 1" not in out  # the officer's notice is not shown to Hoa
    assert outbox_statuses(tmp_path, "handoff:1:notify:", "tu") == {"pending"}

    out = turn(tmp_path, [], *officer)
    assert "Yêu cầu gặp cán bộ số 1" in out and "Lê Thị Hoa" in out
    out = turn(tmp_path, [number_of(out, t("handoff.take_button"))], *officer)
    assert outbox_statuses(tmp_path, "handoff:1:taken", "hoa") == {"pending"}
    out = turn(tmp_path, [], *citizen)
    assert "Cán bộ Trần Văn Tư đã nhận yêu cầu số 1" in out


def outbox_statuses(tmp_path: Path, prefix: str, chat_id: str) -> set[str]:
    with sqlite3.connect(tmp_path / "c.db") as connection:
        rows = connection.execute(
            "SELECT status FROM outbox WHERE key LIKE ? AND channel = 'console' AND chat_id = ?",
            (f"{prefix}%", chat_id),
        ).fetchall()
    return {status for (status,) in rows}
