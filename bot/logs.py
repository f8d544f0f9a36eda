"""Logging: one format on stderr, secrets masked in every line, no message contents."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

from bot.config import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "dvcbot"
MASK = "***"

# The lowest level each library logs at, whatever ours is. At DEBUG python-telegram-bot logs
# every update it receives and every request's parameters (what people wrote, maybe an OTP) and
# its API address, which holds the token; httpx logs that address at INFO; aiosqlite logs SQL
# parameters (what people wrote) and httpcore every socket step; APScheduler two lines per run.
LIBRARY_LEVELS = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.INFO,
    "aiosqlite": logging.INFO,
    "apscheduler": logging.WARNING,
}


def token_secrets(token: str | None) -> list[str]:
    """What to mask of a bot token: the part after the bot's id (all of it if malformed)."""
    if not token:
        return []
    _, colon, secret = token.partition(":")
    return [secret if colon and secret else token]


def redact(text: str, secrets: Iterable[str]) -> str:
    """The text with every secret replaced by ***, in any case (PTB lower-cases some errors)."""
    for secret in secrets:
        text = re.sub(re.escape(secret), MASK, text, flags=re.IGNORECASE)
    return text


class Redactor(logging.Filter):
    """Masks secrets in a record's message, traceback and stack, whichever library logged it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]
        self.formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place (it is shared by every handler), then let it through."""
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken record: the handler reports it itself
            return True
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def setup(level: int, secrets: Iterable[str] = ()) -> None:
    """Log from `level` up to stderr (once, however often called), masking `secrets`."""
    root = logging.getLogger()
    for handler in [each for each in root.handlers if each.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    redactor = Redactor(secrets)
    for each in root.handlers:
        for old in [found for found in each.filters if isinstance(found, Redactor)]:
            each.removeFilter(old)
        each.addFilter(redactor)
    for name, floor in LIBRARY_LEVELS.items():
        # A library logger's own level decides, not the root's: keep it at ours when higher.
        logging.getLogger(name).setLevel(max(floor, level))


def setup_for(settings: Settings, *, quiet: bool = False) -> None:
    """Logging as configured ([bot] log_level; WARNING when quiet), masking the bot token."""
    level = logging.WARNING if quiet else logging.getLevelNamesMapping()[settings.bot.log_level]
    secrets = [
        secret
        for token in (settings.telegram.token, settings.zalo.token)
        for secret in token_secrets(token.get_secret_value() if token else None)
    ]
    setup(level, secrets)
