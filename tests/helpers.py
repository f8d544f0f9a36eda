"""Small helpers for driving the dispatcher like a chat user would."""

from __future__ import annotations

import itertools

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.core.messages import Incoming, Reply
from bot.services import places

_keys = itertools.count(1)


async def first_commune(session: AsyncSession) -> int:
    """The commune the test app made when it prepared its database."""
    commune = await places.get_commune(session)
    assert commune is not None
    return commune.id


class ChatUser:
    """A person chatting through the real dispatcher on a test channel."""

    def __init__(
        self,
        app: App,
        user_id: str = "1001",
        name: str = "Nguyễn Văn An",
        *,
        channel: str = "test",
        group: str | None = None,
    ) -> None:
        self.app = app
        self.user_id = user_id
        self.name = name
        self.channel = channel
        self.group = group  # writing in this group chat instead of the private chat

    def in_group(self, group: str) -> ChatUser:
        """The same person writing in a group chat."""
        return ChatUser(self.app, self.user_id, self.name, channel=self.channel, group=group)

    def incoming(self, *, text: str | None = None, payload: str | None = None) -> Incoming:
        return Incoming(
            channel=self.channel,
            chat_id=self.group or self.user_id,
            user_id=self.user_id,
            group=self.group is not None,
            text=text,
            payload=payload,
            display_name=self.name,
            key=f"test:{next(_keys)}",
        )

    async def says(self, text: str) -> list[Reply]:
        return await self.app.dispatcher.handle(self.incoming(text=text))

    async def presses(self, payload: str) -> list[Reply]:
        return await self.app.dispatcher.handle(self.incoming(payload=payload))


def texts(replies: list[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


def labels(replies: list[Reply]) -> list[str]:
    return [choice.label for reply in replies for choice in reply.choices]


def payloads(replies: list[Reply]) -> list[str]:
    return [choice.payload for reply in replies for choice in reply.choices]
