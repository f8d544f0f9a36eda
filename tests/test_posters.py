"""Wall posters and the desk card: print-ready PDFs whose QR codes open the bot.

Each PDF is rendered to an image (pypdfium2) and its QR codes are decoded back (zxing-cpp), so
what is checked is what a phone would read off the printed page; the text layer is read back
to check the Vietnamese text with every diacritic.
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import unicodedata
from datetime import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from typer.testing import CliRunner, Result

from bot.app import App
from bot.cli import cli
from bot.config import (
    BotSettings,
    CommuneSettings,
    ConfigError,
    DatabaseSettings,
    Settings,
    TelegramSettings,
    ZaloSettings,
    load_settings,
)
from bot.content.catalog import Guide, load_catalog
from bot.core.errors import DomainError
from bot.db.models import LocationKind
from bot.locales import t
from bot.services import places
from bot.services.guides.matching import GuideMatcher
from bot.services.posters.build import PosterSize, desk_card, guide_posters
from bot.services.posters.links import SURVEY_PAYLOAD, SURVEY_WORDS, BotLinks
from bot.services.shifts import templates
from tests.bot_process import TOKEN
from tests.fakes import FakeTelegramServer
from tests.helpers import ChatUser, labels, payloads, texts
from tests.test_admin_flow import make_admin

BOT = "dvc_test_bot"
ZALO = "https://zalo.me/2706483918735195043"
COMMUNE = "Xã Đức Ân"
LINKS = BotLinks(telegram_username=BOT, zalo_chat_link=ZALO)
MM = 72 / 25.4
PAPER_MM = {"A5": (148, 210), "A4": (210, 297), "A3": (297, 420), "A1": (594, 841)}
PAPER_MM["A0"] = (841, 1189)
CATALOG = load_catalog()


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The test database, with the two settings the codes come from."""
    return Settings(
        database=DatabaseSettings(url=database_url),
        bot=BotSettings(demo_data=False),
        commune=CommuneSettings(name=COMMUNE),
        telegram=TelegramSettings(bot_username=BOT),
        zalo=ZaloSettings(chat_link=ZALO),
    )


# --------------------------------------------------------------------------------- reading


def flat(text: str) -> str:
    """One line, single spaces, NFC: how text is compared with what the PDF says."""
    return " ".join(unicodedata.normalize("NFC", text).split())


class Pdf:
    """A PDF read back: page sizes in points, the text layer, the QR codes of a page."""

    def __init__(self, content: bytes) -> None:
        assert content.startswith(b"%PDF-")
        self.content = content
        self.document = pdfium.PdfDocument(content)

    def __len__(self) -> int:
        return len(self.document)

    def size(self, index: int = 0) -> tuple[float, float]:
        width, height = self.document[index].get_size()
        return round(width, 1), round(height, 1)

    def text(self, index: int = 0) -> str:
        page = self.document[index]
        textpage = page.get_textpage()
        try:
            return flat(textpage.get_text_range())
        finally:
            textpage.close()

    def glyph_height(self, text: str, index: int = 0) -> float:
        """The height of the first letter of `text` on the page, in points."""
        textpage = self.document[index].get_textpage()
        try:
            _, bottom, _, top = textpage.get_charbox(textpage.get_text_range().index(text))
        finally:
            textpage.close()
        return float(top - bottom)

    def codes(self, index: int = 0, width_px: int = 1400) -> list[str]:
        """The QR codes a phone would read off the page, sorted."""
        page = self.document[index]
        bitmap = page.render(scale=width_px / page.get_width())
        image = bitmap.to_pil()
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        return sorted(result.text for result in found)

    def close(self) -> None:
        self.document.close()


def points(paper: str) -> tuple[float, float]:
    width, height = PAPER_MM[paper]
    return round(width * MM, 1), round(height * MM, 1)


def first_sentence(text: str) -> str:
    head = text.split(". ")[0]
    return head if head.endswith((".", "?", "!")) else f"{head}"


def guide_link(guide: Guide) -> str:
    return f"https://t.me/{BOT}?start=guide-{guide.id}"


def assert_poster_text(page: str, guide: Guide) -> None:
    """Title, every step (title and at least its first sentence), what to bring, the fees,
    the commune and the desk hours, all with their diacritics."""
    expected = [
        guide.title,
        COMMUNE.upper(),  # "XÃ ĐỨC ÂN" above the title
        "Bộ phận một cửa UBND xã",
        "T2–T6: 07:30–11:30, 13:30–17:00",
        "Nhà văn hóa thôn Đông",
        "T7: 08:00–11:00",
        flat(guide.fees),
        *(flat(item) for item in guide.bring),
    ]
    for step in guide.steps:
        expected += [flat(step.title), flat(first_sentence(step.text))]
    missing = [part for part in expected if part not in page]
    assert missing == [], guide.id


async def set_up_desks(app: App) -> None:
    """Two places with weekly hours, and one without any (not printed)."""
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, COMMUNE, "Asia/Ho_Chi_Minh")
        desk = await places.add_location(session, commune, "Bộ phận một cửa UBND xã")
        house = await places.add_location(
            session, commune, "Nhà văn hóa thôn Đông", kind=LocationKind.CULTURAL_HOUSE
        )
        await places.add_location(session, commune, "Trạm y tế xã", kind=LocationKind.OTHER)
        workdays = range(5)
        await templates.add_templates(
            session, desk, workdays, time(7, 30), time(11, 30), 2, actor_id=None
        )
        await templates.add_templates(
            session, desk, workdays, time(13, 30), time(17, 0), 1, actor_id=None
        )
        await templates.add_templates(
            session, house, [5], time(8, 0), time(11, 0), 1, actor_id=None
        )


async def posters_of(
    app: App, guides: list[Guide], size: PosterSize, links: BotLinks = LINKS
) -> Pdf:
    async with app.db.transaction() as session:
        content = await guide_posters(session, guides, size, commune=COMMUNE, links=links)
    return Pdf(content)


# ---------------------------------------------------------------------------- guide posters


async def test_every_guide_at_a4_one_page_each_with_its_codes_and_text(app: App) -> None:
    await set_up_desks(app)
    guides = list(CATALOG.guides.values())
    pdf = await posters_of(app, guides, PosterSize.A4)
    assert len(pdf) == len(guides) == 19
    assert pdf.content.count(b"/FontFile2") == 2  # both fonts embedded
    assert b"+DejaVuSansBook" in pdf.content and b"+DejaVuSansBold" in pdf.content
    for index, guide in enumerate(guides):
        assert pdf.size(index) == points("A4") == (595.3, 841.9)
        assert pdf.codes(index) == [guide_link(guide), ZALO], guide.id
        page = pdf.text(index)
        assert_poster_text(page, guide)
        assert f"«{guide.title}»" in page  # what to type on Zalo, beside its code
        assert "Trạm y tế xã" not in page  # no desk hours there
    pdf.close()


async def test_one_guide_at_a0_scales_the_page_the_type_and_the_codes(app: App) -> None:
    await set_up_desks(app)
    guide = CATALOG.guides["birth-registration"]
    a0 = await posters_of(app, [guide], PosterSize.A0)
    a4 = await posters_of(app, [guide], PosterSize.A4)
    assert len(a0) == 1 and a0.size() == points("A0") == (2383.9, 3370.4)
    assert a0.codes(width_px=1400) == [guide_link(guide), ZALO]
    assert_poster_text(a0.text(), guide)
    assert a0.text() == a4.text()  # the same page, four times as large in each direction
    ratio = a0.glyph_height(guide.title) / a4.glyph_height(guide.title)
    assert 3.9 < ratio < 4.1
    a0.close()
    a4.close()


async def test_the_codes_follow_the_configured_channels(app: App) -> None:
    guide = CATALOG.guides["vneid-level2"]
    telegram_only = await posters_of(app, [guide], PosterSize.A3, BotLinks(telegram_username=BOT))
    assert telegram_only.size() == points("A3")
    assert telegram_only.codes() == [guide_link(guide)]
    zalo_only = await posters_of(app, [guide], PosterSize.A4, BotLinks(zalo_chat_link=ZALO))
    assert zalo_only.codes() == [ZALO] and f"«{guide.title}»" in zalo_only.text()
    neither = await posters_of(app, [guide], PosterSize.A4, BotLinks())
    assert neither.codes() == [] and guide.title in neither.text()
    for pdf in (telegram_only, zalo_only, neither):
        pdf.close()


async def test_the_codes_open_the_guide_and_the_words_find_it(app: App) -> None:
    """The Telegram code's start payload opens that guide; the title typed on Zalo finds it."""
    matcher = GuideMatcher.from_catalog(CATALOG)
    citizen = ChatUser(app, "2001", "Lê Thị Hoa")
    for guide in CATALOG.guides.values():
        assert matcher.match(guide.title).guide_id == guide.id
    guide = CATALOG.guides["marriage-registration"]
    pdf = await posters_of(app, [guide], PosterSize.A4)
    [telegram, _] = pdf.codes()
    payload = telegram.removeprefix(f"https://t.me/{BOT}?start=")
    opened = texts(await citizen.says(f"/start {payload}"))
    assert guide.title in opened and flat(guide.fees) in flat(opened)
    pdf.close()


# -------------------------------------------------------------------------------- desk card


async def test_the_desk_card_is_a5_with_ask_and_survey_codes(app: App) -> None:
    await set_up_desks(app)
    async with app.db.transaction() as session:
        card = Pdf(await desk_card(session, commune=COMMUNE, links=LINKS))
    assert len(card) == 1 and card.size() == points("A5") == (419.5, 595.3)
    survey = f"https://t.me/{BOT}?start={SURVEY_PAYLOAD}"
    assert SURVEY_PAYLOAD == "survey" and SURVEY_WORDS == "đánh giá"
    assert card.codes() == sorted([f"https://t.me/{BOT}", survey, ZALO, ZALO])
    text = card.text()
    for part in (COMMUNE.upper(), "«đánh giá»", "Bộ phận một cửa UBND xã", "T2–T6: 07:30–11:30"):
        assert part in text
    card.close()
    async with app.db.transaction() as session:
        only_zalo = Pdf(await desk_card(session, commune=COMMUNE, links=BotLinks(None, ZALO)))
    assert only_zalo.codes() == [ZALO, ZALO]
    only_zalo.close()
    async with app.db.transaction() as session:
        with pytest.raises(DomainError) as refused:
            await desk_card(session, commune=COMMUNE, links=BotLinks())
    assert refused.value.key == "posters.no_channels"


# ------------------------------------------------------------------------------- settings


def test_the_two_settings_are_checked(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbot_username = "@{BOT}"\n[zalo]\nchat_link = "{ZALO}/"\n', encoding="utf-8"
    )
    loaded = load_settings(config)
    assert loaded.telegram.bot_username == BOT and loaded.zalo.chat_link == ZALO
    config.write_text('[telegram]\nbot_username = "dvc bot"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"telegram\.bot_username"):
        load_settings(config)
    config.write_text('[zalo]\nchat_link = "zalo.me/123"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"zalo\.chat_link"):
        load_settings(config)


# ---------------------------------------------------------------------------- command line


CHANNELS = {"DVCBOT_TELEGRAM__BOT_USERNAME": BOT, "DVCBOT_ZALO__CHAT_LINK": ZALO}


def environment(app: App, **settings: str) -> dict[str, str]:
    """The test database and commune, plus `settings`; none of this shell's DVCBOT_ settings."""
    return {
        "DVCBOT_DATABASE__URL": app.settings.database.url,
        "DVCBOT_BOT__DEMO_DATA": "false",
        "DVCBOT_COMMUNE__NAME": COMMUNE,
        **settings,
    }


async def python_m_bot(app: App, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot …` in a subprocess, on the test database."""
    ours = {k: v for k, v in os.environ.items() if not k.upper().startswith("DVCBOT_")}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=ours | environment(app, **CHANNELS),
        timeout=180,
    )


async def dvcbot(app: App, cwd: Path, *args: str, **settings: str) -> Result:
    """The same command line in this process (each subprocess costs seconds of imports)."""
    runner = CliRunner()
    env = environment(app, **settings)
    for name in os.environ:  # a variable of this shell must not reach the command
        if name.upper().startswith("DVCBOT_") and name not in env:
            env[name] = None  # type: ignore[assignment]
    here = Path.cwd()
    os.chdir(cwd)
    try:
        return await asyncio.to_thread(runner.invoke, cli, list(args), env=env)
    finally:
        os.chdir(here)


async def test_python_m_bot_poster_writes_the_pdfs(app: App, tmp_path: Path) -> None:
    await set_up_desks(app)
    one = await python_m_bot(
        app, tmp_path, "poster", "death-registration", "--size", "a3", "--out", "khai-tu.pdf"
    )
    assert one.returncode == 0, one.stderr
    assert "khai-tu.pdf" in one.stdout and "Đăng ký khai tử" in one.stdout
    pdf = Pdf((tmp_path / "khai-tu.pdf").read_bytes())
    guide = CATALOG.guides["death-registration"]
    assert pdf.size() == points("A3") and pdf.codes() == [guide_link(guide), ZALO]
    assert_poster_text(pdf.text(), guide)
    pdf.close()
    card = await python_m_bot(app, tmp_path, "poster", "desk-card", "--out", "the.pdf")
    assert card.returncode == 0, card.stderr
    pdf = Pdf((tmp_path / "the.pdf").read_bytes())
    assert pdf.size() == points("A5") and len(pdf.codes()) == 4
    pdf.close()


async def test_poster_all_and_what_the_command_refuses(app: App, tmp_path: Path) -> None:
    every = await dvcbot(app, tmp_path, "poster", "all", "--out", "tat-ca.pdf", **CHANNELS)
    assert every.exit_code == 0, every.output
    pdf = Pdf((tmp_path / "tat-ca.pdf").read_bytes())
    assert len(pdf) == 19 and pdf.size(18) == points("A4")
    titles = [guide.title for guide in CATALOG.guides.values()]
    assert [title in pdf.text(index) for index, title in enumerate(titles)] == [True] * 19
    pdf.close()

    unknown = await dvcbot(app, tmp_path, "poster", "khai-sinh", "--out", "x.pdf", **CHANNELS)
    assert unknown.exit_code == 1 and "«khai-sinh»" in unknown.stderr
    assert "birth-registration" in unknown.stderr and not (tmp_path / "x.pdf").exists()
    not_pdf = await dvcbot(app, tmp_path, "poster", "id-card", "--out", "x.png", **CHANNELS)
    assert not_pdf.exit_code == 1 and ".pdf" in not_pdf.stderr
    sized_card = await dvcbot(
        app, tmp_path, "poster", "desk-card", "--size", "A0", "--out", "c.pdf"
    )
    assert sized_card.exit_code == 1 and "A5" in sized_card.stderr
    bad_size = await dvcbot(app, tmp_path, "poster", "id-card", "--size", "B5", "--out", "x.pdf")
    assert bad_size.exit_code == 2
    nothing = await dvcbot(app, tmp_path, "poster", "id-card", "--out", "plain.pdf")
    assert nothing.exit_code == 0 and "bot_username" in nothing.stderr
    plain = Pdf((tmp_path / "plain.pdf").read_bytes())
    assert plain.codes() == []
    plain.close()
    no_card = await dvcbot(app, tmp_path, "poster", "desk-card", "--out", "c.pdf")
    assert no_card.exit_code == 1 and "chat_link" in no_card.stderr
    assert not (tmp_path / "c.pdf").exists()


async def test_without_a_username_the_command_asks_telegram(
    app: App, tmp_path: Path, fake_telegram: FakeTelegramServer
) -> None:
    telegram = {
        "DVCBOT_TELEGRAM__TOKEN": TOKEN,
        "DVCBOT_TELEGRAM__BASE_URL": fake_telegram.base_url,
        "DVCBOT_TELEGRAM__BASE_FILE_URL": fake_telegram.base_file_url,
    }
    done = await dvcbot(app, tmp_path, "poster", "id-card", "--out", "cccd.pdf", **telegram)
    assert done.exit_code == 0, done.output
    pdf = Pdf((tmp_path / "cccd.pdf").read_bytes())
    assert pdf.codes() == [f"https://t.me/{fake_telegram.bot_username}?start=guide-id-card"]
    pdf.close()
    fake_telegram.refused_tokens.add("123456:wrong")
    wrong = {**telegram, "DVCBOT_TELEGRAM__TOKEN": "123456:wrong"}
    refused = await dvcbot(app, tmp_path, "poster", "id-card", "--out", "no.pdf", **wrong)
    assert refused.exit_code == 2 and "@BotFather" in refused.stderr
    assert "wrong" not in refused.stderr and not (tmp_path / "no.pdf").exists()


# ------------------------------------------------------------------------------------ chat


async def test_admins_get_the_pdfs_in_chat_and_citizens_do_not(app: App) -> None:
    await set_up_desks(app)
    admin = await make_admin(app)
    hub = await admin.says("/admin")
    [poster_button] = [c for r in hub for c in r.choices if c.label == t("admin.posters_button")]
    menu = await admin.presses(poster_button.payload)
    assert t("posters.desk_card_button") in labels(menu)
    for guide in CATALOG.guides.values():
        assert guide.title in labels(menu)
    guide = CATALOG.guides["id-card"]
    [open_sizes] = [c.payload for r in menu for c in r.choices if c.label == guide.title]
    sizes = await admin.presses(open_sizes)
    assert [label.split()[0] for label in labels(sizes)[:4]] == ["A4", "A3", "A1", "A0"]
    [a1] = [c.payload for r in sizes for c in r.choices if c.label.startswith("A1")]
    [sent] = await admin.presses(a1)
    assert sent.document is not None and sent.document.filename == "ap-phich-id-card-A1.pdf"
    assert guide.title in sent.text
    pdf = Pdf(sent.document.content)
    assert pdf.size() == points("A1") and pdf.codes() == [guide_link(guide), ZALO]
    assert_poster_text(pdf.text(), guide)
    pdf.close()

    [card_button] = [
        c.payload for r in menu for c in r.choices if c.label == t("posters.desk_card_button")
    ]
    [card] = await admin.presses(card_button)
    assert card.document is not None and card.document.filename.endswith(".pdf")
    pdf = Pdf(card.document.content)
    assert pdf.size() == points("A5") and len(pdf.codes()) == 4
    pdf.close()

    citizen = ChatUser(app, "3001", "Phạm Văn Bình")
    await citizen.says("/start")
    refused = await citizen.says("/poster")
    assert texts(refused) == t("errors.not_allowed")
    for payload in (poster_button.payload, open_sizes, a1, card_button):
        pressed = await citizen.presses(payload)
        assert texts(pressed) == t("errors.not_allowed")
        assert all(reply.document is None for reply in pressed)
    assert open_sizes not in payloads(await citizen.says("/menu"))


async def test_a_forged_size_or_guide_is_refused_politely(app: App) -> None:
    admin = await make_admin(app)
    menu = await admin.says("/poster")
    [open_sizes] = [c.payload for r in menu for c in r.choices if c.label == "Đăng ký kết hôn"]
    guide_id = open_sizes.rsplit(":", 1)[1]
    sizes = await admin.presses(open_sizes)
    [a4] = [p for p in payloads(sizes) if p.endswith(":A4")]
    for forged in (a4.replace(":A4", ":B5"), a4.replace(guide_id, "no-such-guide")):
        replies = await admin.presses(forged)
        assert texts(replies) == t("errors.bad_button")
        assert all(reply.document is None for reply in replies)


def test_the_pictures_font_is_what_the_pdf_embeds() -> None:
    """The PDF embeds the DejaVu files the guide pictures use, which have Vietnamese glyphs."""
    from fontTools.ttLib import TTFont

    from bot.services.guides.pictures import BOLD_FONT, REGULAR_FONT

    for path in (REGULAR_FONT, BOLD_FONT):
        cmap = TTFont(io.BytesIO(path.read_bytes())).getBestCmap()
        assert all(ord(ch) in cmap for ch in "ĐđƯưƠơẦầỆệỸỹỰựẶặ–«»")
