"""Invites: single-use, expiring codes that give a role; guessing is slowed down.

A code works as "/join CODE", in a start link, or typed alone as a whole message (Zalo has no
start links); typed, only a message shaped like a generated code counts as one.

Wrong codes are counted per chat (MAX_WRONG_GUESSES) and across all chats together
(MAX_WRONG_GUESSES_ALL_CHATS), both over GUESS_WINDOW, so opening many accounts buys no more
guesses. A refused try is not counted: the wait ends by itself one window after the wrong codes
that caused it, however long someone keeps trying, and a right code then works again.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ChatIdentity, FailedJoin, Invite, Person, Role, RoleGrant
from bot.services import audit, people
from bot.vntext import strip_accents

INVITE_TTL = timedelta(days=7)
GUESS_WINDOW = timedelta(minutes=15)
log = logging.getLogger(__name__)

MAX_WRONG_GUESSES = 5
# Far above the typos of a busy training day, far below what guessing a 10-letter code needs.
MAX_WRONG_GUESSES_ALL_CHATS = 30
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0, i)
CODE_LENGTH = 10
# A code typed as a whole message may be split in a few groups ("abcd 234 efg"), no more.
MAX_TYPED_GROUPS = 3
_SIX_DIGITS = re.compile(r"\d{6}")


class JoinOutcome(StrEnum):
    JOINED = "joined"
    WRONG = "wrong"
    USED = "used"
    EXPIRED = "expired"
    SLOW_DOWN = "slow_down"
    BUSY = "busy"  # too many wrong codes from all chats together: everyone waits a while


@dataclass(frozen=True)
class JoinResult:
    outcome: JoinOutcome
    grant: RoleGrant | None = None


def normalize(code: str) -> str:
    """A code as typed, the way it is hashed: no accents, lower case, no spaces or dashes."""
    return "".join(strip_accents(code).lower().replace("-", " ").split())


def _hash(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def _new_code() -> str:
    """A random code with letters and digits both, which is what a typed code is told by; never
    six digits in a row, which the secrets guard would take for an OTP."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if _code_shaped(code) and not _SIX_DIGITS.search(code):
            return code


def _code_shaped(code: str) -> bool:
    return (
        len(code) == CODE_LENGTH
        and all(ch in CODE_ALPHABET for ch in code)
        and any(ch.isdigit() for ch in code)
        and any(ch.isalpha() for ch in code)
    )


def typed_code(text: str) -> str | None:
    """The invite code a whole message is ("abcd234efg", "Join ABCD 234 EFG"), or None.

    Only the shape of a generated code counts: ten characters of the alphabet, letters and
    digits both, in at most three groups. Vietnamese words nearly all hold an i, o or l, which
    the alphabet lacks, and questions hold more words, so a question is never taken for a code
    (which would count as a wrong guess)."""
    words = strip_accents(text).lower().replace("-", " ").split()
    if words and words[0] in ("join", "/join"):
        words = words[1:]
    if not 1 <= len(words) <= MAX_TYPED_GROUPS:
        return None
    code = "".join(words)
    return code if _code_shaped(code) else None


async def create(
    session: AsyncSession,
    role: Role,
    *,
    commune_id: int | None,
    village_id: int | None,
    created_by_id: int | None,
    now: datetime,
    ttl: timedelta = INVITE_TTL,
) -> tuple[Invite, str]:
    """A new invite and its code (only the code's hash is stored): a role in a commune, or a
    province role (commune None)."""
    if role is Role.CITIZEN:
        raise ValueError("citizens need no invite")
    people.check_place(role, commune_id)
    code = _new_code()
    invite = Invite(
        code_hash=_hash(code),
        role=role,
        commune_id=commune_id,
        village_id=village_id,
        created_by_id=created_by_id,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invite)
    await session.flush()
    await audit.record(
        session,
        actor_id=created_by_id,
        action="create",
        entity="invite",
        entity_id=invite.id,
        after={
            "role": role.value,
            "commune_id": commune_id,
            "village_id": village_id,
            "expires_at": str(invite.expires_at),
        },
    )
    return invite, code


async def recent_failures(
    session: AsyncSession, now: datetime, identity: ChatIdentity | None = None
) -> int:
    """Wrong codes tried in the last GUESS_WINDOW, from one chat or from all of them."""
    query = select(func.count()).select_from(FailedJoin).where(FailedJoin.at > now - GUESS_WINDOW)
    if identity is not None:
        query = query.where(FailedJoin.identity_id == identity.id)
    return int(await session.scalar(query) or 0)


async def forget_failed_joins(session: AsyncSession, before: datetime) -> int:
    """Wrong codes older than any window that still counts them."""
    result = await session.execute(delete(FailedJoin).where(FailedJoin.at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def record_failure(session: AsyncSession, identity: ChatIdentity, now: datetime) -> None:
    """A wrong code tried from this chat (an invite or a link code): counted for throttling."""
    session.add(FailedJoin(identity_id=identity.id, at=now))
    await session.flush()


async def throttled(
    session: AsyncSession, identity: ChatIdentity, now: datetime
) -> JoinOutcome | None:
    """Why this chat must wait before trying a code, or None when it may try now."""
    if await recent_failures(session, now, identity) >= MAX_WRONG_GUESSES:
        return JoinOutcome.SLOW_DOWN
    if await recent_failures(session, now) >= MAX_WRONG_GUESSES_ALL_CHATS:
        log.warning(
            "joining paused: %d wrong invite codes from all chats", MAX_WRONG_GUESSES_ALL_CHATS
        )
        return JoinOutcome.BUSY
    return None


async def redeem(
    session: AsyncSession, identity: ChatIdentity, person: Person, code: str, now: datetime
) -> JoinResult:
    """Use a code; wrong tries are recorded (the caller commits them) and throttled."""
    wait = await throttled(session, identity, now)
    if wait is not None:
        return JoinResult(wait)
    invite = await session.scalar(select(Invite).where(Invite.code_hash == _hash(code)))
    if invite is None:
        await record_failure(session, identity, now)
        return JoinResult(JoinOutcome.WRONG)
    if invite.used_at is not None:
        return JoinResult(JoinOutcome.USED)
    if invite.expires_at <= now:
        return JoinResult(JoinOutcome.EXPIRED)
    claimed = await session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None))
        .values(used_at=now, used_by_id=person.id)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return JoinResult(JoinOutcome.USED)  # someone else took it a moment ago
    if person.commune_id is None:  # staff of a commune are served by its desk too
        person.commune_id = invite.commune_id
    grant = await people.grant_role(
        session,
        person,
        Role(invite.role),
        commune_id=invite.commune_id,
        granted_by_id=invite.created_by_id,
        now=now,
        village_id=invite.village_id,
    )
    return JoinResult(JoinOutcome.JOINED, grant)
