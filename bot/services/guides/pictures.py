"""One PNG picture per guide: its steps as a numbered flow, for people who would rather look."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.content.catalog import Guide
from bot.core.media import write_whole

if TYPE_CHECKING:
    from PIL import ImageFont

# Bump when the drawing changes, so cached pictures are drawn again.
RENDER_VERSION = "1"

WIDTH = 1080
MAX_HEIGHT = 3 * WIDTH
COMFORTABLE_HEIGHT = 2 * WIDTH
FOOTER_TEXT = "dvcbot — hướng dẫn từng bước"


def _font_dir() -> Path:
    # Where matplotlib.get_data_path() points, found without importing matplotlib and numpy.
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise RuntimeError("matplotlib, which ships the DejaVu fonts, is not installed")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


_FONT_DIR = _font_dir()
REGULAR_FONT = _FONT_DIR / "DejaVuSans.ttf"
BOLD_FONT = _FONT_DIR / "DejaVuSans-Bold.ttf"

_PAGE = "#F3F6FA"
_HEADER = "#DDEAF7"
_ACCENT = "#1F56A0"
_INK = "#10243C"
_BODY = "#1E2730"
_MUTED = "#4A5563"
_CARD = "#FFFFFF"
_CARD_EDGE = "#C9D5E3"
_FLOW_LINE = "#9DB4CF"
_BRING_FILL = "#FFF4D6"
_BRING_EDGE = "#D9AE45"
_BRING_INK = "#5B3F00"
_ON_ACCENT = "#FFFFFF"

_MARGIN = 40
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_BREAK_AFTER = "/-.?&=_"


@dataclass(frozen=True)
class _Plan:
    scale: float
    sentences: int
    text_lines: int
    bring_lines: int
    bring_items: int = 12


# Full-size letters, most detailed first.
_FULL_SIZE = (
    _Plan(scale=1.0, sentences=2, text_lines=4, bring_lines=2),
    _Plan(scale=1.0, sentences=1, text_lines=3, bring_lines=2),
)
# Only past the height limit; shorter text is preferred over smaller letters.
_SMALLER = (
    _Plan(scale=1.0, sentences=1, text_lines=2, bring_lines=2),
    _Plan(scale=0.9, sentences=1, text_lines=2, bring_lines=2),
    _Plan(scale=0.82, sentences=1, text_lines=2, bring_lines=1, bring_items=6),
    _Plan(scale=0.82, sentences=0, text_lines=0, bring_lines=1, bring_items=6),
    _Plan(scale=0.72, sentences=0, text_lines=0, bring_lines=1, bring_items=4),
)


@dataclass(frozen=True)
class _Fonts:
    title: ImageFont.FreeTypeFont
    subtitle: ImageFont.FreeTypeFont
    step_title: ImageFont.FreeTypeFont
    body: ImageFont.FreeTypeFont
    bring_head: ImageFont.FreeTypeFont
    bring: ImageFont.FreeTypeFont
    number: ImageFont.FreeTypeFont
    footer: ImageFont.FreeTypeFont

    @classmethod
    def scaled(cls, scale: float) -> _Fonts:
        def size(px: int) -> int:
            return round(px * scale)

        return cls(
            title=_font(True, size(58)),
            subtitle=_font(False, size(34)),
            step_title=_font(True, size(42)),
            body=_font(False, size(38)),
            bring_head=_font(True, size(38)),
            bring=_font(False, size(36)),
            number=_font(True, size(40)),
            footer=_font(False, size(30)),
        )


@dataclass(frozen=True)
class _Text:
    x: int
    y: int
    text: str
    font: ImageFont.FreeTypeFont
    fill: str
    anchor: str = "ls"


@dataclass(frozen=True)
class _Box:
    box: tuple[int, int, int, int]
    fill: str
    outline: str | None = None
    radius: int = 0
    width: int = 0


@dataclass(frozen=True)
class _Dot:
    center: tuple[int, int]
    radius: int
    fill: str


@dataclass(frozen=True)
class _Line:
    points: tuple[tuple[int, int], tuple[int, int]]
    fill: str
    width: int


_Op = _Text | _Box | _Dot | _Line


@dataclass
class _Canvas:
    ops: list[_Op] = field(default_factory=list)
    height: int = 0


def render_guide_picture(guide: Guide) -> bytes:
    """The guide's steps drawn as one numbered-flow PNG, about 1080 px wide."""
    return _paint(_choose_layout(guide))


def _choose_layout(guide: Guide) -> _Canvas:
    # Telegram shrinks the long side to 1280 px, so every extra pixel of height makes the
    # letters smaller on the phone: past the comfortable height, take the most compact text.
    compact = _layout(guide, _FULL_SIZE[-1])
    if compact.height <= COMFORTABLE_HEIGHT:
        for plan in _FULL_SIZE[:-1]:
            detailed = _layout(guide, plan)
            if detailed.height <= COMFORTABLE_HEIGHT:
                return detailed
        return compact
    if compact.height <= MAX_HEIGHT:
        return compact
    canvas = compact
    for plan in _SMALLER:
        canvas = _layout(guide, plan)
        if canvas.height <= MAX_HEIGHT:
            return canvas
    scale = _SMALLER[-1].scale
    while canvas.height > MAX_HEIGHT and scale > 0.3:
        scale *= 0.9
        canvas = _layout(guide, _Plan(scale, 0, 0, 1, 3))
    return canvas


class PictureCache:
    """Guide pictures kept on disk, keyed by guide id and a hash of its content."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def picture(self, guide: Guide) -> bytes:
        """The guide's PNG, drawn the first time and after each change of the guide."""
        path = self.directory / f"{guide.id}.{_content_hash(guide)}.png"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        data = render_guide_picture(guide)
        write_whole(path, data)
        for stale in self.directory.glob(f"{guide.id}.*.png"):
            if stale != path:
                stale.unlink(missing_ok=True)
        return data


def _content_hash(guide: Guide) -> str:
    digest = hashlib.sha256(RENDER_VERSION.encode())
    digest.update(guide.model_dump_json().encode("utf-8"))
    return digest.hexdigest()[:16]


def _layout(guide: Guide, plan: _Plan) -> _Canvas:
    fonts = _Fonts.scaled(plan.scale)
    canvas = _Canvas()
    s = plan.scale
    inner = WIDTH - 2 * _MARGIN

    title_lines = _balanced(_clean(guide.title), fonts.title, inner - 2 * round(24 * s))
    y = round(36 * s)
    for line in title_lines:
        y = _put(canvas.ops, line, _MARGIN + round(24 * s), y, fonts.title, _INK)
    y += round(6 * s)
    count = len(guide.steps)
    y = _put(canvas.ops, f"{count} bước", _MARGIN + round(24 * s), y, fonts.subtitle, _ACCENT)
    header_bottom = y + round(30 * s)
    canvas.ops.insert(0, _Box((0, 0, WIDTH, header_bottom), _HEADER))
    canvas.ops.insert(1, _Line(((0, header_bottom), (WIDTH, header_bottom)), _ACCENT, 6))
    y = header_bottom + round(32 * s)

    y = _bring_box(canvas, guide, plan, fonts, y)
    y += round(36 * s)

    radius = round(40 * s)
    center_x = _MARGIN + radius
    card_left = center_x + radius + round(26 * s)
    pad = round(26 * s)
    text_left = card_left + pad
    text_width = WIDTH - _MARGIN - pad - text_left
    centers: list[tuple[int, int]] = []
    cards: list[_Op] = []
    texts: list[_Op] = []
    for step in guide.steps:
        top = y
        first = _line_box(fonts.step_title)
        circle_y = top + pad + first // 2
        centers.append((center_x, circle_y))
        step_ops: list[_Op] = []
        ty = top + pad
        for line in _clip(
            _balanced(_clean(step.title), fonts.step_title, text_width),
            3,
            fonts.step_title,
            text_width,
        ):
            ty = _put(step_ops, line, text_left, ty, fonts.step_title, _INK)
        body = _short_text(step.text, plan, fonts.body, text_width)
        if body:
            ty += round(6 * s)
        for line in body:
            ty = _put(step_ops, line, text_left, ty, fonts.body, _BODY)
        bottom = max(ty + pad - round(6 * s), circle_y + radius + pad // 2)
        cards.append(
            _Box((card_left, top, WIDTH - _MARGIN, bottom), _CARD, _CARD_EDGE, round(18 * s), 2)
        )
        texts.extend(step_ops)
        y = bottom + round(22 * s)

    if len(centers) > 1:
        canvas.ops.append(_Line((centers[0], centers[-1]), _FLOW_LINE, max(4, round(8 * s))))
    canvas.ops.extend(cards)
    for number, center in enumerate(centers, start=1):
        canvas.ops.append(_Dot(center, radius, _ACCENT))
        canvas.ops.append(_Text(*center, str(number), fonts.number, _ON_ACCENT, anchor="mm"))
    canvas.ops.extend(texts)

    y += round(14 * s)
    canvas.ops.append(_Line(((_MARGIN, y), (WIDTH - _MARGIN, y)), _CARD_EDGE, 2))
    y += round(16 * s)
    y = _put(canvas.ops, FOOTER_TEXT, WIDTH // 2, y, fonts.footer, _MUTED, anchor="ms")
    canvas.height = y + round(24 * s)
    return canvas


def _bring_box(canvas: _Canvas, guide: Guide, plan: _Plan, fonts: _Fonts, top: int) -> int:
    s = plan.scale
    pad = round(26 * s)
    left = _MARGIN + pad
    indent = round(fonts.bring.getlength("•  "))
    width = WIDTH - _MARGIN - pad - left - indent
    ops: list[_Op] = []
    y = top + pad - round(6 * s)
    y = _put(ops, "Mang theo:", left, y, fonts.bring_head, _BRING_INK)
    items = [_clean(item) for item in guide.bring]
    shown = items[: plan.bring_items]
    if len(items) > len(shown):
        shown[-1] = f"… và {len(items) - len(shown) + 1} thứ khác"
    for item in shown:
        lines = _wrap(item, fonts.bring, width, plan.bring_lines)
        if len(lines) > plan.bring_lines:
            lines = _clip(lines, plan.bring_lines, fonts.bring, width)
        else:
            lines = _paragraph(item, fonts.bring, width)
        y += round(6 * s)
        ops.append(_Text(left, y + _ascent(fonts.bring), "•", fonts.bring, _BRING_INK))
        for line in lines:
            y = _put(ops, line, left + indent, y, fonts.bring, _BODY)
    bottom = y + pad - round(6 * s)
    canvas.ops.append(
        _Box((_MARGIN, top, WIDTH - _MARGIN, bottom), _BRING_FILL, _BRING_EDGE, round(18 * s), 3)
    )
    canvas.ops.extend(ops)
    return bottom


def _short_text(text: str, plan: _Plan, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """The first sentence or two of a step that fit in the plan's line budget."""
    sentences = _sentences(_clean(text))
    if plan.sentences == 0 or plan.text_lines == 0 or not sentences:
        return []
    for count in range(min(plan.sentences, len(sentences)), 0, -1):
        shown = " ".join(sentences[:count])
        lines = _wrap(shown, font, width, plan.text_lines)
        if len(lines) <= plan.text_lines:
            return _paragraph(shown, font, width)
    return _clip(lines, plan.text_lines, font, width)


def _sentences(text: str) -> list[str]:
    parts: list[str] = []
    for piece in _SENTENCE_END.split(text):
        # An abbreviation such as "v.v." is followed by a lower-case word, not a new sentence.
        if parts and piece[:1].islower():
            parts[-1] = f"{parts[-1]} {piece}"
        elif piece:
            parts.append(piece)
    return parts


def _wrap(
    text: str, font: ImageFont.FreeTypeFont, width: int, limit: int | None = None
) -> list[str]:
    """Greedy word wrap by pixel width; stops early once there are more than `limit` lines."""
    lines: list[str] = []
    current = ""
    used = 0.0
    space = _length(font, " ")
    for word in text.split(" "):
        if limit is not None and len(lines) > limit:
            return lines
        if not word:
            continue
        # Lines are measured word by word: without a shaping engine widths simply add up.
        if current and used + space + _length(font, word) <= width:
            current = f"{current} {word}"
            used += space + _length(font, word)
            continue
        if current:
            lines.append(current)
        pieces = _split_long_word(word, font, width)
        lines.extend(pieces[:-1])
        current = pieces[-1]
        used = _length(font, current)
    if current:
        lines.append(current)
    return lines


@lru_cache(maxsize=16384)
def _length(font: ImageFont.FreeTypeFont, text: str) -> float:
    return font.getlength(text)


def _balanced(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Wrapped into as few lines as `_wrap`, but as even as possible: no lone last word."""
    lines = _wrap(text, font, width)
    low, high = width // 2, width
    while len(lines) > 1 and low < high:
        middle = (low + high) // 2
        if len(_wrap(text, font, middle)) == len(lines):
            high = middle
        else:
            low = middle + 1
    return _wrap(text, font, high) if len(lines) > 1 else lines


def _paragraph(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Wrapped to fill the width, narrowed a little when that leaves a short last line."""
    lines = _wrap(text, font, width)
    if len(lines) < 2:
        return lines
    for percent in range(100, 78, -4):
        narrower = _wrap(text, font, width * percent // 100)
        if len(narrower) > len(lines):
            break
        if _length(font, narrower[-1]) >= 0.4 * width:
            return narrower
    return lines


def _split_long_word(word: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """A word wider than a line (a web address): break after '/' or '-' where possible."""
    pieces: list[str] = []
    rest = word
    while font.getlength(rest) > width:
        cut = 1
        for end in range(1, len(rest)):
            if font.getlength(rest[:end]) > width:
                break
            cut = end
        good = [i + 1 for i in range(cut) if rest[i] in _BREAK_AFTER]
        if good and good[-1] > cut // 2:
            cut = good[-1]
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


def _clip(lines: Sequence[str], limit: int, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """At most `limit` lines; a cut ends with '…' after a whole word."""
    if len(lines) <= limit:
        return list(lines)
    kept = list(lines[:limit])
    words = kept[-1].split(" ")
    while len(words) > 1 and font.getlength(" ".join(words) + "…") > width:
        words.pop()
    last = " ".join(words).rstrip(" ,;:–-(")
    kept[-1] = f"{last}…"
    return kept


@lru_cache(maxsize=4096)
def _drawable(char: str) -> bool:
    """Whether both fonts have a glyph: a missing one draws as the same box as U+10FFFD."""
    return all(_ink(bold, char) != _ink(bold, "\U0010fffd") for bold in (False, True))


@lru_cache(maxsize=8192)
def _ink(bold: bool, char: str) -> bytes:
    from PIL import Image, ImageDraw  # deferred, as in _font

    font = _font(bold, 24)
    image = Image.new("L", (72, 40))
    ImageDraw.Draw(image).text((24, 4), char, font=font, fill=255)
    return image.tobytes()


def _clean(text: str) -> str:
    """NFC (precomposed letters draw right without a shaping engine), one line, drawable chars."""
    text = unicodedata.normalize("NFC", text)
    kept = (" " if ch.isspace() else ch for ch in text)
    return " ".join("".join(ch for ch in kept if ch == " " or _drawable(ch)).split())


@cache
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont  # deferred: Pillow is loaded with the first picture drawn

    path = BOLD_FONT if bold else REGULAR_FONT
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


def _ascent(font: ImageFont.FreeTypeFont) -> int:
    # Stacked Vietnamese accents on capitals ("Ẫ", "Ệ") rise above the font's nominal ascent.
    return round(font.size * 1.1)


def _line_box(font: ImageFont.FreeTypeFont) -> int:
    return round(font.size * 1.36)


def _put(
    ops: list[_Op],
    text: str,
    x: int,
    y: int,
    font: ImageFont.FreeTypeFont,
    fill: str,
    anchor: str = "ls",
) -> int:
    """Add one line whose box starts at `y`; returns where the next line starts."""
    ops.append(_Text(x, y + _ascent(font), text, font, fill, anchor))
    return y + _line_box(font)


def _paint(canvas: _Canvas) -> bytes:
    from PIL import Image, ImageDraw  # deferred, as in _font

    image = Image.new("RGB", (WIDTH, canvas.height), _PAGE)
    draw = ImageDraw.Draw(image)
    for op in canvas.ops:
        if isinstance(op, _Box):
            draw.rounded_rectangle(
                op.box, op.radius, fill=op.fill, outline=op.outline, width=op.width
            )
        elif isinstance(op, _Line):
            draw.line(op.points, fill=op.fill, width=op.width)
        elif isinstance(op, _Dot):
            cx, cy = op.center
            r = op.radius
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=op.fill)
        else:
            draw.text((op.x, op.y), op.text, fill=op.fill, font=op.font, anchor=op.anchor)
    # A few flat colours plus anti-aliasing: 64 colours look the same at a third of the size.
    palette = image.quantize(64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG")
    return out.getvalue()
