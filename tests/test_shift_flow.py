"""Volunteers in chat: open shifts near them, sign up, withdraw before the cut-off, my shifts,
days away, check-in only near the shift time; forged buttons and full shifts are refused."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.app import App
from bot.db.models import AssistAction, Household, Role
from bot.locales import t
from bot.services import assistance
from tests.helpers import ChatUser, labels, payloads, texts
from tests.test_households_flow import add_household
from tests.test_shift_support import (
    Desk,
    FakeClock,
    active_holders,
    generate,
    local,
    make_desk,
    member,
    pid,
    shift_at,
)

NOW = local(2026, 11, 30, 9)  # Monday morning
TUESDAY = local(2026, 12, 1, 7, 30)


async def ready(app: App, needed: int = 2) -> tuple[Desk, FakeClock]:
    desk = await make_desk(app, needed=needed)
    await generate(app, date(2026, 11, 30), 2, now=local(2026, 11, 29))
    clock = FakeClock(NOW)
    app.dispatcher.clock = clock
    return desk, clock


async def test_a_volunteer_sees_shifts_of_their_area_and_signs_up(app: App) -> None:
    desk, _ = await ready(app)
    east = await member(app, "901", village_id=desk.east, name="Lan")
    west = await member(app, "902", village_id=desk.west, name="Minh")
    hub = await east.presses("sh")
    assert payloads(hub)[:3] == ["so", "sm", "su"]
    listing = await east.presses("so")
    assert "Bộ phận một cửa" in texts(listing)
    assert t("shifts.more") in labels(listing)  # 2 weeks of shifts do not fit on one page
    assert "Nhà văn hóa thôn Đông" in texts(await east.presses("so:1"))
    west_list = texts(await west.presses("so")) + texts(await west.presses("so:1"))
    assert "Nhà văn hóa thôn Đông" not in west_list and "Bộ phận một cửa" in west_list

    shift = await shift_at(app, desk.desk, TUESDAY)
    signed = await east.presses(f"sj:{shift.id}")
    assert "Bạn đã đăng ký ca Thứ Ba 01/12/2026, 07:30–11:30" in texts(signed)
    assert "19 giờ tối hôm trước và 60 phút trước" in texts(signed)
    again = await east.presses(f"sj:{shift.id}")
    assert texts(again).startswith(t("shifts.already_yours"))
    house = await shift_at(app, desk.house, local(2026, 12, 5, 7, 30))
    refused = await west.presses(f"sj:{house.id}")
    assert texts(refused).startswith(t("shifts.not_your_area"))
    citizen = ChatUser(app, "903", "Dân")
    assert texts(await citizen.presses(f"sj:{shift.id}")).startswith(t("errors.not_allowed"))
    assert await active_holders(app, shift.id) == [await pid(app, east)]


async def test_the_last_place_goes_to_one_of_two_at_once(app: App) -> None:
    desk, _ = await ready(app, needed=1)
    first = await member(app, "911", name="An")
    second = await member(app, "912", name="Bảo")
    shift = await shift_at(app, desk.desk, TUESDAY)
    one, two = await asyncio.gather(
        first.presses(f"sj:{shift.id}"), second.presses(f"sj:{shift.id}")
    )
    refused = [texts(reply).startswith(t("shifts.full")) for reply in (one, two)]
    assert sorted(refused) == [False, True]
    assert len(await active_holders(app, shift.id)) == 1


async def test_withdraw_before_the_cut_off_then_only_a_stand_in(app: App) -> None:
    desk, clock = await ready(app)
    clock.set(local(2026, 11, 29, 7))  # Sunday: both shifts are more than 24 hours away
    lan = await member(app, "921", name="Lan")
    thursday = await shift_at(app, desk.desk, local(2026, 12, 3, 7, 30))
    tuesday = await shift_at(app, desk.desk, TUESDAY)
    await lan.presses(f"sj:{thursday.id}")
    await lan.presses(f"sj:{tuesday.id}")
    mine = await lan.presses("sm")
    assert texts(mine).count("• ") == 2
    buttons = payloads(mine)
    withdraw = [p for p in buttons if p.startswith("sw:")]
    cannot = [p for p in buttons if p.startswith("sb:")]
    assert len(withdraw) == 2 and cannot == []  # both are more than 24 hours away
    clock.set(local(2026, 11, 30, 10))
    mine = await lan.presses("sm")
    tuesday_button = [p for p in payloads(mine) if p.startswith("sb:")]
    assert len(tuesday_button) == 1  # Tuesday is now within 24 hours
    late = await lan.presses(tuesday_button[0].replace("sb:", "sw:"))
    assert t("shifts.too_late_to_withdraw", hours=24) in texts(late)
    thursday_button = [p for p in payloads(mine) if p.startswith("sw:")]
    done = await lan.presses(thursday_button[0])
    assert "Đã rút bạn khỏi ca Thứ Năm 03/12/2026" in texts(done)
    assert await active_holders(app, thursday.id) == []
    other = await member(app, "922", name="Hạnh")
    assert texts(await other.presses(thursday_button[0])).startswith(t("shifts.not_yours"))


async def test_check_in_only_near_the_shift_time(app: App) -> None:
    desk, clock = await ready(app)
    lan = await member(app, "931", name="Lan")
    shift = await shift_at(app, desk.desk, TUESDAY)
    await lan.presses(f"sj:{shift.id}")
    [button] = [p for p in payloads(await lan.presses("sm")) if p.startswith("sb:")]
    check_in = button.replace("sb:", "sc:")
    clock.set(TUESDAY - timedelta(minutes=31))
    early = await lan.presses(check_in)
    assert texts(early).startswith(t("shift_attend.too_early", opens="07:00"))
    clock.set(TUESDAY - timedelta(minutes=5))
    assert "sc:" in " ".join(payloads(await lan.presses("sm")))
    done = await lan.presses(check_in)
    assert texts(done).startswith("📍 Đã điểm danh lúc 07:25")
    assert t("shifts.mark_checked_in") in texts(await lan.presses("sm"))
    clock.set(local(2026, 12, 1, 11, 31))
    assert texts(await lan.presses(check_in)).startswith(t("shift_attend.over"))


async def test_days_away_are_toggled_with_buttons(app: App) -> None:
    await ready(app)
    lan = await member(app, "941", name="Lan")
    days = await lan.presses("su")
    assert len([p for p in payloads(days) if p.startswith("su:")]) == 14
    assert payloads(days)[0] == "su:20261201"
    marked = await lan.presses("su:20261202")
    assert "☑ T4 02/12" in labels(marked) and "Hiện có 1 ngày bận" in texts(marked)
    unmarked = await lan.presses("su:20261202")
    assert "☐ T4 02/12" in labels(unmarked)
    assert texts(await lan.presses("su:20251202")).startswith(t("shifts.day_out_of_range"))
    assert texts(await lan.presses("su:20261340")).startswith(t("errors.bad_button"))


async def test_officer_role_is_needed_for_the_roster(app: App) -> None:
    await ready(app)
    volunteer = await member(app, "951")
    assert texts(await volunteer.presses("sr")).startswith(t("errors.not_allowed"))
    officer = await member(app, "952", Role.OFFICER)
    assert "Chọn điểm trực" in texts(await officer.presses("sr"))


async def test_help_logged_during_a_shift_is_linked_to_it(app: App) -> None:
    desk, _ = await ready(app)
    lan = await member(app, "961", village_id=desk.east, name="Lan")
    shift = await shift_at(app, desk.desk, TUESDAY)
    await lan.presses(f"sj:{shift.id}")
    household_id = await add_household(app, desk.east, "Hoàng Văn Nam")
    lan_id = await pid(app, lan)
    logged = []
    for moment in (TUESDAY + timedelta(hours=1), TUESDAY + timedelta(hours=8)):
        async with app.db.transaction() as session:
            household = await session.get(Household, household_id)
            assert household is not None
            entry = await assistance.log(
                session,
                household,
                {AssistAction.PORTAL_LOGIN},
                helper_id=lan_id,
                now=moment,
                tz=app.settings.commune.tz,
            )
            logged.append(entry.shift_id)
    assert logged == [shift.id, None]  # during the shift, then long after it
