"""Vietnamese text folding: lower case, no accents, đ -> d, punctuation to spaces."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
# Vietnamese tones and vowel marks, once decomposed, are all in this block; U+034F is the one
# character in it that is not a combining mark.
_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]")


def strip_accents(text: str) -> str:
    """'Đăng ký khai sinh' -> 'Dang ky khai sinh'.

    Every combining mark goes; the marks of Vietnamese by one regular expression (a character
    at a time in Python was more than half of folding a question), any other only when some text
    outside ASCII is left.
    """
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = _MARKS.sub("", decomposed)
    if stripped.isascii():
        return stripped
    return "".join(ch for ch in stripped if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """The form used for matching: accents stripped, lower case, single spaces."""
    return _NON_WORD.sub(" ", strip_accents(text).lower()).strip()


def tokens(text: str) -> list[str]:
    return fold(text).split()
