"""The guide catalog: every id of the spec exists and is complete; broken files are reported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.content.catalog import GuideGroup, load_catalog

GUIDE_IDS = Path(__file__).resolve().parent / "data" / "guide-ids.tsv"


def spec_ids() -> list[str]:
    lines = GUIDE_IDS.read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[0] for line in lines[2:] if line.strip()]


def test_every_spec_guide_exists_and_is_complete() -> None:
    catalog = load_catalog()
    assert catalog.problems == []
    ids = spec_ids()
    assert len(ids) == 19
    for guide_id in ids:
        guide = catalog.get(guide_id)
        assert guide is not None, f"missing guide {guide_id}"
        assert len(guide.steps) >= 3 and all(step.text for step in guide.steps)
        assert len(guide.aliases) >= 10
        assert guide.bring and guide.legal_basis and guide.where and guide.fees
        assert all(other in catalog.guides for other in guide.related)
    assert {guide.group for guide in catalog.guides.values()} == set(GuideGroup)


def test_guides_never_ask_for_secrets() -> None:
    for guide in load_catalog().guides.values():
        for step in guide.steps:
            text = f"{step.text} {step.tip or ''}".lower()
            assert not re.search(r"(gửi|đọc|cho)\s+(cho\s+)?(cán bộ|chúng tôi|bot)\s+mã otp", text)


def test_override_directory_replaces_adds_and_reports_broken_files(tmp_path: Path) -> None:
    builtin = load_catalog().get("help-desk")
    assert builtin is not None
    data = builtin.model_dump(mode="json")
    lines = [f"{key} = {_toml(value)}" for key, value in data.items() if key != "steps"]
    hours = "Giờ làm việc: 7:30-11:30 tại nhà văn hóa."
    steps = "".join(
        f'\n[[steps]]\ntitle = "{s["title"]}"\ntext = "{hours}"\n' for s in data["steps"]
    )
    (tmp_path / "help-desk.toml").write_text("\n".join(lines) + steps, encoding="utf-8")
    new = "\n".join(line.replace('"help-desk"', '"local-market"', 1) for line in lines)
    (tmp_path / "local-market.toml").write_text(new + steps, encoding="utf-8")
    (tmp_path / "broken.toml").write_text('id = "broken"\ntitle = "x"\n', encoding="utf-8")
    (tmp_path / "garbled.toml").write_text("id = \n", encoding="utf-8")

    catalog = load_catalog(tmp_path)
    local = catalog.get("help-desk")
    assert local is not None and "nhà văn hóa" in local.steps[0].text
    assert catalog.get("local-market") is not None
    assert catalog.get("birth-registration") is not None
    problems = [str(problem) for problem in catalog.problems]
    assert any("broken.toml" in p and "field group" in p for p in problems)
    assert any("garbled.toml" in p and "TOML" in p for p in problems)


def _toml(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize("guide_id", spec_ids())
def test_each_guide_has_natural_accented_vietnamese(guide_id: str) -> None:
    guide = load_catalog().get(guide_id)
    assert guide is not None
    text = " ".join(step.text for step in guide.steps)
    accented = sum(1 for ch in text if ord(ch) > 127)
    assert accented / max(1, len(text)) > 0.1, "steps should be written with full diacritics"
