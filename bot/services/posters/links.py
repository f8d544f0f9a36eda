"""What the QR codes open: a start link on Telegram; on Zalo, which has no start links, the
bot's chat link plus the words to type there.

In an installation with several communes, a commune's codes also choose that commune: on
Telegram the start payload is prefixed with `xa-<code>-` (handlers/start.py follows the commune,
then the rest); on Zalo the words to type begin with the commune's name and a colon
(handlers/communes.py `typed_commune`). With one commune the codes are exactly the plain ones."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.config import Settings
from bot.content.catalog import Guide

TELEGRAM = "telegram"
ZALO = "zalo"
# "/start guide-<id>" opens the guide (the "guide" deep link of handlers/guides.py).
GUIDE_PAYLOAD = "guide-{id}"
# The survey's start payload and the words that ask for it on Zalo (the survey comes later).
SURVEY_PAYLOAD = "survey"
SURVEY_WORDS = "đánh giá"
# "/start xa-<code>" chooses the commune (handlers/communes.py); "xa-<code>-<payload>" chooses it
# and then follows <payload>. Telegram allows 64 characters of [A-Za-z0-9_-]: "xa-" and a
# five-digit unit code leave more than the 40 characters a guide id may have.
COMMUNE_PAYLOAD = "xa-{commune}"
COMMUNE_WORDS = "{commune}: {words}"
TELEGRAM_START_LINK = re.compile(r"^https://t\.me/([A-Za-z0-9_]+)\?start=$")


@dataclass(frozen=True)
class BotLinks:
    """Where the bot is reached: its Telegram username and its Zalo chat link, when known."""

    telegram_username: str | None = None
    zalo_chat_link: str | None = None
    # The commune the codes choose (several communes only): its link value and its name.
    commune_link: str | None = None
    commune_name: str | None = None

    @property
    def empty(self) -> bool:
        return self.telegram_username is None and self.zalo_chat_link is None

    def telegram(self, payload: str | None = None) -> str | None:
        """https://t.me/<bot>, or https://t.me/<bot>?start=<payload>."""
        if self.telegram_username is None:
            return None
        chat = f"https://t.me/{self.telegram_username}"
        if self.commune_link is not None:
            commune = COMMUNE_PAYLOAD.format(commune=self.commune_link)
            payload = f"{commune}-{payload}" if payload else commune
        return f"{chat}?start={payload}" if payload else chat

    def typed(self, words: str | None) -> str | None:
        """The words to type on Zalo, led by the commune's name when the codes choose one."""
        if self.commune_name is None or words is None:
            return self.commune_name or words
        return COMMUNE_WORDS.format(commune=self.commune_name, words=words)

    def for_commune(self, link: str, name: str) -> BotLinks:
        """The same links, choosing the commune (its link value, its name) when followed."""
        return replace(self, commune_link=link, commune_name=name)

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
        codes.append(Code(ZALO, links.zalo_chat_link, links.typed(guide.title)))
    return codes


def ask_codes(links: BotLinks) -> list[Code]:
    """Codes that simply open a chat with the bot."""
    codes = []
    telegram = links.telegram()
    if telegram is not None:
        codes.append(Code(TELEGRAM, telegram))
    if links.zalo_chat_link is not None:
        codes.append(Code(ZALO, links.zalo_chat_link, links.typed(None)))
    return codes


def survey_codes(links: BotLinks) -> list[Code]:
    """Codes that open the satisfaction survey."""
    codes = []
    telegram = links.telegram(SURVEY_PAYLOAD)
    if telegram is not None:
        codes.append(Code(TELEGRAM, telegram))
    if links.zalo_chat_link is not None:
        codes.append(Code(ZALO, links.zalo_chat_link, links.typed(SURVEY_WORDS)))
    return codes
