"""What a channel hands the core (Incoming) and what the core hands back (Reply, Choice)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_PAYLOAD_BYTES = 64


class Attachment(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    STICKER = "sticker"
    VOICE = "voice"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person did in a chat: typed text, pressed a button, or sent something else."""

    channel: str
    chat_id: str
    user_id: str
    text: str | None = None
    payload: str | None = None
    display_name: str = ""
    username: str | None = None
    attachment: Attachment | None = None
    key: str | None = None
    group: bool = False  # written in a group chat, where only public answers are given


@dataclass(frozen=True, slots=True)
class Choice:
    """A button (or a numbered option where a channel has no buttons)."""

    label: str
    payload: str

    def __post_init__(self) -> None:
        size = len(self.payload.encode("utf-8"))
        if not 1 <= size <= MAX_PAYLOAD_BYTES:
            raise ValueError(
                f"choice payload must be 1-{MAX_PAYLOAD_BYTES} bytes: {self.payload!r}"
            )


@dataclass(frozen=True, slots=True)
class Document:
    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """A channel-neutral answer; each channel renders what it can and degrades the rest."""

    text: str
    choices: tuple[Choice, ...] = ()
    columns: int = 1
    image: bytes | None = None
    document: Document | None = None
    # Update the message whose button was pressed, where the channel can; else send anew.
    replace: bool = False
    # A picture by link, for a channel that sends pictures so (set when the reply is shaped).
    image_url: str | None = None

    def rows(self) -> list[list[Choice]]:
        """Choices grouped into keyboard rows of `columns`."""
        width = max(1, self.columns)
        return [list(self.choices[i : i + width]) for i in range(0, len(self.choices), width)]


Replies = Reply | list[Reply]
