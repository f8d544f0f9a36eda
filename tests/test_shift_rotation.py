"""Auto-fill shares the week among everyone eligible; the roster shows who asked for a stand-in;
a late sign-up is promised only the reminders that can still come.

The case from the field: auto-fill put the one officer on all three days and left two gaps while
two volunteers were free.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time

from sqlalchemy import select

from bot.app import App
from bot.db.models import AssignmentSource, LocationKind, Role, Shift, ShiftAssignment
from bot.locales import t
from bot.services import places
from bot.services.shifts import roster, templates
from scheduler.shifts import plan_reminders
from tests.helpers import ChatUser, payloads, texts
from tests.test_shift_support import (
    FakeClock,
    active_holders,
    generate,
    local,
    make_desk,
    member,
    outbox_rows,
    pid,
    runtime_for,
    shift_at,
)

WEEK = date(2026, 12, 7)  # Monday; the house opens Monday, Wednesday and Friday mornings
SUNDAY = local(2026, 12, 6, 9)


async def village_house(app: App) -> tuple[int, int, int]:
    """A house in Thôn Đông needing two people on Mon, Wed and Fri: (house, east, west)."""
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        east = await places.add_village(session, commune, "Thôn Đông")
        west = await places.add_village(session, commune, "Thôn Tây")
        house = await places.add_location(
            session,
            commune,
            "Nhà văn hóa thôn Đông",
            kind=LocationKind.CULTURAL_HOUSE,
            village=east,
        )
        await templates.add_templates(
            session, house, [0, 2, 4], time(7, 30), time(11, 0), 2, actor_id=None
        )
    await generate(app, date(2026, 11, 30), 2, now=local(2026, 11, 29))
    return house.id, east.id, west.id


async def holders_by_day(app: App, location_id: int) -> dict[date, list[int]]:
    async with app.sessionmaker() as session:
        rows = await session.execute(
            select(Shift.day, ShiftAssignment.person_id, ShiftAssignment.source)
            .join(Shift, Shift.id == ShiftAssignment.shift_id)
            .where(Shift.location_id == location_id, ShiftAssignment.status == "active")
        )
    days: dict[date, list[int]] = defaultdict(list)
    for day, person, source in rows:
        if source == AssignmentSource.AUTOFILL:
            days[day].append(person)
    return {day: sorted(people) for day, people in sorted(days.items())}


async def test_auto_fill_shares_the_week_among_officers_and_volunteers(app: App) -> None:
    house, east, west = await village_house(app)
    app.dispatcher.clock = FakeClock(SUNDAY)
    hung = await member(app, "2001", Role.OFFICER, name="Cán bộ Hùng")
    lan = await member(app, "2002", village_id=east, name="Lan")
    minh = await member(app, "2003", name="Minh")
    hoa = await member(app, "2004", village_id=east, name="Hoa")
    tam = await member(app, "2005", village_id=west, name="Tâm")  # another village's volunteer
    ids = {name: await pid(app, user) for name, user in
           {"hung": hung, "lan": lan, "minh": minh, "hoa": hoa, "tam": tam}.items()}  # fmt: skip
    for day in (date(2026, 12, 2), date(2026, 12, 4)):  # Minh already served twice this month
        shift = await shift_at(app, house, local(day.year, day.month, day.day, 7, 30))
        async with app.db.transaction() as session:
            await roster.join(session, shift.id, ids["minh"], now=local(2026, 11, 29))
    await hoa.presses("su:20261209")  # Hoa cannot come on Wednesday

    week = await hung.presses(f"sr:{house}:20261207")
    assert t("shift_roster.gaps_total", gaps=6) in texts(week)
    proposal = await hung.presses(f"sf:{house}:20261207")
    text = texts(proposal)
    assert text.startswith(t("shift_roster.autofill_title", count=6))
    for name in ("Cán bộ Hùng", "Lan", "Minh", "Hoa"):
        assert name in text
    assert "Tâm" not in text
    applied = await hung.presses("sy")
    assert t("shift_roster.autofill_done", applied=6, skipped=0) in texts(applied)
    assert t("shift_roster.full") in texts(applied)  # no gaps left

    days = await holders_by_day(app, house)
    week_days = {day: people for day, people in days.items() if day >= WEEK}
    # Fewest shifts this month first (Minh has two already), nobody twice on a day, Hoa not
    # on the Wednesday she marked, Tâm never (her grant is for Thôn Tây).
    assert week_days == {
        date(2026, 12, 7): sorted([ids["hung"], ids["lan"]]),
        date(2026, 12, 9): sorted([ids["hung"], ids["lan"]]),
        date(2026, 12, 11): sorted([ids["minh"], ids["hoa"]]),
    }


async def test_nobody_twice_on_a_day_and_gaps_are_said(app: App) -> None:
    desk = await make_desk(app, needed=1)  # weekday mornings and afternoons at the commune desk
    await generate(app, date(2026, 11, 30), 1, now=local(2026, 11, 29))
    app.dispatcher.clock = FakeClock(local(2026, 11, 29, 9))
    lead = await member(app, "2101", Role.OFFICER, name="Cán bộ An")
    volunteer = await member(app, "2102", name="Bình")
    for day in ("20261130", "20261201", "20261202", "20261203", "20261204"):
        await volunteer.presses(f"su:{day}")  # away all week: only the officer is left
    proposal = await lead.presses(f"sf:{desk.desk}:20261130")
    assert texts(proposal).startswith(t("shift_roster.autofill_title", count=5))
    assert t("shift_roster.autofill_gaps", gaps=5) in texts(proposal)
    await lead.presses("sy")
    lead_id = await pid(app, lead)
    per_day = await holders_by_day(app, desk.desk)
    assert len(per_day) == 5 and all(people == [lead_id] for people in per_day.values())


async def test_apply_skips_a_day_the_person_took_another_shift_meanwhile(app: App) -> None:
    desk = await make_desk(app, needed=1)
    await generate(app, date(2026, 11, 30), 1, now=local(2026, 11, 29))
    app.dispatcher.clock = FakeClock(local(2026, 11, 29, 9))
    lead = await member(app, "2201", Role.OFFICER, name="Cán bộ An")
    for day in ("20261201", "20261202", "20261203", "20261204"):
        await lead.presses(f"su:{day}")  # the officer can only come on Monday
    proposal = texts(await lead.presses(f"sf:{desk.desk}:20261130"))
    assert proposal.startswith(t("shift_roster.autofill_title", count=1))
    assert "T2 30/11 07:30: Cán bộ An" in proposal  # the morning; not the afternoon as well
    morning = await shift_at(app, desk.desk, local(2026, 11, 30, 7, 30))
    afternoon = await shift_at(app, desk.desk, local(2026, 11, 30, 13, 30))
    async with app.db.transaction() as session:  # meanwhile the officer took the afternoon
        await roster.join(session, afternoon.id, await pid(app, lead), now=local(2026, 11, 29, 9))
    applied = await lead.presses("sy")
    assert t("shift_roster.autofill_done", applied=0, skipped=1) in texts(applied)
    assert await active_holders(app, morning.id) == []


async def test_the_roster_shows_names_and_pending_stand_in_requests(app: App) -> None:
    desk = await make_desk(app, needed=2)
    await generate(app, date(2026, 11, 30), 1, now=local(2026, 11, 29))
    clock = FakeClock(local(2026, 11, 29, 9))
    app.dispatcher.clock = clock
    officer = await member(app, "2301", Role.OFFICER, name="Cán bộ Hùng")
    lan = await member(app, "2302", name="Lan")
    minh = await member(app, "2303", name="Minh")
    tuesday = await shift_at(app, desk.desk, local(2026, 12, 1, 7, 30))
    for user in (lan, minh):
        await user.presses(f"sj:{tuesday.id}")
    clock.set(local(2026, 11, 30, 10))  # within a day of the shift: Lan asks for a stand-in
    [cannot] = [p for p in payloads(await lan.presses("sm")) if p.startswith("sb:")]
    await lan.presses(cannot)

    week = texts(await officer.presses(f"sr:{desk.desk}:20261130"))
    assert "07:30–11:30: Lan 🔁, Minh" in week
    assert t("shift_roster.asking_total", count=1) in week
    card = texts(await officer.presses(f"ss:{tuesday.id}"))
    assert f"• Lan{t('shift_roster.asking_card', at='10:00 30/11')}" in card
    assert "• Minh" in card and "Đã có 2/2 người" in card


async def signed_up_text(app: App, user: ChatUser, shift_id: int) -> str:
    return texts(await user.presses(f"sj:{shift_id}"))


async def reminder_kinds(app: App, shift_id: int) -> dict[int, set[str]]:
    """Which reminders were queued, per person on the shift."""
    async with app.sessionmaker() as session:
        people = dict(
            (await session.execute(
                select(ShiftAssignment.id, ShiftAssignment.person_id).where(
                    ShiftAssignment.shift_id == shift_id
                )
            )).all()
        )  # fmt: skip
    kinds: dict[int, set[str]] = {person: set() for person in people.values()}
    for key in await outbox_rows(app, "reminder:"):
        _, assignment, kind = key.split(":")
        kinds[people[int(assignment)]].add(kind)
    return kinds


async def test_a_late_sign_up_is_promised_only_the_reminders_still_to_come(app: App) -> None:
    desk = await make_desk(app, needed=3)
    await generate(app, date(2026, 11, 30), 1, now=local(2026, 11, 29))
    clock = FakeClock(local(2026, 11, 30, 9))
    app.dispatcher.clock = clock
    tuesday = await shift_at(app, desk.desk, local(2026, 12, 1, 7, 30))
    early = await member(app, "2401", name="Sớm")
    late = await member(app, "2402", name="Muộn")
    last = await member(app, "2403", name="Sát giờ")

    both = await signed_up_text(app, early, tuesday.id)
    assert t("shifts.remind_both", hour=19, minutes=60) in both
    assert "19 giờ tối hôm trước và 60 phút trước giờ trực" in both
    clock.set(local(2026, 11, 30, 20))  # after Monday's 19:00 evening reminder
    soon_only = await signed_up_text(app, late, tuesday.id)
    assert t("shifts.remind_soon", minutes=60) in soon_only
    assert "tối hôm trước" not in soon_only
    clock.set(local(2026, 12, 1, 7))  # half an hour before the start
    none = await signed_up_text(app, last, tuesday.id)
    assert t("shifts.remind_none") in none and "phút trước giờ trực" not in none

    # What each was promised is what the planner queues.
    for moment in (local(2026, 11, 30, 20, 1), local(2026, 12, 1, 7, 1)):
        await plan_reminders(runtime_for(app, FakeClock(moment)))
    assert await reminder_kinds(app, tuesday.id) == {
        await pid(app, early): {"eve", "soon"},
        await pid(app, late): {"soon"},
        await pid(app, last): set(),
    }
