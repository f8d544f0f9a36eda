"""Setting up a commune from the command line, as an administrator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def dvcbot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DVCBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path}/admin.db",
        "DVCBOT_BOT__DEMO_DATA": "false",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


def test_villages_locations_and_an_invite(tmp_path: Path) -> None:
    assert (
        dvcbot(tmp_path, "villages", "add", "Thôn Đức An", "--households", "120").returncode == 0
    )
    duplicate = dvcbot(tmp_path, "villages", "add", "thon duc an")
    assert duplicate.returncode == 1 and "đã có rồi" in duplicate.stderr
    assert dvcbot(tmp_path, "villages", "set", "Đức An", "--households", "125").returncode == 0
    listing = dvcbot(tmp_path, "villages", "list")
    assert "Thôn Đức An: 0 hộ đã ghi nhận / 125 hộ theo số liệu chính thức" in listing.stdout
    added = dvcbot(
        tmp_path,
        "locations",
        "add",
        "Nhà văn hóa Đức An",
        "--kind",
        "cultural_house",
        "--village",
        "duc an",
    )
    assert added.returncode == 0, added.stderr
    assert "Nhà văn hóa Đức An (cultural_house)" in dvcbot(tmp_path, "locations", "list").stdout
    invite = dvcbot(tmp_path, "invite", "--role", "volunteer", "--village", "Đức An")
    assert invite.returncode == 0 and "/start join-" in invite.stdout
    unknown = dvcbot(tmp_path, "invite", "--role", "volunteer", "--village", "Nowhere")
    assert unknown.returncode == 1 and "Không tìm thấy thôn «Nowhere»" in unknown.stderr
    assert dvcbot(tmp_path, "invite", "--role", "citizen").returncode == 2
