"""The A5 desk card: "ask the bot" codes and survey codes for each channel, and the desk hours."""

from __future__ import annotations

from collections.abc import Sequence

from bot.locales import t
from bot.services.posters.desk import DeskPlace
from bot.services.posters.guide_page import (
    ACCENT,
    BODY,
    HEADER,
    INK,
    MUTED,
    PAGE,
    place_list,
)
from bot.services.posters.links import ZALO, Code
from bot.services.posters.sheet import Labelled, Sheet

DESIGN_WIDTH = 148.0  # A5 millimetres: the card is laid out at its own size
MARGIN = 10.0
CODE_SIDE = 38.0
CODE_CELL = 56.0
CODE_GAP = 8.0
CAPTION_SIZE = 9.5
PLACE_SIZE = 9.0
COLOURS = (BODY, INK)


def draw_desk_card(
    sheet: Sheet,
    commune: str,
    desks: Sequence[DeskPlace],
    ask: Sequence[Code],
    survey: Sequence[Code],
) -> None:
    """One A5 page: the two rows of codes under a header, the desk hours at the foot."""
    sheet.new_page()
    sheet.box(0, 0, sheet.width, sheet.height, PAGE)
    width = sheet.width - 2 * MARGIN
    y = _header(sheet, commune, width)
    y = _section(sheet, y + 4, t("posters.card_ask"), None, [_ask(code) for code in ask])
    survey_intro = t("posters.card_survey_intro")
    y = _section(sheet, y + 4, t("posters.card_survey"), survey_intro, [_rate(c) for c in survey])
    room = sheet.height - MARGIN + 3 - (y + 5)
    if desks and room > 12:
        sheet.rule(MARGIN, y + 3, sheet.width - MARGIN, y + 3, HEADER, 0.6)
        place_list(sheet, desks, MARGIN, y + 5, width, PLACE_SIZE, room, draw=True)


def _header(sheet: Sheet, commune: str, width: float) -> float:
    kicker = commune.upper()
    bottom = 8 + sheet.height_of(kicker, width, 10, bold=True)
    bottom += sheet.height_of(t("posters.card_title"), width, 22, bold=True)
    bottom += sheet.height_of(t("posters.card_intro"), width, 10.5) + 6
    sheet.box(0, 0, sheet.width, bottom, HEADER)
    sheet.box(0, bottom - 1.2, sheet.width, 1.2, ACCENT)
    y = sheet.paragraph(MARGIN, 8, width, kicker, 10, bold=True, colour=ACCENT)
    y = sheet.paragraph(MARGIN, y, width, t("posters.card_title"), 22, bold=True, colour=INK)
    sheet.paragraph(MARGIN, y, width, t("posters.card_intro"), 10.5, colour=MUTED)
    return bottom


def _section(
    sheet: Sheet, top: float, heading: str, intro: str | None, codes: Sequence[Labelled]
) -> float:
    """A heading, an optional line under it, and the codes side by side, centred."""
    width = sheet.width - 2 * MARGIN
    y = sheet.paragraph(MARGIN, top, width, heading, 14, bold=True, colour=ACCENT)
    if intro:
        y = sheet.paragraph(MARGIN, y, width, intro, 10, colour=MUTED)
    y += 2
    x = (sheet.width - len(codes) * (CODE_CELL + CODE_GAP) + CODE_GAP) / 2
    bottom = y
    for code in codes:
        end = sheet.labelled_qr(x, y, CODE_CELL, CODE_SIDE, code, CAPTION_SIZE, COLOURS)
        bottom = max(bottom, end)
        x += CODE_CELL + CODE_GAP
    return bottom


def _ask(code: Code) -> Labelled:
    if code.channel == ZALO and code.typed:  # a province's card: the commune's name first
        return Labelled(
            code.url, t("posters.zalo_then_type"), t("posters.typed", words=code.typed)
        )
    if code.channel == ZALO:
        return Labelled(code.url, t("posters.zalo_ask"))
    return Labelled(code.url, t("posters.telegram_ask"))


def _rate(code: Code) -> Labelled:
    if code.channel == ZALO:
        return Labelled(
            code.url, t("posters.zalo_then_type"), t("posters.typed", words=code.typed)
        )
    return Labelled(code.url, t("posters.telegram_survey"))
