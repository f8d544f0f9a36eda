"""The household fields a volunteer types or picks: parsing, validation, questions, labels.

Shared by the create flow (buttons "hc:<field>:<value>") and the edit flow ("hf:<field>:<value>").
A value that cannot be used raises BadInput with a polite Vietnamese explanation; the flow then
asks the same question again.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bot.core.messages import Choice, Reply
from bot.locales import t
from bot.services import households
from bot.services.errors import DomainError
from bot.services.privacy import mask_phone
from bot.services.vntext import fold

# Field codes used in payloads and flow steps -> Household / HouseholdData attribute names.
ATTRS = {
    "name": "head_name",
    "code": "code",
    "mem": "members",
    "acc": "members_with_account",
    "sub": "submitted_online",
    "pay": "paid_online",
    "tel": "phone",
    "note": "note",
}
OPTIONAL = ("tel", "note")
SKIP = "skip"
OTHER = "other"
NUMBER_BUTTONS = 8
NAME_PUNCTUATION = frozenset(" .'-")
LONG_DIGITS = re.compile(r"\d[\d .-]{7,}\d")
DIGITS = frozenset("0123456789")
NUMBER = re.compile(r"^(\d{1,6})(?: (?:nguoi|nhan khau|tai khoan|tk))?$")
YES = frozenset({"1", "co", "c", "roi", "da", "yes", "y", "ok", "dong y"})
NO = frozenset({"0", "khong", "k", "ko", "chua", "no", "n"})


class BadInput(Exception):
    """A typed or pressed value that cannot be used; `text` says why, politely."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def clean_name(raw: str) -> str:
    """A head's name: letters (any accents), spaces and . ' - only, 2 to 120 characters."""
    name = " ".join(raw.split())
    if not 2 <= len(name) <= 120:
        raise BadInput(t("households.bad_head_name"))
    if any(not (ch.isalpha() or ch in NAME_PUNCTUATION) for ch in name):
        raise BadInput(t("volunteer.name_letters_only"))
    return unicodedata.normalize("NFC", name)


def looks_like_name(text: str | None) -> bool:
    if not text:
        return False
    try:
        clean_name(text)
    except BadInput:
        return False
    return True


def parse_number(raw: str, low: int, high: int, problem: str) -> int:
    """A whole number within [low, high]; "4 người" is read as 4."""
    text = raw.strip()
    match = NUMBER.match(fold(text)) if text[:1] in DIGITS else None  # no sign, no emoji
    if match is None or not low <= int(match.group(1)) <= high:
        raise BadInput(problem)
    return int(match.group(1))


def parse_yes_no(raw: str) -> bool:
    answer = fold(raw)
    if answer in YES:
        return True
    if answer in NO:
        return False
    raise BadInput(t("volunteer.yes_no_please"))


def parse_note(raw: str) -> str:
    note = raw.strip()
    if len(note) > 500:
        raise BadInput(t("households.note_too_long"))
    if LONG_DIGITS.search(note):
        raise BadInput(t("volunteer.note_no_numbers"))
    return note


def parse_code(raw: str) -> str:
    code = raw.strip()
    if not households.CODE_PATTERN.match(code):
        raise BadInput(t("households.bad_code"))
    return code


def parse_phone(raw: str) -> str | None:
    try:
        return households.normalize_phone(raw)
    except DomainError as problem:
        raise BadInput(t(problem.key, **problem.values)) from None


def parse(field: str, raw: str, *, members: int) -> Any:
    """The value of `field` from what was typed or pressed; SKIP clears an optional field."""
    if field in OPTIONAL and raw == SKIP:
        return None
    if field == "name":
        return clean_name(raw)
    if field == "code":
        return parse_code(raw)
    if field == "mem":
        limit = households.MAX_MEMBERS
        return parse_number(raw, 1, limit, t("households.bad_members", limit=limit))
    if field == "acc":
        return parse_number(raw, 0, members, t("volunteer.bad_accounts", members=members))
    if field in ("sub", "pay"):
        return parse_yes_no(raw)
    if field == "tel":
        return parse_phone(raw)
    if field == "note":
        return parse_note(raw)
    raise BadInput(t("errors.bad_button"))


def question(
    field: str,
    prefix: str,
    *,
    members: int,
    editing: bool = False,
    suggestion: str | None = None,
    extra: tuple[Choice, ...] = (),
) -> Reply:
    """The question for `field` with its answer buttons (payloads "<prefix>:<field>:<value>")."""
    choices: list[Choice] = []
    columns = 1
    if field == "name" and suggestion:
        label = t("volunteer.use_typed_name", name=suggestion[:40])
        choices.append(Choice(label, f"{prefix}:name:q"))
    elif field == "mem":
        choices = [Choice(str(n), f"{prefix}:mem:{n}") for n in range(1, NUMBER_BUTTONS + 1)]
        choices.append(Choice(t("volunteer.other_number"), f"{prefix}:mem:{OTHER}"))
        columns = 4
    elif field == "acc":
        top = min(members, NUMBER_BUTTONS)
        choices = [Choice(str(n), f"{prefix}:acc:{n}") for n in range(top + 1)]
        if members > NUMBER_BUTTONS:
            choices.append(Choice(t("volunteer.other_number"), f"{prefix}:acc:{OTHER}"))
        columns = 5
    elif field in ("sub", "pay"):
        choices = [
            Choice(t("volunteer.yes"), f"{prefix}:{field}:1"),
            Choice(t("volunteer.not_yet"), f"{prefix}:{field}:0"),
        ]
        columns = 2
    elif field in OPTIONAL:
        label = t("volunteer.clear_value") if editing else t("volunteer.skip")
        choices.append(Choice(label, f"{prefix}:{field}:{SKIP}"))
    text = t(f"volunteer.ask_{field}", members=members)
    return Reply(text, choices=(*choices, *extra), columns=columns)


def type_number_prompt(field: str, members: int) -> str:
    """After "type another number": what range to type."""
    if field == "mem":
        return t("volunteer.type_members", limit=households.MAX_MEMBERS)
    return t("volunteer.type_accounts", members=members)


def yes_no(value: bool) -> str:
    return t("volunteer.yes_short") if value else t("volunteer.no_short")


def show(field: str, value: Any) -> str:
    """A field's value as a person reads it; phones always masked."""
    if value is None or value == "":
        return t("volunteer.empty_value")
    if field in ("sub", "pay"):
        return yes_no(bool(value))
    if field == "tel":
        return mask_phone(str(value))
    return str(value)


def field_label(field: str) -> str:
    return t(f"volunteer.field_{field}")
