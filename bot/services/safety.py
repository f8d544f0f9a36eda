"""Spotting secrets (OTP codes, passwords, passcodes) that people must never send anyone."""

from __future__ import annotations

import re

from bot.vntext import fold

# A secret word followed by something code-like: "otp 123456", "mk: Abc@1234", "pass la xyz99".
_KEYWORD_THEN_CODE = re.compile(
    r"\b(otp|ma xac (thuc|nhan)|mat khau|mk|pass|password|passcode|mat ma|ma pin|pin)\b"
    r"\W*(cua (toi|em|minh|tui)\W*)?(la\W*)?(?=[\w@#$%^&*!.-]{4,})[\w@#$%^&*!.-]*\d",
)
_LONE_SIX_DIGITS = re.compile(r"^\D{0,12}\b\d{6}\b\D{0,12}$")
_PASSWORD_SHAPE = re.compile(r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^\w\s]).{8,20}$")
_WORK_VALUES = (
    re.compile(r"^[A-Za-z]{1,6}[-./]?\d{1,8}(?:[-./]\d{1,8})*$"),  # household code: MK-0123
    re.compile(r"^(?:\d{1,8}|\d{1,3}(?:[.,]\d{3})+)$"),  # count: 100000, 100.000
    re.compile(r"^\d{1,2}[/.-]\d{1,2}(?:[/.-](?:\d{2}|\d{4}))?$"),  # date: 15/03/2026, 15-3
    re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$"),  # date: 2026-03-15
)
_PHONE_SHAPE = re.compile(r"^\+?[\d .-]{9,16}$")


def looks_like_secret(text: str) -> bool:
    """True for messages that seem to carry an OTP, a password or a passcode."""
    stripped = text.strip()
    if _LONE_SIX_DIGITS.match(stripped):
        return True
    if any(_PASSWORD_SHAPE.match(word) for word in stripped.split()):
        return True
    return _KEYWORD_THEN_CODE.search(fold(stripped)) is not None


def looks_like_work_value(text: str) -> bool:
    """True when the whole message is a household code, a count, a date or a phone number:
    what staff type into their own flows, and must be able to even where it looks like a
    secret ("MK-0123" starts with "mk", a count of 100000 has six digits)."""
    value = text.strip()
    return any(pattern.match(value) for pattern in _WORK_VALUES) or _is_phone(value)


def _is_phone(value: str) -> bool:
    """A Vietnamese phone number, written with spaces, dots or dashes or not."""
    if not _PHONE_SHAPE.match(value):
        return False
    digits = re.sub(r"\D", "", value)
    return (digits.startswith("0") and len(digits) in (10, 11)) or (
        digits.startswith("84") and len(digits) in (11, 12)
    )
