"""Every string the code asks for exists, and placeholders are filled the way texts expect."""

from __future__ import annotations

import re
from pathlib import Path

from bot.locales import catalog

ROOT = Path(__file__).resolve().parents[1]
LITERAL_KEY = re.compile(r"\bt\(\s*\"([a-z_]+\.[a-z0-9_]+)\"")


def test_every_literal_key_in_the_code_exists() -> None:
    strings = catalog()
    used: set[str] = set()
    for folder in ("bot", "handlers", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            used.update(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    assert used, "the scan found no keys at all"
    missing = sorted(key for key in used if key not in strings)
    assert missing == []


def test_texts_are_accented_vietnamese() -> None:
    for key, text in catalog().items():
        letters = [ch for ch in re.sub(r"\{[^}]*\}", "", text) if ch.isalpha()]
        if len(letters) > 20:
            accented = sum(1 for ch in letters if ord(ch) > 127)
            assert accented / len(letters) > 0.08, key
