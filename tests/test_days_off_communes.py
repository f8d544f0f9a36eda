"""Days off per commune (issue 16): a commune's closed or make-up day changes only that commune's
calendar (its shifts, its desk's "open today?", its evening tally, its requests' deadlines); a
province-wide day applies to every commune unless the commune decided that day itself. Through
chat an admin sets only their own commune's days, a province admin the province's; the command
line asks which commune once there are several. An installation of one commune works as before,
and its stored days move into that commune."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bot.actions.shifts import AddClosedDay, DaysOff, ProvinceDaysOff, RemoveDayOff
from bot.app import App
from bot.db.migrate import downgrade, upgrade
from bot.db.models import (
    Commune,
    DayOverride,
    HelpRequest,
    HelpStatus,
    OutboxMessage,
    ReportKind,
    ReportSubscription,
    Role,
    Shift,
    ShiftStatus,
)
from bot.locales import t
from bot.services import escalation, outbox, people, places
from bot.services.reports import daily
from bot.services.shifts import calendar, templates
from scheduler import reports as report_jobs
from tests.helpers import ChatUser, first_commune, labels, payloads, texts
from tests.test_communes_isolation import build, person_of, staff
from tests.test_reports_cli import dvcbot
from tests.test_shift_support import TZ

# A week without public holidays: Monday 30 November to Sunday 6 December 2026.
MON = date(2026, 11, 30)
TUE, WED, THU, FRI, SAT = (MON + timedelta(days=n) for n in (1, 2, 3, 4, 5))
BEFORE = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # the Friday before, for generating


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ).astimezone(UTC)


@dataclass
class Desks:
    communes: dict[str, int]  # "A", "B", "C" -> commune id
    desks: dict[str, int]  # "A", "B" -> their one-stop desk, weekday mornings


async def desks(app: App) -> Desks:
    """The three communes of test_communes_isolation; A and B each with a desk open Monday to
    Friday, 07:30–11:30."""
    province = await build(app)
    found: dict[str, int] = {}
    async with app.db.transaction() as session:
        for key in ("A", "B"):
            commune = await session.get(Commune, province.communes[key])
            assert commune is not None
            desk = await places.add_location(session, commune, f"Bộ phận một cửa {key}")
            await templates.add_templates(
                session, desk, range(5), time(7, 30), time(11, 30), 1, actor_id=None
            )
            found[key] = desk.id
    return Desks(province.communes, found)


async def day_off(
    app: App, day: date, commune_id: int | None, *, working: bool = False, note: str = ""
) -> None:
    async with app.db.transaction() as session:
        await templates.set_override(
            session, day, working=working, commune_id=commune_id, note=note, actor_id=None
        )


async def generate(app: App, commune_id: int | None) -> calendar.GenerationReport:
    async with app.db.transaction() as session:
        return await calendar.generate(
            session, commune_id=commune_id, first_day=MON, weeks=1, now=BEFORE, tz=TZ
        )


async def open_days(app: App, location_id: int) -> list[date]:
    async with app.sessionmaker() as session:
        found = await session.scalars(
            select(Shift.day)
            .where(Shift.location_id == location_id, Shift.status == ShiftStatus.OPEN)
            .order_by(Shift.day)
        )
        return list(found)


async def working(app: App, day: date, commune_id: int | None) -> bool:
    async with app.sessionmaker() as session:
        return await calendar.is_working_day(session, day, commune_id)


# ----------------------------------------------------------------------------- the calendar


async def test_a_communes_day_off_leaves_the_others_working(app: App) -> None:
    data = await desks(app)
    a, b, c = (data.communes[key] for key in "ABC")
    await day_off(app, WED, a, note="Đại hội Đảng bộ xã")
    assert [await working(app, WED, commune) for commune in (a, b, c)] == [False, True, True]
    assert await working(app, WED, None)  # the province's own calendar: a working day

    # A province-wide day off closes every commune, unless a commune decided that day itself.
    await day_off(app, FRI, None, note="Nghỉ bù theo quyết định của tỉnh")
    await day_off(app, FRI, b, working=True, note="Xã tiếp dân bù")
    assert [await working(app, FRI, commune) for commune in (a, b, c)] == [False, True, False]
    # A province-wide make-up Saturday opens every commune.
    await day_off(app, SAT, None, working=True)
    assert all([await working(app, SAT, commune) for commune in (a, b, c)])


async def test_a_communes_tally_is_marked_by_its_own_calendar(app: App) -> None:
    province = await build(app)
    a = province.communes["A"]
    await day_off(app, WED, a, note="Đại hội Đảng bộ xã")
    async with app.sessionmaker() as session:
        of_a = await daily.daily_tally(session, frozenset({province.villages["A"]}), WED)
        of_b = await daily.daily_tally(session, frozenset({province.villages["B"]}), WED)
    assert (of_a.working_day, of_b.working_day) == (False, True)


async def test_shifts_of_a_commune_follow_its_own_and_the_provinces_days_off(app: App) -> None:
    data = await desks(app)
    a, b = data.communes["A"], data.communes["B"]
    await day_off(app, WED, a)
    await day_off(app, FRI, None)
    await day_off(app, FRI, a, working=True)  # A works that Friday all the same

    report = await generate(app, a)
    assert await open_days(app, data.desks["A"]) == [MON, TUE, THU, FRI]
    assert set(report.closed_days) == {WED}
    assert await open_days(app, data.desks["B"]) == []  # A's generation made none of B's

    await generate(app, b)
    assert await open_days(app, data.desks["B"]) == [MON, TUE, WED, THU]
    # Generating A again keeps B's shifts as they are (and its own).
    again = await generate(app, a)
    assert (again.created, again.cancelled) == (0, 0)
    assert WED in await open_days(app, data.desks["B"])

    # A day off added to B later cancels B's unheld shift at the next generation, not A's.
    await day_off(app, THU, b)
    await generate(app, None)  # every commune, each by its own calendar
    assert THU not in await open_days(app, data.desks["B"])
    assert THU in await open_days(app, data.desks["A"])


async def test_one_decision_per_day_for_the_province_and_for_each_commune(app: App) -> None:
    data = await desks(app)
    a, b = data.communes["A"], data.communes["B"]
    await day_off(app, WED, a)
    await day_off(app, WED, b)  # another commune's decision for the same day is its own
    await day_off(app, WED, None)
    await day_off(app, WED, None, working=True)  # setting it again replaces it
    async with app.sessionmaker() as session:
        rows = list(await session.scalars(select(DayOverride).where(DayOverride.day == WED)))
    assert sorted((row.commune_id or 0, row.working) for row in rows) == sorted(
        [(a, False), (b, False), (0, True)]
    )
    # The database itself refuses a second province-wide or commune decision for one day
    # (NULLs are distinct in unique constraints: the partial unique indexes see to it).
    for commune_id in (None, a):
        with pytest.raises(IntegrityError):
            async with app.db.transaction() as session:
                session.add(DayOverride(day=WED, commune_id=commune_id, working=False))
                await session.flush()


# ----------------------------------------------------------------------------- who notices


async def citizen_of(app: App, user_id: str, commune_id: int) -> ChatUser:
    user = ChatUser(app, user_id=user_id, name="Trần Thị Bình")
    await user.says("/start")
    async with app.db.transaction() as session:
        (await person_of(session, user_id)).commune_id = commune_id
    return user


async def test_the_desk_tells_its_own_communes_citizens_it_is_closed_today(app: App) -> None:
    data = await desks(app)
    await day_off(app, WED, data.communes["A"])
    app.dispatcher.clock = lambda: at(WED, 9)
    closed = t("guides.desk_closed_today", reason="")
    of_a = texts(await (await citizen_of(app, "501", data.communes["A"])).presses("g:help-desk"))
    of_b = texts(await (await citizen_of(app, "502", data.communes["B"])).presses("g:help-desk"))
    assert "Bộ phận một cửa A" in of_a and closed in of_a
    assert "Bộ phận một cửa B" in of_b and closed not in of_b
    # A province-wide day off closes B's desk too.
    await day_off(app, WED, None)
    of_b = texts(await ChatUser(app, "502").presses("g:help-desk"))
    assert closed in of_b


async def test_the_evening_tally_goes_out_on_each_communes_working_days(app: App) -> None:
    data = await desks(app)
    a, b = data.communes["A"], data.communes["B"]
    officials = {
        "A": await staff(app, "601", Role.OFFICIAL, a),
        "B": await staff(app, "602", Role.OFFICIAL, b),
    }
    ids: dict[str, int] = {}
    async with app.db.transaction() as session:
        for key, user in officials.items():
            ids[key] = (await person_of(session, user.user_id)).id
            kind = ReportKind.DAILY_TALLY.value
            session.add(ReportSubscription(person_id=ids[key], kind=kind))
    await day_off(app, WED, a)
    await day_off(app, THU, None)
    await day_off(app, THU, b, working=True)

    async def tallied(day: date) -> set[str]:
        await report_jobs.push_due(app.db, app.settings, at(day, 18))
        async with app.sessionmaker() as session:
            keys = set(await session.scalars(select(OutboxMessage.key)))
        return {key for key, person in ids.items() if outbox.Keys.daily_tally(day, person) in keys}

    assert await tallied(WED) == {"B"}
    assert await tallied(THU) == {"B"}  # the province's day off, but B decided to work
    assert await tallied(FRI) == {"A", "B"}


async def test_a_request_in_a_closed_commune_waits_for_its_next_working_day(app: App) -> None:
    data = await desks(app)
    await day_off(app, WED, data.communes["A"])
    policy = escalation.Policy.from_settings(app.settings)
    asked = at(WED, 8)
    async with app.sessionmaker() as session:
        ends = {
            key: await escalation.deadline(session, asked, policy, data.communes[key])
            for key in "AB"
        }
    assert ends["A"] == datetime.combine(THU, policy.closes_at, TZ)
    assert ends["B"] == datetime.combine(WED, policy.closes_at, TZ)
    # At the end of Wednesday only B's untaken request becomes a written question; A's citizen
    # still has Thursday.
    requests: dict[str, int] = {}
    for key, user_id in (("A", "711"), ("B", "712")):
        citizen = await citizen_of(app, user_id, data.communes[key])
        async with app.db.transaction() as session:
            request = HelpRequest(
                person_id=(await person_of(session, citizen.user_id)).id,
                commune_id=data.communes[key],
                question="Làm giấy khai sinh cần gì?",
                created_at=asked,
            )
            session.add(request)
            await session.flush()
            requests[key] = request.id
    async with app.db.transaction() as session:
        assert await escalation.queue_untaken(session, at(WED, 17, 30), policy) == 1
    async with app.sessionmaker() as session:
        status = {
            key: (await session.get(HelpRequest, number)).status  # type: ignore[union-attr]
            for key, number in requests.items()
        }
    assert status == {"A": HelpStatus.OPEN, "B": HelpStatus.QUEUED}


# ----------------------------------------------------------------------------- chat


async def days_off_screen(user: ChatUser) -> str:
    return texts(await user.presses(DaysOff().button("x").payload))


async def add_closed_day_by_chat(
    user: ChatUser, typed: str, add: str = AddClosedDay().button("x").payload
) -> list[str]:
    """Press `add` (a closed day's button), type the day, skip the note; the answer."""
    await user.presses(add)
    asked_note = await user.says(typed)
    skip = next(p for p in payloads(asked_note) if p.endswith(":skip"))
    return [texts(await user.presses(skip))]


async def test_an_admin_sets_only_their_communes_days_off_in_chat(app: App) -> None:
    data = await desks(app)
    a, b = data.communes["A"], data.communes["B"]
    app.dispatcher.clock = lambda: at(MON, 9)
    admin_a = await staff(app, "801", Role.ADMIN, a)
    admin_b = await staff(app, "802", Role.ADMIN, b)
    saved = await add_closed_day_by_chat(admin_a, "02/12/2026")
    assert "Đã lưu" in saved[0]
    assert not await working(app, WED, a) and await working(app, WED, b)

    await add_closed_day_by_chat(admin_b, "03/12/2026")
    async with app.sessionmaker() as session:
        of_b = await session.scalar(select(DayOverride).where(DayOverride.commune_id == b))
    assert of_b is not None
    seen_by_a = await days_off_screen(admin_a)
    assert "02/12" in seen_by_a and "03/12" not in seen_by_a

    # A forged button to remove B's day reads like a day no longer listed; B keeps it.
    forged = await admin_a.presses(RemoveDayOff(of_b.id).button("x").payload)
    assert t("shift_admin.no_override") in texts(forged)
    assert not await working(app, THU, b)

    # Generating from A's chat makes A's shifts only.
    await admin_a.says("/generate_shifts 1")
    async with app.sessionmaker() as session:
        made = set(await session.scalars(select(Shift.location_id)))
    assert made == {data.desks["A"]}


async def test_a_province_admin_sets_a_province_wide_day_every_commune_follows(app: App) -> None:
    data = await desks(app)
    a, b, c = (data.communes[key] for key in "ABC")
    app.dispatcher.clock = lambda: at(MON, 9)
    province_admin = await staff(app, "901", Role.PROVINCE_ADMIN, None)
    admin_a = await staff(app, "902", Role.ADMIN, a)
    menu = labels(await province_admin.says("/menu"))
    assert t("shift_admin.days_off_menu") in menu
    await add_closed_day_by_chat(province_admin, "04/12/2026")
    assert not any([await working(app, FRI, commune) for commune in (a, b, c)])
    shown = await days_off_screen(province_admin)
    assert t("shift_admin.province_overrides_title") in shown and "04/12" in shown

    # A commune's admin sees it, marked, and cannot remove it; their own decision wins.
    replies = await admin_a.presses(DaysOff().button("x").payload)
    assert f"({t('shift_admin.province_wide')})" in texts(replies)
    assert not any(p.startswith("sv:rm:") for p in payloads(replies))
    async with app.sessionmaker() as session:
        province_day = await session.scalar(select(DayOverride.id))
    assert province_day is not None
    refused = await admin_a.presses(RemoveDayOff(province_day).button("x").payload)
    assert t("shift_admin.no_override") in texts(refused)
    assert not await working(app, FRI, b)


async def test_a_commune_admin_who_is_also_province_admin_sets_both_kinds_in_chat(
    app: App,
) -> None:
    data = await desks(app)
    a, b = data.communes["A"], data.communes["B"]
    app.dispatcher.clock = lambda: at(MON, 9)
    both = await staff(app, "903", Role.ADMIN, a)
    async with app.db.transaction() as session:
        person = await person_of(session, "903")
        await people.grant_role(
            session,
            person,
            Role.PROVINCE_ADMIN,
            commune_id=None,
            granted_by_id=None,
            now=at(MON, 8),
        )

    # The menu's "days off of the province" opens the province's list, which offers A's.
    menu = await both.says("/menu")
    by_label = dict(zip(labels(menu), payloads(menu), strict=True))
    province_button = by_label[t("shift_admin.days_off_menu")]
    province_list = await both.presses(province_button)
    assert t("shift_admin.province_overrides_title") in texts(province_list) or (
        t("shift_admin.no_overrides") in texts(province_list)
    )
    assert t("shift_admin.commune_days_button") in labels(province_list)
    add_wide = next(p for p in payloads(province_list) if p.startswith("sv:closed"))
    saved = (await add_closed_day_by_chat(both, "04/12/2026", add_wide))[0]
    assert "Đã lưu" in saved and t("shift_admin.province_overrides_title") in saved
    assert not await working(app, FRI, a) and not await working(app, FRI, b)

    # Their commune's list: a day for A alone; the province's day is shown, marked, not removable.
    await add_closed_day_by_chat(both, "02/12/2026")
    assert not await working(app, WED, a) and await working(app, WED, b)
    own_list = await both.presses(DaysOff().button("x").payload)
    assert t("shift_admin.overrides_title") in texts(own_list)
    assert f"04/12/2026: {t('shift_admin.kind_closed')} ({t('shift_admin.province_wide')})" in (
        texts(own_list)
    )
    assert [label for label in labels(own_list) if label.startswith("🗑")] == [
        t("shift_admin.remove_override", day="02/12/2026")
    ]
    assert t("shift_admin.days_off_menu") in labels(own_list)

    # From the province's list they remove the province-wide day; A's own day stays.
    province_list = await both.presses(ProvinceDaysOff().button("x").payload)
    remove = next(p for p in payloads(province_list) if p.startswith("sv:rm:"))
    removed = texts(await both.presses(remove))
    assert t("shift_admin.override_removed") in removed
    assert await working(app, FRI, b) and not await working(app, WED, a)


async def test_a_commune_admin_cannot_reach_the_provinces_days_with_forged_buttons(
    app: App,
) -> None:
    data = await desks(app)
    a, b = data.communes["A"], data.communes["B"]
    app.dispatcher.clock = lambda: at(MON, 9)
    admin_a = await staff(app, "904", Role.ADMIN, a)
    refused = await admin_a.presses(ProvinceDaysOff().button("x").payload)
    assert t("shift_admin.province_overrides_title") not in texts(refused)
    assert t("shift_admin.days_off_menu") not in labels(refused)
    assert t("shift_admin.days_off_menu") not in labels(
        await admin_a.presses(DaysOff().button("x").payload)
    )

    # A forged "province-wide" add makes a day of their own commune only.
    await add_closed_day_by_chat(
        admin_a, "03/12/2026", AddClosedDay(province=True).button("x").payload
    )
    assert not await working(app, THU, a) and await working(app, THU, b)
    async with app.sessionmaker() as session:
        deciders = list(await session.scalars(select(DayOverride.commune_id)))
    assert deciders == [a]


# ----------------------------------------------------------------------------- the CLI


async def test_the_shifts_commands_need_the_commune_once_there_are_several(app: App) -> None:
    data = await desks(app)
    a, b = data.communes["A"], data.communes["B"]
    asked = await dvcbot(app, "shifts", "day", "closed", "2027-03-03")
    assert asked.exit_code == 1 and "--commune" in asked.output
    async with app.sessionmaker() as session:
        assert await session.scalar(select(DayOverride.id)) is None  # nothing stored
    for command in (("generate",), ("template", "list"), ("counts",), ("holidays",)):
        refused = await dvcbot(app, "shifts", *command)
        assert refused.exit_code == 1 and "--commune" in refused.output, command

    done = await dvcbot(
        app, "shifts", "day", "closed", "2027-03-03", "--commune", "Đức Hợp", "--note", "Đại hội"
    )
    assert done.exit_code == 0, done.output
    assert not await working(app, date(2027, 3, 3), a)
    assert await working(app, date(2027, 3, 3), b)
    wide = await dvcbot(app, "shifts", "day", "closed", "2027-03-05", "--province-wide")
    assert wide.exit_code == 0 and "toàn tỉnh" in wide.output
    assert not await working(app, date(2027, 3, 5), b)
    listed = await dvcbot(app, "shifts", "holidays", "--year", "2027", "--commune", "Tân Tiến")
    assert "05/03/2027 ghi đè: nghỉ [toàn tỉnh]" in listed.output
    assert "03/03/2027" not in listed.output

    both = await dvcbot(app, "shifts", "generate", "--from", "2027-03-01", "--weeks", "1",
                        "--commune", "Đức Hợp")  # fmt: skip
    assert both.exit_code == 0, both.output
    a_days = await open_days(app, data.desks["A"])
    assert a_days == [date(2027, 3, 1), date(2027, 3, 2), date(2027, 3, 4)]
    assert await open_days(app, data.desks["B"]) == []
    b_run = await dvcbot(app, "shifts", "generate", "--from", "2027-03-01", "--weeks", "1",
                         "--commune", "Tân Tiến")  # fmt: skip
    assert b_run.exit_code == 0, b_run.output
    assert await open_days(app, data.desks["B"]) == [
        date(2027, 3, 1),
        date(2027, 3, 2),
        date(2027, 3, 3),
        date(2027, 3, 4),
    ]
    assert await open_days(app, data.desks["A"]) == a_days  # B's run left A's shifts alone
    templates_b = await dvcbot(app, "shifts", "template", "list", "--commune", "Tân Tiến")
    assert "Bộ phận một cửa B" in templates_b.output
    assert "Bộ phận một cửa A" not in templates_b.output
    # A location of another commune cannot be named for a commune's day.
    elsewhere = await dvcbot(app, "shifts", "day", "closed", "2027-03-04", "--commune",
                             "Đức Hợp", "--location", "Bộ phận một cửa B")  # fmt: skip
    assert elsewhere.exit_code == 1
    assert await working(app, date(2027, 3, 4), a)


async def test_one_commune_needs_no_commune_option(app: App) -> None:
    async with app.db.transaction() as session:
        commune = await session.get(Commune, await first_commune(session))
        assert commune is not None
        desk = await places.add_location(session, commune, "Bộ phận một cửa")
        await templates.add_templates(
            session, desk, range(5), time(7, 30), time(11, 30), 1, actor_id=None
        )
        desk_id, commune_id = desk.id, commune.id
    done = await dvcbot(app, "shifts", "day", "closed", "2027-03-03")
    assert done.exit_code == 0, done.output
    run = await dvcbot(app, "shifts", "generate", "--from", "2027-03-01", "--weeks", "1")
    assert run.exit_code == 0, run.output
    assert date(2027, 3, 3) not in await open_days(app, desk_id)
    assert len(await open_days(app, desk_id)) == 4
    assert not await working(app, date(2027, 3, 3), commune_id)
    admin = await staff(app, "951", Role.ADMIN, commune_id)
    app.dispatcher.clock = lambda: at(date(2027, 3, 1), 9)
    assert "03/03" in await days_off_screen(admin)


# ----------------------------------------------------------------------------- the migration


async def test_the_migration_moves_stored_days_into_the_one_commune(app: App) -> None:
    async with app.db.transaction() as session:
        commune_id = await first_commune(session)
        commune = await session.get(Commune, commune_id)
        assert commune is not None
        desk = await places.add_location(session, commune, "Bộ phận một cửa")
        desk_id = desk.id
    await downgrade(app.engine, "0020")
    rows = [  # (day, location): two whole-commune days, one desk day, and an old duplicate
        ("2027-03-03", None, False),
        ("2027-03-06", None, True),
        ("2027-03-04", desk_id, False),
        ("2027-03-03", None, True),
    ]
    async with app.engine.begin() as connection:
        for day, location, is_working in rows:
            await connection.execute(
                text(
                    "INSERT INTO shift_day_overrides (day, location_id, working, created_at)"
                    " VALUES (:day, :location, :working, :at)"
                ),
                {
                    "day": date.fromisoformat(day),
                    "location": location,
                    "working": is_working,
                    "at": BEFORE,
                },
            )
    await upgrade(app.engine)
    async with app.sessionmaker() as session:
        stored = list(await session.scalars(select(DayOverride).order_by(DayOverride.day)))
        assert [(row.day, row.commune_id, row.location_id, row.working) for row in stored] == [
            (date(2027, 3, 3), commune_id, None, True),  # the latest of the two
            (date(2027, 3, 4), commune_id, desk_id, False),
            (date(2027, 3, 6), commune_id, None, True),
        ]
        assert await calendar.is_working_day(session, date(2027, 3, 6), commune_id)
    # And back down, with days of several communes stored.
    async with app.db.transaction() as session:
        other = Commune(name="Xã Tân Tiến")
        session.add(other)
        await session.flush()
        await templates.set_override(
            session, date(2027, 3, 3), working=False, commune_id=other.id, actor_id=None
        )
        await templates.set_override(session, date(2027, 3, 3), working=False, actor_id=None)
    await downgrade(app.engine, "0020")
    await upgrade(app.engine)
    async with app.sessionmaker() as session:
        owners = set(
            await session.scalars(
                select(DayOverride.commune_id).where(DayOverride.day == date(2027, 3, 3))
            )
        )
        location_owner = await session.scalar(
            select(DayOverride.commune_id).where(DayOverride.location_id == desk_id)
        )
    # With several communes an installation-wide day stays province-wide (one a day); a
    # location's day belongs to the location's commune.
    assert owners == {None} and location_owner == commune_id
