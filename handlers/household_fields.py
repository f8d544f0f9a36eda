"""The household fields a volunteer types or picks: parsing, validation, questions, labels.

Shared by the create flow and the edit flow: each field is a step of the flow, and its answer
buttons are the flow's options ("hc:mem:4", "hf:tel:skip"). "🔢 Số khác" moves to a step of its
own ("mem_other", "acc_other") whose prompt has no choices, so that on a channel without
buttons the typed number answers it rather than picking a numbered option. A value that cannot
be used raises Invalid with a polite Vietnamese explanation; the flow asks the same question
again.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bot.core.errors import DomainError
from bot.core.flows import Answer, Flow, Invalid
from bot.core.messages import Choice, Reply
from bot.locales import t
from bot.services import households
from bot.services.privacy import mask_phone
from bot.vntext import fold

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
QUERY = "q"  # the "name" answer button that takes the name last searched for
# After "🔢 Số khác": the step where the number is typed, and the field it answers.
OTHER_STEPS = {"mem_other": "mem", "acc_other": "acc"}
NUMBER_BUTTONS = 8
NAME_PUNCTUATION = frozenset(" .'-")
LONG_DIGITS = re.compile(r"\d[\d .-]{7,}\d")
DIGITS = frozenset("0123456789")
NUMBER = re.compile(r"^(\d{1,6})(?: (?:nguoi|nhan khau|tai khoan|tk))?$")
YES = frozenset({"1", "co", "c", "roi", "da", "yes", "y", "ok", "dong y"})
NO = frozenset({"0", "khong", "k", "ko", "chua", "no", "n"})


def clean_name(raw: str) -> str:
    """A head's name: letters (any accents), spaces and . ' - only, 2 to 120 characters."""
    name = " ".join(raw.split())
    if not 2 <= len(name) <= 120:
        raise Invalid(t("households.bad_head_name"))
    if any(not (ch.isalpha() or ch in NAME_PUNCTUATION) for ch in name):
        raise Invalid(t("volunteer.name_letters_only"))
    return unicodedata.normalize("NFC", name)


def looks_like_name(text: str | None) -> bool:
    if not text:
        return False
    try:
        clean_name(text)
    except Invalid:
        return False
    return True


def parse_number(raw: str, low: int, high: int, problem: str) -> int:
    """A whole number within [low, high]; "4 người" is read as 4."""
    text = raw.strip()
    match = NUMBER.match(fold(text)) if text[:1] in DIGITS else None  # no sign, no emoji
    if match is None or not low <= int(match.group(1)) <= high:
        raise Invalid(problem)
    return int(match.group(1))


def parse_yes_no(raw: str) -> bool:
    answer = fold(raw)
    if answer in YES:
        return True
    if answer in NO:
        return False
    raise Invalid(t("volunteer.yes_no_please"))


def parse_note(raw: str) -> str:
    note = raw.strip()
    if len(note) > 500:
        raise Invalid(t("households.note_too_long"))
    if LONG_DIGITS.search(note):
        raise Invalid(t("volunteer.note_no_numbers"))
    return note


def parse_code(raw: str) -> str:
    code = raw.strip()
    if not households.CODE_PATTERN.match(code):
        raise Invalid(t("households.bad_code"))
    return code


def parse_phone(raw: str) -> str | None:
    try:
        return households.normalize_phone(raw)
    except DomainError as problem:
        raise Invalid(t(problem.key, **problem.values)) from None


def parse(field: str, raw: str, *, members: int) -> Any:
    """The value of `field` from what was typed or pressed."""
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
    raise Invalid(t("errors.bad_button"))


def field_of(step: str) -> str:
    """The field a step asks for: "mem_other" asks for "mem"."""
    return OTHER_STEPS.get(step, step)


def other_step(step: str, answer: Answer) -> str | None:
    """Where "🔢 Số khác" leads, if that was the answer: the step where the number is typed."""
    if answer.pressed and answer.text == OTHER:
        return next((other for other, field in OTHER_STEPS.items() if field == step), None)
    return None


def read(step: str, answer: Answer, *, members: int) -> Any:
    """The value of the step's field; the "skip" button clears an optional field."""
    field = field_of(step)
    if field in OPTIONAL and answer.pressed and answer.text == SKIP:
        return None
    return parse(field, answer.text, members=members)


def question(
    flow: Flow[Any],
    step: str,
    *,
    members: int,
    editing: bool = False,
    suggestion: str | None = None,
    intro: str | None = None,
    extra: tuple[Choice, ...] = (),
) -> Reply:
    """The question of a field step, with its answer buttons from `flow`.

    The typed-number steps only say what range to type: no choices at all, not even `extra`.
    """
    if step in OTHER_STEPS:
        return Reply(type_number_prompt(OTHER_STEPS[step], members))
    choices: list[Choice] = []
    columns = 1
    if step == "name" and suggestion:
        choices.append(
            flow.option(step, QUERY, t("volunteer.use_typed_name", name=suggestion[:40]))
        )
    elif step == "mem":
        choices = [flow.option(step, n, str(n)) for n in range(1, NUMBER_BUTTONS + 1)]
        choices.append(flow.option(step, OTHER, t("volunteer.other_number")))
        columns = 4
    elif step == "acc":
        top = min(members, NUMBER_BUTTONS)
        choices = [flow.option(step, n, str(n)) for n in range(top + 1)]
        if members > NUMBER_BUTTONS:
            choices.append(flow.option(step, OTHER, t("volunteer.other_number")))
        columns = 5
    elif step in ("sub", "pay"):
        choices = [
            flow.option(step, 1, t("volunteer.yes")),
            flow.option(step, 0, t("volunteer.not_yet")),
        ]
        columns = 2
    elif step in OPTIONAL:
        label = t("volunteer.clear_value") if editing else t("volunteer.skip")
        choices.append(flow.option(step, SKIP, label))
    text = t(f"volunteer.ask_{step}", members=members)
    if intro:
        text = f"{intro}\n{text}"
    return Reply(text, choices=(*choices, *extra), columns=columns)


def type_number_prompt(field: str, members: int) -> str:
    """After "🔢 Số khác": what range to type."""
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
