"""Showing personal data only as much as needed."""

from __future__ import annotations

import re

from bot.locales import t

# An ID-card (9 or 12 digits) or phone number (10 or 11, maybe "+84"), spaces or dots allowed;
# dossier codes and dates, whose digit groups are shorter and split by dashes, stay.
ID_OR_PHONE = re.compile(r"(?<![\d.])(?:\+?84[ .]?)?\d(?:[ .]?\d){8,11}(?![\d])")


def mask_phone(phone: str | None) -> str:
    """'0912345678' -> '091****678', for chat and logs."""
    if not phone:
        return ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 6)}{digits[-3:]}"


def hide_numbers(text: str) -> str:
    """The text with every ID-card or phone number in it replaced by a short mark."""
    return ID_OR_PHONE.sub(t("privacy.number_hidden"), text)
