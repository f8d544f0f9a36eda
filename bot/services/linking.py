"""One person on several messengers: link codes, and the channel their notifications prefer.

/lienket on one channel gives a single-use code that expires after LINK_TTL (only its hash is
stored); typed on another channel, it moves that chat to the code's person, so their roles,
shifts and subscriptions follow them there. Wrong codes count with wrong invite codes
(invites.throttled), so two kinds of code buy no more guesses than one.

Who keeps their record: the person who asked for the code, unless only the other one holds a
staff role (someone who typed /lienket on a new Zalo chat and the code on the Telegram chat
they work from keeps their role). Two people who both hold staff roles are not linked: their
shifts and roles would mix, so an admin revokes one side first.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Reply
from bot.core.state import active_roles
from bot.db.models import ChatIdentity, Person
from bot.db.models.people import STAFF_ROLES, LinkCode
from bot.locales import catalog, t
from bot.services import audit, invites, outbox
from bot.vntext import fold

LINK_TTL = timedelta(minutes=15)
# Letters only, from the invite alphabet: a link code has no digit, so it never looks like an
# OTP or a password to the secrets guard, and no look-alike letters.
LINK_ALPHABET = "".join(ch for ch in invites.CODE_ALPHABET if ch.isalpha())
LINK_CODE_LENGTH = 8  # 23**8 codes, against at most a few wrong guesses per 15 minutes
_TYPED = re.compile(r"^lien ?ket(?: ([a-z]+))?$")


class LinkOutcome(StrEnum):
    LINKED = "linked"
    WRONG = "wrong"
    USED = "used"
    EXPIRED = "expired"
    SAME_CHANNEL = "same_channel"  # typed on the channel that made it
    ALREADY = "already"  # this chat already belongs to the code's person
    BOTH_STAFF = "both_staff"
    SLOW_DOWN = "slow_down"
    BUSY = "busy"


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkOutcome
    person: Person | None = None  # who every chat of both now belongs to


def normalize(code: str) -> str:
    """A code as typed, the way it is hashed: no accents, lower case, no spaces."""
    return "".join(fold(code).split())


def _hash(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def _code_shaped(code: str) -> bool:
    return len(code) == LINK_CODE_LENGTH and all(ch in LINK_ALPHABET for ch in code)


def asks_for_code(text: str) -> bool:
    """A message that is only "lienket" or "liên kết": the same as /lienket."""
    match = _TYPED.match(fold(text))
    return match is not None and match.group(1) is None


def typed_code(text: str) -> str | None:
    """The code in "lienket CODE" or "Liên kết: code" typed without a slash, or None.

    Only one word shaped like a link code counts, so a question such as "liên kết ngân hàng"
    still goes to the guides instead of counting as a wrong code."""
    match = _TYPED.match(fold(text))
    code = match.group(1) if match is not None else None
    return code if code is not None and _code_shaped(code) else None


async def create(
    session: AsyncSession, identity: ChatIdentity, now: datetime
) -> tuple[LinkCode, str]:
    """A new code for this chat (shown in capitals); its earlier unused codes stop working."""
    await session.execute(
        update(LinkCode)
        .where(
            LinkCode.identity_id == identity.id,
            LinkCode.used_at.is_(None),
            LinkCode.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    code = "".join(secrets.choice(LINK_ALPHABET) for _ in range(LINK_CODE_LENGTH))
    row = LinkCode(
        code_hash=_hash(code),
        identity_id=identity.id,
        channel=identity.channel,
        created_at=now,
        expires_at=now + LINK_TTL,
    )
    session.add(row)
    await session.flush()
    return row, code.upper()


async def redeem(
    session: AsyncSession, identity: ChatIdentity, person: Person, code: str, now: datetime
) -> LinkResult:
    """Link this chat with the code's person; wrong codes are recorded and throttled."""
    wait = await invites.throttled(session, identity, now)
    if wait is not None:
        return LinkResult(LinkOutcome(wait.value))
    row = await session.scalar(select(LinkCode).where(LinkCode.code_hash == _hash(code)))
    owner_chat = await session.get(ChatIdentity, row.identity_id) if row is not None else None
    if row is None or owner_chat is None:
        await invites.record_failure(session, identity, now)
        return LinkResult(LinkOutcome.WRONG)
    if row.channel == identity.channel:
        return LinkResult(LinkOutcome.SAME_CHANNEL)
    if owner_chat.person_id == person.id:
        return LinkResult(LinkOutcome.ALREADY)
    if row.used_at is not None:
        return LinkResult(LinkOutcome.USED)
    if row.expires_at <= now:
        return LinkResult(LinkOutcome.EXPIRED)
    owner = await session.get(Person, owner_chat.person_id)
    assert owner is not None  # a chat identity always has its person (ON DELETE CASCADE)
    owner_staff = bool(await active_roles(session, owner.id) & STAFF_ROLES)
    typer_staff = bool(await active_roles(session, person.id) & STAFF_ROLES)
    if owner_staff and typer_staff:
        return LinkResult(LinkOutcome.BOTH_STAFF)
    claimed = await session.execute(
        update(LinkCode)
        .where(LinkCode.id == row.id, LinkCode.used_at.is_(None))
        .values(used_at=now, used_by_id=identity.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return LinkResult(LinkOutcome.USED)  # used a moment ago from another chat
    keeper, other = (person, owner) if typer_staff and not owner_staff else (owner, person)
    await _move_chats(session, other, keeper)
    if owner_chat.chat_id is not None:  # told there, in case someone else typed the code
        await outbox.enqueue_to_chat(
            session,
            outbox.Keys.linked(row.id),
            owner_chat.channel,
            owner_chat.chat_id,
            Reply(t("link.told_other_chat", channel=channel_name(identity.channel))),
            person_id=keeper.id,
            now=now,
        )
    return LinkResult(LinkOutcome.LINKED, keeper)


async def _move_chats(session: AsyncSession, other: Person, keeper: Person) -> None:
    """Every chat of `other` now belongs to `keeper`, each move audited.

    The `other` person row stays, without chats: its help requests, logged assistance, shifts
    and audit entries keep pointing at what that record did, and nobody can reach it any more.
    Merging those tables row by row could mix up who did what, which the audit must not."""
    chats = list(
        await session.scalars(select(ChatIdentity).where(ChatIdentity.person_id == other.id))
    )
    for chat in chats:
        chat.person = keeper
        await audit.record(
            session,
            actor_id=keeper.id,
            action="link",
            entity="chat_identity",
            entity_id=chat.id,
            before={"person_id": other.id},
            after={"person_id": keeper.id, "channel": chat.channel},
        )
    if not keeper.display_name and other.display_name:
        keeper.display_name = other.display_name
    await session.flush()


# ------------------------------------------------------------------------- preferred channel


def channel_name(channel: str) -> str:
    """How a channel is called in chat: "Telegram", "Zalo"; an unknown one by its name."""
    key = f"link.channel_{channel}"
    return t(key) if key in catalog() else channel.capitalize()


async def private_channels(session: AsyncSession, person_id: int) -> list[str]:
    """The channels on which the person has a private chat with the bot, by name."""
    rows = await session.scalars(
        select(ChatIdentity.channel)
        .where(ChatIdentity.person_id == person_id, ChatIdentity.chat_id.is_not(None))
        .distinct()
    )
    return sorted(rows)


async def set_preferred(
    session: AsyncSession, person: Person, channel: str | None, channels: Sequence[str]
) -> bool:
    """Send the person's notifications to `channel` (None: their latest chat); False if they
    have no private chat there."""
    if channel is not None and channel not in channels:
        return False
    before = person.preferred_channel
    person.preferred_channel = channel
    if before != channel:
        await audit.record(
            session,
            actor_id=person.id,
            action="prefer_channel",
            entity="person",
            entity_id=person.id,
            before={"preferred_channel": before},
            after={"preferred_channel": channel},
        )
    await session.flush()
    return True
