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


def looks_like_secret(text: str) -> bool:
    """True for messages that seem to carry an OTP, a password or a passcode."""
    stripped = text.strip()
    if _LONE_SIX_DIGITS.match(stripped):
        return True
    if any(_PASSWORD_SHAPE.match(word) for word in stripped.split()):
        return True
    return _KEYWORD_THEN_CODE.search(fold(stripped)) is not None
