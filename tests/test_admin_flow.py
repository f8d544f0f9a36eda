"""Admins set up villages and locations, invite people into roles and revoke them, in chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.core.messages import Reply
from bot.db.models import AuditEntry, FailedJoin, Invite, Location, Role, RoleGrant, Village
from bot.locales import t
from bot.services import invites, people
from tests.helpers import ChatUser, first_commune, payloads, texts
from tests.test_households_flow import (
    add_household,
    flow_step,
    grant,
    make_villages,
    person_id,
    staff_user,
)

NOT_ALLOWED = t("errors.not_allowed")


def code_from(replies: list[Reply]) -> str:
    """The invite code from the "/start join-<code>" message."""
    [link] = [reply.text for reply in replies if reply.text.startswith("/start join-")]
    return link.removeprefix("/start join-")


async def make_admin(app: App, user_id: str = "1001") -> ChatUser:
    return await staff_user(app, user_id, Role.ADMIN, name="Quản Trị Viên")


async def invite_code(admin: ChatUser, role: Role, village_id: int | None) -> str:
    roles = await admin.presses("ai")
    assert f"ai:r:{role.value}" in payloads(roles)
    if role is Role.ADMIN:
        return code_from(await admin.presses("ai:r:admin"))
    assert f"ai:v:{role.value}:0" in payloads(await admin.presses(f"ai:r:{role.value}"))
    return code_from(await admin.presses(f"ai:v:{role.value}:{village_id or 0}"))


async def active_grants(app: App, user: ChatUser) -> list[tuple[str, int | None]]:
    pid = await person_id(app, user)
    async with app.sessionmaker() as session:
        rows = await session.execute(
            select(RoleGrant.role, RoleGrant.village_id).where(
                RoleGrant.person_id == pid, RoleGrant.revoked_at.is_(None)
            )
        )
        return [(role, village_id) for role, village_id in rows.all()]


# --------------------------------------------------------------------------------- invites


async def test_invite_then_join_gives_a_village_scoped_role(app: App) -> None:
    east, west = await make_villages(app, "Thôn Đông", "Thôn Tây")
    admin = await make_admin(app)
    roles = await admin.says("/invite")
    assert [p for p in payloads(roles) if p.startswith("ai:r:")] == [
        "ai:r:volunteer",
        "ai:r:officer",
        "ai:r:official",
        "ai:r:admin",
    ]
    villages = await admin.presses("ai:r:volunteer")
    assert {"ai:v:volunteer:0", f"ai:v:volunteer:{east}", f"ai:v:volunteer:{west}"} <= set(
        payloads(villages)
    )
    created = await admin.presses(f"ai:v:volunteer:{east}")
    code = code_from(created)
    assert len(code) == invites.CODE_LENGTH
    assert "Tình nguyện viên" in texts(created) and "Thôn Đông" in texts(created)
    assert "Hết hạn lúc" in texts(created) and f"/join {code}" in texts(created)
    newcomer = ChatUser(app, user_id="2001", name="Phạm Thị Mai")
    joined = await newcomer.says(f"/start join-{code}")
    assert "Chào mừng Phạm Thị Mai" in texts(joined)
    assert "Tình nguyện viên" in texts(joined) and "Thôn Đông" in texts(joined)
    assert "hs" in payloads(joined) and "ht" in payloads(joined)  # the new menu at once
    assert "adm" not in payloads(joined)
    assert await active_grants(app, newcomer) == [("volunteer", east)]
    async with app.sessionmaker() as session:
        scope = await people.village_scope(session, await person_id(app, newcomer))
        invite = await session.scalar(select(Invite))
    assert scope == frozenset({east})
    assert invite is not None and invite.used_by_id == await person_id(app, newcomer)
    search = await newcomer.presses("hs")
    assert "Thôn Đông" in texts(search)


async def test_join_command_and_admin_invites_for_the_whole_commune(app: App) -> None:
    await make_villages(app, "Thôn Đông")
    admin = await make_admin(app)
    officer_code = await invite_code(admin, Role.OFFICER, None)
    admin_code = await invite_code(admin, Role.ADMIN, None)
    officer = ChatUser(app, user_id="2001", name="Cán Bộ")
    assert texts(await officer.says("/join")) == t("join.how")
    joined = await officer.says(f"/join {officer_code.upper()}")  # typed in capitals
    assert "Cán bộ" in texts(joined) and "toàn xã" in texts(joined)
    assert await active_grants(app, officer) == [("officer", None)]
    second = ChatUser(app, user_id="2002", name="Quản Trị Hai")
    await second.says(f"/start join-{admin_code}")
    assert await active_grants(app, second) == [("admin", None)]
    assert "adm" in payloads(await second.says("/menu"))


async def test_wrong_used_and_expired_codes_get_clear_replies(app: App) -> None:
    [east] = await make_villages(app, "Thôn Đông")
    admin = await make_admin(app)
    code = await invite_code(admin, Role.VOLUNTEER, east)
    first = ChatUser(app, user_id="2001")
    await first.says(f"/start join-{code}")
    late = ChatUser(app, user_id="2002")
    assert texts(await late.says(f"/start join-{code}")) == t("join.used")
    async with app.sessionmaker() as session, session.begin():
        _, old_code = await invites.create(
            session,
            Role.VOLUNTEER,
            commune_id=await first_commune(session),
            village_id=east,
            created_by_id=None,
            now=datetime.now(UTC) - timedelta(days=8),
        )
    assert texts(await late.says(f"/join {old_code}")) == t("join.expired")
    assert texts(await late.says("/join khongphaima")) == t("join.wrong")
    assert texts(await late.says("/start join-👍")) == t("join.wrong")
    assert await active_grants(app, late) == []


async def test_repeated_wrong_codes_are_slowed_down(app: App) -> None:
    [east] = await make_villages(app, "Thôn Đông")
    admin = await make_admin(app)
    code = await invite_code(admin, Role.VOLUNTEER, east)
    guesser = ChatUser(app, user_id="2001")
    for attempt in range(invites.MAX_WRONG_GUESSES):
        assert texts(await guesser.says(f"/join sai{attempt}abcdef")) == t("join.wrong")
    async with app.sessionmaker() as session:
        failures = await session.scalar(select(func.count()).select_from(FailedJoin))
    assert failures == invites.MAX_WRONG_GUESSES  # wrong tries are kept, not rolled back
    assert texts(await guesser.says(f"/start join-{code}")) == t("join.slow_down")
    assert await active_grants(app, guesser) == []
    other = ChatUser(app, user_id="2002")  # another chat is not slowed down
    assert "Chào mừng" in texts(await other.says(f"/join {code}"))


# ---------------------------------------------------------------------------------- revoke


async def test_revoking_a_role_works_at_the_next_message(app: App) -> None:
    [east] = await make_villages(app, "Thôn Đông")
    await add_household(app, east, "Nguyễn Văn Bình")
    admin = await make_admin(app)
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, east, name="Lê Văn Tình")
    await grant(app, "2001", Role.OFFICIAL, east)
    await volunteer.presses(f"hn:{east}")  # mid-way through registering a household
    await volunteer.presses("hc:ok:1")
    listing = await admin.says("/people")
    assert "Lê Văn Tình" in texts(listing) and "Tình nguyện viên (Thôn Đông)" in texts(listing)
    volunteer_id = await person_id(app, volunteer)
    assert f"apr:{volunteer_id}:volunteer" in payloads(listing)
    question = await admin.presses(f"apr:{volunteer_id}:volunteer")
    assert f"apy:{volunteer_id}:volunteer" in payloads(question)
    done = await admin.presses(f"apy:{volunteer_id}:volunteer")
    assert "Đã thu hồi" in texts(done)
    assert f"apr:{volunteer_id}:volunteer" not in payloads(done)
    assert f"apr:{volunteer_id}:official" in payloads(done)
    # The very next message: the flow is ended politely, editing is refused, viewing stays.
    assert texts(await volunteer.says("Trần Văn Hòa")) == NOT_ALLOWED
    assert await flow_step(app, volunteer) == (None, None)
    assert texts(await volunteer.presses(f"hn:{east}")) == NOT_ALLOWED
    assert texts(await volunteer.presses("ht")) == NOT_ALLOWED
    assert "Thôn Đông" in texts(await volunteer.presses("hs"))
    assert texts(await admin.presses(f"apy:{volunteer_id}:volunteer")) == t("admin.not_held")
    async with app.sessionmaker() as session:
        revoked = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "revoke")
        )
    assert revoked == 1


async def test_the_last_admin_cannot_be_revoked(app: App) -> None:
    admin = await make_admin(app)
    admin_id = await person_id(app, admin)
    refused = await admin.presses(f"apy:{admin_id}:admin")
    assert texts(refused) == t("admin.last_admin")
    assert await active_grants(app, admin) == [("admin", None)]
    assert texts(await admin.presses(f"apr:{admin_id}:citizen")) == t("errors.bad_button")
    assert texts(await admin.presses("apy:999999:volunteer")) == t("errors.bad_button")


async def test_a_citizen_cannot_use_admin_commands_or_buttons(app: App) -> None:
    await make_villages(app, "Thôn Đông")
    citizen = ChatUser(app, user_id="3001", name="Người Dân")
    for command in ("/villages", "/invite", "/people", "/locations", "/admin"):
        reply = await citizen.says(command)
        assert texts(reply) == NOT_ALLOWED, command
    for payload in ("adm", "av:add", "ai:r:admin", "ai:v:admin:0", "apy:1:admin", "af:count:5"):
        assert texts(await citizen.presses(payload)) == NOT_ALLOWED, payload
    assert texts(await citizen.presses("hh:1")) == NOT_ALLOWED
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Invite)) == 0
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER)
    assert texts(await volunteer.says("/invite")) == NOT_ALLOWED


# ------------------------------------------------------------------------ villages, locations


async def test_admin_adds_villages_and_sets_official_counts(app: App) -> None:
    admin = await make_admin(app)
    empty = await admin.says("/villages")
    assert t("admin.no_villages") in texts(empty) and "av:add" in payloads(empty)
    await admin.presses("av:add")
    bad = await admin.says("Thôn 🌾")
    assert t("admin.bad_place_name") in texts(bad)
    assert await flow_step(app, admin) == ("adm_village", "name")
    count = await admin.says("Thôn Đông")
    assert "af:count:skip" in payloads(count)
    assert t("places.bad_count") in texts(await admin.says("nhiều lắm"))
    assert t("places.bad_count") in texts(await admin.says("-5"))
    added = await admin.says("1.250")
    assert t("admin.village_added", name="Thôn Đông") in texts(added)
    await admin.presses("av:add")
    await admin.says("Thôn Tây")
    listing = await admin.presses("af:count:skip")
    assert "số hộ chính thức: chưa nhập" in texts(listing)
    assert "số hộ chính thức: 1250" in texts(listing)
    await admin.presses("av:add")
    assert t("places.village_exists", name="thon dong") in texts(await admin.says("thon dong"))
    await admin.says("/cancel")
    async with app.sessionmaker() as session:
        west = await session.scalar(select(Village).where(Village.name == "Thôn Tây"))
    assert west is not None
    await add_household(app, west.id, "Nguyễn Văn Bình", members=3, accounts=1)
    await add_household(app, west.id, "Trần Văn Cường", members=3, accounts=0)
    await admin.presses(f"av:set:{west.id}")
    updated = await admin.says("400")
    assert t("admin.count_saved", name="Thôn Tây") in texts(updated)
    assert "Thôn Tây: 2 hộ đã ghi, 1 hộ có tài khoản; số hộ chính thức: 400" in texts(updated)
    stale = await admin.presses("af:count:skip")
    assert texts(stale) == t("admin.stale_button")
    async with app.sessionmaker() as session:
        actions = [
            (row.action, row.after)
            for row in await session.scalars(
                select(AuditEntry).where(AuditEntry.entity == "village").order_by(AuditEntry.id)
            )
        ]
    assert actions[0] == ("create", {"name": "Thôn Đông", "official_households": 1250})
    assert actions[-1] == ("update", {"official_households": 400})


async def test_admin_adds_locations(app: App) -> None:
    [east] = await make_villages(app, "Thôn Đông")
    admin = await make_admin(app)
    assert t("admin.no_locations") in texts(await admin.says("/locations"))
    await admin.presses("al:add")
    kinds = await admin.says("Nhà văn hóa thôn Đông")
    assert "af:kind:cultural_house" in payloads(kinds)
    assert "af:kind:cultural_house" in payloads(await admin.says("nhà văn hóa"))  # buttons again
    villages = await admin.presses("af:kind:cultural_house")
    assert f"af:village:{east}" in payloads(villages)
    added = await admin.presses(f"af:village:{east}")
    assert "Nhà văn hóa thôn Đông — Nhà văn hóa thôn — Thôn Đông" in texts(added)
    await admin.presses("al:add")
    await admin.says("Bộ phận một cửa UBND xã")
    added = await admin.presses("af:kind:commune_desk")
    assert "Bộ phận một cửa UBND xã — Bộ phận một cửa của xã" in texts(added)
    async with app.sessionmaker() as session:
        rows = {row.name: row.village_id for row in await session.scalars(select(Location))}
    assert rows == {"Nhà văn hóa thôn Đông": east, "Bộ phận một cửa UBND xã": None}
