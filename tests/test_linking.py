"""One person on Telegram and Zalo: link codes, roles that follow, the notification channel;
and invite codes typed on Zalo, which has no start links. All through the real dispatcher."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.actions.admin import InviteRole, InviteVillage
from bot.actions.linking import ChooseChannel, LatestChannel
from bot.app import App
from bot.channels.zalo import INFO as ZALO
from bot.core.channels import ChannelInfo
from bot.core.messages import Reply
from bot.db.models import AuditEntry, ChatIdentity, FailedJoin, OutboxMessage, Person, Role
from bot.db.models.people import LinkCode
from bot.locales import t
from bot.services import invites, linking, outbox
from bot.services.safety import looks_like_secret
from tests.helpers import ChatUser, first_commune, payloads, texts
from tests.test_households_flow import grant, make_villages, person_id
from tests.test_numbered_menus import number_of

TELEGRAM = ChannelInfo("telegram", keeps_replies=True)


def on_both(app: App) -> tuple[ChatUser, ChatUser]:
    """Lê Thị Hoa on Telegram and on Zalo: two chats, one human."""
    app.dispatcher.connect(TELEGRAM)
    app.dispatcher.connect(ZALO)
    return (
        ChatUser(app, "5001", "Lê Thị Hoa", channel="telegram"),
        ChatUser(app, "z-5001", "Hoa Lê", channel="zalo"),
    )


def link_code(replies: list[Reply]) -> str:
    """The code in the line to type on the other messenger."""
    found = re.search(r"/lienket ([A-Z]+)$", texts(replies), re.MULTILINE)
    assert found is not None, texts(replies)
    return found.group(1)


def said(replies: list[Reply]) -> str:
    """What was said, without the numbered menu a channel without buttons adds."""
    return texts(replies).split(f"\n\n{t('menus.choose_number')}")[0]


async def person_of(app: App, user: ChatUser) -> int:
    return await person_id(app, user, channel=user.channel)


async def delivery_channel(app: App, person: int) -> str:
    async with app.sessionmaker() as session:
        chats = await outbox.delivery_chats(session, [person])
    return chats[person].channel


async def count(app: App, model: type[FailedJoin] | type[AuditEntry], **where: str) -> int:
    async with app.sessionmaker() as session:
        query = select(func.count()).select_from(model)
        if where:
            query = query.where(*(getattr(model, k) == v for k, v in where.items()))
        return int(await session.scalar(query) or 0)


# --------------------------------------------------------------------------------- linking


async def test_a_telegram_code_typed_on_zalo_links_one_person(app: App) -> None:
    [east] = await make_villages(app, "Thôn Đông")
    telegram, zalo = on_both(app)
    await telegram.says("/start")
    await grant(app, "5001", Role.VOLUNTEER, east, channel="telegram")
    await zalo.says("xin chào")
    zalo_person_before = await person_of(app, zalo)

    shown = await telegram.says("/lienket")
    code = link_code(shown)
    assert len(code) == linking.LINK_CODE_LENGTH and code.isalpha()
    assert "Trên Zalo" in texts(shown) and "15 phút" in texts(shown)
    async with app.sessionmaker() as session:
        stored = await session.scalar(select(LinkCode))
    assert stored is not None and code.lower() not in stored.code_hash  # only the hash is kept

    linked = await zalo.says(f"Liên kết: {code.lower()}")  # no slash, accents, lower case
    assert "Đã liên kết xong" in texts(linked)
    assert "Telegram" in texts(linked) and "Zalo" in texts(linked)
    assert await person_of(app, zalo) == await person_of(app, telegram)

    # Asked which channel notifications use: numbered on Zalo.
    chosen = await zalo.says(number_of(linked, t("link.channel_button", channel="Zalo")))
    assert texts(chosen).startswith(t("link.saved", channel="Zalo"))
    hoa = await person_of(app, telegram)
    assert await delivery_channel(app, hoa) == "zalo"

    # Her role follows her to Zalo.
    assert t("volunteer.my_tally") in texts(await zalo.says("/menu"))
    assert not texts(await zalo.says("/helped")).startswith(t("errors.not_allowed"))

    # /kenh on Telegram shows the choice, with buttons, and changes it.
    shown_channels = await telegram.says("/kenh")
    assert t("link.chosen") in texts(shown_channels)
    assert ChooseChannel("telegram").pack() in payloads(shown_channels)
    await telegram.presses(ChooseChannel("telegram").pack())
    assert await delivery_channel(app, hoa) == "telegram"
    refused = await zalo.presses(ChooseChannel("console").pack())  # no chat with her there
    assert said(refused) == t("link.no_chat_there")
    await telegram.presses(LatestChannel().pack())
    await zalo.says("cảm ơn")
    async with app.sessionmaker() as session:
        person = await session.get(Person, hoa)
        assert person is not None and person.preferred_channel is None
        # The most recent chat then: set it so, whatever the clock's precision.
        for chat in await session.scalars(select(ChatIdentity)):
            chat.last_seen_at = datetime.now(UTC) - timedelta(hours=chat.id)
        await session.commit()
    assert await delivery_channel(app, hoa) == "telegram"

    async with app.sessionmaker() as session:
        left = await session.scalar(
            select(func.count())
            .select_from(ChatIdentity)
            .where(ChatIdentity.person_id == zalo_person_before)
        )
        told = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.key.like("linked:%"))
        )
    assert left == 0  # the Zalo-only person row stays, without chats
    assert told is not None and told.channel == "telegram" and told.chat_id == "5001"
    assert await count(app, AuditEntry, action="link") == 1
    assert await count(app, AuditEntry, action="prefer_channel") == 3


async def test_a_zalo_code_typed_by_a_telegram_volunteer_keeps_the_role(app: App) -> None:
    [east] = await make_villages(app, "Thôn Đông")
    telegram, zalo = on_both(app)
    await telegram.says("/start")
    await grant(app, "5001", Role.VOLUNTEER, east, channel="telegram")
    volunteer = await person_of(app, telegram)
    code = link_code(await zalo.says("liên kết"))  # typed alone: the same as /lienket
    assert "Trên Telegram" in texts(await zalo.says("/lienket"))  # a new code each time
    assert texts(await telegram.says(f"/lienket {code}")) == t("link.expired")
    code = link_code(await zalo.says("/lienket"))
    linked = await telegram.says(f"/lienket {code}")
    assert "Đã liên kết xong" in texts(linked)
    assert ChooseChannel("zalo").pack() in payloads(linked)  # buttons on Telegram
    assert await person_of(app, zalo) == volunteer == await person_of(app, telegram)
    assert t("volunteer.my_tally") in texts(await zalo.says("/menu"))


async def test_two_staff_records_are_not_merged(app: App) -> None:
    [east] = await make_villages(app, "Thôn Đông")
    telegram, zalo = on_both(app)
    await telegram.says("/start")
    await zalo.says("/start")
    await grant(app, "5001", Role.VOLUNTEER, east, channel="telegram")
    await grant(app, "z-5001", Role.OFFICER, None, channel="zalo")
    code = link_code(await telegram.says("/lienket"))
    assert said(await zalo.says(f"lienket {code}")) == t("link.both_staff")
    assert await person_of(app, zalo) != await person_of(app, telegram)


async def test_refusals_are_polite_and_wrong_codes_are_throttled(app: App) -> None:
    telegram, zalo = on_both(app)
    other = ChatUser(app, "z-6001", "Người Khác", channel="zalo")
    code = link_code(await telegram.says("/lienket"))
    assert texts(await telegram.says(f"/lienket {code}")) == t("link.same_channel")
    assert "Đã liên kết xong" in texts(await zalo.says(f"/lienket {code}"))
    assert said(await other.says(f"/lienket {code}")) == t("link.used")
    assert said(await zalo.says(f"lien ket {code}")) == t("link.already")
    back = link_code(await zalo.says("/lienket"))
    assert texts(await telegram.says(f"/lienket {back}")) == t("link.already")

    late = link_code(await telegram.says("/lienket"))
    app.dispatcher.clock = lambda: datetime.now(UTC) + linking.LINK_TTL + timedelta(minutes=1)
    assert said(await other.says(f"/lienket {late}")) == t("link.expired")
    app.dispatcher.clock = lambda: datetime.now(UTC)

    fresh = link_code(await telegram.says("/lienket"))
    for guess in ("kkkkkkkk", "mmmmmmmm", "lienket", "abcdefgh", "qqqqqqqq"):
        reply = await other.says(f"/lienket {guess}")
        assert said(reply) == t("link.wrong")
    assert await count(app, FailedJoin) == invites.MAX_WRONG_GUESSES
    assert said(await other.says(f"lienket {fresh}")) == t("link.slow_down")
    assert said(await other.says("/join abcd234efg")) == t("join.slow_down")  # one counter
    assert await person_of(app, other) != await person_of(app, telegram)


async def test_link_codes_are_never_taken_for_secrets_or_questions(app: App) -> None:
    telegram, zalo = on_both(app)
    await zalo.says("/start")
    for _ in range(40):
        code = link_code(await telegram.says("/lienket"))
        for typed in (code, f"lienket {code}", f"Liên kết {code.lower()}"):
            assert not looks_like_secret(typed), typed
    linked = await zalo.says(f"lien ket {code}")
    assert "Đã liên kết xong" in texts(linked)
    stranger = ChatUser(app, "z-7001", channel="zalo")
    for question in (
        "liên kết tài khoản ngân hàng với VNeID",
        "lien ket vi dien tu",
        "Liên kết ngân hàng",
        "liên kết VNeID với cổng dịch vụ công",
    ):
        answered = said(await stranger.says(question))
        assert answered not in (t("link.wrong"), t("link.already")), question
    assert await count(app, FailedJoin) == 0


# ---------------------------------------------------------------------- invites on Zalo


async def zalo_admin(app: App) -> ChatUser:
    app.dispatcher.connect(ZALO)
    admin = ChatUser(app, "z-1001", "Quản Trị Viên", channel="zalo")
    await admin.says("/start")
    await grant(app, "z-1001", Role.ADMIN, channel="zalo")
    return admin


def invite_code(replies: list[Reply]) -> str:
    found = re.search(r"Mã: (\w+)", texts(replies))
    assert found is not None, texts(replies)
    return found.group(1)


async def test_an_invite_code_typed_alone_joins_on_zalo(app: App) -> None:
    await make_villages(app, "Thôn Đông")
    admin = await zalo_admin(app)
    roles = await admin.says("/invite")
    villages = await admin.says(number_of(roles, t("admin.role_volunteer")))
    created = await admin.says(number_of(villages, "Thôn Đông"))
    code = invite_code(created)
    assert f"gõ đúng mã {code}" in texts(created)  # no start links on Zalo: type the code
    newcomer = ChatUser(app, "z-2001", "Phạm Thị Mai", channel="zalo")
    await newcomer.says("xin chào")
    typed = f"{code[:4].upper()} {code[4:7]} {code[7:]}"  # capitals and spaces, as retyped
    joined = await newcomer.says(typed)
    assert "Chào mừng Phạm Thị Mai" in texts(joined) and "Thôn Đông" in texts(joined)
    assert t("volunteer.my_tally") in texts(joined)

    second = await admin.presses(InviteVillage(Role.OFFICER, 0).pack())
    accented = invite_code(second).replace("a", "á").replace("d", "đ").replace("e", "ê")
    officer = ChatUser(app, "z-2002", "Cán Bộ", channel="zalo")
    assert "Cán bộ" in texts(await officer.says(f"Join {accented}"))
    assert said(await newcomer.says(code)) == t("join.used")


async def test_ordinary_messages_are_never_taken_for_invite_codes(app: App) -> None:
    admin = await zalo_admin(app)
    code = invite_code(await admin.presses(InviteRole(Role.ADMIN).pack()))
    citizen = ChatUser(app, "z-3001", "Người Dân", channel="zalo")
    for message in (
        "làm căn cước cho con",
        "đăng ký khai sinh",
        "cccd 2 lần",
        "xin chào",
        "0912345678",
        "thủ tục 2 bước",
        "hỏi về VNeID mức 2",
        "abc",
        "123456",
        f"{code}?",
        f"mã của tôi là {code}",
    ):
        answered = said(await citizen.says(message))
        assert answered != t("join.wrong") and "Chào mừng" not in answered, message
    assert await count(app, FailedJoin) == 0
    assert said(await citizen.says("abcd234efg")) == t("join.wrong")  # shaped like a code
    assert await count(app, FailedJoin) == 1


async def test_invite_codes_never_look_like_secrets(app: App) -> None:
    async with app.db.transaction() as session:
        for _ in range(200):
            _, code = await invites.create(
                session,
                Role.VOLUNTEER,
                commune_id=await first_commune(session),
                village_id=None,
                created_by_id=None,
                now=datetime.now(UTC),
            )
            assert invites.typed_code(code) == code
            for typed in (code, code.upper(), f"{code[:5]} {code[5:]}"):
                assert not looks_like_secret(typed), typed


async def test_a_telegram_invite_still_carries_its_start_link(app: App) -> None:
    app.dispatcher.connect(ChannelInfo("telegram", start_link="https://t.me/dvc_bot?start="))
    admin = ChatUser(app, "1001", "Quản Trị Viên", channel="telegram")
    await admin.says("/start")
    await grant(app, "1001", Role.ADMIN, channel="telegram")
    created = await admin.presses(InviteRole(Role.ADMIN).pack())
    code = invite_code(created)
    assert created[-1].text == f"https://t.me/dvc_bot?start=join-{code}"
    assert f"gõ đúng mã {code}" not in texts(created)
