"""Issue 16: in a province's installation, a commune's posters and desk card choose that commune.
Each code is read back off the PDF (zxing-cpp) and followed through the real dispatcher as a new
citizen: the commune is chosen (a request for a person reaches its desk) and the code's own
content opens. A one-commune installation keeps exactly the plain codes."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

from bot.app import App
from bot.db.models import Commune
from bot.locales import t
from bot.services import handoff, places
from bot.services.posters.build import PosterSize, desk_card, guide_posters
from tests.helpers import ChatUser, first_commune, texts
from tests.test_communes_isolation import build, person_of
from tests.test_posters import BOT, CATALOG, LINKS, ZALO, Pdf

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)
GUIDE = CATALOG.guides["birth-registration"]


def start_payload(codes: list[str]) -> str:
    """The start parameter of the Telegram code among a page's codes."""
    telegram = [code for code in codes if code.startswith(f"https://t.me/{BOT}")]
    assert len(telegram) == 1, codes
    return parse_qs(urlparse(telegram[0]).query)["start"][0]


async def test_a_communes_poster_code_chooses_it_and_opens_the_guide(app: App) -> None:
    data = await build(app)
    b = data.communes["B"]
    async with app.db.transaction() as session:
        content = await guide_posters(
            session, [GUIDE], PosterSize.A4, commune="Xã Tân Tiến", links=LINKS, commune_id=b
        )
    pdf = Pdf(content)
    codes = pdf.codes()
    payload = start_payload(codes)
    assert payload == f"xa-i{b}-guide-{GUIDE.id}"  # B has no official code: its id, marked
    assert len(payload) <= 64 and payload.replace("-", "").replace("_", "").isalnum()
    assert ZALO in codes
    assert f"Xã Tân Tiến: {GUIDE.title}" in pdf.text()  # the words to type on Zalo

    citizen = ChatUser(app, user_id="401", name="Hạnh")
    shown = texts(await citizen.says(f"/start {payload}"))
    assert t("communes.chosen_short", name="Xã Tân Tiến") in shown
    assert GUIDE.title in shown and GUIDE.summary[:40] in shown  # the guide's introduction
    async with app.db.transaction() as session:
        asker = await person_of(session, "401")
        assert await places.commune_of(session, asker.id) == b
        request = await handoff.create(session, asker, "Cần hỏi về khai sinh", None, now=NOW)
    assert request.commune_id == b  # "talk to a person" reaches B's desk


async def test_on_zalo_the_posters_words_choose_the_commune_and_open_the_guide(
    app: App,
) -> None:
    data = await build(app)
    citizen = ChatUser(app, user_id="402", name="Khoa")
    shown = texts(await citizen.says(f"xa tan tien: {GUIDE.title}"))  # accents optional
    assert t("communes.chosen_short", name="Xã Tân Tiến") in shown
    assert GUIDE.summary[:40] in shown
    alone = texts(await ChatUser(app, user_id="403").says("Xã Mễ Sở"))
    assert alone == t("communes.chosen", name="Xã Mễ Sở")
    async with app.db.transaction() as session:
        for user_id, key in (("402", "B"), ("403", "C")):
            asker = await person_of(session, user_id)
            assert await places.commune_of(session, asker.id) == data.communes[key]
    # Without "Xã"/"Phường", a commune's name is an ordinary question, not a choice.
    texts(await ChatUser(app, user_id="404").says("tân tiến"))
    async with app.db.transaction() as session:
        assert await places.commune_of(session, (await person_of(session, "404")).id) is None


async def test_a_communes_desk_card_chooses_it_for_asking_and_for_the_survey(app: App) -> None:
    data = await build(app)
    b = data.communes["B"]
    async with app.db.transaction() as session:
        content = await desk_card(session, commune="Xã Tân Tiến", links=LINKS, commune_id=b)
    pdf = Pdf(content)
    payloads = sorted(start_payload([code]) for code in pdf.codes() if "t.me" in code)
    assert payloads == [f"xa-i{b}", f"xa-i{b}-survey"]
    assert "Xã Tân Tiến: đánh giá" in pdf.text()
    citizen = ChatUser(app, user_id="405", name="Lan")
    shown = texts(await citizen.says(f"/start xa-i{b}-survey"))
    assert t("communes.chosen_short", name="Xã Tân Tiến") in shown
    typed = texts(await ChatUser(app, user_id="406").says("Xã Tân Tiến: đánh giá"))  # Zalo
    assert t("communes.chosen_short", name="Xã Tân Tiến") in typed
    assert t("survey.ask_desk") in typed  # the desk rating's question
    async with app.db.transaction() as session:
        for user_id in ("405", "406"):
            rater = await person_of(session, user_id)
            assert await places.commune_of(session, rater.id) == b


async def test_one_commune_keeps_the_plain_codes(app: App) -> None:
    async with app.db.transaction() as session:
        only = await first_commune(session)
        content = await guide_posters(
            session, [GUIDE], PosterSize.A4, commune="Xã Đức Ân", links=LINKS, commune_id=only
        )
        card = await desk_card(session, commune="Xã Đức Ân", links=LINKS, commune_id=only)
    assert start_payload(Pdf(content).codes()) == f"guide-{GUIDE.id}"
    assert sorted(c for c in Pdf(card).codes() if "t.me" in c) == [
        f"https://t.me/{BOT}",
        f"https://t.me/{BOT}?start=survey",
    ]


async def test_a_code_less_communes_poster_never_leads_to_the_commune_whose_code_is_its_id(
    app: App,
) -> None:
    data = await build(app)
    b = data.communes["B"]
    async with app.db.transaction() as session:
        other = Commune(name="Phường Phúc Xá", code=b)  # official codes start at 1, as ids do
        session.add(other)
        await session.flush()
        content = await desk_card(session, commune="Xã Tân Tiến", links=LINKS, commune_id=b)
    payloads = sorted(start_payload([code]) for code in Pdf(content).codes() if "t.me" in code)
    citizen = ChatUser(app, user_id="407", name="Mai")
    assert t("communes.chosen_short", name="Xã Tân Tiến") in texts(
        await citizen.says(f"/start {payloads[1]}")
    )
    by_code = ChatUser(app, user_id="408", name="Tâm")
    assert texts(await by_code.says(f"/start xa-{b}")) == t("communes.chosen", name=other.name)
    async with app.db.transaction() as session:
        assert await places.commune_of(session, (await person_of(session, "407")).id) == b
        assert await places.commune_of(session, (await person_of(session, "408")).id) == other.id
