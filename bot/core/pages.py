"""One page of a long list, for a reply whose buttons must stay few (Telegram refuses a
keyboard of more than about a hundred buttons, and nobody reads one)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.core.actions import Action
from bot.core.messages import Choice
from bot.locales import t

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int  # from 0
    has_previous: bool
    has_next: bool

    def buttons(self, to_page: Callable[[int], Action]) -> list[Choice]:
        """ "Previous page" and "next page", where there is one; `to_page` makes the action."""
        buttons = []
        if self.has_previous:
            buttons.append(to_page(self.number - 1).button(t("pages.previous")))
        if self.has_next:
            buttons.append(to_page(self.number + 1).button(t("pages.next")))
        return buttons


def page_of(items: Sequence[T], number: int, size: int) -> Page[T]:
    """Page `number` of `items`; a number past either end (a stale or forged button) is the
    nearest page, so the list is never shown empty while it has items."""
    last = max(0, (len(items) - 1) // size)
    number = min(max(number, 0), last)
    shown = items[number * size : (number + 1) * size]
    return Page(shown, number, number > 0, number < last)
