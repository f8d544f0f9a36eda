"""One person's view of a messenger, the same for Telegram and Zalo, so one test can run on both.

A person `says` text and `chooses` a choice by its label: on Telegram they press the button, on
Zalo they type the number printed beside it. What they see comes back as `Seen` messages:
text, the choices offered, a picture and a file (on Zalo both come by link and are fetched).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from tests.fakes import FakeTelegramServer
from tests.fakes.zalo_api import FakeZaloServer

SETTLE = 0.3  # a batch of replies arrives within this after the first
LINK = re.compile(r"https?://\S+/files/\S+")


@dataclass
class Seen:
    text: str
    choices: list[str] = field(default_factory=list)
    picture: bytes | None = None
    file: bytes | None = None


class Messenger(Protocol):
    channel: str

    def user_id(self, person: int) -> str: ...
    async def says(self, person: int, text: str) -> list[Seen]: ...
    async def chooses(self, person: int, label: str) -> list[Seen]: ...
    async def news(self, person: int) -> list[Seen]: ...


class OnTelegram:
    """A person on Telegram: buttons are pressed."""

    channel = "telegram"

    def __init__(self, fake: FakeTelegramServer) -> None:
        self.fake = fake
        self.read: dict[int, int] = {}  # how many messages each person has seen

    def user_id(self, person: int) -> str:
        return str(person)

    async def says(self, person: int, text: str) -> list[Seen]:
        return await self._after(person, lambda: self.fake.user_sends_text(person, text))

    async def chooses(self, person: int, label: str) -> list[Seen]:
        pressed = next(
            (
                (message.message_id, data)
                for message in reversed(self.fake.messages_to(person))
                for row in message.buttons
                for text, data in row
                if text.startswith(label)
            ),
            None,
        )
        assert pressed is not None, f"no button {label!r}"
        message_id, data = pressed
        return await self._after(
            person, lambda: self.fake.user_presses_button(person, data, message_id=message_id)
        )

    async def news(self, person: int) -> list[Seen]:
        """What arrived (a notification) since the person last looked."""
        return await self._after(person, None)

    async def _after(self, person: int, act: object) -> list[Seen]:
        """What arrives after `act` (or, with nothing done, since the person last looked)."""
        seen = len(self.fake.messages_to(person))
        if act is None:
            seen = self.read.get(person, 0)
        else:
            act()  # type: ignore[operator]
        await self.fake.wait_for(person, seen + 1)
        await asyncio.sleep(SETTLE)
        messages = self.fake.messages_to(person)
        self.read[person] = len(messages)
        return [self._seen(message) for message in messages[seen:]]

    @staticmethod
    def _seen(message: object) -> Seen:
        return Seen(
            text=getattr(message, "text", None) or "",
            choices=list(getattr(message, "button_labels", [])),
            picture=getattr(message, "photo", None),
            file=getattr(message, "document", None),
        )


class OnZalo:
    """A person on Zalo: choices are numbered lines, answered by typing the number."""

    channel = "zalo"

    def __init__(self, fake: FakeZaloServer) -> None:
        self.fake = fake
        self.read: dict[str, int] = {}  # how many messages each chat has seen

    def user_id(self, person: int) -> str:
        return f"z{person:019d}"

    async def says(self, person: int, text: str) -> list[Seen]:
        return await self._after(person, text)

    async def chooses(self, person: int, label: str) -> list[Seen]:
        for message in reversed(self.fake.messages_to(self.user_id(person))):
            found = re.search(rf"^\s*(\d+)\. {re.escape(label)}", message.text or "", re.M)
            if found:
                return await self._after(person, found.group(1))
        raise AssertionError(f"no numbered choice {label!r}")

    async def news(self, person: int) -> list[Seen]:
        """What arrived (a notification) since the person last looked."""
        return await self._after(person, None)

    async def _after(self, person: int, text: str | None) -> list[Seen]:
        """What arrives after typing `text` (or, with None, since the person last looked)."""
        chat = self.user_id(person)
        seen = len(self.fake.messages_to(chat))
        if text is None:
            seen = self.read.get(chat, 0)
        else:
            self.fake.user_sends(chat, text)
        await self.fake.wait_for(chat, seen + 1)
        await asyncio.sleep(SETTLE)
        messages = self.fake.messages_to(chat)
        self.read[chat] = len(messages)
        return [await self._seen(message) for message in messages[seen:]]

    @staticmethod
    async def _seen(message: object) -> Seen:
        text = getattr(message, "text", None) or ""
        labels = re.findall(r"^\s*\d+\. (.+)$", text, re.M)
        link = LINK.search(text)
        file = None
        if link is not None:
            async with httpx.AsyncClient() as client:
                answer = await client.get(link.group(0))
            file = answer.content if answer.status_code == 200 else None
        return Seen(text=text, choices=labels, picture=getattr(message, "photo", None), file=file)
