"""User-facing strings, one TOML file per language; t("section.key", name=...) formats one."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).parent
DEFAULT_LANGUAGE = "vi"


@cache
def catalog(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """All strings of a language, flattened to dotted keys."""
    with (LOCALES_DIR / f"{language}.toml").open("rb") as handle:
        return dict(_flatten(tomllib.load(handle)))


def t(key: str, /, **values: Any) -> str:
    """The Vietnamese text for `key`, with {placeholders} filled in."""
    text = catalog()[key]
    return text.format(**values) if values else text


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            items.extend(_flatten(value, f"{key}."))
        else:
            items.append((key, str(value)))
    return items
