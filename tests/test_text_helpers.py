"""Small text helpers people notice: masked phones, long messages split at sensible places."""

from __future__ import annotations

from bot.core.rendering import split_text
from bot.services.privacy import mask_phone


def test_phones_are_masked_in_the_middle() -> None:
    assert mask_phone("0912345678") == "091****678"
    assert mask_phone("+84 912 345 678") == "849*****678"
    assert mask_phone(None) == "" and mask_phone("123") == "***"


def test_split_text_keeps_paragraphs_and_limits() -> None:
    paragraphs = ["Đoạn " + str(n) + " " + "chữ " * 300 for n in range(6)]
    text = "\n\n".join(paragraphs)
    chunks = split_text(text, 4096)
    assert all(len(chunk) <= 4096 for chunk in chunks)
    assert "".join(chunks).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )
    assert split_text("ngắn", 4096) == ["ngắn"]
    assert split_text("x" * 9000, 4096) == ["x" * 4096, "x" * 4096, "x" * 808]
