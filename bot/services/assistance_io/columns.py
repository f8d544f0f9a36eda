"""The columns of an assistance sheet and their header words."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from bot.db.models import AssistAction
from bot.services.household_io import Vocabulary, vocabulary
from bot.vntext import fold

HEADERS_FILE = Path(__file__).resolve().parents[2] / "content" / "assistance_headers.toml"
ACTIONS = tuple(action.value for action in AssistAction)
COLUMNS = ("day", "village", "code", "head_name", "helper", *ACTIONS, "procedure", "fee", "note")
REQUIRED = ("day", "village", "helper")


@cache
def assistance_words(path: Path = HEADERS_FILE) -> Vocabulary:
    """The header words of an assistance sheet, with the household import's yes/no words."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    columns: dict[str, list[str]] = data["columns"]
    if set(columns) != set(COLUMNS):
        raise ValueError(f"{path.name}: the columns must be {COLUMNS}")
    synonyms: dict[str, str] = {}
    for name, names in columns.items():
        for header in names:
            if synonyms.setdefault(fold(header), name) != name:
                raise ValueError(f"{path.name}: {header!r} names two columns")
    words = vocabulary()
    return Vocabulary(
        synonyms=synonyms,
        labels={name: names[0] for name, names in columns.items()},
        ignored=frozenset(fold(header) for header in data["ignore"]["headers"]),
        true_words=words.true_words,
        false_words=words.false_words,
        yes_label=words.yes_label,
        no_label=words.no_label,
    )
