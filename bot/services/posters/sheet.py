"""Drawing print-ready pages: fpdf2 writes the PDF, segno makes the QR codes.

Why these two: fpdf2 is pure Python (no Cairo or browser to install on a commune's PC), well
kept, and embeds a subset of any Unicode TrueType font with a text layer, so the DejaVu fonts
the guide pictures already use (bot/services/guides/pictures.py finds them in matplotlib) carry
every Vietnamese letter into the file, and the text can be searched and read back; it wraps text
and draws vector shapes, which is all a poster needs. segno is pure Python without dependencies,
implements the whole QR code standard (ISO/IEC 18004) and hands back the module matrix, which is
drawn here as vector rectangles, so a code is as sharp on A0 as on A4.

A page is laid out in design units, the millimetres of a page `design_width` wide; the PDF's
unit is scaled so that this page fills the paper, and type sizes scale with it: an A0 poster is
the A4 one, four times larger in each direction.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from bot.services.guides.pictures import BOLD_FONT, REGULAR_FONT

MM = 72 / 25.4  # points in a millimetre
FAMILY = "DejaVu"
LEADING = 1.3  # line height, times the type size
QUIET_ZONE = 4  # white modules around a QR code, as the standard asks
SEAM = 0.03  # modules drawn this much wider, so no hairline shows between neighbours

NO_BREAK = "\u00a0"
HELD = "\ue000"  # a no-break space while the other spaces are collapsed

Colour = tuple[int, int, int]
WHITE: Colour = (255, 255, 255)
BLACK: Colour = (0, 0, 0)

if TYPE_CHECKING:
    from fpdf import FPDF


@dataclass(frozen=True)
class Paper:
    name: str
    width: float  # mm, portrait
    height: float


PAPERS = {
    paper.name: paper
    for paper in (
        Paper("A5", 148, 210),
        Paper("A4", 210, 297),
        Paper("A3", 297, 420),
        Paper("A2", 420, 594),
        Paper("A1", 594, 841),
        Paper("A0", 841, 1189),
    )
}


class Sheet:
    """A PDF on `paper`, laid out in the millimetres of a page `design_width` wide."""

    def __init__(self, paper: Paper, design_width: float, title: str) -> None:
        from fpdf import FPDF  # deferred: fpdf2 is slow to import, needed only for a poster

        self.scale = paper.width / design_width
        self.width = design_width
        self.height = paper.height / self.scale
        pdf = FPDF(unit=MM * self.scale, format=(self.width, self.height))
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0, 0)
        pdf.c_margin = 0
        pdf.add_font(FAMILY, "", str(REGULAR_FONT))
        pdf.add_font(FAMILY, "B", str(BOLD_FONT))
        pdf.set_title(title)
        pdf.set_lang("vi")
        pdf.set_creator("dvcbot")
        self.pdf: FPDF = pdf
        self._wrapped: dict[tuple[str, float, float, bool], list[str]] = {}

    def new_page(self) -> None:
        self.pdf.add_page()

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    # ------------------------------------------------------------------------------ text

    def font(self, size: float, bold: bool = False) -> None:
        """`size` in points on the design page."""
        self.pdf.set_font(FAMILY, "B" if bold else "", size * self.scale)

    @staticmethod
    def line_height(size: float) -> float:
        return size / MM * LEADING

    def lines(self, text: str, width: float, size: float, bold: bool = False) -> list[str]:
        """How `text` wraps in `width` (layouts measure the same text often: kept)."""
        key = (text, width, size, bold)
        if key not in self._wrapped:
            self.font(size, bold)
            wrapped = self.pdf.multi_cell(
                width,
                self.line_height(size),
                printable(text),
                align="L",
                dry_run=True,
                output="LINES",
            )
            assert isinstance(wrapped, list)
            self._wrapped[key] = [str(line) for line in wrapped]
        return self._wrapped[key]

    def height_of(self, text: str, width: float, size: float, bold: bool = False) -> float:
        return len(self.lines(text, width, size, bold)) * self.line_height(size)

    def paragraph(
        self,
        x: float,
        y: float,
        width: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        colour: Colour = BLACK,
        align: str = "L",  # fpdf2's Align letter: L, C, R or J
    ) -> float:
        """Write wrapped text whose first line box starts at `y`; returns where it ends."""
        self.font(size, bold)
        self.pdf.set_text_color(*colour)
        self.pdf.set_xy(x, y)
        self.pdf.multi_cell(
            width,
            self.line_height(size),
            printable(text),
            align=align,
            new_x="LMARGIN",
            new_y="NEXT",
        )
        return float(self.pdf.get_y())

    def width_of(self, text: str, size: float, bold: bool = False) -> float:
        self.font(size, bold)
        return float(self.pdf.get_string_width(printable(text)))

    # ---------------------------------------------------------------------------- shapes

    def box(
        self,
        x: float,
        y: float,
        width: float,
        height: float,
        fill: Colour,
        *,
        edge: Colour | None = None,
        radius: float = 0,
        line: float = 0.4,
    ) -> None:
        self.pdf.set_fill_color(*fill)
        if edge is not None:
            self.pdf.set_draw_color(*edge)
            self.pdf.set_line_width(line)
        self.pdf.rect(
            x,
            y,
            width,
            height,
            style="DF" if edge is not None else "F",
            round_corners=radius > 0,
            corner_radius=radius,
        )

    def dot(self, x: float, y: float, radius: float, fill: Colour) -> None:
        """A filled circle around (x, y)."""
        self.pdf.set_fill_color(*fill)
        self.pdf.circle(x, y, radius, style="F")

    def rule(
        self, x1: float, y1: float, x2: float, y2: float, colour: Colour, width: float
    ) -> None:
        self.pdf.set_draw_color(*colour)
        self.pdf.set_line_width(width)
        self.pdf.line(x1, y1, x2, y2)

    def qr(self, x: float, y: float, side: float, url: str) -> None:
        """A QR code of `url`, its quiet zone included, in a white square of `side`."""
        matrix = qr_matrix(url)
        module = side / (len(matrix) + 2 * QUIET_ZONE)
        self.box(x, y, side, side, WHITE)
        self.pdf.set_fill_color(*BLACK)
        seam = module * SEAM
        for row, cells in enumerate(matrix):
            top = y + (row + QUIET_ZONE) * module
            column = 0
            while column < len(cells):
                if not cells[column]:
                    column += 1
                    continue
                start = column
                while column < len(cells) and cells[column]:
                    column += 1
                left = x + (start + QUIET_ZONE) * module
                self.pdf.rect(left, top, (column - start) * module + seam, module + seam, "F")

    def labelled_qr(
        self,
        x: float,
        top: float,
        cell: float,
        side: float,
        code: Labelled,
        size: float,
        colours: tuple[Colour, Colour],
        *,
        draw: bool = True,
    ) -> float:
        """A QR code centred in a cell `cell` wide, its caption below and the words to type in
        bold under that; returns the bottom."""
        body, ink = colours
        if draw:
            self.qr(x + (cell - side) / 2, top, side, code.url)
        y = top + side + 1.5
        lines = [(code.caption, size, False, body)]
        if code.typed:
            lines.append((code.typed, size + 1, True, ink))
        for text, text_size, bold, colour in lines:
            if draw:
                y = self.paragraph(
                    x, y, cell, text, text_size, bold=bold, colour=colour, align="C"
                )
            else:
                y += self.height_of(text, cell, text_size, bold)
        return y


@dataclass(frozen=True)
class Labelled:
    """A QR code as printed: its link, what it is for, and the words to type (in bold)."""

    url: str
    caption: str
    typed: str | None = None


@cache
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The dark modules of the smallest QR code for `url` at error level M (or better)."""
    import segno  # deferred, as fpdf2 in Sheet

    code = segno.make_qr(url, error="m")
    return tuple(tuple(bool(cell) for cell in row) for row in code.matrix)


@cache
def _glyphs() -> frozenset[int]:
    """Characters both DejaVu fonts draw (the PDF would show an empty box for any other)."""
    from fpdf import FPDF  # deferred, as in Sheet
    from fpdf.fonts import TTFFont

    pdf = FPDF()
    pdf.add_font(FAMILY, "", str(REGULAR_FONT))
    pdf.add_font(FAMILY, "B", str(BOLD_FONT))
    regular, bold = (set(font.cmap) for font in pdf.fonts.values() if isinstance(font, TTFFont))
    return frozenset(regular & bold)


def printable(text: str) -> str:
    """NFC (precomposed Vietnamese letters, drawn right without a shaping engine), one line,
    and only characters the fonts have; a no-break space stays, to keep two words together."""
    glyphs = _glyphs()
    text = unicodedata.normalize("NFC", text).replace(NO_BREAK, HELD)
    words = "".join(ch for ch in text if ch.isspace() or ch == HELD or ord(ch) in glyphs).split()
    return " ".join(words).replace(HELD, NO_BREAK)
