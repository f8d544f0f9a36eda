"""Officers and admins in chat: the week's roster with gaps, assigning, no-shows, auto-fill,
monthly counts; templates, days off and generation set up by an admin."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from bot.app import App
from bot.db.models import AssignmentSource, Role, Shift, ShiftAssignment, ShiftTemplate
from bot.locales import t
from bot.services.shifts import attendance, roster
from tests.helpers import labels, payloads, texts
from tests.test_shift_support import (
    FakeClock,
    active_holders,
    generate,
    local,
    make_desk,
    member,
    outbox_rows,
    pid,
    shift_at,
)

NOW = local(2026, 11, 29, 9)  # Sunday before the week of 30/11
MONDAY = date(2026, 11, 30)


async def test_roster_shows_gaps_and_officers_assign_and_take_off(app: App) -> None:
    desk = await make_desk(app, needed=2)
    await generate(app, MONDAY, 1, now=NOW)
    app.dispatcher.clock = FakeClock(NOW)
    officer = await member(app, "1001", Role.OFFICER, name="Cán bộ Hùng")
    lan = await member(app, "1002", name="Lan")
    tuesday = await shift_at(app, desk.desk, local(2026, 12, 1, 7, 30))
    await lan.presses(f"sj:{tuesday.id}")

    places = await officer.presses("sr")
    assert f"sr:{desk.desk}" in payloads(places)
    week = await officer.presses(f"sr:{desk.desk}:20261130")
    text = texts(week)
    assert "Lịch trực tại Bộ phận một cửa, tuần từ 30/11/2026" in text
    assert "07:30–11:30: Lan — ⚠️ thiếu 1" in text and "⚠️ Tuần này còn thiếu 19 lượt" in text
    assert f"sf:{desk.desk}:20261130" in payloads(week)

    card = await officer.presses(f"ss:{tuesday.id}")
    assert "Đã có 1/2 người" in texts(card) and f"sa:{tuesday.id}" in payloads(card)
    candidates = await officer.presses(f"sa:{tuesday.id}")
    minh = await member(app, "1003", name="Minh")
    candidates = await officer.presses(f"sa:{tuesday.id}")
    minh_id = await pid(app, minh)
    assert f"sx:{tuesday.id}:{minh_id}" in payloads(candidates)
    assert f"sx:{tuesday.id}:{await pid(app, lan)}" not in payloads(candidates)
    assigned = await officer.presses(f"sx:{tuesday.id}:{minh_id}")
    assert t("shift_roster.assigned") in texts(assigned) and "Đã có 2/2 người" in texts(assigned)
    [note] = (await outbox_rows(app, "assigned:")).values()
    assert note.chat_id == "1003" and "Cán bộ Hùng đã phân công bạn" in note.payload["text"]
    full = await officer.presses(f"sx:{tuesday.id}:{await pid(app, officer)}")
    assert texts(full).startswith(t("shifts.full"))

    [take_off] = [p for p in payloads(assigned) if p.startswith("sd:")][1:]
    removed = await officer.presses(take_off)
    assert t("shift_roster.removed") in texts(removed)
    assert await active_holders(app, tuesday.id) == [await pid(app, lan)]
    assert len(await outbox_rows(app, "removed:")) == 1


async def test_no_shows_after_the_start_and_monthly_counts(app: App) -> None:
    desk = await make_desk(app, needed=2)
    await generate(app, MONDAY, 1, now=NOW)
    clock = FakeClock(NOW)
    app.dispatcher.clock = clock
    officer = await member(app, "1011", Role.OFFICER, name="Cán bộ Hùng")
    lan = await member(app, "1012", name="Lan")
    minh = await member(app, "1013", name="Minh")
    monday = await shift_at(app, desk.desk, local(2026, 11, 30, 7, 30))
    tuesday = await shift_at(app, desk.desk, local(2026, 12, 1, 7, 30))
    for user in (lan, minh):
        await user.presses(f"sj:{monday.id}")
    await lan.presses(f"sj:{tuesday.id}")
    card = await officer.presses(f"ss:{monday.id}")
    assert not [p for p in payloads(card) if p.startswith("sn:")]  # not started yet
    clock.set(local(2026, 11, 30, 7, 20))
    [lan_monday] = [p for p in payloads(await lan.presses("sm")) if p.startswith("sc:")]
    await lan.presses(lan_monday)
    clock.set(local(2026, 11, 30, 9))
    card = await officer.presses(f"ss:{monday.id}")
    assert "Lan ✅" in texts(card)
    absent = [p for p in payloads(card) if p.startswith("sn:")]
    assert labels(card)[:2] == [
        t("shift_roster.mark_absent", name="Lan"),
        t("shift_roster.mark_absent", name="Minh"),
    ]
    marked = await officer.presses(absent[1])
    assert "Minh ❌" in texts(marked)

    clock.set(local(2026, 12, 1, 12))
    async with app.sessionmaker() as session:
        counts = {
            row.name: row
            for row in await attendance.monthly_counts(session, 2026, 11, now=clock())
        }
        december = await attendance.monthly_counts(session, 2026, 12, now=clock())
    assert (counts["Lan"].served, counts["Lan"].hours, counts["Lan"].checked_in) == (1, 4.0, 1)
    assert (counts["Minh"].served, counts["Minh"].no_shows) == (0, 1)
    assert [(row.name, row.served) for row in december] == [("Lan", 1)]
    mine = await lan.presses("sm")
    assert "Tháng này: đã trực 1 ca (4 giờ), vắng 0 ca" in texts(mine)


async def test_auto_fill_balances_the_month_and_respects_days_away(app: App) -> None:
    desk = await make_desk(app, needed=1)
    await generate(app, date(2026, 11, 23), 2, now=local(2026, 11, 22))
    app.dispatcher.clock = FakeClock(NOW)
    lead = await member(app, "1021", Role.OFFICER, name="Cán bộ A")
    earlier = await member(app, "1022", Role.OFFICER, name="Cán bộ B")
    away = await member(app, "1023", Role.OFFICER, name="Cán bộ C")
    volunteer = await member(app, "1024", name="Tình nguyện viên")
    people = {"a": lead, "b": earlier, "c": away, "v": volunteer}
    ids = {key: await pid(app, user) for key, user in people.items()}
    await away.presses("su:20261201")
    served = await shift_at(app, desk.desk, local(2026, 11, 23, 7, 30))
    async with app.db.transaction() as session:  # B already served once in November
        await roster.join(session, served.id, ids["b"], now=local(2026, 11, 22))

    proposal = await lead.presses(f"sf:{desk.desk}:20261130")
    assert "Đề xuất xếp 10 lượt người" in texts(proposal) and "sy" in payloads(proposal)
    applied = await lead.presses("sy")
    assert t("shift_roster.autofill_done", applied=10, skipped=0) in texts(applied)
    async with app.sessionmaker() as session:
        rows = list(
            await session.execute(
                select(
                    ShiftAssignment.person_id, ShiftAssignment.source, Shift.day, Shift.id
                ).join(Shift, Shift.id == ShiftAssignment.shift_id)
            )
        )
    auto = [row for row in rows if row.source == AssignmentSource.AUTOFILL]
    assert ids["v"] in {row.person_id for row in auto}  # volunteers take turns too
    for month in (11, 12):
        held = Counter(row.person_id for row in rows if row.day.month == month)
        counts = [held[person] for person in ids.values()]
        assert max(counts) - min(counts) <= 1, (month, counts)
    assert not [row for row in auto if row.person_id == ids["c"] and row.day == date(2026, 12, 1)]
    again = await lead.presses(f"sf:{desk.desk}:20261130")
    assert texts(again) == t("shift_roster.autofill_none")
    assert texts(await lead.presses("sy")).startswith(t("shift_roster.autofill_stale"))


async def test_officers_manage_only_their_area(app: App) -> None:
    desk = await make_desk(app)
    await generate(app, MONDAY, 1, now=NOW)
    app.dispatcher.clock = FakeClock(NOW)
    west = await member(app, "1031", Role.OFFICER, desk.west, name="Cán bộ Tây")
    house = await shift_at(app, desk.house, local(2026, 12, 5, 7, 30))
    assert texts(await west.presses(f"ss:{house.id}")).startswith(t("shifts.not_your_area"))
    assert texts(await west.presses(f"sf:{desk.house}:20261130")).startswith(
        t("shifts.not_your_area")
    )
    places = await west.presses("sr")  # only the commune desk: straight to its week
    assert "Bộ phận một cửa" in texts(places) and "Nhà văn hóa" not in texts(places)


async def test_admin_sets_up_templates_days_off_and_generates_in_chat(app: App) -> None:
    desk = await make_desk(app)
    app.dispatcher.clock = FakeClock(local(2026, 2, 2, 9))
    admin = await member(app, "1041", Role.ADMIN, name="Quản trị")
    overview = await admin.says("/shift_setup")
    assert "T2–T6 07:30–11:30 — cần 2 người" in texts(overview)
    assert "Giao thừa Tết Nguyên Đán" in texts(overview)  # the coming holidays are listed

    await admin.presses("sg:add")
    await admin.presses(f"sp:location:{desk.house}")
    await admin.presses("sp:days:32")
    bad = await admin.says("17h - 7h")
    assert t("shift_admin.bad_hours") in texts(bad)
    await admin.says("13h30-16h30")
    added = await admin.presses("sp:needed:3")
    assert t("shift_admin.template_added", count=1) in texts(added)
    assert "T7 13:30–16:30 — cần 3 người" in texts(added)
    stale = await admin.presses("sp:needed:3")
    assert texts(stale).startswith(t("shift_admin.stale_button"))

    await admin.presses("sv:working")
    await admin.says("7/2/2026")
    await admin.presses("sq:weekday:0")
    saved = await admin.says("Làm bù theo quyết định của UBND tỉnh")
    assert "Thứ Bảy 07/02/2026: làm việc như Thứ Hai" in texts(saved)
    generated = await admin.presses("sg:gen")
    text = texts(generated)
    assert "Đã cập nhật lịch trực từ 02/02/2026 đến 01/03/2026" in text
    assert "Thứ Hai 16/02/2026: Giao thừa Tết Nguyên Đán" in text
    morning = await shift_at(app, desk.desk, local(2026, 2, 7, 7, 30))
    assert morning.day == date(2026, 2, 7)
    houses = await shift_at(app, desk.house, local(2026, 2, 7, 13, 30))
    assert houses.needed == 3

    removable = await admin.presses("sg:del")
    [first] = [p for p in payloads(removable) if p.startswith("sg:rm:")][:1]
    await admin.presses(first)
    async with app.sessionmaker() as session:
        active = list(await session.scalars(select(ShiftTemplate).where(ShiftTemplate.active)))
    assert len(active) == 5 + 1 + 1  # one of the desk's two weekday slots is gone
    assert texts(await admin.says("/generate_shifts 99")).startswith(
        t("shift_admin.bad_weeks", limit=26)
    )
