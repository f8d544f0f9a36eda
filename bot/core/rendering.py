"""Replies degraded for what a channel can show: numbered menus, no edits, media, long texts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core import menus
from bot.core.channels import ChannelInfo
from bot.core.media import MediaStore
from bot.core.messages import Document, Reply
from bot.locales import t

# The first bytes of the pictures the bot sends, and the name their link ends with.
PICTURE_NAMES = (
    (b"\x89PNG", "hinh-anh.png"),
    (b"\xff\xd8\xff", "hinh-anh.jpg"),
    (b"GIF8", "hinh-anh.gif"),
)


def for_channel(
    replies: Sequence[Reply], channel: ChannelInfo, media: MediaStore | None = None
) -> tuple[list[Reply], menus.Menu | None]:
    """The replies as the channel can show them, and, without buttons, the menu they offer.

    The menu numbers the choices of every reply in the batch together, so each number shown
    is unique, and keeps the text of the last reply with choices (the question); it has no
    items when no reply has choices (the chat's old menu is then forgotten), and it is None on
    channels with buttons, whose state needs no menu. A channel that gets pictures or files by
    link gets them kept in `media` and linked (as a polite line without a public URL).
    """
    shaped = [_degrade_media(reply, channel, media) for reply in replies]
    menu: menus.Menu | None = None
    if not channel.buttons:
        items = menus.number_choices([choice for reply in shaped for choice in reply.choices])
        asking = [reply.text for reply in shaped if reply.choices]
        menu = menus.Menu(menus.question_of(asking[-1]) if asking else "", items)
        numbered = iter(items)
        shaped = [
            _numbered(reply, [next(numbered) for _ in reply.choices]) if reply.choices else reply
            for reply in shaped
        ]
    if not channel.edits:
        shaped = [replace(reply, replace=False) for reply in shaped]
    return [part for reply in shaped for part in _split(reply, channel.max_text)], menu


def _numbered(reply: Reply, items: Sequence[menus.MenuItem]) -> Reply:
    """The reply with its choices as numbered lines; its picture, file or link stay."""
    return replace(reply, text=menus.with_menu(reply, items).text, choices=())


def _degrade_media(reply: Reply, channel: ChannelInfo, media: MediaStore | None) -> Reply:
    """A picture or file the channel does not upload becomes a link, or one polite line."""
    notes = []
    if reply.image is not None and channel.pictures != "upload":
        url = _picture_link(reply.image, media) if channel.pictures == "link" else None
        if url is None:
            notes.append(t("channels.no_pictures"))
        reply = replace(reply, image=None, image_url=url)
    if reply.document is not None and channel.files != "upload":
        line = _file_line(reply.document, media) if channel.files == "link" else None
        notes.append(line or t("channels.no_files"))
        reply = replace(reply, document=None)
    if not notes:
        return reply
    return replace(reply, text="\n\n".join([reply.text, *notes]))


def _picture_link(image: bytes, media: MediaStore | None) -> str | None:
    """A signed link to the picture, kept in the store; None where no link can be made."""
    if media is None or media.public_url is None:
        return None
    name = next((name for head, name in PICTURE_NAMES if image.startswith(head)), "hinh-anh.png")
    return media.link("media", media.put(image), name)


def _file_line(document: Document, media: MediaStore | None) -> str | None:
    """The line with a signed link to the file, kept in the store; None where links cannot be."""
    if media is None or media.public_url is None:
        return None
    link = media.signed_link("files", media.put(document.content), document.filename)
    if link is None:
        return None
    until = link.expires.astimezone(media.zone)
    return t(
        "channels.file_link",
        filename=document.filename,
        link=link.url,
        time=f"{until:%H:%M}",
        day=f"{until:%d/%m}",
    )


def _split(reply: Reply, limit: int) -> list[Reply]:
    """A reply too long for one message: the media go with the first part, choices the last."""
    chunks = split_text(reply.text, limit)
    if len(chunks) == 1:
        return [reply]
    last = len(chunks) - 1
    return [
        Reply(
            chunk,
            choices=reply.choices if index == last else (),
            columns=reply.columns,
            image=reply.image if index == 0 else None,
            image_url=reply.image_url if index == 0 else None,
            document=reply.document if index == 0 else None,
        )
        for index, chunk in enumerate(chunks)
    ]


def split_text(text: str, limit: int) -> list[str]:
    """Split text into chunks of at most `limit` characters, preferring paragraph and line ends."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not chunks:
        chunks.append(rest)
    return chunks
