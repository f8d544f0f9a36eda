"""One guide on one page: its steps as a numbered flow, what to bring and the fees beside them,
the desk's places and hours and the QR codes at the foot; laid out on an A4 design page.

The steps keep as much of their text as fits: all of it, else their first two sentences, else
the first one, with the type shrinking only after the text has (as the guide pictures do).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.content.catalog import Guide
from bot.locales import t
from bot.services.posters.desk import DeskPlace
from bot.services.posters.links import ZALO, Code
from bot.services.posters.sheet import Colour, Labelled, Sheet

DESIGN_WIDTH = 210.0  # A4 millimetres

PAGE: Colour = (255, 255, 255)
HEADER: Colour = (221, 234, 247)
ACCENT: Colour = (31, 86, 160)
INK: Colour = (16, 36, 60)
BODY: Colour = (30, 39, 48)
MUTED: Colour = (74, 85, 99)
FLOW_LINE: Colour = (157, 180, 207)
BRING_FILL: Colour = (255, 244, 214)
BRING_EDGE: Colour = (217, 174, 69)
BRING_INK: Colour = (91, 63, 0)
FEES_FILL: Colour = (232, 243, 236)
FEES_EDGE: Colour = (120, 170, 135)
FEES_INK: Colour = (22, 84, 46)
FOOT_FILL: Colour = (243, 246, 250)
FOOT_EDGE: Colour = (201, 213, 227)
ON_ACCENT: Colour = (255, 255, 255)

MARGIN = 12.0
GAP = 6.0
SIDEBAR = 64.0
PAD = 4.0
CODE_SIDE = 38.0
CODE_CELL = 46.0  # a code and its caption
TITLE_SIZES = (30.0, 27.0, 24.0, 21.0)
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class Plan:
    step_title: float  # type sizes in points on the A4 design page
    body: float
    side: float
    sentences: int | None  # how many sentences of each step; None: all


PLANS = (
    Plan(17.0, 13.5, 12.5, None),
    Plan(16.0, 12.5, 12.0, None),
    Plan(16.0, 12.5, 12.0, 2),
    Plan(15.5, 12.0, 11.5, 1),
    Plan(14.5, 11.5, 11.0, 1),
    Plan(13.5, 10.5, 10.0, 1),
    Plan(12.5, 9.5, 9.5, 1),
)


def draw_guide_page(
    sheet: Sheet, guide: Guide, commune: str, desks: Sequence[DeskPlace], codes: Sequence[Code]
) -> None:
    """Add one page for `guide`."""
    sheet.new_page()
    sheet.box(0, 0, sheet.width, sheet.height, PAGE)
    top = _header(sheet, guide, commune, bool(codes)) + GAP
    foot = sheet.height - MARGIN - _footer_height(sheet, desks, codes)
    plan = _fitting_plan(sheet, guide, foot - top)
    # Room left over spreads the steps a little (up to 5 mm each), not into one gap at the end.
    spare = foot - top - _steps(sheet, guide, plan, top, draw=False)
    _steps(sheet, guide, plan, top, draw=True, extra=min(5.0, max(0.0, spare / len(guide.steps))))
    _sidebar(sheet, guide, plan, top, draw=True)
    if desks or codes:
        _footer(sheet, desks, codes, foot + GAP / 2)


# -------------------------------------------------------------------------------- header


def _header(sheet: Sheet, guide: Guide, commune: str, has_codes: bool) -> float:
    width = sheet.width - 2 * MARGIN
    size = next(
        (s for s in TITLE_SIZES if len(sheet.lines(guide.title, width, s, bold=True)) <= 2),
        TITLE_SIZES[-1],
    )
    kicker = t("posters.kicker", commune=commune.upper())
    title_lines = len(sheet.lines(guide.title, width, size, bold=True))
    bottom = 10 + sheet.line_height(11) + title_lines * sheet.line_height(size) + 2
    bottom += sheet.line_height(12) + 6
    sheet.box(0, 0, sheet.width, bottom, HEADER)
    sheet.box(0, bottom - 1.4, sheet.width, 1.4, ACCENT)
    y = sheet.paragraph(MARGIN, 10, width, kicker, 11, bold=True, colour=ACCENT)
    y = sheet.paragraph(MARGIN, y + 1, width, guide.title, size, bold=True, colour=INK)
    hint = t("posters.scan_hint") if has_codes else t("posters.ask_at_desk")
    subtitle = f"{t('posters.steps_count', count=len(guide.steps))} · {hint}"
    sheet.paragraph(MARGIN, y + 1, width, subtitle, 12, colour=MUTED)
    return bottom


# --------------------------------------------------------------------------------- steps


def _fitting_plan(sheet: Sheet, guide: Guide, height: float) -> Plan:
    """The most detailed plan whose steps and sidebar both fit in `height`."""
    for plan in PLANS:
        steps = _steps(sheet, guide, plan, 0, draw=False)
        side = _sidebar(sheet, guide, plan, 0, draw=False)
        if steps <= height and side <= height:
            return plan
    return PLANS[-1]


def _steps(
    sheet: Sheet, guide: Guide, plan: Plan, top: float, *, draw: bool, extra: float = 0.0
) -> float:
    """The numbered steps in the left column, `extra` apart; returns their height."""
    radius = plan.step_title / 3.2
    left = MARGIN
    text_left = left + 2 * radius + 4
    width = sheet.width - MARGIN - SIDEBAR - GAP - text_left
    title_line = sheet.line_height(plan.step_title)
    y = top + 1
    centres: list[float] = []
    blocks: list[tuple[float, str, str]] = []
    for step in guide.steps:
        centres.append(y + title_line / 2)
        body = _sentences(step.text, plan.sentences)
        blocks.append((y, step.title, body))
        y += sheet.height_of(step.title, width, plan.step_title, bold=True)
        y += sheet.height_of(body, width, plan.body) + 3.5 + extra
    if not draw:
        return y - top
    if len(centres) > 1:
        sheet.rule(left + radius, centres[0], left + radius, centres[-1], FLOW_LINE, 1.0)
    for number, (centre, (start, title, body)) in enumerate(zip(centres, blocks, strict=True), 1):
        sheet.dot(left + radius, centre, radius, ACCENT)
        label = str(number)
        label_width = sheet.width_of(label, plan.step_title, bold=True)
        sheet.paragraph(
            left + radius - label_width / 2,
            centre - title_line / 2,
            label_width + 1,
            label,
            plan.step_title,
            bold=True,
            colour=ON_ACCENT,
        )
        below = sheet.paragraph(
            text_left, start, width, title, plan.step_title, bold=True, colour=INK
        )
        sheet.paragraph(text_left, below, width, body, plan.body, colour=BODY)
    return y - top


def _sentences(text: str, count: int | None) -> str:
    """The first `count` sentences (all with None); "v.v. và" does not end a sentence."""
    if count is None:
        return text
    parts: list[str] = []
    for piece in SENTENCE_END.split(" ".join(text.split())):
        if parts and piece[:1].islower():
            parts[-1] = f"{parts[-1]} {piece}"
        elif piece:
            parts.append(piece)
    return " ".join(parts[:count])


# ------------------------------------------------------------------------------- sidebar


def _sidebar(sheet: Sheet, guide: Guide, plan: Plan, top: float, *, draw: bool) -> float:
    """What to bring and the fees, in two boxes right of the steps; returns their height."""
    left = sheet.width - MARGIN - SIDEBAR
    bring = _box_height(sheet, plan, guide.bring)
    fees = _box_height(sheet, plan, [guide.fees], bullets=False)
    if draw:
        _box(sheet, plan, left, top, bring, t("posters.bring"), guide.bring, BRING_COLOURS)
        fees_top = top + bring + GAP
        _box(
            sheet,
            plan,
            left,
            fees_top,
            fees,
            t("posters.fees"),
            [guide.fees],
            FEES_COLOURS,
            bullets=False,
        )
    return bring + GAP + fees


BRING_COLOURS = (BRING_FILL, BRING_EDGE, BRING_INK)
FEES_COLOURS = (FEES_FILL, FEES_EDGE, FEES_INK)
BULLET = "•"


def _box_height(sheet: Sheet, plan: Plan, items: Sequence[str], *, bullets: bool = True) -> float:
    inner = SIDEBAR - 2 * PAD - (_indent(sheet, plan) if bullets else 0)
    height = PAD + sheet.line_height(plan.side + 1) + 1
    for item in items:
        height += sheet.height_of(item, inner, plan.side) + 1.2
    return height + PAD - 1.2


def _indent(sheet: Sheet, plan: Plan) -> float:
    return sheet.width_of(f"{BULLET} ", plan.side) + 0.5


def _box(
    sheet: Sheet,
    plan: Plan,
    left: float,
    top: float,
    height: float,
    heading: str,
    items: Sequence[str],
    colours: tuple[Colour, Colour, Colour],
    *,
    bullets: bool = True,
) -> None:
    fill, edge, ink = colours
    indent = _indent(sheet, plan) if bullets else 0
    sheet.box(left, top, SIDEBAR, height, fill, edge=edge, radius=3, line=0.5)
    y = (
        sheet.paragraph(
            left + PAD, top + PAD, SIDEBAR - 2 * PAD, heading, plan.side + 1, bold=True, colour=ink
        )
        + 1
    )
    for item in items:
        if bullets:
            sheet.paragraph(left + PAD, y, indent, BULLET, plan.side, colour=ink)
        y = (
            sheet.paragraph(
                left + PAD + indent, y, SIDEBAR - 2 * PAD - indent, item, plan.side, colour=BODY
            )
            + 1.2
        )


# -------------------------------------------------------------------------------- footer


PLACE_SIZE = 11.5
CAPTION_SIZE = 10.0
MAX_PLACES_HEIGHT = 62.0
CODE_COLOURS = (BODY, INK)


def _footer_height(sheet: Sheet, desks: Sequence[DeskPlace], codes: Sequence[Code]) -> float:
    if not desks and not codes:
        return 0.0
    codes_height = max(
        (
            sheet.labelled_qr(
                0, 0, CODE_CELL, CODE_SIDE, _labelled(code), CAPTION_SIZE, CODE_COLOURS, draw=False
            )
            for code in codes
        ),
        default=0.0,
    )
    places_height = _places(sheet, desks, codes, 0, draw=False)
    return max(codes_height, places_height) + 2 * PAD + GAP / 2


def _labelled(code: Code) -> Labelled:
    if code.channel == ZALO:
        typed = t("posters.typed", words=code.typed) if code.typed else None
        return Labelled(code.url, t("posters.zalo_then_type"), typed)
    return Labelled(code.url, t("posters.telegram_guide"))


def _footer(sheet: Sheet, desks: Sequence[DeskPlace], codes: Sequence[Code], top: float) -> None:
    bottom = sheet.height - MARGIN
    sheet.box(
        MARGIN,
        top,
        sheet.width - 2 * MARGIN,
        bottom - top,
        FOOT_FILL,
        edge=FOOT_EDGE,
        radius=3,
        line=0.5,
    )
    _places(sheet, desks, codes, top + PAD, draw=True)
    x = sheet.width - MARGIN - PAD - len(codes) * (CODE_CELL + 3) + 3
    for code in codes:
        sheet.labelled_qr(
            x, top + PAD, CODE_CELL, CODE_SIDE, _labelled(code), CAPTION_SIZE, CODE_COLOURS
        )
        x += CODE_CELL + 3


def _places(
    sheet: Sheet, desks: Sequence[DeskPlace], codes: Sequence[Code], top: float, *, draw: bool
) -> float:
    """The desk's places and hours, left of the codes: as many as fit, then "… and N more"."""
    if not desks:
        return 0.0
    width = sheet.width - 2 * MARGIN - 2 * PAD - len(codes) * (CODE_CELL + 3)
    return place_list(
        sheet, desks, MARGIN + PAD, top, width, PLACE_SIZE, MAX_PLACES_HEIGHT, draw=draw
    )


def place_list(
    sheet: Sheet,
    desks: Sequence[DeskPlace],
    left: float,
    top: float,
    width: float,
    size: float,
    max_height: float,
    *,
    draw: bool,
) -> float:
    """ "Help at the desk": each place, its address and hours, as many as fit in `max_height`,
    then "… and N more"; returns the height."""
    lines: list[tuple[str, float, bool, Colour]] = [
        (t("posters.help_at"), size + 1.5, True, ACCENT)
    ]
    used = sheet.height_of(t("posters.help_at"), width, size + 1.5, bold=True)
    for index, desk in enumerate(desks):
        block = _place_lines(desk, size)
        height = 1.5 + sum(sheet.height_of(text, width, s, bold) for text, s, bold, _ in block)
        room = max_height - (sheet.line_height(size) if index < len(desks) - 1 else 0)
        if index > 0 and used + height > room:
            lines.append((t("posters.more_places", count=len(desks) - index), size, False, MUTED))
            used += sheet.height_of(lines[-1][0], width, size)
            break
        lines.extend(block)
        used += height
    y = top
    for text, text_size, bold, colour in lines:
        if text_size == size and bold:  # a place's name: a little space above it
            y += 1.5
        if draw:
            y = sheet.paragraph(left, y, width, text, text_size, bold=bold, colour=colour)
        else:
            y += sheet.height_of(text, width, text_size, bold)
    return y - top


def _place_lines(desk: DeskPlace, size: float) -> list[tuple[str, float, bool, Colour]]:
    lines = [(desk.name, size, True, INK)]
    if desk.address:
        lines.append((desk.address, size, False, MUTED))
    lines.extend((hours, size, False, BODY) for hours in desk.hours)
    return lines
