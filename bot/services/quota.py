"""Zalo's monthly quota: outbound messages counted per month, the admins told near it and when
it is used up, and past it Zalo pushes moved to Telegram or held until the next month.

What is counted: outbox rows of channel "zalo" sent in the commune's calendar month. Every Zalo
reply is an outbox row too (the channel keeps its replies), so replies count; a long text sent
as two messages counts once, which the note at 80 % leaves room for. Replies ("reply:…") are
never moved or held: whoever writes gets an answer on the chat they wrote from, quota or not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Reply
from bot.db.models import ChatIdentity, OutboxMessage, OutboxStatus, Role, RoleGrant
from bot.locales import t
from bot.services import outbox

ZALO = "zalo"
TELEGRAM = "telegram"
NEAR = 0.8  # the admins hear of it once this share of the quota is used
REPLIES = "reply:"  # bot.core.delivery.reply_key: the replies to what someone wrote


@dataclass(frozen=True)
class Month:
    """One calendar month of the commune, as UTC bounds."""

    start: datetime
    end: datetime  # the first moment of the next month
    key: str  # "2026-12", for outbox keys
    shown: str  # "12/2026"
    next_day: str  # "01/01/2027": the day held messages go out


def month_of(now: datetime, zone: ZoneInfo) -> Month:
    local = now.astimezone(zone)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return Month(
        start.astimezone(UTC),
        end.astimezone(UTC),
        start.strftime("%Y-%m"),
        start.strftime("%m/%Y"),
        end.strftime("%d/%m/%Y"),
    )


@dataclass(frozen=True)
class QuotaCheck:
    used: int
    quota: int
    notes: int = 0  # notes queued for admins by this check
    moved: int = 0  # Zalo pushes moved to Telegram
    held: int = 0  # Zalo pushes held until next month


async def sent_in(session: AsyncSession, channel: str, month: Month) -> int:
    """Outbox rows of `channel` sent in `month`."""
    count = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.status == OutboxStatus.SENT.value,
            OutboxMessage.sent_at >= month.start,
            OutboxMessage.sent_at < month.end,
        )
    )
    return int(count or 0)


async def check_zalo(
    session: AsyncSession, now: datetime, quota: int, zone: ZoneInfo
) -> QuotaCheck:
    """Tell the admins at 80 % and when the quota is used up; past it, move or hold pushes."""
    month = month_of(now, zone)
    used = await sent_in(session, ZALO, month)
    values = {
        "used": used,
        "quota": quota,
        "month": month.shown,
        "next_month": month.next_day,
        "percent": used * 100 // quota,
    }
    if used < quota * NEAR:
        return QuotaCheck(used, quota)
    if used < quota:
        notes = await _tell_admins(session, month, "near", t("zalo_quota.near", **values), now)
        return QuotaCheck(used, quota, notes)
    moved, held = await move_or_hold(session, month, now)
    text = t("zalo_quota.used_up", moved=moved, held=held, **values)
    notes = await _tell_admins(session, month, "used_up", text, now)
    return QuotaCheck(used, quota, notes, moved, held)


async def move_or_hold(session: AsyncSession, month: Month, now: datetime) -> tuple[int, int]:
    """Pending Zalo pushes go to the person's Telegram chat when they have one; the others
    wait until the month is over. Returns (moved, held)."""
    rows = list(
        await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.channel == ZALO,
                OutboxMessage.status == OutboxStatus.PENDING.value,
                OutboxMessage.next_attempt_at < month.end,
                or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
                not_(OutboxMessage.key.startswith(REPLIES, autoescape=True)),
                # The admins must hear that the quota is used up even with Zalo only.
                not_(OutboxMessage.key.startswith(outbox.Keys.ZALO_QUOTA, autoescape=True)),
            )
        )
    )
    chats = await telegram_chats(session, (row.person_id for row in rows if row.person_id))
    moved = held = 0
    for row in rows:
        chat = chats.get(row.person_id) if row.person_id is not None else None
        if chat is not None:
            row.channel, row.chat_id = TELEGRAM, chat
            moved += 1
        else:
            row.next_attempt_at = month.end
            held += 1
    await session.flush()
    return moved, held


async def telegram_chats(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, str]:
    """Each person's most recently used private Telegram chat, if they have one."""
    wanted = sorted(set(person_ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(ChatIdentity.person_id, ChatIdentity.chat_id)
        .where(
            ChatIdentity.person_id.in_(wanted),
            ChatIdentity.channel == TELEGRAM,
            ChatIdentity.chat_id.is_not(None),
        )
        .order_by(ChatIdentity.last_seen_at.desc(), ChatIdentity.id.desc())
    )
    chats: dict[int, str] = {}
    for person_id, chat_id in rows:
        if chat_id is not None:
            chats.setdefault(person_id, chat_id)
    return chats


async def _tell_admins(
    session: AsyncSession, month: Month, level: str, text: str, now: datetime
) -> int:
    """One note per admin, level and month; once the quota is used up, on Telegram if they
    have it. Returns how many were queued now."""
    admins = sorted(
        set(
            await session.scalars(
                select(RoleGrant.person_id).where(
                    RoleGrant.role == Role.ADMIN.value, RoleGrant.revoked_at.is_(None)
                )
            )
        )
    )
    chats = {
        person_id: (chat.channel, chat.chat_id)
        for person_id, chat in (await outbox.delivery_chats(session, admins)).items()
    }
    if level == "used_up":
        telegram = await telegram_chats(session, admins)
        chats |= {person_id: (TELEGRAM, chat_id) for person_id, chat_id in telegram.items()}
    queued = 0
    for admin_id in admins:
        if admin_id not in chats:
            continue
        channel, chat_id = chats[admin_id]
        key = outbox.Keys.zalo_quota(month.key, level, admin_id)
        if await outbox.enqueue_to_chat(
            session, key, channel, chat_id, Reply(text), person_id=admin_id, now=now
        ):
            queued += 1
    return queued
