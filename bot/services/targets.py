"""Monthly targets per person and procedure field, and each person's progress against them.

A *target* says, for one person, one field (`ProcedureField`: civil status, certification,
social assistance…) and one calendar month, how many dossiers that person should bring online
that month on three measures: submitted online, papers digitised, paid online.

*Done* for a target: the number of dossiers, that is assistance rows (one row per visit, so a
dossier handled over two visits counts twice, as in the KPIs of reports/kpis.py), that
- were logged with that person as the helper (`assistances.helper_id`),
- on a day of the period (`assistances.day`, the commune's local day; `start`..`end` inclusive),
- for a procedure (`assistances.procedure`, a guide id) whose guide belongs to that field in
  the guide catalog (a procedure the catalog no longer knows counts under "other"),
- and ticked "submitted online" (resp. "papers digitised", "paid online").
Visits without a procedure are not dossiers and count for no field.

Per measure: percent = done / target × 100, one decimal (no percent when the target is 0); met
when done >= target. A person's field is met when all three measures are. The functions take a
period `start`..`end`; targets are monthly, so a period sums the targets of the months it
touches, and reports evaluate one calendar month.

Targets are for people who log help (volunteers, officers, admins); only admins set them (chat,
`dvcbot targets set`, or a sheet: bot/services/targets_import.py). Every change is audited.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.catalog import ProcedureField
from bot.core.errors import DomainError
from bot.db.models import Assistance, Person, PersonalTarget, Role, RoleGrant
from bot.locales import t
from bot.services import audit
from bot.services.privacy import mask_phone
from bot.services.reports.figures import percent
from bot.services.reports.kpis import Month
from bot.vntext import fold

HOLDERS = frozenset({Role.VOLUNTEER, Role.OFFICER, Role.ADMIN})  # who may have targets
MEASURES = ("submitted", "digitised", "paid")
MAX_TARGET = 10_000
PHONE_LIKE = re.compile(r"^\+?[\d .\-]{9,}$")
PHONE_DIGITS = 9  # the subscriber number; "0912…" and "+84912…" are the same phone


def field_label(field: ProcedureField) -> str:
    return t(f"procedure_fields.{field.value}")


def parse_field(text: str) -> ProcedureField:
    """A field named by its Vietnamese label or its id, accents and case optional."""
    folded = fold(text)
    for field in ProcedureField:
        if folded in (fold(field_label(field)), fold(field.value)):
            return field
    labels = ", ".join(field_label(field) for field in ProcedureField)
    raise DomainError("targets.unknown_field", value=text.strip()[:40], fields=labels)


def parse_count(text: object) -> int:
    """A target number: a whole number from 0 to MAX_TARGET; Excel's 4.0 reads as 4."""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    raw = str(text).strip()
    digits = raw.lstrip("0") or "0"
    if not raw.isascii() or not raw.isdigit() or len(digits) > 5 or int(digits) > MAX_TARGET:
        raise DomainError("targets.bad_number", value=raw[:20], limit=MAX_TARGET)
    return int(digits)


# ------------------------------------------------------------------------------- people


async def holders(session: AsyncSession, commune_id: int | None = None) -> list[Person]:
    """People with an active role that may have targets (in one commune when given), by name."""
    grants = select(RoleGrant.person_id).where(
        RoleGrant.revoked_at.is_(None), RoleGrant.role.in_([role.value for role in HOLDERS])
    )
    if commune_id is not None:
        grants = grants.where(RoleGrant.commune_id == commune_id)
    query = select(Person).where(Person.id.in_(grants)).order_by(Person.display_name, Person.id)
    return list(await session.scalars(query))


def person_label(person: Person) -> str:
    """'Nguyễn Thị Hoa (091****678)': enough to tell two people apart, phone masked."""
    phone = mask_phone(person.phone) if person.phone else t("targets.no_phone")
    return f"{person.display_name or t('targets.no_name')} ({phone})"


def _phone_key(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())[-PHONE_DIGITS:]


async def find_person(session: AsyncSession, text: str, commune_id: int | None = None) -> Person:
    """The person (of one commune when given) named by a phone or a name (accents optional; a
    part of the name will do when it fits only one); nobody or several are refused, the latter
    listed."""
    wanted = " ".join(text.split())[:100]
    people = await holders(session, commune_id)
    if PHONE_LIKE.match(wanted):
        key = _phone_key(wanted)
        found = [p for p in people if p.phone and _phone_key(p.phone) == key]
    else:
        folded = fold(wanted)
        found = [p for p in people if folded and fold(p.display_name) == folded]
        if not found and folded:  # whole words of the name: "Mai" finds "Lê Thị Mai"
            found = [p for p in people if f" {folded} " in f" {fold(p.display_name)} "]
    if not found:
        raise DomainError("targets.unknown_person", name=wanted[:60])
    if len(found) > 1:
        names = "; ".join(person_label(person) for person in found)
        raise DomainError("targets.ambiguous_person", name=wanted[:60], candidates=names)
    return found[0]


async def holder(
    session: AsyncSession, person_id: int, commune_id: int | None = None
) -> Person | None:
    """The person, if they may have targets (in one commune when given)."""
    return next((p for p in await holders(session, commune_id) if p.id == person_id), None)


# ------------------------------------------------------------------------------ targets


@dataclass(frozen=True)
class Numbers:
    submitted: int
    digitised: int
    paid: int

    def as_dict(self) -> dict[str, int]:
        return {"submitted": self.submitted, "digitised": self.digitised, "paid": self.paid}


async def get_target(
    session: AsyncSession, person_id: int, field: ProcedureField, month: Month
) -> PersonalTarget | None:
    return await session.scalar(
        select(PersonalTarget).where(
            PersonalTarget.person_id == person_id,
            PersonalTarget.field == field.value,
            PersonalTarget.month == month.first,
        )
    )


async def set_target(
    session: AsyncSession,
    person: Person,
    field: ProcedureField,
    month: Month,
    numbers: Numbers,
    *,
    actor_id: int | None,
    now: datetime,
    note: str | None = None,
) -> str:
    """Create or change a target; returns "created", "updated" or "unchanged" (audited)."""
    target = await get_target(session, person.id, field, month)
    after = {"person_id": person.id, "field": field.value, "month": month.key}
    after |= numbers.as_dict()
    if target is None:
        target = PersonalTarget(
            person_id=person.id,
            field=field.value,
            month=month.first,
            set_by_id=actor_id,
            set_at=now,
            **numbers.as_dict(),
        )
        session.add(target)
        await session.flush()
        await _audit(session, target, actor_id, None, after, note)
        return "created"
    before = {"person_id": person.id, "field": field.value, "month": month.key}
    before |= {"submitted": target.submitted, "digitised": target.digitised, "paid": target.paid}
    if before == after:
        return "unchanged"
    target.submitted = numbers.submitted
    target.digitised = numbers.digitised
    target.paid = numbers.paid
    target.set_by_id, target.set_at = actor_id, now
    await session.flush()
    await _audit(session, target, actor_id, before, after, note)
    return "updated"


async def _audit(
    session: AsyncSession,
    target: PersonalTarget,
    actor_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    note: str | None,
) -> None:
    await audit.record(
        session,
        actor_id=actor_id,
        action="target_set",
        entity="personal_target",
        entity_id=target.id,
        before=before,
        after=after,
        note=note,
    )


# ----------------------------------------------------------------------------- progress


@dataclass(frozen=True)
class Measure:
    target: int
    done: int

    @property
    def pct(self) -> float | None:
        return percent(self.done, self.target)

    @property
    def met(self) -> bool:
        return self.done >= self.target

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "done": self.done, "pct": self.pct, "met": self.met}


@dataclass(frozen=True)
class Progress:
    """One person's targets and what they did in one field over a period."""

    person_id: int
    name: str
    field: ProcedureField
    submitted: Measure
    digitised: Measure
    paid: Measure

    @property
    def measures(self) -> tuple[Measure, Measure, Measure]:
        return self.submitted, self.digitised, self.paid

    @property
    def met(self) -> bool:
        return all(measure.met for measure in self.measures)

    def to_json(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "name": self.name,
            "field": self.field.value,
            **{name: m.to_json() for name, m in zip(MEASURES, self.measures, strict=True)},
            "met": self.met,
        }


Counts = dict[tuple[int, ProcedureField], tuple[int, int, int]]


async def done_counts(
    session: AsyncSession,
    start: date,
    end: date,
    fields_of: Mapping[str, ProcedureField],
    person_ids: Collection[int] | None = None,
) -> Counts:
    """Per (helper, field): dossiers submitted online, digitised, paid online in start..end."""
    query = (
        select(
            Assistance.helper_id,
            Assistance.procedure,
            func.count().filter(Assistance.submitted_online),
            func.count().filter(Assistance.papers_digitised),
            func.count().filter(Assistance.paid_online),
        )
        .where(
            Assistance.day >= start,
            Assistance.day <= end,
            Assistance.procedure.is_not(None),
            Assistance.helper_id.is_not(None),
        )
        .group_by(Assistance.helper_id, Assistance.procedure)
    )
    if person_ids is not None:
        query = query.where(Assistance.helper_id.in_(list(person_ids)))
    counts: Counts = {}
    for helper_id, procedure, submitted, digitised, paid in await session.execute(query):
        if helper_id is None or procedure is None:  # excluded by the query; for the types
            continue
        key = (helper_id, fields_of.get(procedure, ProcedureField.OTHER))
        old = counts.get(key, (0, 0, 0))
        counts[key] = (old[0] + int(submitted), old[1] + int(digitised), old[2] + int(paid))
    return counts


async def progress(
    session: AsyncSession,
    start: date,
    end: date,
    fields_of: Mapping[str, ProcedureField],
    person_id: int | None = None,
    commune_id: int | None = None,
) -> list[Progress]:
    """Every target of the months touching start..end (one person's, or everyone's, or those
    of one commune's staff) with what was done in start..end; by name, then field in the
    order of ProcedureField."""
    query = (
        select(
            PersonalTarget.person_id,
            Person.display_name,
            PersonalTarget.field,
            func.sum(PersonalTarget.submitted),
            func.sum(PersonalTarget.digitised),
            func.sum(PersonalTarget.paid),
        )
        .join(Person, Person.id == PersonalTarget.person_id)
        .where(PersonalTarget.month >= Month.of(start).first, PersonalTarget.month <= end)
        .group_by(PersonalTarget.person_id, Person.display_name, PersonalTarget.field)
    )
    if person_id is not None:
        query = query.where(PersonalTarget.person_id == person_id)
    if commune_id is not None:
        staff = [person.id for person in await holders(session, commune_id)]
        query = query.where(PersonalTarget.person_id.in_(staff))
    rows = (await session.execute(query)).all()
    ids = {row[0] for row in rows}
    done = await done_counts(session, start, end, fields_of, ids) if ids else {}
    order = {field: index for index, field in enumerate(ProcedureField)}
    result = []
    for pid, name, raw_field, submitted, digitised, paid in rows:
        field = ProcedureField(raw_field)
        did = done.get((pid, field), (0, 0, 0))
        targets = (int(submitted), int(digitised), int(paid))
        measures = [Measure(goal, count) for goal, count in zip(targets, did, strict=True)]
        result.append(Progress(pid, name or t("targets.no_name"), field, *measures))
    result.sort(key=lambda p: (fold(p.name), p.person_id, order[p.field]))
    return result
