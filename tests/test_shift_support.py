"""Helpers for the shift tests: a fake clock in commune time, a desk with templates, people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.app import App
from bot.core import state
from bot.core.channels import ChannelInfo
from bot.core.delivery import DeliveryError, Sender
from bot.core.messages import Incoming, Reply
from bot.db.models import (
    AssignmentStatus,
    Location,
    LocationKind,
    OutboxMessage,
    Role,
    Shift,
    ShiftAssignment,
    ShiftStatus,
)
from bot.services import places
from bot.services.shifts import calendar, templates
from scheduler.runtime import Runtime
from tests.helpers import ChatUser
from tests.test_households_flow import grant, person_id

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A commune-time moment, as the aware UTC datetime everything stores."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Desk:
    """The commune desk (weekday mornings and afternoons) and a village house (Saturdays)."""

    desk: int
    house: int
    east: int
    west: int


async def make_desk(app: App, *, needed: int = 2) -> Desk:
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        east = await places.add_village(session, commune, "Thôn Đông")
        west = await places.add_village(session, commune, "Thôn Tây")
        desk = await places.add_location(session, commune, "Bộ phận một cửa")
        house = await places.add_location(
            session,
            commune,
            "Nhà văn hóa thôn Đông",
            kind=LocationKind.CULTURAL_HOUSE,
            village=east,
        )
        weekdays = range(5)
        await templates.add_templates(
            session, desk, weekdays, time(7, 30), time(11, 30), needed, actor_id=None
        )
        await templates.add_templates(
            session, desk, weekdays, time(13, 30), time(17, 0), needed, actor_id=None
        )
        await templates.add_templates(
            session, house, [5], time(7, 30), time(11, 0), 1, actor_id=None
        )
    return Desk(desk.id, house.id, east.id, west.id)


async def generate(app: App, first: date, weeks: int, now: datetime) -> calendar.GenerationReport:
    async with app.db.transaction() as session:
        return await calendar.generate(session, first_day=first, weeks=weeks, now=now, tz=TZ)


async def shift_days(app: App, location_id: int) -> list[date]:
    """Days with an open shift at a location (one entry per shift)."""
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(Shift.day)
            .where(Shift.location_id == location_id, Shift.status == ShiftStatus.OPEN)
            .order_by(Shift.starts_at)
        )
        return list(rows)


async def shift_at(app: App, location_id: int, starts_at: datetime) -> Shift:
    async with app.sessionmaker() as session:
        shift = await session.scalar(
            select(Shift).where(Shift.location_id == location_id, Shift.starts_at == starts_at)
        )
    assert shift is not None, f"no shift at {starts_at}"
    return shift


async def member(
    app: App,
    user_id: str,
    role: Role = Role.VOLUNTEER,
    village_id: int | None = None,
    *,
    name: str = "Nguyễn Thị Lan",
    channel: str = "test",
) -> ChatUser:
    """Someone who wrote to the bot once and holds a role."""
    user = ChatUser(app, user_id=user_id, name=name)
    if channel == "test":
        await user.says("/start")
    else:
        incoming = Incoming(channel=channel, chat_id=user_id, user_id=user_id, display_name=name)
        async with app.db.transaction() as session:
            await state.identify(session, incoming, datetime.now(UTC))
    await grant(app, user_id, role, village_id, channel=channel)
    return user


async def pid(app: App, user: ChatUser, channel: str = "test") -> int:
    return await person_id(app, user, channel)


async def active_holders(app: App, shift_id: int) -> list[int]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(ShiftAssignment.person_id)
            .where(
                ShiftAssignment.shift_id == shift_id,
                ShiftAssignment.status == AssignmentStatus.ACTIVE,
            )
            .order_by(ShiftAssignment.id)
        )
        return list(rows)


async def outbox_rows(app: App, prefix: str = "") -> dict[str, OutboxMessage]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.key.like(f"{prefix}%"))
        )
        return {row.key: row for row in rows}


async def count(app: App, model: type[object]) -> int:
    async with app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def location(app: App, location_id: int) -> Location:
    async with app.sessionmaker() as session:
        found = await session.get(Location, location_id)
    assert found is not None
    return found


@dataclass
class RecordingSender:
    """A channel that records what it would send, and can fail for chosen chats."""

    info: ChannelInfo = field(default_factory=lambda: ChannelInfo("test"))
    only_chats: frozenset[str] | None = None
    sent: list[tuple[str, str]] = field(default_factory=list)
    failures: dict[str, DeliveryError] = field(default_factory=dict)

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        if chat_id in self.failures:
            raise self.failures[chat_id]
        self.sent.extend((chat_id, reply.text) for reply in replies)

    def to(self, chat_id: str) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


def runtime_for(app: App, clock: FakeClock, sender: Sender | None = None) -> Runtime:
    senders = {sender.info.name: sender} if sender is not None else {}
    return Runtime(db=app.db, services=app.services, senders=senders, clock=clock)
