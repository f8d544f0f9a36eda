"""Showing personal data only as much as needed."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """'0912345678' -> '091****678', for chat and logs."""
    if not phone:
        return ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 6)}{digits[-3:]}"
