"""The assistance log: who helped which household with what; it keeps the register in step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import AssistAction, Assistance, Household
from bot.services import audit, households
from bot.services.shifts import attendance


async def log(
    session: AsyncSession,
    household: Household,
    actions: set[AssistAction],
    *,
    helper_id: int | None,
    now: datetime,
    tz: ZoneInfo,
    procedure: str | None = None,
    fee_required: bool | None = None,
    shift_id: int | None = None,
    note: str | None = None,
) -> Assistance:
    """Record help given now; an account created or a dossier sent online updates the household."""
    if not actions:
        raise DomainError("assistance.nothing_chosen")
    if shift_id is None and helper_id is not None:
        shift_id = await attendance.current_shift_id(session, helper_id, now)
    entry = Assistance(
        household_id=household.id,
        village_id=household.village_id,
        helper_id=helper_id,
        at=now,
        day=now.astimezone(tz).date(),
        procedure=procedure,
        fee_required=fee_required,
        shift_id=shift_id,
        note=note,
        **{action.value: True for action in actions},
    )
    session.add(entry)
    await session.flush()
    await audit.record(
        session,
        actor_id=helper_id,
        action="assist",
        entity="household",
        entity_id=household.id,
        after={"assistance_id": entry.id, "actions": sorted(a.value for a in actions)},
    )
    changes: dict[str, object] = {}
    if AssistAction.ACCOUNT_CREATED in actions and (
        household.members_with_account < household.members
    ):
        changes["members_with_account"] = household.members_with_account + 1
    if AssistAction.SUBMITTED_ONLINE in actions:
        changes["submitted_online"] = True
    if AssistAction.PAID_ONLINE in actions:
        changes["paid_online"] = True
    if changes:
        await households.update(session, household, changes, actor_id=helper_id, now=now)
    return entry


@dataclass(frozen=True)
class HelperTally:
    today: int
    this_week: int
    this_month: int
    total: int


async def helper_tally(session: AsyncSession, helper_id: int, today: date) -> HelperTally:
    """Distinct households a helper assisted today, this week (from Monday), month, ever."""

    async def households_since(first_day: date | None) -> int:
        query = select(func.count(distinct(Assistance.household_id))).where(
            Assistance.helper_id == helper_id
        )
        if first_day is not None:
            query = query.where(Assistance.day >= first_day, Assistance.day <= today)
        return int(await session.scalar(query) or 0)

    return HelperTally(
        today=await households_since(today),
        this_week=await households_since(today - timedelta(days=today.weekday())),
        this_month=await households_since(today.replace(day=1)),
        total=await households_since(None),
    )


async def recent_for_household(
    session: AsyncSession, household_id: int, limit: int = 5
) -> list[Assistance]:
    return list(
        await session.scalars(
            select(Assistance)
            .where(Assistance.household_id == household_id)
            .order_by(Assistance.at.desc())
            .limit(limit)
        )
    )
