"""The assistance log: who helped which household with what; it keeps the register in step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import AssistAction, Assistance, AuditEntry, Household
from bot.services import audit, households
from bot.services.shifts import attendance

UNDO = "assist_undo"  # the audit action of putting back what logging help changed
# Help may be logged for today or up to this many days back (marked `logged_late`): a helper
# who forgot, or the desk catching up after a busy day. Older help goes through the desk's
# sheet (`dvcbot import assistance`). A late entry counts for its own day in every report
# asked from then on (tallies, KPIs, workbooks are read from the log, not stored); a daily
# tally already pushed for that day is not sent again or corrected. What it changes in the
# household (an account created…) changes the register now: coverage snapshots already taken
# for past days stay as they were recorded.
BACKDATE_DAYS = 7


def check_help_day(day: date, today: date) -> date:
    """The day help was given, unless in the future or more than BACKDATE_DAYS back."""
    if day > today:
        raise DomainError("periods.help_day_future")
    if day < today - timedelta(days=BACKDATE_DAYS):
        raise DomainError("periods.help_day_too_old", days=BACKDATE_DAYS)
    return day


def help_days(today: date) -> list[date]:
    """The days help may be logged for, today first."""
    return [today - timedelta(days=back) for back in range(BACKDATE_DAYS + 1)]


@dataclass(frozen=True)
class Change:
    """One household field changed by logging help (or by undoing that): before and after."""

    field: str
    before: Any
    after: Any


class ChangedSince(DomainError):
    """The fields a log changed were changed again since: undoing would lose that change."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__("assistance.changed_since", fields=", ".join(fields))
        self.fields = fields


def planned_changes(household: Household, actions: set[AssistAction]) -> list[Change]:
    """What logging these actions changes in the household now; only real changes."""
    changes = []
    accounts = household.members_with_account
    if AssistAction.ACCOUNT_CREATED in actions and accounts < household.members:
        changes.append(Change("members_with_account", accounts, accounts + 1))
    if AssistAction.SUBMITTED_ONLINE in actions and not household.submitted_online:
        changes.append(Change("submitted_online", False, True))
    if AssistAction.PAID_ONLINE in actions and not household.paid_online:
        changes.append(Change("paid_online", False, True))
    return changes


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
    day: date | None = None,
) -> Assistance:
    """Record help given now, or on `day` (today or up to BACKDATE_DAYS back: logged late);
    an account created or a dossier sent online updates the household (planned_changes), and
    the audit row of the help keeps those changes for an undo."""
    if not actions:
        raise DomainError("assistance.nothing_chosen")
    today = now.astimezone(tz).date()
    day = check_help_day(day or today, today)
    late = day < today
    if shift_id is None and helper_id is not None and not late:
        shift_id = await attendance.current_shift_id(session, helper_id, now)
    entry = Assistance(
        household_id=household.id,
        village_id=household.village_id,
        helper_id=helper_id,
        at=now,
        day=day,
        logged_late=late,
        procedure=procedure,
        fee_required=fee_required,
        shift_id=shift_id,
        note=note,
        **{action.value: True for action in actions},
    )
    session.add(entry)
    await session.flush()
    changes = planned_changes(household, actions)
    await audit.record(
        session,
        actor_id=helper_id,
        action="assist",
        entity="household",
        entity_id=household.id,
        after={
            "assistance_id": entry.id,
            "actions": sorted(a.value for a in actions),
            "changes": {change.field: [change.before, change.after] for change in changes},
            **({"day": day.isoformat(), "logged_late": True} if late else {}),
        },
    )
    if changes:
        values = {change.field: change.after for change in changes}
        await households.update(session, household, values, actor_id=helper_id, now=now)
    return entry


async def undo_changes(
    session: AsyncSession,
    entry: Assistance,
    household: Household,
    *,
    actor_id: int,
    now: datetime,
) -> list[Change]:
    """Put back the household fields that logging `entry` changed, audited; the help stays.

    Refused (DomainError, nothing changed) when it changed nothing, was undone already, or
    any of its fields was changed since, even if changed back: that change would be lost.
    """
    rows = list(
        await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "household", AuditEntry.entity_id == str(household.id))
            .order_by(AuditEntry.id)
        )
    )
    logged = next((row for row in rows if _about(row, "assist", entry.id)), None)
    made = _changes_in(logged)
    if logged is None or not made:
        raise DomainError("assistance.nothing_to_undo")
    later = [row for row in rows if row.id > logged.id]
    if any(_about(row, UNDO, entry.id) for row in later):
        raise DomainError("assistance.already_undone")
    own = _own_update(later, made, entry.helper_id)
    touched = [
        change.field
        for change in made
        if getattr(household, change.field) != change.after
        or any(
            row is not own and row.action == "update" and change.field in (row.after or {})
            for row in later
        )
    ]
    if touched:
        raise ChangedSince(touched)
    restored = {change.field: change.before for change in made}
    await households.update(session, household, restored, actor_id=actor_id, now=now)
    await audit.record(
        session,
        actor_id=actor_id,
        action=UNDO,
        entity="household",
        entity_id=household.id,
        before={change.field: change.after for change in made},
        after={"assistance_id": entry.id, **restored},
    )
    return [Change(change.field, change.after, change.before) for change in made]


def _about(row: AuditEntry, action: str, entry_id: int) -> bool:
    """Whether an audit row is this action on this assistance entry."""
    return row.action == action and (row.after or {}).get("assistance_id") == entry_id


def _changes_in(logged: AuditEntry | None) -> list[Change]:
    """The changes an "assist" audit row kept (none for rows written before it kept them)."""
    kept = (logged.after or {}).get("changes") if logged is not None else None
    if not isinstance(kept, dict):
        return []
    return [Change(field, pair[0], pair[1]) for field, pair in kept.items()]


def _own_update(
    later: list[AuditEntry], made: list[Change], helper_id: int | None
) -> AuditEntry | None:
    """The "update" row the log itself wrote: the first with exactly its changes."""
    before = {change.field: change.before for change in made}
    after = {change.field: change.after for change in made}
    return next(
        (
            row
            for row in later
            if row.action == "update"
            and row.actor_id == helper_id
            and row.before == before
            and row.after == after
        ),
        None,
    )


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
            .order_by(Assistance.day.desc(), Assistance.at.desc())  # help logged late: its day
            .limit(limit)
        )
    )
