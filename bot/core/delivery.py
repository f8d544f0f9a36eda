"""How the core sends proactive messages through a channel, and how a send can fail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.core.channels import ChannelInfo
from bot.core.messages import Choice, Reply


class FailureKind(StrEnum):
    RETRY_AFTER = "retry_after"  # flood control: wait the given seconds, then retry
    TRANSIENT = "transient"  # network trouble, 5xx, timeouts: back off and retry
    BLOCKED = "blocked"  # the person blocked the bot: never retry
    REJECTED = "rejected"  # the platform refused the message itself: never retry


@dataclass
class DeliveryError(Exception):
    kind: FailureKind
    reason: str
    retry_after: float = 0.0

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.reason}"


class Sender(Protocol):
    """A channel able to send to a chat on its own initiative."""

    @property
    def info(self) -> ChannelInfo:
        """What the channel can show (its name keys the outbox rows it sends)."""

    @property
    def only_chats(self) -> frozenset[str] | None:
        """The chats it may send to (a console: its own person's); None: every chat."""

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send, or raise DeliveryError saying whether and when to try again."""


def reply_to_payload(reply: Reply) -> dict[str, object]:
    """A Reply as JSON for the outbox (text and buttons; files are not queued)."""
    return {
        "text": reply.text,
        "choices": [[choice.label, choice.payload] for choice in reply.choices],
        "columns": reply.columns,
    }


def payload_to_reply(payload: dict[str, object]) -> Reply:
    raw_choices = payload.get("choices") or []
    assert isinstance(raw_choices, list)
    columns = payload.get("columns", 1)
    return Reply(
        text=str(payload["text"]),
        choices=tuple(Choice(str(label), str(data)) for label, data in raw_choices),
        columns=columns if isinstance(columns, int) else 1,
    )
