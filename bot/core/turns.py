"""One update at a time per chat, in the order the updates came, and a bound on all of them.

A channel may handle many updates at once (python-telegram-bot's concurrent updates, webhook
pushes), but someone who types three messages in a row must read the answers in that order,
and their updates must not race for the same person and state: two first contacts of one
person at once made one fail on a unique key and start again (PostgreSQL), and a reply sent
while an earlier update's second reply was on its way came between the two. A chat's turn
covers handling and sending; its settlement (bookkeeping only) comes after the turn.
A turn takes one of the channel's slots only once the chat's earlier updates are answered, so
someone who sends fifty messages in a row waits for their own answers without taking the
slots everybody else's updates need.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ChatTurns:
    """Each channel keeps one: a lock per chat that has an update in hand, and `slots` turns
    at once over all chats. asyncio's locks serve waiters first come, first served, so
    updates keep their order. A chat's lock is dropped once nobody holds or awaits it, so a
    bot keeps locks only for the chats it is answering."""

    def __init__(self, slots: int) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._slots = asyncio.Semaphore(slots)

    @asynccontextmanager
    async def turn(self, chat: str) -> AsyncIterator[None]:
        """Wait for the chat's earlier updates to be answered and for a free slot, then hold
        both."""
        lock, holders = self._locks.get(chat) or (asyncio.Lock(), 0)
        self._locks[chat] = (lock, holders + 1)
        try:
            async with lock, self._slots:
                yield
        finally:
            lock, holders = self._locks[chat]
            if holders == 1:
                del self._locks[chat]
            else:
                self._locks[chat] = (lock, holders - 1)

    def waiting(self) -> int:
        """Chats with an update being answered or waiting its turn."""
        return len(self._locks)
