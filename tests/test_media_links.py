"""Pictures and files by signed link: the web routes over HTTP, a channel that cannot upload,
the polite line where no link can be made, and Telegram still uploading."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook
from starlette.applications import Starlette

from bot import logs
from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.config import BotSettings, ContentSettings, DatabaseSettings, Settings, WebSettings
from bot.core.channels import ChannelInfo
from bot.core.media import Kind, MediaStore
from bot.core.messages import Choice, Document, Reply
from bot.core.rendering import for_channel
from bot.db.models import Role
from bot.locales import t
from bot.web.app import create_app
from bot.web.media import XLSX
from tests.fakes import FakeTelegramServer
from tests.helpers import ChatUser
from tests.test_households_e2e import Chat
from tests.test_households_flow import grant
from tests.test_reports import NOW
from tests.test_reports_flow import official
from tests.test_tally import build_log

PUBLIC = "https://xa.example.vn"
LINK_ONLY = ChannelInfo(
    "test", buttons=False, edits=False, max_text=2000, pictures="link", files="link"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"picture" * 10
WORKBOOK = b"PK\x03\x04" + b"workbook" * 10
CHOICE = Choice("Tiếp", "gl")
FILE_LINK = re.compile(re.escape(PUBLIC) + r"/files/\S+")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The test settings, with a public address for links and a cache of this test's own."""
    return Settings(
        database=DatabaseSettings(url=database_url),
        bot=BotSettings(demo_data=False),
        web=WebSettings(public_url=PUBLIC),
        content=ContentSettings(cache_dir=tmp_path / "cache"),
    )


@dataclass
class Web:
    """The running web app, the bot it built, and an HTTP client reaching it."""

    app: App
    client: httpx.AsyncClient

    @property
    def media(self) -> MediaStore:
        return self.app.services.media


@pytest.fixture
async def web(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    """`dvcbot serve`'s app with its lifespan running (the whole bot, no Telegram token)."""
    monkeypatch.setattr(logs, "setup_for", lambda *_, **__: None)  # pytest keeps its logging
    asgi: Starlette = create_app(settings)
    async with asgi.router.lifespan_context(asgi):
        served = asgi.state.served
        await served.app.prepare_database()
        transport = httpx.ASGITransport(app=asgi)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
            yield Web(served.app, client)


def changed(text: str, at: int) -> str:
    """`text` with the character at `at` replaced by another of the same kind."""
    old = text[at]
    new = ("1" if old != "1" else "2") if old.isdigit() else ("a" if old != "a" else "b")
    return text[:at] + new + text[at + 1 :]


def link_parts(url: str) -> tuple[str, str, str, str, str]:
    """A link's kind, id, expiry, signature and filename."""
    kind, token, filename = url.removeprefix(PUBLIC + "/").split("/")
    media_id, expires, signature = token.split("-")
    return kind, media_id, expires, signature, filename


def assembled(kind: str, media_id: str, expires: str, signature: str, filename: str) -> str:
    return f"{PUBLIC}/{kind}/{media_id}-{expires}-{signature}/{filename}"


def stored_link(media: MediaStore, kind: Kind, content: bytes, filename: str) -> str:
    url = media.link(kind, media.put(content), filename)
    assert url is not None
    return url


async def test_a_signed_link_serves_the_picture(web: Web) -> None:
    url = stored_link(web.media, "media", PNG, "hinh-anh.png")
    answer = await web.client.get(url)
    assert answer.status_code == 200 and answer.content == PNG
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["cache-control"].startswith("private, max-age=")
    assert 0 < int(answer.headers["cache-control"].rsplit("=", 1)[1]) <= 72 * 3600
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-disposition" not in answer.headers


async def test_a_signed_link_serves_the_workbook_as_a_download(web: Web) -> None:
    url = stored_link(web.media, "files", WORKBOOK, "bao-cao-2026-11.xlsx")
    answer = await web.client.get(url)
    assert answer.status_code == 200 and answer.content == WORKBOOK
    assert answer.headers["content-type"] == XLSX
    assert answer.headers["content-disposition"] == 'attachment; filename="bao-cao-2026-11.xlsx"'
    assert answer.headers["cache-control"].startswith("private")


@pytest.mark.parametrize("part", ["media_id", "expires", "signature", "filename"])
@pytest.mark.parametrize("at", [0, -1])
async def test_a_link_with_one_character_changed_is_not_found(
    web: Web, part: str, at: int
) -> None:
    links: list[tuple[Kind, bytes, str]] = [("media", PNG, "a.png"), ("files", WORKBOOK, "b.xlsx")]
    for kind, content, name in links:
        url = stored_link(web.media, kind, content, name)
        assert (await web.client.get(url)).status_code == 200
        _, media_id, expires, signature, filename = link_parts(url)
        parts = {
            "media_id": media_id,
            "expires": expires,
            "signature": signature,
            "filename": filename,
        }
        parts[part] = changed(parts[part], at if at >= 0 else len(parts[part]) - 1)
        answer = await web.client.get(assembled(kind, **parts))
        assert answer.status_code == 404 and answer.content == b""


async def test_a_link_of_one_kind_is_not_found_as_the_other(web: Web) -> None:
    url = stored_link(web.media, "files", WORKBOOK, "bao-cao.xlsx")
    answer = await web.client.get(url.replace("/files/", "/media/"))
    assert answer.status_code == 404 and answer.content == b""


async def test_unknown_malformed_and_listing_paths_are_not_found(web: Web) -> None:
    never_stored = web.media.link("media", "0" * 32, "hinh-anh.png")
    assert never_stored is not None
    _, media_id, expires, signature, _ = link_parts(never_stored)
    paths = [
        never_stored,
        f"/media/{media_id}-{expires}/hinh-anh.png",
        f"/media/{media_id}-²{expires}-{signature}/hinh-anh.png",
        f"/media/{media_id}-{'9' * 5000}-{signature}/hinh-anh.png",
        f"/media/{media_id}-{expires}-{signature}é/hinh-anh.png",
        f"/media/{media_id}-{expires}-{signature}/hình-ảnh.png",
        "/media/",
        "/files/",
        f"/media/{media_id}-{expires}-{signature}",
        f"/media/{media_id}-{expires}-{signature}/",
    ]
    for path in paths:
        answer = await web.client.get(path)
        assert answer.status_code == 404, path
        assert answer.content in (b"", b"Not Found"), path  # Starlette's own, for no route
    posted = await web.client.post(stored_link(web.media, "media", PNG, "hinh-anh.png"))
    assert posted.status_code == 405


async def test_an_expired_link_is_not_found(web: Web) -> None:
    url = stored_link(web.media, "media", PNG, "hinh-anh.png")
    now = datetime.now(UTC)
    web.media.clock = lambda: now + timedelta(hours=71, minutes=59)
    assert (await web.client.get(url)).status_code == 200
    web.media.clock = lambda: now + timedelta(hours=72, minutes=1)
    answer = await web.client.get(url)
    assert answer.status_code == 404 and answer.content == b""


async def test_a_link_only_channel_gets_the_report_workbook_as_a_link(web: Web) -> None:
    web.app.dispatcher.connect(LINK_ONLY)
    await build_log(web.app)
    user = await official(web.app)
    [hub] = await user.says("/report")
    number = next(
        line.split(".")[0].strip()
        for line in hub.text.splitlines()
        if line.strip().endswith(t("reports.excel_button"))
    )
    [excel] = await user.says(number)
    assert excel.document is None and excel.image is None
    [url] = FILE_LINK.findall(excel.text)
    _, _, expires, _, filename = link_parts(url)
    assert filename == "bao-cao-2026-11.xlsx"
    until = datetime.fromtimestamp(int(expires), UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    line = t(
        "channels.file_link",
        filename=filename,
        link=url,
        time=f"{until:%H:%M}",
        day=f"{until:%d/%m}",
    )
    assert line in excel.text.splitlines()
    assert t("channels.no_files") not in excel.text
    answer = await web.client.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == f'attachment; filename="{filename}"'
    workbook = load_workbook(io.BytesIO(answer.content))
    assert workbook.sheetnames == [
        "Độ phủ",
        "Theo ngày",
        "Tổng hợp theo ngày",
        "Chỉ tiêu",
        "Người hỗ trợ",
        "Khảo sát hài lòng",
        "Đánh giá cá nhân",
    ]


async def test_a_link_only_channel_gets_the_guide_picture_by_url(web: Web) -> None:
    web.app.dispatcher.connect(LINK_ONLY)
    guide = web.app.services.catalog.get("birth-registration")
    assert guide is not None
    citizen = ChatUser(web.app, user_id="8101")
    [shown] = await citizen.presses(f"gi:{guide.id}")
    assert shown.image is None and shown.image_url is not None
    assert shown.image_url.startswith(f"{PUBLIC}/media/")
    assert shown.text.startswith(t("guides.picture_caption", title=guide.title))
    assert t("menus.choose_number") in shown.text  # the numbered menu, with the picture's link
    assert t("channels.no_pictures") not in shown.text
    answer = await web.client.get(shown.image_url)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert answer.content == web.app.services.pictures.picture(guide)


def test_without_a_public_address_a_link_channel_gets_the_polite_lines(tmp_path: Path) -> None:
    reply = Reply(
        "Báo cáo", image=PNG, document=Document("bao-cao.xlsx", WORKBOOK), choices=(CHOICE,)
    )
    for media in (None, MediaStore(tmp_path, b"secret")):
        [shown], _ = for_channel([reply], LINK_ONLY, media)
        assert shown.image is None and shown.image_url is None and shown.document is None
        assert t("channels.no_pictures") in shown.text and t("channels.no_files") in shown.text
    assert not any(tmp_path.iterdir())  # nothing kept when no link can be made


def test_a_channel_sending_neither_gets_the_polite_lines(tmp_path: Path) -> None:
    media = MediaStore(tmp_path, b"secret", public_url=PUBLIC)
    neither = ChannelInfo("sms", buttons=False, pictures="none", files="none")
    reply = Reply("Báo cáo", image=PNG, document=Document("bao-cao.xlsx", WORKBOOK))
    [shown], _ = for_channel([reply], neither, media)
    assert shown.image is None and shown.image_url is None and shown.document is None
    assert t("channels.no_pictures") in shown.text and t("channels.no_files") in shown.text
    assert PUBLIC not in shown.text


def test_an_uploading_channel_keeps_the_picture_and_the_file(tmp_path: Path) -> None:
    media = MediaStore(tmp_path, b"secret", public_url=PUBLIC)
    reply = Reply("Báo cáo", image=PNG, document=Document("bao-cao.xlsx", WORKBOOK))
    assert for_channel([reply], ChannelInfo("telegram"), media) == ([reply], None)
    assert not any(tmp_path.iterdir())


def test_a_long_reply_keeps_the_picture_link_on_its_first_part(tmp_path: Path) -> None:
    media = MediaStore(tmp_path, b"secret", public_url=PUBLIC)
    reply = Reply("\n\n".join(["Đoạn " + "chữ " * 300] * 4), image=PNG, choices=(CHOICE,))
    shown, _ = for_channel([reply], LINK_ONLY, media)
    assert len(shown) > 1
    assert shown[0].image_url is not None and shown[0].image_url.endswith("/hinh-anh.png")
    assert all(part.image_url is None for part in shown[1:])


async def test_telegram_still_uploads_the_workbook_and_the_picture(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    await build_log(app)
    app.dispatcher.clock = lambda: NOW
    chairman = Chat(fake_telegram, 890101, "Bình")
    await chairman.says("/start")
    await grant(app, "890101", Role.OFFICIAL, channel="telegram")
    workbook = await chairman.presses("rp:x")
    assert workbook.method == "sendDocument" and workbook.filename == "bao-cao-2026-11.xlsx"
    assert workbook.document is not None and workbook.document.startswith(b"PK")
    assert workbook.text is not None and PUBLIC not in workbook.text
    picture = await chairman.presses("gi:birth-registration")
    assert picture.method == "sendPhoto"
    assert picture.photo is not None and picture.photo.startswith(b"\x89PNG")
    assert picture.text is not None and PUBLIC not in picture.text
