"""Stand-ins: "I can't come" offers the shift to eligible people and the first accept wins,
also when two accept at once; officers hear of it, and are alerted when shifts stay short."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.db.models import (
    AssignmentStatus,
    OutboxStatus,
    Role,
    Shift,
    ShiftAssignment,
    StandinRequest,
    StandinStatus,
)
from bot.locales import t
from bot.services.shifts import roster
from scheduler.shifts import plan_shift_alerts
from tests.helpers import ChatUser, texts
from tests.test_shift_support import (
    Desk,
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

MONDAY = date(2026, 11, 30)
MORNING = local(2026, 12, 1, 7, 30)
ASKED = local(2026, 11, 30, 20)


async def scene(app: App, *, needed: int = 2) -> tuple[Desk, dict[str, ChatUser]]:
    """Lan holds Tuesday morning with Phúc; Bình, Cúc and Đào could stand in, Em is away."""
    desk = await make_desk(app, needed=needed)
    await generate(app, MONDAY, 1, now=local(2026, 11, 29))
    users = {
        "lan": await member(app, "801", name="Lan"),
        "phuc": await member(app, "802", name="Phúc"),
        "binh": await member(app, "803", name="Bình"),
        "cuc": await member(app, "804", name="Cúc"),
        "dao": await member(app, "805", name="Đào", village_id=desk.west),
        "em": await member(app, "806", name="Em"),
        "officer": await member(app, "807", Role.OFFICER, name="Cán bộ Hùng"),
    }
    shift = await shift_at(app, desk.desk, MORNING)
    ids = {name: await pid(app, user) for name, user in users.items()}
    async with app.db.transaction() as session:
        for name in ("lan", "phuc")[:needed]:
            await roster.join(session, shift.id, ids[name], now=local(2026, 11, 29))
        await roster.toggle_unavailable(
            session, ids["em"], date(2026, 12, 1), now=local(2026, 11, 29)
        )
    return desk, users


async def lan_assignment(app: App, users: dict[str, ChatUser]) -> int:
    async with app.sessionmaker() as session:
        found = await session.scalar(
            select(ShiftAssignment.id).where(
                ShiftAssignment.person_id == await pid(app, users["lan"]),
                ShiftAssignment.status == AssignmentStatus.ACTIVE,
            )
        )
    assert found is not None
    return found


async def request_id(app: App) -> int:
    async with app.sessionmaker() as session:
        found = await session.scalar(select(StandinRequest.id))
    assert found is not None
    return found


async def hold_until_both_checked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make each accept wait (briefly) for the other just before it tries to take the request.

    On PostgreSQL both then race on the UPDATE; SQLite runs one writer at a time, so there
    the second accept waits for the first to commit and finds the request taken.
    """
    reached: list[int] = []
    both = asyncio.Event()
    check = roster.busy_people

    async def rendezvous(session: AsyncSession, ids: Iterable[int], shift: Shift) -> set[int]:
        reached.append(len(reached) + 1)
        if len(reached) == 2:
            both.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.5):
                await both.wait()
        return await check(session, ids, shift)

    monkeypatch.setattr(roster, "busy_people", rendezvous)
    return reached


async def test_two_accept_at_once_and_exactly_one_takes_the_shift(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, users = await scene(app)
    app.dispatcher.clock = FakeClock(ASKED)
    asked = await users["lan"].presses(f"sb:{await lan_assignment(app, users)}")
    assert t("shift_standin.asked", count=4) in texts(asked)  # Bình, Cúc, Đào, the officer
    offers = await outbox_rows(app, "standin:")
    offered = {row.chat_id for row in offers.values()}
    assert offered == {"803", "804", "805", "807"}  # not Lan, not Phúc (on it), not Em (away)
    assert all(row.expires_at == MORNING for row in offers.values())

    request = await request_id(app)
    reached = await hold_until_both_checked(monkeypatch)
    binh, cuc = await asyncio.gather(
        users["binh"].presses(f"st:{request}"), users["cuc"].presses(f"st:{request}")
    )
    if app.db.url.startswith("postgresql"):
        # Both transactions passed every check; the conditional UPDATE alone decided.
        assert reached == [1, 2]
    answers = [texts(binh), texts(cuc)]
    won = [answer for answer in answers if "Bạn đã nhận trực thay" in answer]
    lost = [answer for answer in answers if answer.startswith(t("shift_standin.already_taken"))]
    assert len(won) == 1 and len(lost) == 1, answers
    winner = users["binh"] if won[0] == answers[0] else users["cuc"]

    shift = await shift_at(app, desk.desk, MORNING)
    holders = await active_holders(app, shift.id)
    assert sorted(holders) == sorted([await pid(app, users["phuc"]), await pid(app, winner)])
    rows = await outbox_rows(app, f"standin:{request}:")
    released = rows[f"standin:{request}:released"]
    assert released.chat_id == "801" and winner.name in released.payload["text"]
    told = rows[f"standin:{request}:taken:{await pid(app, users['officer'])}"]
    assert "trực thay Lan" in told.payload["text"]
    left = [row for key, row in rows.items() if ":offer:" in key]
    assert all(row.status == OutboxStatus.EXPIRED for row in left)
    # A third, late accept is turned down politely.
    late = await users["dao"].presses(f"st:{request}")
    assert texts(late).startswith(t("shift_standin.already_taken"))


async def test_asking_twice_cancelling_and_taking_ones_own_request(app: App) -> None:
    _, users = await scene(app)
    app.dispatcher.clock = FakeClock(ASKED)
    assignment = await lan_assignment(app, users)
    await users["lan"].presses(f"sb:{assignment}")
    again = await users["lan"].presses(f"sb:{assignment}")
    assert texts(again) == t("shift_standin.already_asked")
    request = await request_id(app)
    own = await users["lan"].presses(f"st:{request}")
    assert texts(own).startswith(t("shift_standin.own_request"))
    kept = await users["lan"].presses(f"sk:{assignment}")
    assert t("shift_standin.cancelled") in texts(kept)
    gone = await users["binh"].presses(f"st:{request}")
    assert texts(gone).startswith(t("shift_standin.gone"))
    offers = [row for key, row in (await outbox_rows(app, "standin:")).items() if ":offer:" in key]
    assert offers and all(row.status == OutboxStatus.EXPIRED for row in offers)
    # Someone else's assignment cannot be offered away by a forged button.
    forged = await users["binh"].presses(f"sb:{assignment}")
    assert texts(forged).startswith(t("shifts.not_yours"))


async def test_nobody_takes_it_and_the_officers_are_alerted_once(app: App) -> None:
    _, users = await scene(app)
    clock = FakeClock(ASKED)
    app.dispatcher.clock = clock
    await users["lan"].presses(f"sb:{await lan_assignment(app, users)}")
    runtime = runtime_for(app, clock)
    alert_prefix = f"standin:{await request_id(app)}:alert:"
    clock.set(MORNING - timedelta(minutes=181))
    await plan_shift_alerts(runtime)
    assert await outbox_rows(app, alert_prefix) == {}
    clock.set(MORNING - timedelta(minutes=180))
    await plan_shift_alerts(runtime)
    await plan_shift_alerts(runtime)
    officer = await pid(app, users["officer"])
    [(key, alert)] = (await outbox_rows(app, alert_prefix)).items()
    assert key == f"{alert_prefix}{officer}" and "Lan báo không đến được" in alert.payload["text"]
    clock.set(MORNING + timedelta(minutes=1))
    await plan_shift_alerts(runtime)
    async with app.sessionmaker() as session:
        request = await session.get(StandinRequest, await request_id(app))
    assert request is not None and request.status == StandinStatus.EXPIRED


async def test_with_nobody_to_ask_the_officers_hear_at_once(app: App) -> None:
    desk = await make_desk(app, needed=1)
    await generate(app, MONDAY, 1, now=local(2026, 11, 29))
    lan = await member(app, "811", name="Lan", village_id=desk.east)
    await member(app, "812", Role.OFFICER, desk.west, name="Cán bộ Tây")
    await member(app, "813", Role.ADMIN, name="Quản trị")
    house = await shift_at(app, desk.house, local(2026, 12, 5, 7, 30))
    lan_id = await pid(app, lan)
    async with app.db.transaction() as session:
        await roster.join(session, house.id, lan_id, now=local(2026, 11, 29))
    app.dispatcher.clock = FakeClock(ASKED)
    async with app.sessionmaker() as session:
        assignment = await session.scalar(select(ShiftAssignment.id))
    asked = await lan.presses(f"sb:{assignment}")
    assert texts(asked).startswith(t("shift_standin.asked_nobody"))
    alerts = await outbox_rows(app, "standin:")
    # The west officer does not cover the east village's house, so the admin hears instead.
    assert {row.chat_id for row in alerts.values()} == {"813"}


async def test_shifts_still_short_the_day_before_raise_one_alert_each(app: App) -> None:
    _, users = await scene(app, needed=2)
    clock = FakeClock(local(2026, 11, 30, 15, 59))
    runtime = runtime_for(app, clock)
    assert await plan_shift_alerts(runtime) == 0
    clock.set(local(2026, 11, 30, 16))
    # Tuesday: the morning has 2/2, the afternoon 0/2 → one alert; Wednesday is not due yet.
    assert await plan_shift_alerts(runtime) == 1
    assert await plan_shift_alerts(runtime) == 0
    [alert] = (await outbox_rows(app, "understaffed:")).values()
    assert alert.chat_id == "807" and "còn thiếu 2 người (mới có 0/2)" in alert.payload["text"]
    # Someone asking for a stand-in makes the morning short too.
    app.dispatcher.clock = clock
    await users["lan"].presses(f"sb:{await lan_assignment(app, users)}")
    assert await plan_shift_alerts(runtime) == 1
    assert len(await outbox_rows(app, "understaffed:")) == 2
