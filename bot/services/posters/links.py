"""What the QR codes open: a start link on Telegram; on Zalo, which has no start links, the
bot's chat link plus the words to type there."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.config import Settings
from bot.content.catalog import Guide

TELEGRAM = "telegram"
ZALO = "zalo"
# "/start guide-<id>" opens the guide (the "guide" deep link of handlers/guides.py).
GUIDE_PAYLOAD = "guide-{id}"
# The survey's start payload and the words that ask for it on Zalo (the survey comes later).
SURVEY_PAYLOAD = "survey"
SURVEY_WORDS = "đánh giá"
TELEGRAM_START_LINK = re.compile(r"^https://t\.me/([A-Za-z0-9_]+)\?start=$")


@dataclass(frozen=True)
class BotLinks:
    """Where the bot is reached: its Telegram username and its Zalo chat link, when known."""

    telegram_username: str | None = None
    zalo_chat_link: str | None = None

    @property
    def empty(self) -> bool:
        return self.telegram_username is None and self.zalo_chat_link is None

    def telegram(self, payload: str | None = None) -> str | None:
        """https://t.me/<bot>, or https://t.me/<bot>?start=<payload>."""
        if self.telegram_username is None:
            return None
        chat = f"https://t.me/{self.telegram_username}"
        return f"{chat}?start={payload}" if payload else chat

    @classmethod
    def from_settings(cls, settings: Settings, start_link: str | None = None) -> BotLinks:
        """The configured username, else the one in a Telegram start link (from getMe)."""
        username = settings.telegram.bot_username
        if username is None and start_link is not None:
            found = TELEGRAM_START_LINK.match(start_link)
            username = found.group(1) if found else None
        return cls(username, settings.zalo.chat_link)


@dataclass(frozen=True)
class Code:
    """One QR code: the channel, the link it holds, and what to type once the chat is open."""

    channel: str
    url: str
    typed: str | None = None


def guide_codes(links: BotLinks, guide: Guide) -> list[Code]:
    """Telegram opens the guide itself; on Zalo its title is typed, which the matcher finds."""
    codes = []
    telegram = links.telegram(GUIDE_PAYLOAD.format(id=guide.id))
    if telegram is not None:
        codes.append(Code(TELEGRAM, telegram))
    if links.zalo_chat_link is not None:
        codes.append(Code(ZALO, links.zalo_chat_link, guide.title))
    return codes


def ask_codes(links: BotLinks) -> list[Code]:
    """Codes that simply open a chat with the bot."""
    codes = []
    telegram = links.telegram()
    if telegram is not None:
        codes.append(Code(TELEGRAM, telegram))
    if links.zalo_chat_link is not None:
        codes.append(Code(ZALO, links.zalo_chat_link))
    return codes


def survey_codes(links: BotLinks) -> list[Code]:
    """Codes that open the satisfaction survey."""
    codes = []
    telegram = links.telegram(SURVEY_PAYLOAD)
    if telegram is not None:
        codes.append(Code(TELEGRAM, telegram))
    if links.zalo_chat_link is not None:
        codes.append(Code(ZALO, links.zalo_chat_link, SURVEY_WORDS))
    return codes
