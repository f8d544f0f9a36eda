"""Chatting searches for no module once warmed up: httpcore asks for sniffio on every request,
and without it installed each ask was a failed import that searched sys.path again (83 µs a
request here, half of what the echo bot's whole request cost)."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from tests.fakes import FakeTelegramServer
from tests.fakes.zalo_api import FakeZaloServer

TEXTS = ("xin chào", "làm căn cước cho con", "/help")


class Searches:
    """A finder first in line that finds nothing and remembers what was looked for."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        self.names.append(name)
        return None


@contextmanager
def module_searches() -> Iterator[list[str]]:
    searches = Searches()
    sys.meta_path.insert(0, searches)
    try:
        yield searches.names
    finally:
        sys.meta_path.remove(searches)


async def searched_in_second_round(
    say: Callable[[str], object], replies: Callable[[int], Awaitable[Sequence[object]]]
) -> list[str]:
    """The modules looked for while TEXTS are said a second time (the first loads what
    answering them needs)."""
    received = 0
    for _ in range(2):
        with module_searches() as searched:
            for text in TEXTS:
                say(text)
                received = len(await replies(received + 1))
    return searched


async def test_chatting_over_telegram_searches_for_no_module(
    app: App, fake_telegram: FakeTelegramServer, telegram: TelegramChannel
) -> None:
    user = 5_550_001
    searched = await searched_in_second_round(
        lambda text: fake_telegram.user_sends_text(user, text),
        lambda count: fake_telegram.wait_for(user, count),
    )
    assert searched == []


async def test_chatting_over_zalo_searches_for_no_module(
    app: App, fake_zalo: FakeZaloServer, zalo: ZaloChannel
) -> None:
    user = "zalo-imports-1"
    searched = await searched_in_second_round(
        lambda text: fake_zalo.user_sends(user, text),
        lambda count: fake_zalo.wait_for(user, count),
    )
    assert searched == []
