"""Domain errors carry a locale key, so the person gets a polite explanation in Vietnamese."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule was broken (wrong input, no access...); `key` names the text in bot/locales."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values
