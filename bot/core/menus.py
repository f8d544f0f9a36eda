"""Numbered menus for channels without buttons (console, Zalo).

Choices become numbered lines and the chat's conversation state keeps which number means which
choice of the last menu shown (with the question it answered), so the answer survives a restart
and reaches any worker. A number is always the one printed beside the label: choices that are
themselves numbers (a count from 0 to 4) are listed under their own value, the others are
numbered after the largest of them. A prompt without choices forgets the menu, so a typed 9
then answers the prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.messages import Choice, Reply
from bot.locales import t
from bot.vntext import fold

MAX_NUMBER_DIGITS = 4
MAX_KEPT_TEXT = 1500
# What people type to go back, to the menu, or to stop, once accents are folded away.
NAVIGATION_WORDS = frozenset(
    {
        "quay lai",
        "tro lai",
        "tro ve",
        "quay ve",
        "lui",
        "lui lai",
        "back",
        "menu",
        "danh muc",
        "xong",
        "da xong",
        "xong roi",
        "done",
        "huy",
        "huy bo",
        "thoi",
        "thoat",
        "cancel",
        "dung",
        "dung lai",
        "stop",
        "ket thuc",
    }
)


@dataclass(frozen=True, slots=True)
class MenuItem:
    number: int
    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class Menu:
    """The numbered choices last shown to a chat, and the text they were shown with."""

    text: str
    items: tuple[MenuItem, ...]

    def asked_again(self) -> Reply:
        """The question with its choices again: numbering them again gives the same numbers."""
        return Reply(self.text, choices=tuple(Choice(i.label, i.payload) for i in self.items))

    def to_state(self) -> dict[str, Any] | None:
        if not self.items:
            return None
        items = [[item.number, item.label, item.payload] for item in self.items]
        return {"text": self.text, "items": items}

    @classmethod
    def from_state(cls, raw: object) -> Menu:
        """The menu kept in the conversation state; anything unexpected counts as no menu."""
        if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
            return cls("", ())
        items = tuple(
            MenuItem(entry[0], entry[1], entry[2])
            for entry in raw["items"]
            if isinstance(entry, list)
            and len(entry) == 3
            and isinstance(entry[0], int)
            and isinstance(entry[1], str)
            and isinstance(entry[2], str)
        )
        text = raw.get("text")
        return cls(text if isinstance(text, str) else "", items)


def question_of(text: str) -> str:
    """What a menu keeps of the text it came with: its end, where the question is."""
    if len(text) <= MAX_KEPT_TEXT:
        return text
    tail = text[-MAX_KEPT_TEXT:]
    return tail[tail.find("\n") + 1 :]


def numeric_value(choice: Choice) -> int | None:
    """The number a choice stands for when its label is just a number ("3")."""
    label = choice.label.strip()
    if label.isascii() and label.isdigit() and len(label) <= MAX_NUMBER_DIGITS:
        return int(label)
    return None


def number_choices(choices: Sequence[Choice]) -> tuple[MenuItem, ...]:
    """Number choices: numeric labels keep their value, the rest follow the largest of them."""
    taken: set[int] = set()
    numbers: list[int | None] = []
    for choice in choices:
        value = numeric_value(choice)
        if value is not None and value not in taken:
            taken.add(value)
            numbers.append(value)
        else:
            numbers.append(None)
    following = max(taken) + 1 if taken else 1
    items = []
    for choice, number in zip(choices, numbers, strict=True):
        if number is None:
            number, following = following, following + 1
        items.append(MenuItem(number, choice.label, choice.payload))
    return tuple(items)


def menu_lines(items: Sequence[MenuItem]) -> list[str]:
    """The lines that show a menu: a run of numeric choices on one line, the others one each."""
    lines = [t("menus.choose_number")]
    run: list[str] = []
    for item in items:
        if item.label.strip() == str(item.number):
            run.append(str(item.number))
            continue
        if run:
            lines.append("  " + " · ".join(run))
            run = []
        lines.append(f"  {item.number}. {item.label}")
    if run:
        lines.append("  " + " · ".join(run))
    return lines


def with_menu(reply: Reply, items: Sequence[MenuItem]) -> Reply:
    """The reply's text followed by its numbered choices; the choices themselves are dropped."""
    lines = [reply.text, ""] if reply.text else []
    lines += menu_lines(items)
    return Reply("\n".join(lines), image=reply.image, document=reply.document)


def typed_number(text: str) -> int | None:
    """A bare number as people type it ("3", " 3 ", "3."), or None."""
    cleaned = text.strip().rstrip(".)")
    if cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= MAX_NUMBER_DIGITS:
        return int(cleaned)
    return None


def is_navigation(text: str) -> bool:
    """Words for back, menu, done or cancel, with or without accents."""
    return fold(text) in NAVIGATION_WORDS


def pick(menu: Menu, text: str) -> MenuItem | None:
    """The menu item a typed number names, if it is on the menu."""
    number = typed_number(text)
    return next((item for item in menu.items if item.number == number), None)


def shown_again(menu: Menu, text: str) -> list[Reply]:
    """One short hint (the number typed is not on the menu, or say it by number), then the
    same question and menu, numbered as before."""
    number = typed_number(text)
    if number is not None:
        hint = t("menus.not_on_list", number=number)
    else:
        way_out = menu.items[-1]
        hint = t("menus.type_the_number", number=way_out.number, label=way_out.label)
    return [Reply(hint), menu.asked_again()]
