"""Test doubles for external services."""

from tests.fakes.telegram_api import FakeTelegramServer, SentMessage

__all__ = ["FakeTelegramServer", "SentMessage"]
