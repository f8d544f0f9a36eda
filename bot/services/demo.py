"""A demo commune: villages, help-desk places, synthetic households, helpers and history.

Everything is generated from a fixed random seed, so every demo looks the same. The names
are invented from common family, middle and given names; no real person is described.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Assistance,
    Commune,
    Household,
    Location,
    LocationKind,
    Person,
    Role,
    RoleGrant,
    Village,
)
from bot.services import audit, places, village_counters, visit_totals
from bot.services.household_io import village_initials
from bot.services.reports import coverage, snapshots
from bot.services.shifts import templates
from bot.vntext import fold

SEED = 20250701
HISTORY_DAYS = 30


@dataclass(frozen=True)
class DemoVillage:
    """A demo village: its official count (None on purpose for one), size and coverage."""

    name: str
    official_households: int | None
    households: int
    covered_share: float


VILLAGES = (
    DemoVillage("Thôn Đức An", 86, 82, 0.9),
    DemoVillage("Thôn Phú Lộc", 74, 70, 0.72),
    DemoVillage("Thôn Tân Hòa", 68, 65, 0.55),
    DemoVillage("Thôn Đông Xuân", 61, 58, 0.42),
    DemoVillage("Thôn Hòa Bình", 52, 50, 0.3),
    DemoVillage("Thôn Trung Sơn", None, 45, 0.64),
)
COMMUNE_DESK = "Bộ phận một cửa UBND xã"
CULTURAL_HOUSES = (("Nhà văn hóa thôn Đức An", 0), ("Nhà văn hóa thôn Tân Hòa", 2))
DESK_HOURS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
HOUSE_HOURS = (time(8, 0), time(11, 0))
WORKING_DAYS = range(5)
SATURDAY = 5

FAMILY_NAMES = (
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 3),
    ("Phan", 4),
    ("Vũ", 4),
    ("Võ", 3),
    ("Đặng", 3),
    ("Bùi", 3),
    ("Đỗ", 3),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 2),
    ("Lý", 1),
)
MALE_MIDDLE = ("Văn", "Văn", "Văn", "Đức", "Hữu", "Minh", "Quang", "Xuân", "Đình", "Công")
FEMALE_MIDDLE = ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Hồng", "Mỹ")
MALE_GIVEN = (
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Hưng", "Khánh", "Long", "Mạnh",
    "Nam", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Toàn", "Trung", "Tuấn",
    "Việt", "Vinh",
)  # fmt: skip
FEMALE_GIVEN = (
    "Anh", "Bích", "Chi", "Dung", "Hạnh", "Hoa", "Hương", "Lan", "Liên", "Linh", "Loan",
    "Mai", "Nga", "Nhung", "Oanh", "Phượng", "Tâm", "Thảo", "Thủy", "Trang", "Tuyết", "Yến",
)  # fmt: skip
MOBILE_PREFIXES = ("032", "035", "038", "039", "070", "077", "086", "090", "091", "096", "098")
NOTES = (
    "Người cao tuổi sống một mình",
    "Con đi làm ăn xa, cần hỗ trợ tại nhà",
    "Hộ cận nghèo",
    "Đã hẹn làm tài khoản mức 2 tại công an xã",
    "Chưa có điện thoại thông minh",
)
PROCEDURES = (
    ("birth-registration", False),
    ("residence-registration", False),
    ("certified-copy", True),
    ("marital-status", True),
    ("marriage-registration", False),
)

# (name, role, index of the village the role covers or None for the whole commune)
HELPERS = (
    ("Nguyễn Thị Hoa", Role.VOLUNTEER, (0, 1)),
    ("Trần Minh Tuấn", Role.VOLUNTEER, (2,)),
    ("Lê Thu Trang", Role.VOLUNTEER, (3, 4)),
    ("Phạm Quang Huy", Role.VOLUNTEER, (5,)),
    ("Đỗ Văn Hải", Role.OFFICER, None),
    ("Hoàng Văn Bình", Role.OFFICIAL, None),
)


def person_name(rng: random.Random) -> str:
    """A plausible Vietnamese full name; heads of household are more often men."""
    family = rng.choices([name for name, _ in FAMILY_NAMES], [w for _, w in FAMILY_NAMES])[0]
    if rng.random() < 0.7:
        return f"{family} {rng.choice(MALE_MIDDLE)} {rng.choice(MALE_GIVEN)}"
    return f"{family} {rng.choice(FEMALE_MIDDLE)} {rng.choice(FEMALE_GIVEN)}"


def mobile_number(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10_000_000):07d}"


def household_row(
    rng: random.Random, village_id: int, code: str, covered_share: float, now: datetime
) -> dict[str, Any]:
    """One synthetic household; covered ones may have submitted and paid online too."""
    head = person_name(rng)
    members = rng.choices(range(1, 8), [6, 14, 20, 26, 18, 10, 6])[0]
    covered = rng.random() < covered_share
    accounts = rng.randint(1, members) if covered else 0
    submitted = covered and rng.random() < 0.45
    return {
        "village_id": village_id,
        "code": code,
        "head_name": head,
        "folded_head": fold(head),
        "members": members,
        "members_with_account": accounts,
        "submitted_online": submitted,
        "paid_online": submitted and rng.random() < 0.5,
        "phone": mobile_number(rng) if rng.random() < 0.45 else None,
        "note": rng.choice(NOTES) if rng.random() < 0.06 else None,
        "consent_at": now,
        "created_at": now,
        "updated_at": now,
    }


async def add_villages(session: AsyncSession, commune: Commune) -> list[int]:
    """The six demo villages, in the order of VILLAGES; returns their ids."""
    ids: list[int] = []
    for demo in VILLAGES:
        village = Village(
            commune_id=commune.id,
            name=demo.name,
            folded_name=fold(demo.name),
            official_households=demo.official_households,
        )
        session.add(village)
        await session.flush()
        ids.append(village.id)
    return ids


async def add_locations(session: AsyncSession, commune: Commune, village_ids: list[int]) -> None:
    """The one-stop desk of the commune (weekdays) and two village cultural houses (Saturday
    mornings), with their weekly hours, so the desk's place and hours show as in a real commune."""
    desk = Location(commune_id=commune.id, name=COMMUNE_DESK, kind=LocationKind.COMMUNE_DESK)
    houses = [
        Location(
            commune_id=commune.id,
            village_id=village_ids[index],
            name=name,
            kind=LocationKind.CULTURAL_HOUSE,
        )
        for name, index in CULTURAL_HOUSES
    ]
    session.add_all([desk, *houses])
    await session.flush()
    for starts, ends in DESK_HOURS:
        await templates.add_templates(session, desk, WORKING_DAYS, starts, ends, 2, actor_id=None)
    for house in houses:
        await templates.add_templates(session, house, [SATURDAY], *HOUSE_HOURS, 1, actor_id=None)


async def add_households(
    session: AsyncSession, rng: random.Random, village_ids: list[int], now: datetime
) -> None:
    """The synthetic register, inserted with one executemany."""
    rows = [
        household_row(
            rng, village_id, f"{village_initials(demo.name)}-{number:04d}", demo.covered_share, now
        )
        for demo, village_id in zip(VILLAGES, village_ids, strict=True)
        for number in range(1, demo.households + 1)
    ]
    connection = await session.connection()
    await connection.execute(insert(Household), rows)
    await village_counters.refresh(session, village_ids)


async def add_helpers(
    session: AsyncSession, commune: Commune, village_ids: list[int], now: datetime
) -> dict[int, list[int]]:
    """Volunteers for villages, an officer and an official; returns village -> helper ids."""
    helpers: dict[int, list[int]] = {village_id: [] for village_id in village_ids}
    for name, role, villages in HELPERS:
        person = Person(display_name=name, commune_id=commune.id, created_at=now)
        session.add(person)
        await session.flush()
        scopes = [None] if villages is None else [village_ids[index] for index in villages]
        for village_id in scopes:
            session.add(
                RoleGrant(
                    person_id=person.id,
                    role=role,
                    commune_id=commune.id,
                    village_id=village_id,
                    granted_at=now,
                )
            )
        if role is Role.VOLUNTEER and villages is not None:
            for index in villages:
                helpers[village_ids[index]].append(person.id)
        elif role is Role.OFFICER:
            for ids in helpers.values():
                ids.append(person.id)
    await session.flush()
    return helpers


def working_days(today: date, count: int) -> list[date]:
    """The last `count` calendar days before today that fall on Monday to Friday."""
    days = (today - timedelta(days=back) for back in range(count, 0, -1))
    return [day for day in days if day.weekday() < 5]


def assistance_row(
    rng: random.Random,
    household: tuple[int, int, bool, bool],
    helpers: dict[int, list[int]],
    at: datetime,
    tz: ZoneInfo,
) -> dict[str, Any]:
    """One plausible visit: covered households got accounts, online ones got dossiers sent."""
    household_id, village_id, covered, submitted = household
    procedure, fee = rng.choice(PROCEDURES) if submitted else (None, None)
    return {
        "household_id": household_id,
        "village_id": village_id,
        "helper_id": rng.choice(helpers[village_id]),
        "at": at,
        "day": at.astimezone(tz).date(),
        "account_created": covered and rng.random() < 0.7,
        "level2_referral": covered and rng.random() < 0.3,
        "portal_login": rng.random() < 0.4,
        "submitted_online": submitted,
        "papers_digitised": submitted and rng.random() < 0.5,
        "paid_online": submitted and bool(fee),
        "other": not covered and rng.random() < 0.5,
        "procedure": procedure,
        "fee_required": fee,
    }


async def add_history(
    session: AsyncSession,
    rng: random.Random,
    helpers: dict[int, list[int]],
    *,
    now: datetime,
    tz: ZoneInfo,
) -> int:
    """About a month of help-desk visits, a few per working day, in office hours."""
    households = [
        (id_, village_id, accounts > 0, submitted)
        for id_, village_id, accounts, submitted in await session.execute(
            select(
                Household.id,
                Household.village_id,
                Household.members_with_account,
                Household.submitted_online,
            ).order_by(Household.id)
        )
    ]
    rows: list[dict[str, Any]] = []
    for day in working_days(now.astimezone(tz).date(), HISTORY_DAYS):
        for _ in range(rng.randint(2, 7)):
            at = datetime.combine(day, time(7, 30), tz) + timedelta(minutes=rng.randrange(570))
            rows.append(assistance_row(rng, rng.choice(households), helpers, at, tz))
    local_now = now.astimezone(tz)
    opening = datetime.combine(local_now.date(), time(7, 30), tz)
    if local_now.weekday() < 5 and local_now > opening:
        # A few visits earlier today, so the daily tally has something to show.
        minutes_open = int((local_now - opening).total_seconds() // 60)
        for _ in range(min(3, minutes_open // 30)):
            at = opening + timedelta(minutes=rng.randrange(minutes_open))
            rows.append(assistance_row(rng, rng.choice(households), helpers, at, tz))
    connection = await session.connection()
    await connection.execute(insert(Assistance), rows)
    return len(rows)


async def add_past_snapshots(session: AsyncSession, rng: random.Random, today: date) -> None:
    """A week of daily coverage snapshots, so the demo report shows a 7-day change at once."""
    current = await coverage.register_figures(session, None)
    weekly_gain = {
        village_id: (round(f.covered * rng.uniform(0.03, 0.1)), round(f.accounts * 0.08))
        for village_id, f in current.items()
    }
    for days_ago in range(1, snapshots.CHANGE_DAYS + 1):
        share = days_ago / snapshots.CHANGE_DAYS
        past = {
            village_id: replace(
                f,
                covered=f.covered - round(weekly_gain[village_id][0] * share),
                accounts=f.accounts - round(weekly_gain[village_id][1] * share),
            )
            for village_id, f in current.items()
        }
        await snapshots.record_snapshot(session, today - timedelta(days=days_ago), past)


async def load_demo(
    session: AsyncSession, commune: Commune, *, now: datetime, tz: ZoneInfo
) -> bool:
    """Fill an empty commune with demo data; False (and nothing added) if it has villages."""
    if await places.has_villages(session, commune):
        return False
    rng = random.Random(SEED)
    village_ids = await add_villages(session, commune)
    await add_locations(session, commune, village_ids)
    await add_households(session, rng, village_ids, now)
    helpers = await add_helpers(session, commune, village_ids, now)
    visits = await add_history(session, rng, helpers, now=now, tz=tz)
    await visit_totals.rebuild(session)  # the history went in with Core, past the flush hook
    await add_past_snapshots(session, rng, now.astimezone(tz).date())
    await audit.record(
        session,
        actor_id=None,
        action="demo",
        entity="commune",
        entity_id=commune.id,
        after={"villages": len(village_ids), "visits": visits},
    )
    return True
