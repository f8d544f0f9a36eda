"""The columns of an assistance sheet and their header words."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.db.models import AssistAction
from bot.services.household_io import Vocabulary, vocabulary
from bot.services.household_io.headers import load_vocabulary

HEADERS_FILE = Path(__file__).resolve().parents[2] / "content" / "assistance_headers.toml"
ACTIONS = tuple(action.value for action in AssistAction)
COLUMNS = ("day", "village", "code", "head_name", "helper", *ACTIONS, "procedure", "fee", "note")
REQUIRED = ("day", "village", "helper")


@cache
def assistance_words(path: Path = HEADERS_FILE) -> Vocabulary:
    """The header words of an assistance sheet, with the household import's yes/no words."""
    return load_vocabulary(path, COLUMNS, yes_no_from=vocabulary())
