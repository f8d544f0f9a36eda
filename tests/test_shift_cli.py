"""`dvcbot shifts …` from the command line: templates, a make-up day, generation, holidays."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli_admin import dvcbot


def test_templates_days_and_generation_from_the_command_line(tmp_path: Path) -> None:
    assert dvcbot(tmp_path, "locations", "add", "Bộ phận một cửa").returncode == 0
    added = dvcbot(
        tmp_path,
        "shifts",
        "template",
        "add",
        "bo phan mot cua",
        "--days",
        "mon-fri",
        "--start",
        "07:30",
        "--end",
        "11:30",
        "--needed",
        "2",
    )
    assert added.returncode == 0 and "Đã thêm 5 khung ca" in added.stdout, added.stderr
    listing = dvcbot(tmp_path, "shifts", "template", "list").stdout
    assert "Bộ phận một cửa: Thứ Hai 07:30–11:30, 2 người" in listing
    elsewhere = ["Nơi khác", "--days", "sat", "--start", "07:30", "--end", "11:00"]
    unknown = dvcbot(tmp_path, "shifts", "template", "add", *elsewhere)
    assert unknown.returncode == 1 and "Không tìm thấy điểm trực" in unknown.stderr
    day = dvcbot(tmp_path, "shifts", "day", "working", "2027-02-13", "--as", "mon", "--note", "bù")
    assert day.returncode == 0, day.stderr

    first = dvcbot(tmp_path, "shifts", "generate", "--weeks", "2", "--from", "2027-02-01")
    assert first.returncode == 0, first.stderr
    # 10 weekdays minus 5 days of Tết 2027 (4, 5, 8, 9, 10/2), plus the make-up Saturday 13/2.
    assert first.stdout.startswith("01/02/2027–14/02/2027: 6 ca mới"), first.stdout
    assert "nghỉ Thứ Năm 04/02/2027: 29 Tết" in first.stdout
    again = dvcbot(tmp_path, "shifts", "generate", "--weeks", "2", "--from", "2027-02-01")
    assert "0 ca mới, 0 mở lại, 0 cập nhật số người, 0 hủy" in again.stdout

    holidays = dvcbot(tmp_path, "shifts", "holidays", "--year", "2027").stdout
    assert "06/02/2027  T7  Tết Nguyên Đán" in holidays
    assert "13/02/2027 ghi đè: làm việc (như Thứ Hai) bù" in holidays
    counts = dvcbot(tmp_path, "shifts", "counts", "--month", "2027-02")
    assert counts.returncode == 0 and counts.stdout.startswith("người\tđã trực")
