"""Guide pictures: phone-sized PNGs, every Vietnamese letter drawable, cached on disk."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from matplotlib.ft2font import FT2Font
from PIL import Image, ImageDraw, ImageFont

from bot.content.catalog import Guide, GuideGroup, Step, load_catalog
from bot.services.guides import pictures
from bot.services.guides.pictures import (
    BOLD_FONT,
    MAX_HEIGHT,
    REGULAR_FONT,
    WIDTH,
    PictureCache,
    render_guide_picture,
)

LONG_TEXT = (
    "Người dân mang thẻ căn cước đến bộ phận một cửa của Ủy ban nhân dân xã, phường để được "
    "hướng dẫn điền tờ khai, kiểm tra giấy tờ và nhận giấy hẹn trả kết quả. "
    "Nếu hồ sơ còn thiếu, cán bộ sẽ ghi rõ những giấy tờ cần bổ sung và hẹn ngày quay lại. "
    "Trường hợp người cao tuổi, người khuyết tật không tự đi được thì người thân được ủy quyền "
    "nộp thay, nhớ mang theo giấy ủy quyền có chứng thực. "
    "Kết quả được trả trực tiếp hoặc gửi qua bưu điện về tận nhà nếu bạn đã đăng ký."
)
ALL_VIETNAMESE = (
    "aàảãáạ ăằẳẵắặ âầẩẫấậ eèẻẽéẹ êềểễếệ iìỉĩíị oòỏõóọ ôồổỗốộ ơờởỡớợ uùủũúụ ưừửữứự "
    "yỳỷỹýỵ đ AÀẢÃÁẠ ĂẰẲẴẮẶ ÂẦẨẪẤẬ EÈẺẼÉẸ ÊỀỂỄẾỆ IÌỈĨÍỊ OÒỎÕÓỌ ÔỒỔỖỐỘ ƠỜỞỠỚỢ "
    "UÙỦŨÚỤ ƯỪỬỮỨỰ YỲỶỸÝỴ Đ “trích dẫn” 8–20 …"
)


def make_guide(steps: int = 5, *, title: str = "Đăng ký thường trú cho người già") -> Guide:
    return Guide(
        id="sample-guide",
        title=title,
        group=GuideGroup.PROCEDURES,
        summary="Hướng dẫn thử nghiệm với nhiều dấu tiếng Việt.",
        where="Bộ phận một cửa Ủy ban nhân dân xã/phường.",
        fees="Không mất phí.",
        aliases=("thử nghiệm",),
        bring=(
            "Thẻ căn cước hoặc CCCD gắn chip còn hạn",
            "Điện thoại có số thuê bao đứng tên chính bạn, đã cài ứng dụng VNeID mức 2",
            "Giấy tờ chứng minh chỗ ở hợp pháp (hợp đồng thuê nhà, giấy chứng nhận quyền sử dụng)",
        ),
        legal_basis=("Luật Cư trú 2020",),
        steps=tuple(
            Step(
                title=f"Bước thứ {n}: chuẩn bị giấy tờ, kiểm tra kỹ thông tin trước khi nộp",
                text=LONG_TEXT,
                tip="Hỏi cán bộ một cửa nếu chưa rõ.",
            )
            for n in range(1, steps + 1)
        ),
    )


def open_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    image.load()
    return image


def assert_phone_sized(data: bytes) -> None:
    width, height = open_png(data).size
    assert width == WIDTH
    assert 1000 <= width <= 1100
    assert height <= MAX_HEIGHT <= 3 * width


def test_picture_is_a_phone_sized_png() -> None:
    assert_phone_sized(render_guide_picture(make_guide(4)))


@pytest.mark.parametrize("steps", [1, 9, 20])
def test_many_long_steps_still_fit(steps: int) -> None:
    assert_phone_sized(render_guide_picture(make_guide(steps)))


def test_extreme_guide_still_fits() -> None:
    guide = make_guide(20, title="Ư" * 60).model_copy(
        update={
            "bring": tuple(f"Giấy tờ số {n}: " + LONG_TEXT for n in range(15)),
            "steps": tuple(Step(title="Ữ " * 40, text="ệ " * 700) for _ in range(20)),
        }
    )
    assert_phone_sized(render_guide_picture(guide))


def test_every_catalog_guide_renders() -> None:
    for guide in load_catalog().guides.values():
        assert_phone_sized(render_guide_picture(guide))


def test_decomposed_text_draws_like_precomposed() -> None:
    def nfd(text: str) -> str:
        return unicodedata.normalize("NFD", text)

    steps = (Step(title="Chụp ảnh, lấy vân tay", text=LONG_TEXT),) * 3
    guide = make_guide().model_copy(update={"steps": steps})
    decomposed = guide.model_copy(
        update={
            "title": nfd(guide.title),
            "bring": tuple(nfd(item) for item in guide.bring),
            "steps": tuple(Step(title=nfd(s.title), text=nfd(s.text)) for s in steps),
        }
    )
    assert decomposed.title != guide.title
    assert render_guide_picture(decomposed) == render_guide_picture(guide)


def test_characters_without_a_glyph_are_left_out() -> None:
    guide = make_guide(2)
    with_emoji = guide.model_copy(update={"title": f"👍 {guide.title} 中"})
    assert render_guide_picture(with_emoji) == render_guide_picture(guide)


def test_lines_break_between_words() -> None:
    guide = make_guide(9)
    words = set(
        f"{guide.title} {' '.join(guide.bring)} {LONG_TEXT} {guide.steps[0].title}".split()
    )
    words |= {f"{n}:" for n in range(1, 10)} | {str(n) for n in range(1, 10)}
    # The laid-out lines are what gets drawn; the picture itself cannot be read back as text.
    canvas = pictures._choose_layout(guide)
    drawn = [op.text for op in canvas.ops if isinstance(op, pictures._Text)]
    fixed = {"Mang theo:", "•", pictures.FOOTER_TEXT, f"{len(guide.steps)} bước"}
    for line in drawn:
        if line in fixed:
            continue
        for word in line.removesuffix("…").split():
            assert word in words, (word, line)


def _glyph(font: ImageFont.FreeTypeFont, text: str) -> bytes:
    size = round(font.size)
    image = Image.new("L", (4 * size, 2 * size))
    ImageDraw.Draw(image).text((size, 0), text, font=font, fill=255)
    return image.tobytes()


@pytest.mark.parametrize("path", [REGULAR_FONT, BOLD_FONT])
def test_font_has_every_letter_of_the_guides(path: Path) -> None:
    texts = [ALL_VIETNAMESE, pictures.FOOTER_TEXT, "Mang theo:", "bước •"]
    for guide in [make_guide(2), *load_catalog().guides.values()]:
        texts += [guide.title, *guide.bring, *(f"{s.title} {s.text}" for s in guide.steps)]
    chars = {ch for text in texts for ch in unicodedata.normalize("NFC", text) if not ch.isspace()}
    covered = FT2Font(str(path)).get_charmap()
    font = ImageFont.truetype(str(path), 40, layout_engine=ImageFont.Layout.BASIC)
    missing = _glyph(font, "\U0010fffd")
    for ch in sorted(chars):
        assert ord(ch) in covered, f"no glyph for {ch!r} U+{ord(ch):04X}"
        if ch.isalpha():
            assert font.getmask(ch).getbbox() is not None, ch
            assert _glyph(font, ch) != missing, ch


def test_cache_renders_once_and_again_after_an_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def counting_render(guide: Guide) -> bytes:
        calls.append(guide.id)
        return render_guide_picture(guide)

    monkeypatch.setattr(pictures, "render_guide_picture", counting_render)
    directory = tmp_path / "pictures"
    guide = make_guide(2)
    cache = PictureCache(directory)

    first = cache.picture(guide)
    files = list(directory.iterdir())
    assert len(calls) == 1 and len(files) == 1
    mtime = files[0].stat().st_mtime_ns
    assert_phone_sized(first)

    assert cache.picture(guide) == first
    assert PictureCache(directory).picture(guide) == first
    assert len(calls) == 1
    assert list(directory.iterdir()) == files and files[0].stat().st_mtime_ns == mtime

    edited = guide.model_copy(update={"title": "Đăng ký tạm trú cho người già"})
    changed = cache.picture(edited)
    assert len(calls) == 2 and changed != first
    assert cache.picture(edited) == changed and len(calls) == 2
    remaining = list(directory.iterdir())
    assert len(remaining) == 1 and remaining != files
