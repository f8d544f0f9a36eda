"""A person's progress through guides, their feedback, and one-time notices."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from bot.db.models import GuideProgress, NoticeSeen
from bot.db.upsert import insert_for

NOTICES = NoticeSeen.__table__

# Built once, with bound parameters: /start and every question ask these, and building a
# statement costs more than running it.
UNFINISHED = (
    select(GuideProgress)
    .where(
        GuideProgress.person_id == bindparam("person_id"),
        GuideProgress.finished_at.is_(None),
        GuideProgress.step >= 1,
    )
    .order_by(GuideProgress.updated_at.desc())
    .limit(1)
)
LATEST = (
    select(GuideProgress)
    .where(
        GuideProgress.person_id == bindparam("person_id"),
        GuideProgress.updated_at >= bindparam("since"),
    )
    .order_by(GuideProgress.updated_at.desc())
    .limit(1)
)


async def record_step(
    session: AsyncSession, person_id: int, guide_id: str, step: int, now: datetime
) -> GuideProgress:
    """Remember that the person is at `step` (0 = the guide's introduction)."""
    progress = await session.get(GuideProgress, (person_id, guide_id))
    if progress is None:
        progress = GuideProgress(
            person_id=person_id, guide_id=guide_id, step=step, started_at=now, updated_at=now
        )
        session.add(progress)
    else:
        if progress.finished_at is not None and step == 1:
            progress.finished_at = None  # reading it again; the earlier feedback stays
        progress.step, progress.updated_at = step, now
    await session.flush()
    return progress


async def finish(session: AsyncSession, person_id: int, guide_id: str, now: datetime) -> None:
    progress = await record_step(session, person_id, guide_id, 0, now)
    progress.finished_at = now
    await session.flush()


async def record_feedback(
    session: AsyncSession, person_id: int, guide_id: str, solved: bool, now: datetime
) -> None:
    progress = await session.get(GuideProgress, (person_id, guide_id))
    if progress is None:
        progress = await record_step(session, person_id, guide_id, 0, now)
    progress.solved, progress.updated_at = solved, now
    progress.finished_at = progress.finished_at or now
    await session.flush()


async def record_stuck(
    session: AsyncSession, person_id: int, guide_id: str, step: int, now: datetime
) -> None:
    progress = await record_step(session, person_id, guide_id, step, now)
    progress.stuck_count += 1
    await session.flush()


async def unfinished(session: AsyncSession, person_id: int) -> GuideProgress | None:
    """The guide the person most recently left in the middle of its steps."""
    return await session.scalar(UNFINISHED, {"person_id": person_id})


async def current(session: AsyncSession, person_id: int, since: datetime) -> GuideProgress | None:
    """The guide the person is reading now: the last one they moved in since `since`, unless
    they finished it (its introduction counts as step 0)."""
    latest = await session.scalar(LATEST, {"person_id": person_id, "since": since})
    if latest is None or latest.finished_at is not None:
        return None
    return latest


async def first_time(session: AsyncSession, person_id: int, notice: str, now: datetime) -> bool:
    """True the first time a notice is shown to a person (and remember it): one statement,
    which inserts the row unless it is there and returns it only when it did.

    It goes through the session's connection on the table (Core): the ORM's bulk-insert path
    for a mapped class cost more than the statement (0.15-0.3 ms of a /start on SQLite). The
    person has an id, so is flushed already, and nothing else pending concerns this row.
    """
    remembered = _remember_notice(session.get_bind().dialect.name)
    values = {"person_id": person_id, "notice": notice, "seen_at": now}
    return await (await session.connection()).scalar(remembered, values) is not None


@cache
def _remember_notice(dialect: str) -> ReturningInsert[tuple[int]]:
    return (
        insert_for(dialect, NOTICES)
        .on_conflict_do_nothing(index_elements=["person_id", "notice"])
        .returning(NOTICES.c.person_id)
    )
