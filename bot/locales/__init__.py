"""User-facing strings: locales/<language>/*.toml, one file per feature, read with t()."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).parent
DEFAULT_LANGUAGE = "vi"


@cache
def catalog(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """All strings of a language, flattened to dotted keys; a key defined twice is an error."""
    strings: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / language).glob("*.toml")):
        with path.open("rb") as handle:
            for key, value in _flatten(tomllib.load(handle)):
                if key in strings:
                    raise ValueError(f"{path.name}: string {key!r} is defined twice")
                strings[key] = value
    return strings


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
