"""What a Bot API failure means: for the outbox (retry when, or never) and at start."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.config import TelegramSettings
from bot.core.delivery import DeliveryError, FailureKind
from bot.logs import redact, token_secrets


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB may give an int or a timedelta)."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(error: TelegramError) -> DeliveryError:
    """Map a Bot API failure to what the outbox should do about it."""
    if isinstance(error, RetryAfter):
        return DeliveryError(FailureKind.RETRY_AFTER, str(error), retry_after_seconds(error))
    if isinstance(error, Forbidden):
        return DeliveryError(FailureKind.BLOCKED, error.message)
    # A refused token reads as EndPointNotFound from Bot.do_api_request (how replies are sent).
    if isinstance(error, (BadRequest, ChatMigrated, InvalidToken, EndPointNotFound)):
        return DeliveryError(FailureKind.REJECTED, str(error))
    if isinstance(error, NetworkError):  # 5xx, TimedOut, connection errors
        return DeliveryError(FailureKind.TRANSIENT, str(error) or type(error).__name__)
    return DeliveryError(FailureKind.TRANSIENT, str(error))


def start_problem(error: TelegramError, settings: TelegramSettings) -> str:
    """What to check when Telegram does not let the bot start; never any part of the token."""
    if isinstance(error, InvalidToken):
        return (
            "Telegram refused the bot token (telegram.token or DVCBOT_TELEGRAM__TOKEN): "
            "copy it again from @BotFather."
        )
    address = urlsplit(settings.base_url)
    server = f"{address.hostname}:{address.port}" if address.port else address.hostname
    token = settings.token.get_secret_value() if settings.token else None
    reason = redact(str(error), token_secrets(token))
    if isinstance(error, NetworkError):
        return (
            f"Cannot reach the Telegram Bot API at {server} (telegram.base_url): check the "
            f"internet connection, proxy or firewall ({reason})."
        )
    return f"Telegram at {server} did not let the bot start (telegram.base_url): {reason}"
