"""Replies degraded for what a channel can show: numbered menus, no edits, media, long texts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core import menus
from bot.core.channels import ChannelInfo
from bot.core.messages import Reply
from bot.locales import t


def for_channel(
    replies: Sequence[Reply], channel: ChannelInfo
) -> tuple[list[Reply], menus.Menu | None]:
    """The replies as the channel can show them, and, without buttons, the menu they offer.

    The menu numbers the choices of every reply in the batch together, so each number shown
    is unique, and keeps the text of the last reply with choices (the question); it has no
    items when no reply has choices (the chat's old menu is then forgotten), and it is None on
    channels with buttons, whose state needs no menu.
    """
    shaped = [_degrade_media(reply, channel) for reply in replies]
    menu: menus.Menu | None = None
    if not channel.buttons:
        items = menus.number_choices([choice for reply in shaped for choice in reply.choices])
        asking = [reply.text for reply in shaped if reply.choices]
        menu = menus.Menu(menus.question_of(asking[-1]) if asking else "", items)
        numbered = iter(items)
        shaped = [
            menus.with_menu(reply, [next(numbered) for _ in reply.choices])
            if reply.choices
            else reply
            for reply in shaped
        ]
    if not channel.edits:
        shaped = [replace(reply, replace=False) for reply in shaped]
    return [part for reply in shaped for part in _split(reply, channel.max_text)], menu


def _degrade_media(reply: Reply, channel: ChannelInfo) -> Reply:
    """A picture or file the channel cannot send becomes one polite line."""
    notes = []
    if reply.image is not None and not channel.pictures:
        notes.append(t("channels.no_pictures"))
        reply = replace(reply, image=None)
    if reply.document is not None and not channel.files:
        notes.append(t("channels.no_files"))
        reply = replace(reply, document=None)
    if not notes:
        return reply
    return replace(reply, text="\n\n".join([reply.text, *notes]))


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
