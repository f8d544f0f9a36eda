"""Shift generation: Vietnamese public holidays (Tết, 30/4–1/5) of 2026 and 2027, overrides,
and regeneration that never duplicates or drops a shift someone holds."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.db.models import Shift, ShiftStatus
from bot.services.shifts import calendar, roster, templates
from tests.test_shift_support import (
    TZ,
    generate,
    local,
    make_desk,
    member,
    pid,
    shift_at,
    shift_days,
)


def span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def weekdays(first: date, last: date) -> list[date]:
    return [day for day in span(first, last) if day.weekday() < 5]


def desk_days(days: list[date]) -> set[date]:
    """Each desk day has a morning and an afternoon shift."""
    counted = Counter(days)
    assert set(counted.values()) <= {2}, counted
    return set(counted)


def test_the_holidays_package_knows_tet_and_the_spring_holidays() -> None:
    days_2026 = calendar.public_holidays(2026)
    assert set(span(date(2026, 2, 16), date(2026, 2, 20))) <= set(days_2026)
    assert "Tết Nguyên Đán" in days_2026[date(2026, 2, 17)]
    assert {date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1)} <= set(days_2026)
    assert {date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)} <= set(days_2026)
    days_2027 = calendar.public_holidays(2027)
    assert set(span(date(2027, 2, 4), date(2027, 2, 10))) <= set(days_2027)
    assert {date(2027, 4, 30), date(2027, 5, 1), date(2027, 5, 3)} <= set(days_2027)
    # The make-up working Saturday of 2026 is not in the package: admins add it.
    assert date(2026, 8, 22) not in days_2026
    assert "22/08/2026" in days_2026[date(2026, 8, 31)]


async def test_tet_2026_skips_the_holiday_week_and_its_weekends(app: App) -> None:
    desk = await make_desk(app)
    report = await generate(app, date(2026, 2, 2), 4, now=local(2026, 1, 20))
    expected = set(weekdays(date(2026, 2, 2), date(2026, 3, 1))) - set(
        span(date(2026, 2, 16), date(2026, 2, 20))
    )
    assert desk_days(await shift_days(app, desk.desk)) == expected
    # The village house's Saturday mornings pause for the whole Tết break (14/2–22/2).
    assert await shift_days(app, desk.house) == [date(2026, 2, 7), date(2026, 2, 28)]
    assert "Giao thừa" in report.closed_days[date(2026, 2, 16)]
    assert date(2026, 2, 14) in report.closed_days and date(2026, 2, 21) in report.closed_days
    assert report.created == len(expected) * 2 + 2


async def test_tet_2027_follows_the_compensatory_days(app: App) -> None:
    desk = await make_desk(app)
    await generate(app, date(2027, 2, 1), 2, now=local(2027, 1, 20))
    off = {
        date(2027, 2, 4),
        date(2027, 2, 5),
        date(2027, 2, 8),
        date(2027, 2, 9),
        date(2027, 2, 10),
    }
    expected = set(weekdays(date(2027, 2, 1), date(2027, 2, 14))) - off
    assert desk_days(await shift_days(app, desk.desk)) == expected
    assert await shift_days(app, desk.house) == [date(2027, 2, 13)]


async def test_hung_kings_and_30_4_to_1_5_in_2026_and_2027(app: App) -> None:
    desk = await make_desk(app)
    await generate(app, date(2026, 4, 20), 3, now=local(2026, 4, 1))
    off_2026 = {date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1)}
    expected = set(weekdays(date(2026, 4, 20), date(2026, 5, 10))) - off_2026
    assert desk_days(await shift_days(app, desk.desk)) == expected
    # 25/4 joins Hùng Kings' Sunday, 2/5 joins Labour Day; 9/5 is an ordinary Saturday.
    assert await shift_days(app, desk.house) == [date(2026, 5, 9)]

    await generate(app, date(2027, 4, 12), 4, now=local(2027, 4, 1))
    off_2027 = {date(2027, 4, 16), date(2027, 4, 30), date(2027, 5, 3)}
    days_2027 = [d for d in await shift_days(app, desk.desk) if d.year == 2027]
    assert desk_days(days_2027) == set(weekdays(date(2027, 4, 12), date(2027, 5, 9))) - off_2027
    houses = [d for d in await shift_days(app, desk.house) if d.year == 2027]
    assert houses == [date(2027, 4, 24), date(2027, 5, 8)]  # not 17/4 (Hùng Kings), 1/5


async def test_admin_overrides_make_up_saturday_and_a_closed_day(app: App) -> None:
    desk = await make_desk(app)
    async with app.db.transaction() as session:
        await templates.set_override(
            session,
            date(2026, 8, 22),
            working=True,
            as_weekday=0,
            note="Bù cho 31/8",
            actor_id=None,
        )
        await templates.set_override(
            session, date(2026, 8, 19), working=False, note="Xã tổ chức hội nghị", actor_id=None
        )
    report = await generate(app, date(2026, 8, 17), 3, now=local(2026, 8, 1))
    days = desk_days(await shift_days(app, desk.desk))
    assert date(2026, 8, 22) in days  # the make-up Saturday, worked with Monday's templates
    assert date(2026, 8, 19) not in days and report.closed_days[date(2026, 8, 19)] == (
        "Xã tổ chức hội nghị"
    )
    assert not {date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)} & days
    morning = await shift_at(app, desk.desk, local(2026, 8, 22, 7, 30))
    assert morning.ends_at == local(2026, 8, 22, 11, 30)
    # The house has no Monday shifts, so it keeps its usual Saturday morning on 22/8.
    assert date(2026, 8, 22) in await shift_days(app, desk.house)


async def test_regeneration_is_stable_and_keeps_held_shifts(app: App) -> None:
    desk = await make_desk(app)
    now = local(2026, 3, 1)
    first = await generate(app, date(2026, 3, 2), 4, now=now)
    again = await generate(app, date(2026, 3, 2), 4, now=now)
    assert first.created == 4 * 5 * 2 + 4
    assert (again.created, again.reopened, again.cancelled, again.updated) == (0, 0, 0, 0)
    overlapping = await generate(app, date(2026, 3, 16), 4, now=now)
    assert overlapping.created == 2 * 5 * 2 + 2  # only the two new weeks

    volunteer = await member(app, "501")
    held = await shift_at(app, desk.desk, local(2026, 3, 10, 7, 30))
    async with app.db.transaction() as session:
        await roster.join(session, held.id, await pid(app, volunteer), now=now)
        await templates.set_override(
            session, date(2026, 3, 10), working=False, note="Mất điện", actor_id=None
        )
    closed = await generate(app, date(2026, 3, 2), 4, now=now)
    assert closed.cancelled == 1 and [s.id for s in closed.kept] == [held.id]
    async with app.db.transaction() as session:
        await templates.remove_override(session, date(2026, 3, 10), actor_id=None)
    reopened = await generate(app, date(2026, 3, 2), 4, now=now)
    assert (reopened.created, reopened.reopened, reopened.cancelled) == (0, 1, 0)
    async with app.sessionmaker() as session:
        per_slot = await session.execute(
            select(Shift.template_id, Shift.day, func.count()).group_by(
                Shift.template_id, Shift.day
            )
        )
        assert all(n == 1 for _, _, n in per_slot)
        still_open = await session.get(Shift, held.id)
        assert still_open is not None and still_open.status == ShiftStatus.OPEN


async def test_retired_templates_drop_only_unheld_future_shifts(app: App) -> None:
    desk = await make_desk(app)
    now = local(2026, 3, 1)
    await generate(app, date(2026, 3, 2), 1, now=now)
    volunteer = await member(app, "502")
    afternoon = await shift_at(app, desk.desk, local(2026, 3, 4, 13, 30))
    async with app.db.transaction() as session:
        await roster.join(session, afternoon.id, await pid(app, volunteer), now=now)
        for template in await templates.list_templates(session, desk.desk):
            if template.starts == afternoon.starts_at.astimezone(TZ).time():
                await templates.retire_template(session, template.id, actor_id=None)
    report = await generate(app, date(2026, 3, 2), 1, now=now)
    assert report.cancelled == 4 and [s.id for s in report.kept] == [afternoon.id]
    assert Counter(await shift_days(app, desk.desk))[date(2026, 3, 4)] == 2
    assert Counter(await shift_days(app, desk.desk))[date(2026, 3, 5)] == 1
    # Once a shift has started it is left alone, even if it is no longer scheduled.
    later = await generate(app, date(2026, 3, 2), 1, now=local(2026, 3, 4, 14))
    assert later.kept == [] and later.cancelled == 0
