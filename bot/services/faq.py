"""Frequently asked questions: general wording written by staff, matched against free text.

A FAQ holds only what a staff member wrote for everyone (never the citizen's own message), and
ID-card or phone numbers are masked in it as well. Matching folds both sides like the guide
matcher (bot/vntext.py: no accents, lower case) and compares them with rapidfuzz's token-sort
ratio, so the same question typed without accents or in another word order is found, while a
short message ("cảm ơn", "thủ tục") matches nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Faq
from bot.db.rows import plain_rows
from bot.services import handoff
from bot.services.privacy import hide_numbers
from bot.vntext import fold

MAX_QUESTION = 300
MAX_ANSWER = 1500
MIN_WORDS = 3
MIN_SCORE = 85.0
MAX_FAQS = 500


def keywords(text: str) -> str:
    return fold(text)


async def save(
    session: AsyncSession,
    question: str,
    answer: str,
    staff_id: int,
    *,
    commune_id: int,
    now: datetime,
) -> Faq:
    """Keep a general question and its answer for the commune's matcher (replacing the answer
    of the same question, worded the same way, saved before)."""
    wording = hide_numbers(handoff.clean_text(question, MAX_QUESTION))
    body = hide_numbers(handoff.clean_text(answer, MAX_ANSWER))
    same = await session.scalar(
        select(Faq).where(Faq.commune_id == commune_id, Faq.keywords == keywords(wording)).limit(1)
    )
    if same is not None:  # the same question saved again: its answer is the newer one
        same.question, same.answer = wording, body
        same.created_by_id, same.created_at = staff_id, now
        await session.flush()
        return same
    faq = Faq(
        commune_id=commune_id,
        question=wording,
        keywords=keywords(wording),
        answer=body,
        created_by_id=staff_id,
        created_at=now,
    )
    session.add(faq)
    await session.flush()
    return faq


async def best_match(session: AsyncSession, text: str, commune_id: int) -> Faq | None:
    """The commune's saved FAQ asked the same way as `text`, if one is close enough.

    Every question a citizen types reads the commune's FAQs, so only their folded wordings are
    read (Core rows), and the one found is then loaded: loading every FAQ whole as an ORM
    object cost 5 ms a question with 300 saved.
    """
    words = keywords(text)
    if len(words.split()) < MIN_WORDS:
        return None
    wordings = await plain_rows(session, WORDINGS, {"commune_id": commune_id})
    if not wordings:
        return None
    from rapidfuzz import fuzz, process  # loaded on first use: the idle bot need not hold it

    found = process.extractOne(
        words,
        [wording for _, wording in wordings],
        scorer=fuzz.token_sort_ratio,
        score_cutoff=MIN_SCORE,
    )
    return None if found is None else await session.get(Faq, wordings[found[2]][0])


def _newest_first(*columns: Any) -> Select[Any]:
    """The commune's saved FAQs, newest first (the commune a bound parameter)."""
    return (
        select(*columns)
        .where(Faq.commune_id == bindparam("commune_id"))
        .order_by(Faq.id.desc())
        .limit(MAX_FAQS)
    )


# Built once: every question a citizen types reads the wordings.
WORDINGS = _newest_first(Faq.id, Faq.keywords)
SAVED = _newest_first(Faq)


async def saved(session: AsyncSession, commune_id: int) -> list[Faq]:
    """The commune's saved FAQs, newest first."""
    return list(await session.scalars(SAVED, {"commune_id": commune_id}))


async def remove(session: AsyncSession, faq_id: int, commune_id: int) -> Faq | None:
    """Delete one of the commune's saved FAQs; None when there is no such FAQ there (a forged
    or stale button)."""
    found = await session.get(Faq, faq_id)
    if found is not None and found.commune_id != commune_id:
        found = None
    if found is not None:
        await session.delete(found)
        await session.flush()
    return found
