"""What a channel can show, so the core can degrade a reply for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# What a channel does with a picture or a file: uploads it, sends a signed link to it (the
# web side serves it), or neither (one polite line says so).
Sending = Literal["upload", "link", "none"]


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """A channel's capabilities; the defaults are Telegram's."""

    name: str
    buttons: bool = True  # False: choices become numbered lines answered by typing the number
    edits: bool = True  # False: a reply meant to replace the pressed message is sent anew
    max_text: int = 4096  # longer texts are split at paragraph and line ends
    pictures: Sending = "upload"
    files: Sending = "upload"
    # Replies are outbox rows until sent: a crash between the commit and the send loses none.
    keeps_replies: bool = False
    # Links that open a private chat with the bot (and with "/start <payload>"), once known.
    chat_link: str | None = None
    start_link: str | None = None
