"""Many communes in one installation (issue 16): each commune's staff see and change only their
own commune, through chat and the command line; a citizen chooses their commune and reaches its
desk; a province official sees every commune. Each case tries to cross from one commune into
another and expects the same answer as for something that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.app import App
from bot.db.models import (
    Assistance,
    ChatIdentity,
    Commune,
    Household,
    OutboxMessage,
    Person,
    Question,
    Role,
    Shift,
)
from bot.locales import t
from bot.services import communes, escalation, handoff, people, places
from bot.services.posters.build import desk_card
from bot.services.shifts import alerts, roster
from bot.services.shifts import templates as shift_templates
from bot.vntext import fold
from tests.helpers import ChatUser, first_commune, payloads, texts
from tests.test_posters import LINKS, Pdf
from tests.test_reports_cli import dvcbot

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class Province:
    communes: dict[str, int]  # "A", "B", "C" -> commune id
    villages: dict[str, int]  # "A", "B" -> its village (both called "Thôn 1")
    households: dict[str, int]  # "A", "B" -> a household headed by Nguyễn Văn An


async def build(app: App) -> Province:
    """Xã Đức Hợp (A, the app's own), Xã Tân Tiến (B), Xã Mễ Sở (C); A and B each have a
    "Thôn 1" with a household headed by "Nguyễn Văn An"."""
    ids: dict[str, int] = {}
    villages: dict[str, int] = {}
    homes: dict[str, int] = {}
    async with app.db.transaction() as session:
        first = await session.get(Commune, await first_commune(session))
        assert first is not None
        first.name = "Xã Đức Hợp"
        for key, name in (("A", "Xã Đức Hợp"), ("B", "Xã Tân Tiến"), ("C", "Xã Mễ Sở")):
            commune = first if key == "A" else Commune(name=name)
            session.add(commune)
            await session.flush()
            ids[key] = commune.id
            if key == "C":
                continue
            village = await places.add_village(session, commune, "Thôn 1")
            villages[key] = village.id
            home = Household(
                village_id=village.id,
                code=f"{key}1-001",
                head_name="Nguyễn Văn An",
                folded_head=fold("Nguyễn Văn An"),
                members=4,
                members_with_account=1,
            )
            session.add(home)
            await session.flush()
            homes[key] = home.id
    return Province(ids, villages, homes)


async def staff(app: App, user_id: str, role: Role, commune_id: int | None) -> ChatUser:
    """Someone who wrote to the bot and holds `role` in a commune (None: a province role)."""
    user = ChatUser(app, user_id=user_id, name=f"Cán bộ {user_id}")
    await user.says("/start")
    async with app.db.transaction() as session:
        person = await person_of(session, user_id)
        await people.grant_role(
            session, person, role, commune_id=commune_id, granted_by_id=None, now=NOW
        )
    return user


async def person_of(session: object, user_id: str) -> Person:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    person = await session.scalar(
        select(Person)
        .join(ChatIdentity, ChatIdentity.person_id == Person.id)
        .where(ChatIdentity.external_id == user_id)
    )
    assert person is not None
    return person


async def test_a_communes_volunteer_finds_only_its_own_households(app: App) -> None:
    data = await build(app)
    volunteer = await staff(app, "201", Role.VOLUNTEER, data.communes["B"])
    await volunteer.says("/households")  # one village in scope: straight to the search
    found = payloads(await volunteer.says("Nguyễn Văn An"))
    assert f"hh:{data.households['B']}" in found and f"hh:{data.households['A']}" not in found
    # A forged button for commune A's household reads like a household that does not exist.
    forged = texts(await volunteer.presses(f"hh:{data.households['A']}"))
    missing = texts(await volunteer.presses("hh:999999"))
    assert forged == missing
    async with app.db.transaction() as session:
        scope = await people.village_scope(session, (await person_of(session, "201")).id)
    assert scope == frozenset({data.villages["B"]})


async def test_forged_buttons_change_nothing_in_another_commune(app: App) -> None:
    data = await build(app)
    volunteer = await staff(app, "203", Role.VOLUNTEER, data.communes["B"])
    other = data.households["A"]
    missing = texts(await volunteer.presses("h1:999999"))
    for payload in (f"h1:{other}", f"he:{other}", f"ha:{other}",
                    f"ha:{other}:t:account_created", f"ha:{other}:s"):  # fmt: skip
        assert texts(await volunteer.presses(payload)) == missing, payload
    async with app.sessionmaker() as session:
        home = await session.get(Household, other)
        assert home is not None and home.members_with_account == 1  # as built
        logged = await session.scalar(
            select(func.count()).select_from(Assistance).where(Assistance.household_id == other)
        )
    assert logged == 0


async def test_an_officials_reports_cover_only_their_commune(app: App) -> None:
    data = await build(app)
    async with app.db.transaction() as session:
        await places.add_village(session, await commune(session, data, "A"), "Thôn Riêng A")
    official = await staff(app, "202", Role.OFFICIAL, data.communes["B"])
    shown = texts(await official.says("/coverage"))
    assert "Thôn 1" in shown and "Thôn Riêng A" not in shown
    assert "1/1 hộ" in shown  # B's one household, not A's too


async def commune(session: object, data: Province, key: str) -> Commune:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    found = await session.get(Commune, data.communes[key])
    assert found is not None
    return found


async def test_a_new_citizen_chooses_their_commune_typos_forgiven(app: App) -> None:
    await build(app)
    citizen = ChatUser(app, user_id="301", name="Bình")
    first = await citizen.says("/start")
    assert t("start.greeting_province", name="Bình").split("\n")[0] in texts(first)
    assert t("communes.ask") in texts(first)
    again = texts(await citizen.says("Xã Không Có"))
    assert t("communes.not_found", name="Xã Không Có") in again  # asked again, politely
    chosen = texts(await citizen.says("tan tienn"))  # no accents, one letter too many
    assert t("communes.chosen", name="Xã Tân Tiến") == chosen
    assert "Xã Tân Tiến" in texts(await citizen.says("/xa"))


async def test_a_communes_own_link_chooses_it(app: App) -> None:
    data = await build(app)
    citizen = ChatUser(app, user_id="302", name="Cúc")
    linked = texts(await citizen.says(f"/start xa-{data.communes['C']}"))
    assert linked == t("communes.chosen", name="Xã Mễ Sở")


async def test_a_citizen_of_b_who_asks_for_a_person_reaches_bs_desk(app: App) -> None:
    data = await build(app)
    officer_a = await staff(app, "211", Role.OFFICER, data.communes["A"])
    officer_b = await staff(app, "212", Role.OFFICER, data.communes["B"])
    citizen = ChatUser(app, user_id="303", name="Dũng")
    await citizen.says("/start")
    await citizen.says("tân tiến")
    async with app.db.transaction() as session:
        asker = await person_of(session, "303")
        request = await handoff.create(session, asker, "Cần hỏi về khai sinh", None, now=NOW)
        told = set(await session.scalars(select(OutboxMessage.person_id)))
        a_id = (await person_of(session, officer_a.user_id)).id
        b_id = (await person_of(session, officer_b.user_id)).id
    assert request.commune_id == data.communes["B"]
    assert b_id in told and a_id not in told


async def test_a_citizen_who_has_not_chosen_is_asked_before_reaching_a_desk(app: App) -> None:
    await build(app)
    citizen = ChatUser(app, user_id="304", name="Én")
    await citizen.says("/start")
    await citizen.says("/menu")  # leaves the question unanswered
    async with app.db.transaction() as session:
        asker = await person_of(session, "304")
        try:
            await handoff.create(session, asker, "Cần hỏi", None, now=NOW)
        except Exception as problem:
            assert getattr(problem, "key", None) == "communes.choose_first"
        else:
            raise AssertionError("a request without a commune was stored")


async def test_an_admin_sees_and_invites_only_in_their_commune(app: App) -> None:
    data = await build(app)
    admin_a = await staff(app, "221", Role.ADMIN, data.communes["A"])
    await staff(app, "222", Role.VOLUNTEER, data.communes["B"])
    listed = texts(await admin_a.says("/people"))
    assert "Cán bộ 221" in listed and "Cán bộ 222" not in listed
    chosen = await admin_a.presses("ai:r:volunteer")
    labels = [choice.payload for reply in chosen for choice in reply.choices]
    assert f"ai:v:volunteer:{data.villages['A']}" in labels
    assert f"ai:v:volunteer:{data.villages['B']}" not in labels
    forged = texts(await admin_a.presses(f"ai:v:volunteer:{data.villages['B']}"))
    assert forged == t("errors.bad_button")


async def test_questions_and_faqs_stay_in_their_commune(app: App) -> None:
    data = await build(app)
    officer_a = await staff(app, "231", Role.OFFICER, data.communes["A"])
    async with app.db.transaction() as session:
        asker = Person(display_name="Người hỏi")
        session.add(asker)
        await session.flush()
        for key in ("A", "B"):
            session.add(
                Question(person_id=asker.id, commune_id=data.communes[key], text=f"Hỏi xã {key}")
            )
        await session.flush()
        b_question = await session.scalar(
            select(Question.id).where(Question.commune_id == data.communes["B"])
        )
    listed = texts(await officer_a.says("/questions"))
    assert "Hỏi xã A" in listed and "Hỏi xã B" not in listed
    forged = texts(await officer_a.presses(f"qn:ans:{b_question}"))
    assert t("questions.not_found") in forged


async def test_a_province_official_sees_every_commune_and_commune_staff_do_not(
    app: App,
) -> None:
    data = await build(app)
    province = await staff(app, "241", Role.PROVINCE_OFFICIAL, None)
    shown = texts(await province.says("/province"))
    assert all(name in shown for name in ("Xã Đức Hợp", "Xã Tân Tiến", "Xã Mễ Sở"))
    drill = texts(await province.presses(f"pv:c:{data.communes['B']}"))
    assert "Xã Tân Tiến" in drill and "Thôn 1" in drill
    volunteer = await staff(app, "242", Role.OFFICIAL, data.communes["A"])
    assert texts(await volunteer.says("/province")).startswith(t("errors.not_allowed"))


async def test_the_command_line_needs_a_commune_and_keeps_to_it(app: App, tmp_path: Path) -> None:
    await build(app)
    out = tmp_path / "ho.xlsx"
    refused = await dvcbot(app, "export", "households", str(out))
    assert refused.exit_code == 1 and "--commune" in refused.output
    done = await dvcbot(app, "export", "households", str(out), "--commune", "tan tien")
    assert done.exit_code == 0, done.output
    sheet = load_workbook(out).active
    assert sheet is not None
    codes = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == ["B1-001"]
    listed = await dvcbot(app, "villages", "list", "--commune", "Đức Hợp")
    assert listed.exit_code == 0 and listed.output.count("Thôn 1") == 1
    invite = await dvcbot(app, "invite", "--role", "province_official")
    assert invite.exit_code == 0 and "/start join-" in invite.output


async def test_one_commune_installations_ask_nothing_new(app: App) -> None:
    citizen = ChatUser(app, user_id="305", name="Giang")
    first = texts(await citizen.says("/start"))
    assert t("communes.ask") not in first
    async with app.db.transaction() as session:
        asker = await person_of(session, "305")
        assert asker.commune_id == await first_commune(session)
        assert await communes.acted_on(session, None) is None


async def test_a_desk_is_staffed_and_alerted_only_from_its_commune(app: App) -> None:
    data = await build(app)
    await staff(app, "251", Role.VOLUNTEER, data.communes["A"])
    await staff(app, "252", Role.VOLUNTEER, data.communes["B"])
    await staff(app, "253", Role.ADMIN, data.communes["B"])
    async with app.db.transaction() as session:
        desk_a = await places.add_location(
            session, await commune(session, data, "A"), "Bộ phận một cửa Đức Hợp"
        )
        desk_b = await places.add_location(
            session, await commune(session, data, "B"), "Bộ phận một cửa Tân Tiến"
        )
        ids = {uid: (await person_of(session, uid)).id for uid in ("251", "252", "253")}
        assert await roster.workers_for(session, desk_a) == [ids["251"]]
        assert await roster.workers_for(session, desk_b) == [ids["252"]]
        assert await alerts.officers_for(session, desk_b) == [ids["253"]]  # no officers: admins


async def test_where_and_when_names_the_citizens_own_desk(app: App) -> None:
    data = await build(app)
    async with app.db.transaction() as session:
        for key, name in (("A", "Một cửa Đức Hợp"), ("B", "Một cửa Tân Tiến")):
            await places.add_location(session, await commune(session, data, key), name)
    citizen = ChatUser(app, user_id="306", name="Hà")
    await citizen.says("/start")
    await citizen.says("tan tien")
    shown = texts(await citizen.presses("g:help-desk"))
    assert "Một cửa Tân Tiến" in shown and "Một cửa Đức Hợp" not in shown


async def test_shift_setup_and_desks_keep_to_their_commune(app: App) -> None:
    data = await build(app)
    admin_a = await staff(app, "261", Role.ADMIN, data.communes["A"])
    await staff(app, "262", Role.VOLUNTEER, data.communes["B"])
    async with app.db.transaction() as session:
        desk_a = await places.add_location(
            session, await commune(session, data, "A"), "Một cửa Đức Hợp"
        )
        desk_b = await places.add_location(
            session, await commune(session, data, "B"), "Một cửa Tân Tiến"
        )
        await shift_templates.add_templates(
            session, desk_a, [0], time(7, 30), time(11, 30), 2, actor_id=None
        )
        (template_b,) = await shift_templates.add_templates(
            session, desk_b, [0], time(13, 30), time(17, 0), 2, actor_id=None
        )
        volunteer_b = (await person_of(session, "262")).id
        assert await roster.scope_of(session, volunteer_b) == frozenset({desk_b.id})
    setup = texts(await admin_a.says("/shift_setup"))
    assert "Một cửa Đức Hợp" in setup and "Một cửa Tân Tiến" not in setup
    forged = texts(await admin_a.presses(f"sg:rm:{template_b.id}"))
    assert t("shift_admin.no_template") in forged
    async with app.db.transaction() as session:
        still = await shift_templates.list_templates(session, desk_b.id)
    assert [template.id for template in still] == [template_b.id]


async def test_a_request_waits_for_the_end_of_its_own_communes_desk_day(app: App) -> None:
    data = await build(app)
    day = NOW.astimezone(TZ).date()
    ends = {
        "A": datetime.combine(day, time(11, 0), TZ),
        "B": datetime.combine(day, time(17, 0), TZ),
    }
    async with app.db.transaction() as session:
        for key, end in ends.items():
            desk = await places.add_location(
                session, await commune(session, data, key), f"Một cửa {key}"
            )
            session.add(
                Shift(
                    location_id=desk.id, day=day, starts_at=end - timedelta(hours=3), ends_at=end
                )
            )
        await session.flush()
        policy = escalation.Policy.from_settings(app.settings)
        asked = datetime.combine(day, time(8, 0), TZ)
        for key, end in ends.items():
            closes = await escalation.deadline(session, asked, policy, data.communes[key])
            assert closes == end


async def test_targets_are_given_only_within_the_admins_commune(app: App) -> None:
    data = await build(app)
    admin_a = await staff(app, "271", Role.ADMIN, data.communes["A"])
    await staff(app, "272", Role.VOLUNTEER, data.communes["A"])
    await staff(app, "273", Role.VOLUNTEER, data.communes["B"])
    asked = await admin_a.says("/targets")
    offered = " ".join(choice.label for reply in asked for choice in reply.choices)
    assert "Cán bộ 272" in offered and "Cán bộ 273" not in offered
    typed = texts(await admin_a.says("Cán bộ 273"))
    assert t("targets.unknown_person", name="Cán bộ 273") in typed


async def test_the_targets_of_a_commune_hold_only_its_own_staff(app: App, tmp_path: Path) -> None:
    data = await build(app)
    await staff(app, "272", Role.VOLUNTEER, data.communes["A"])
    await staff(app, "273", Role.VOLUNTEER, data.communes["B"])
    for name, commune_name in (("Cán bộ 272", "Đức Hợp"), ("Cán bộ 273", "Tân Tiến")):
        done = await dvcbot(app, "targets", "set", name, "Hộ tịch", "--month", "2026-12",
                            "--submitted", "5", "--digitised", "3", "--paid", "2",
                            "--commune", commune_name)  # fmt: skip
        assert done.exit_code == 0, done.output
    refused = await dvcbot(app, "targets", "show", "--month", "2026-12")
    assert refused.exit_code != 0 and t("communes.need_commune") in refused.output
    shown = await dvcbot(app, "targets", "show", "--month", "2026-12", "--commune", "tan tien")
    assert shown.exit_code == 0, shown.output
    assert "Cán bộ 273" in shown.stdout and "Cán bộ 272" not in shown.stdout

    out = tmp_path / "bao-cao-tan-tien.xlsx"
    exported = await dvcbot(app, "export", "report", str(out), "--month", "2026-12",
                            "--commune", "Tân Tiến")  # fmt: skip
    assert exported.exit_code == 0, exported.output
    sheet = load_workbook(out)[t("targets.sheet_title")]
    names = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert "Cán bộ 273" in names and "Cán bộ 272" not in names


async def test_a_communes_desk_card_shows_its_own_desks(app: App) -> None:
    data = await build(app)
    async with app.db.transaction() as session:
        for key, name in (("A", "Một cửa Đức Hợp"), ("B", "Một cửa Tân Tiến")):
            desk = await places.add_location(session, await commune(session, data, key), name)
            await shift_templates.add_templates(
                session, desk, [0, 1, 2, 3, 4], time(7, 30), time(11, 30), 1, actor_id=None
            )
        content = await desk_card(
            session, commune="Xã Tân Tiến", links=LINKS, commune_id=data.communes["B"]
        )
    text = Pdf(content).text()
    assert "Một cửa Tân Tiến" in text and "Một cửa Đức Hợp" not in text
