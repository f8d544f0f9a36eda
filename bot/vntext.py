"""Vietnamese text folding: lower case, no accents, đ -> d, punctuation to spaces."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def strip_accents(text: str) -> str:
    """'Đăng ký khai sinh' -> 'Dang ky khai sinh'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """The form used for matching: accents stripped, lower case, single spaces."""
    return _NON_WORD.sub(" ", strip_accents(text).lower()).strip()


def tokens(text: str) -> list[str]:
    return fold(text).split()
