"""Adding a commune (issue 16): `dvcbot communes add` and, in chat, a province admin who adds one
and invites its first admin. Names are checked against the official list after the 2025 merger;
the communes already served keep everything they hold; only province admins may add."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import App
from bot.db.models import AuditEntry, Commune, Household, Invite, Role, RoleGrant, Village
from bot.locales import t
from bot.services import places
from bot.vntext import fold
from tests.helpers import ChatUser, first_commune, payloads, texts
from tests.test_communes_isolation import person_of, staff
from tests.test_reports_cli import dvcbot

DUC_HOP = 12313  # Xã Đức Hợp, Hưng Yên
HUNG_YEN = 33


async def first_with_a_village(app: App) -> int:
    """The installation's own commune with "Thôn 1" and one household in it."""
    async with app.db.transaction() as session:
        commune = await session.get(Commune, await first_commune(session))
        assert commune is not None
        village = await places.add_village(session, commune, "Thôn 1", official_households=40)
        session.add(
            Household(
                village_id=village.id,
                code="T1-001",
                head_name="Nguyễn Văn An",
                folded_head=fold("Nguyễn Văn An"),
                members=4,
                members_with_account=2,
            )
        )
        return commune.id


async def communes_stored(app: App) -> list[tuple[str, int | None, int | None]]:
    async with app.db.transaction() as session:
        rows = await session.execute(
            select(Commune.name, Commune.code, Commune.province_code).order_by(Commune.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def run_cli(app: App, *args: str) -> tuple[int, str]:
    result = await dvcbot(app, *args)
    return result.exit_code, result.output


# ----------------------------------------------------------------------------- the command line


async def test_the_command_line_adds_the_official_unit_and_keeps_the_first_commune(
    app: App,
) -> None:
    first = await first_with_a_village(app)
    (first_name, _, _), *_ = await communes_stored(app)
    code, output = await run_cli(app, "communes", "add", "duc hopp")  # no accents, a typo
    assert code == 0, output
    assert "Đã thêm Xã Đức Hợp, Hưng Yên (mã 12313)" in output
    assert "--commune" in output  # what changes for the other commands
    assert await communes_stored(app) == [(first_name, None, None), ("Xã Đức Hợp", DUC_HOP, 33)]
    async with app.db.transaction() as session:
        village = await session.scalar(select(Village).where(Village.commune_id == first))
        assert village is not None and (village.name, village.official_households) == (
            "Thôn 1",
            40,
        )
        homes = await session.scalar(
            select(func.count()).select_from(Household).where(Household.village_id == village.id)
        )
        assert homes == 1
        audited = await session.scalar(
            select(AuditEntry).where(AuditEntry.entity == "commune", AuditEntry.action == "create")
        )
        assert audited is not None and audited.after == {
            "name": "Xã Đức Hợp",
            "code": DUC_HOP,
            "province_code": HUNG_YEN,
        }
    # The installation is now a province's: commands name their commune, the first one's
    # village is still there under its name, the new one has none yet.
    code, output = await run_cli(app, "villages", "list")
    assert code == 1 and "--commune" in output
    code, output = await run_cli(app, "villages", "list", "--commune", first_name)
    assert code == 0 and "Thôn 1" in output
    code, output = await run_cli(app, "villages", "list", "--commune", "Đức Hợp")
    assert code == 0 and "Thôn 1" not in output
    code, output = await run_cli(app, "communes", "list")
    assert code == 0 and "Xã Đức Hợp — mã 12313, Hưng Yên — 0 thôn, 0 hộ trong sổ" in output
    assert f"{first_name} — " in output and "1 thôn, 1 hộ trong sổ" in output


async def test_the_command_line_refuses_duplicates_unknown_and_ambiguous_names(
    app: App,
) -> None:
    await first_with_a_village(app)
    assert (await run_cli(app, "communes", "add", "Xã Đức Hợp"))[0] == 0
    before = await communes_stored(app)

    code, output = await run_cli(app, "communes", "add", "Xã Đức Hợp")
    assert code == 1 and "Xã Đức Hợp, Hưng Yên (mã 12313) đã có trong hệ thống" in output
    code, output = await run_cli(app, "communes", "add", "--code", str(DUC_HOP))
    assert code == 1 and "đã có trong hệ thống" in output

    async with app.db.transaction() as session:  # a commune named so, not tied to its unit
        session.add(Commune(name="Xã Mễ Sở"))
    before = await communes_stored(app)
    code, output = await run_cli(app, "communes", "add", "me so")
    assert code == 1 and "Hệ thống đã có «Xã Mễ Sở»" in output

    code, output = await run_cli(app, "communes", "add", "Xã Không Có Thật")
    assert code == 1
    assert "Không tìm thấy «Xã Không Có Thật» trong danh mục đơn vị hành chính" in output

    code, output = await run_cli(app, "communes", "add", "Tân Phú")
    assert code == 1 and "Có nhiều đơn vị tên «Tân Phú»" in output
    assert "Xã Tân Phú, Đồng Nai (--code 26116)" in output and "--province" in output

    code, output = await run_cli(app, "communes", "add")
    assert code == 1 and "tên xã, phường cần thêm" in output
    assert await communes_stored(app) == before

    code, output = await run_cli(app, "communes", "add", "Tân Phú", "--province", "Đồng Nai")
    assert code == 0 and "Đã thêm Xã Tân Phú, Đồng Nai (mã 26116)" in output


# ------------------------------------------------------------------------------------- chat


async def test_a_province_admin_adds_a_commune_and_its_first_admin_joins_it(app: App) -> None:
    first = await first_with_a_village(app)
    await staff(app, "501", Role.ADMIN, first)  # the first commune's own admin
    province = await staff(app, "502", Role.PROVINCE_ADMIN, None)

    view = await province.says("/province")
    assert "pv:add" in payloads(view)
    asked = texts(await province.presses("pv:add"))
    assert asked.startswith(t("province.add_ask")[:40])
    again = texts(await province.says("Xã Không Có Thật"))
    assert "Chưa tìm thấy «Xã Không Có Thật»" in again and t("province.add_ask") in again

    confirm = await province.says("duc hopp")  # still in the flow: accents off, a typo
    assert "Thêm Xã Đức Hợp, Hưng Yên (mã 12313) vào hệ thống?" in texts(confirm)
    assert f"pv:new:{DUC_HOP}" in payloads(confirm)
    assert len(await communes_stored(app)) == 1  # nothing before the confirmation

    done = await province.presses(f"pv:new:{DUC_HOP}")
    assert "✅ Đã thêm Xã Đức Hợp, Hưng Yên (mã 12313)" in texts(done)
    async with app.db.transaction() as session:
        added = await session.scalar(select(Commune).where(Commune.code == DUC_HOP))
        assert added is not None and (added.name, added.province_code) == ("Xã Đức Hợp", 33)
        added_id = added.id
    assert f"pv:inv:{added_id}" in payloads(done)

    # Pressed twice: nothing added twice, and the invite is still offered.
    twice = await province.presses(f"pv:new:{DUC_HOP}")
    assert "đã có trong hệ thống, không cần thêm lại" in texts(twice)
    assert f"pv:inv:{added_id}" in payloads(twice)
    assert len(await communes_stored(app)) == 2

    invited = await province.presses(f"pv:inv:{added_id}")
    shown = texts(invited)
    assert "✅ Đã tạo mã mời." in shown and "Quản trị viên" in shown and "Xã Đức Hợp" in shown
    [link] = [reply.text for reply in invited if reply.text.startswith("/start join-")]

    newcomer = ChatUser(app, user_id="503", name="Lê Thị Hoa")
    joined = texts(await newcomer.says(link))
    assert "vai trò Quản trị viên, phạm vi: toàn Xã Đức Hợp" in joined
    async with app.db.transaction() as session:
        person = await person_of(session, "503")
        grants = (
            await session.execute(
                select(RoleGrant.role, RoleGrant.commune_id, RoleGrant.village_id).where(
                    RoleGrant.person_id == person.id, RoleGrant.revoked_at.is_(None)
                )
            )
        ).all()
    assert [tuple(grant) for grant in grants] == [("admin", added_id, None)]

    # The new admin sees their commune only: no village of the first, none of its staff.
    villages = texts(await newcomer.says("/villages"))
    assert "Thôn 1" not in villages
    listed = texts(await newcomer.says("/people"))
    assert "Lê Thị Hoa" in listed and "Cán bộ 501" not in listed
    assert "Cán bộ 501" in texts(await ChatUser(app, user_id="501").says("/people"))
    assert "Lê Thị Hoa" not in texts(await ChatUser(app, user_id="501").says("/people"))
    async with app.db.transaction() as session:
        home = await session.scalar(select(Household.id).where(Household.code == "T1-001"))
    forged = texts(await newcomer.presses(f"hh:{home}"))
    assert "Nguyễn Văn An" not in forged
    assert forged == texts(await newcomer.presses("hh:999999"))
    assert texts(await newcomer.says("/province")).startswith(t("errors.not_allowed"))


async def test_a_province_role_is_welcomed_as_held_in_the_whole_province(app: App) -> None:
    await first_with_a_village(app)
    await run_cli(app, "communes", "add", "Xã Đức Hợp")
    code, output = await run_cli(app, "invite", "--role", "province_official")
    assert code == 0, output
    [link] = [line for line in output.splitlines() if "/start join-" in line]
    joined = texts(await ChatUser(app, user_id="531").says(link[link.index("/start") :]))
    assert "vai trò Lãnh đạo cấp tỉnh, phạm vi: toàn tỉnh" in joined


async def test_a_name_shared_across_provinces_is_chosen_with_buttons(app: App) -> None:
    await first_with_a_village(app)
    province = await staff(app, "511", Role.PROVINCE_ADMIN, None)
    await province.says("/add_commune")
    several = await province.says("Tân Phú")
    assert t("province.add_several") in texts(several)
    offered = [payload for payload in payloads(several) if payload.startswith("pv:unit:")]
    assert len(offered) == 6 and "pv:unit:26116" in offered
    assert "Xã Tân Phú, Đồng Nai" in [choice.label for r in several for choice in r.choices]
    confirm = await province.presses("pv:unit:26116")
    assert "Thêm Xã Tân Phú, Đồng Nai (mã 26116)" in texts(confirm)
    await province.presses("pv:new:26116")
    # Once a commune of Đồng Nai is served, a name found there is the one meant.
    await province.says("/add_commune")
    narrowed = await province.says("Tân Tiến")
    assert "Thêm Xã Tân Tiến, Đồng Nai (mã 25318)" in texts(narrowed)
    assert f"pv:new:{25318}" in payloads(narrowed)
    assert [row[1] for row in await communes_stored(app)][-1] == 26116  # not added yet


async def test_only_province_admins_add_communes_or_invite_their_admins(app: App) -> None:
    first = await first_with_a_village(app)
    citizen = ChatUser(app, user_id="521", name="Người dân")
    await citizen.says("/start")
    others = [
        citizen,
        await staff(app, "522", Role.ADMIN, first),
        await staff(app, "523", Role.PROVINCE_OFFICIAL, None),
    ]
    for user in others:
        assert "pv:add" not in payloads(await user.says("/province"))
        for tried in ("pv:add", f"pv:unit:{DUC_HOP}", f"pv:new:{DUC_HOP}", f"pv:inv:{first}"):
            refused = texts(await user.presses(tried))
            assert refused.startswith(t("errors.not_allowed")), (user.user_id, tried)
        assert texts(await user.says("/add_commune")).startswith(t("errors.not_allowed"))
    province = await staff(app, "524", Role.PROVINCE_ADMIN, None)
    for forged in ("pv:new:999999", "pv:unit:999999", "pv:inv:999999", "pv:new:abc"):
        assert texts(await province.presses(forged)).startswith(t("errors.bad_button"))
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Commune)) == 1
        assert await session.scalar(select(func.count()).select_from(Invite)) == 0
