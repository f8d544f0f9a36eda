"""The household register: search before create, create and update with audit, scoped access."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import DomainError
from bot.db.models import Household, Village
from bot.services import audit
from bot.vntext import fold

MAX_MEMBERS = 60
# Search: results per page; how close (0-100) a household must be to count as found; the
# weights and cut-offs of name_closeness; a code typed scores above any name.
SEARCH_PAGE = 8
MATCH_CUTOFF = 75.0
MIDDLE_WEIGHT = 0.25
UNORDERED_WEIGHT = 0.9
WHOLE_WEIGHT = 0.95
WORD_CUTOFF = 75.0
TYPO_MIN_LENGTH = 4
CODE_SCORE = 200.0
CODE_NUMBER_SCORE = 150.0
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_TRAILING_NUMBER = re.compile(r"(\d+)$")
# First key of the two-key advisory locks on village codes ("hhcd"); the scheduler leader
# uses a one-key lock, which never collides with a two-key one.
CODE_LOCK_SPACE = 0x68686364
CODE_PATTERN = re.compile(r"^[\w./-]{1,40}$")
AUDITED = (
    "village_id",
    "code",
    "head_name",
    "members",
    "members_with_account",
    "submitted_online",
    "paid_online",
    "phone",
    "note",
)


@dataclass(frozen=True)
class HouseholdData:
    """What a volunteer records about a household; validated on creation."""

    head_name: str
    members: int
    members_with_account: int = 0
    submitted_online: bool = False
    paid_online: bool = False
    code: str | None = None
    phone: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        check_values(asdict(self))


def normalize_phone(phone: str | None) -> str | None:
    """Digits only, +84 written as 0; None when empty. Refuses what cannot be a VN number."""
    if phone is None or not phone.strip():
        return None
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not (digits.startswith("0") and len(digits) in (10, 11)):
        raise DomainError("households.bad_phone")
    return digits


def check_values(values: dict[str, Any]) -> None:
    """Shared validation for create, update and import."""
    head = values.get("head_name")
    if head is not None and not 2 <= len(" ".join(str(head).split())) <= 120:
        raise DomainError("households.bad_head_name")
    members = values.get("members")
    accounts = values.get("members_with_account")
    if members is not None and not 1 <= members <= MAX_MEMBERS:
        raise DomainError("households.bad_members", limit=MAX_MEMBERS)
    if accounts is not None and not 0 <= accounts <= MAX_MEMBERS:
        raise DomainError("households.bad_accounts")
    if members is not None and accounts is not None and accounts > members:
        raise DomainError("households.accounts_over_members")
    code = values.get("code")
    if code is not None and not CODE_PATTERN.match(str(code)):
        raise DomainError("households.bad_code")
    note = values.get("note")
    if note is not None and len(str(note)) > 500:
        raise DomainError("households.note_too_long")


def check_access(village_id: int, scope: frozenset[int] | None) -> None:
    if scope is not None and village_id not in scope:
        raise DomainError("households.not_yours")


def snapshot(household: Household) -> dict[str, Any]:
    return {name: getattr(household, name) for name in AUDITED}


async def get(session: AsyncSession, household_id: int, scope: frozenset[int] | None) -> Household:
    """A household the person may see; one outside the scope looks exactly like a missing one."""
    household = await session.get(Household, household_id)
    if household is None or (scope is not None and household.village_id not in scope):
        raise DomainError("households.out_of_reach")
    return household


@dataclass(frozen=True)
class SearchResults:
    """One page of a search: its households, closest first, and how many matched in all."""

    households: list[Household]
    total: int
    page: int  # from 0
    pages: int


async def search(
    session: AsyncSession, village_id: int, query: str, *, limit: int = SEARCH_PAGE
) -> list[Household]:
    """The `limit` households closest to the query (see search_page)."""
    return (await search_page(session, village_id, query, per_page=limit)).households


async def search_page(
    session: AsyncSession,
    village_id: int,
    query: str,
    *,
    page: int = 0,
    per_page: int = SEARCH_PAGE,
) -> SearchResults:
    """By code (any case, any separator), or by the head's name with or without accents, typos
    forgiven: every match counted, closest first; a page past the end gives the last one."""
    ranked = await ranked_ids(session, village_id, query)
    pages = max(1, -(-len(ranked) // per_page))
    page = min(max(page, 0), pages - 1)
    ids = ranked[page * per_page : (page + 1) * per_page]
    loaded: dict[int, Household] = {}
    if ids:
        loaded = {
            h.id: h for h in await session.scalars(select(Household).where(Household.id.in_(ids)))
        }
    return SearchResults([loaded[i] for i in ids if i in loaded], len(ranked), page, pages)


async def ranked_ids(session: AsyncSession, village_id: int, query: str) -> list[int]:
    """Ids of the village's households that match the query, closest first."""
    folded = fold(query)
    if not folded:
        return []
    rows = await session.execute(
        select(Household.id, Household.code, Household.head_name, Household.folded_head).where(
            Household.village_id == village_id
        )
    )
    typed = set(_as_typed(query))
    found: list[tuple[float, int, str, int]] = []
    for household_id, code, head, folded_head in rows:
        score = closeness(folded, folded_head, code)
        if score >= MATCH_CUTOFF:
            # Equally close without accents: the words typed with their accents decide (Tâm
            # before Tám when "Tâm" was typed), then the name's alphabetical order.
            accents = len(typed.intersection(_as_typed(head)))
            found.append((-score, -accents, folded_head, household_id))
    return [household_id for *_, household_id in sorted(found)]


def closeness(query: str, head: str, code: str) -> float:
    """How close a household is to a folded query, 0-100; its own code typed scores above."""
    typed_key = _NOT_ALNUM.sub("", query)
    code_key = _NOT_ALNUM.sub("", code.lower() if code.isascii() else fold(code))
    if typed_key and typed_key == code_key:
        return CODE_SCORE
    number = _TRAILING_NUMBER.search(code_key)
    if typed_key.isdigit() and number and int(number.group(1)) == int(typed_key):
        return CODE_NUMBER_SCORE
    return name_closeness(query, head)


@lru_cache(maxsize=65536)  # the same name is often held by several households
def name_closeness(query: str, head: str) -> float:
    """A folded query against a folded head's name, 0-100.

    Vietnamese names run surname, middle names, given name: the first and last words typed
    are held against the surname and the given name, which weigh most; middle names little.
    Words typed in another order still count, a little less; so does the whole text with a
    typo or a missing space.
    """
    from rapidfuzz import fuzz  # loaded on first search: the idle bot need not hold it

    typed, words = query.split(), head.split()
    if not typed or not words:
        return 0.0
    whole = WHOLE_WEIGHT * fuzz.ratio(query, head)
    if len(typed) == 1:
        return max(whole, *(word_closeness(typed[0], word) for word in words))
    middle = [
        max((word_closeness(word, other) for other in words[1:-1]), default=0.0)
        for word in typed[1:-1]
    ]
    ordered = (
        word_closeness(typed[0], words[0])
        + word_closeness(typed[-1], words[-1])
        + MIDDLE_WEIGHT * sum(middle)
    ) / (2 + MIDDLE_WEIGHT * len(middle))
    anywhere = sum(max(word_closeness(word, other) for other in words) for word in typed)
    return max(whole, ordered, UNORDERED_WEIGHT * anywhere / len(typed))


@lru_cache(maxsize=65536)  # names share few words: a search scores each pair once
def word_closeness(typed: str, word: str) -> float:
    """One typed word against one word of a name: the same 100; its beginning 70-100; a typo
    (words of four letters or more) by similarity; anything else 0."""
    if typed == word:
        return 100.0
    if word.startswith(typed):
        return 70.0 + 30.0 * len(typed) / len(word)
    if len(typed) < TYPO_MIN_LENGTH:
        return 0.0  # "an" is not a typo of "van" or "lan"
    from rapidfuzz import fuzz

    score = fuzz.ratio(typed, word)
    return score if score >= WORD_CUTOFF else 0.0


def _as_typed(text: str) -> list[str]:
    """Its words in lower case with accents kept, for telling "Tâm" from "Tám"."""
    return unicodedata.normalize("NFC", text).lower().split()


async def lock_codes(session: AsyncSession, village_ids: Iterable[int]) -> None:
    """Hold the right to write codes in these villages until the transaction ends.

    Two saves reading the same "next free code" at once both pick it, and the second fails on
    the unique constraint however often it retries under load. Serialising code assignment per
    village is the simplest cure that is right every time, needs no new table and keeps the
    codes gapless: PostgreSQL waits here for the other transaction to commit, then sees its
    code. SQLite needs nothing, as every write transaction is already BEGIN IMMEDIATE. Ids are
    locked in order so that an import locking several villages cannot deadlock with another.
    """
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return
    for village_id in sorted(set(village_ids)):
        await connection.execute(
            text("SELECT pg_advisory_xact_lock(:space, :village)"),
            {"space": CODE_LOCK_SPACE, "village": village_id},
        )


async def code_taken(session: AsyncSession, village_id: int, code: str) -> bool:
    """Whether a household of the village already has this code."""
    found = await session.scalar(
        select(Household.id).where(Household.village_id == village_id, Household.code == code)
    )
    return found is not None


async def next_code(session: AsyncSession, village: Village) -> str:
    """A new code for a household that has none: village initials and a number.

    Free only while the caller holds lock_codes for the village.
    """
    initials = "".join(word[0] for word in fold(village.name).split()).upper() or "H"
    count = await session.scalar(
        select(func.count()).select_from(Household).where(Household.village_id == village.id)
    )
    number = (count or 0) + 1
    while await code_taken(session, village.id, f"{initials}-{number:04d}"):
        number += 1
    return f"{initials}-{number:04d}"


async def create(
    session: AsyncSession,
    village: Village,
    data: HouseholdData,
    *,
    actor_id: int | None,
    consent: bool,
    now: datetime,
) -> Household:
    """Register a household; the family's consent to store its data is required."""
    if not consent:
        raise DomainError("households.consent_needed")
    await lock_codes(session, [village.id])
    # Only a code someone typed can be "taken": a generated one is free under the lock.
    if data.code is not None and await code_taken(session, village.id, data.code):
        raise DomainError("households.code_taken", code=data.code)
    code = data.code if data.code is not None else await next_code(session, village)
    head = " ".join(data.head_name.split())
    household = Household(
        village_id=village.id,
        code=code,
        head_name=head,
        folded_head=fold(head),
        members=data.members,
        members_with_account=data.members_with_account,
        submitted_online=data.submitted_online,
        paid_online=data.paid_online,
        phone=normalize_phone(data.phone),
        note=data.note,
        consent_at=now,
        consent_recorded_by_id=actor_id,
        created_at=now,
        updated_at=now,
        updated_by_id=actor_id,
    )
    session.add(household)
    await session.flush()
    await audit.record(
        session,
        actor_id=actor_id,
        action="create",
        entity="household",
        entity_id=household.id,
        after=snapshot(household),
    )
    return household


async def update(
    session: AsyncSession,
    household: Household,
    changes: dict[str, Any],
    *,
    actor_id: int | None,
    now: datetime,
) -> bool:
    """Apply changes (only known fields), audit before/after; False when nothing changed."""
    allowed = {f.name for f in fields(HouseholdData)}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown household fields: {sorted(unknown)}")
    if "phone" in changes:
        changes = {**changes, "phone": normalize_phone(changes["phone"])}
    if "head_name" in changes:
        changes = {**changes, "head_name": " ".join(str(changes["head_name"]).split())}
    merged = {**snapshot(household), **changes}
    check_values(merged)
    if "code" in changes and changes["code"] != household.code:
        await lock_codes(session, [household.village_id])
        if await code_taken(session, household.village_id, changes["code"]):
            raise DomainError("households.code_taken", code=changes["code"])
    before = snapshot(household)
    for name, value in changes.items():
        setattr(household, name, value)
    if "head_name" in changes:
        household.folded_head = fold(household.head_name)
    after = snapshot(household)
    if after == before:
        return False
    household.updated_at, household.updated_by_id = now, actor_id
    changed = [name for name in AUDITED if before[name] != after[name]]
    await audit.record(
        session,
        actor_id=actor_id,
        action="update",
        entity="household",
        entity_id=household.id,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )
    await session.flush()
    return True
