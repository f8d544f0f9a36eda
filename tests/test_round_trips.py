"""How many SQL statements one update costs: counted, so the interactive path cannot regress."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import joinedload

from bot.app import App
from bot.core.channels import ChannelInfo
from bot.core.context import Context
from bot.core.delivery import DeliveryError, FailureKind
from bot.core.messages import Replies, Reply
from bot.db.models import (
    ChatIdentity,
    ConversationState,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
)
from bot.services import people
from tests.helpers import ChatUser, first_commune, texts

KEPT = "kept"  # a channel that keeps its replies as outbox rows, as Telegram does
NUMBERED = "numbered"
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@contextmanager
def statements(app: App) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs (BEGIN left out: SQLite sends it as one,
    PostgreSQL's driver does not)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        statement = " ".join(str(args[2]).split())
        if not statement.upper().startswith("BEGIN"):
            seen.append(statement)

    engine = app.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


WRITE = re.compile(r'INSERT INTO "?(\w+)|(?<!DO )UPDATE "?(\w+)"? SET|DELETE FROM "?(\w+)')


def writes(seen: list[str]) -> list[str]:
    """The tables written, in order (a statement's CTEs included)."""
    found = []
    for statement in seen:
        for inserted, updated, deleted in WRITE.findall(statement):
            verb = "insert" if inserted else "update" if updated else "delete"
            found.append(f"{verb} {inserted or updated or deleted}")
    return found


def on_postgresql(app: App) -> bool:
    """PostgreSQL runs the claim inside the load, and first contact's rows as one statement
    (data-modifying CTEs, bot/core/state.py); SQLite sends each on its own."""
    return app.db.engine.dialect.name == "postgresql"


def at(app: App, now: datetime) -> None:
    app.dispatcher.clock = lambda: now


def kept_user(app: App, user_id: str = "5001") -> ChatUser:
    app.dispatcher.connect(ChannelInfo(KEPT, keeps_replies=True))
    return ChatUser(app, user_id=user_id, channel=KEPT)


def numbered_user(app: App, user_id: str) -> ChatUser:
    """On a channel that keeps replies and shows menus as numbered lines (remembered)."""
    app.dispatcher.connect(ChannelInfo(NUMBERED, buttons=False, keeps_replies=True))
    return ChatUser(app, user_id=user_id, channel=NUMBERED)


async def test_a_button_press_costs_three_statements_or_two(app: App) -> None:
    at(app, NOW)
    user = kept_user(app)
    await user.says("/start")
    app.registry.command("ping", pong)
    with statements(app) as seen:
        replies = await user.says("/ping")
    assert texts(replies) == "pong"
    # Claim the update, load person + identity + roles + state in one SELECT, keep the reply.
    assert len(seen) == (2 if on_postgresql(app) else 3)
    assert writes(seen) == ["insert processed_updates", "insert outbox"]
    assert sum("FROM chat_identities" in s for s in seen) == 1
    assert not any("FROM role_grants" in s or "FROM conversation_states" in s for s in seen)


async def pong(ctx: Context) -> Replies:
    """A route that reads nothing."""
    return Reply("pong")


async def test_a_repeated_menu_writes_only_the_idempotency_key(app: App) -> None:
    at(app, NOW)
    user = ChatUser(app, user_id="5002")
    await user.says("/start")
    await user.says("/menu")
    with statements(app) as seen:
        replies = await user.says("/menu")
    assert replies
    assert writes(seen) == ["insert processed_updates"]
    assert len(seen) <= 3


async def test_a_returning_persons_question_writes_no_person_identity_or_state(
    app: App,
) -> None:
    at(app, NOW)
    user = kept_user(app, "5003")
    await user.says("/start")
    at(app, NOW + timedelta(minutes=2))
    with statements(app) as seen:
        replies = await user.says("thời tiết hôm nay thế nào")
    assert replies
    assert writes(seen) == ["insert processed_updates", "insert outbox"]
    assert len(seen) <= 4  # claim, load, the answer's own lookup, the kept reply


async def test_first_contact_creates_three_rows_and_loads_them_as_anyones(app: App) -> None:
    at(app, NOW)
    app.registry.command("ping", pong)
    with statements(app) as seen:
        await kept_user(app, "5004").says("/ping")
    written = writes(seen)
    assert written[0] == "insert processed_updates"  # the claim comes first; the rest any order
    assert sorted(written[1:]) == [
        "insert chat_identities",
        "insert conversation_states",
        "insert outbox",
        "insert people",
    ]
    # The claim, the load (nobody yet), the three rows (the installation's communes read in the
    # first: with one, its desk serves the newcomer), the same load again (cheaper than the
    # ORM's unit of work writing them: bot/core/newcomers.py), and the kept reply.
    assert len(seen) == (4 if on_postgresql(app) else 7)
    assert sum("FROM communes" in statement for statement in seen) == 1
    async with app.sessionmaker() as session:
        identity = await session.scalar(
            select(ChatIdentity).options(joinedload(ChatIdentity.person))
        )
        assert identity is not None
        state = await session.get(ConversationState, identity.id)
        commune_id = await first_commune(session)
    person = identity.person
    assert (person.display_name, person.commune_id) == ("Nguyễn Văn An", commune_id)
    assert (identity.external_id, identity.chat_id, identity.last_seen_at) == ("5004", "5004", NOW)
    assert state is not None and (state.flow, state.data, state.updated_at) == (None, {}, NOW)


async def test_a_newcomer_first_met_in_a_group_gets_no_private_chat_yet(app: App) -> None:
    await ChatUser(app, user_id="5009", name="Lan").in_group("-100").says("/menu")
    async with app.sessionmaker() as session:
        identity = await session.scalar(select(ChatIdentity))
    assert identity is not None and (identity.external_id, identity.chat_id) == ("5009", None)


async def test_a_newcomers_greeting_reads_the_commune_once_and_writes_each_row_once(
    app: App,
) -> None:
    at(app, NOW)
    with statements(app) as seen:
        replies = await kept_user(app, "5006").says("/start")
    assert app.settings.commune.name in texts(replies)  # greeted with the desk's commune
    written = writes(seen)
    assert sorted(written[1:]) == [
        "insert chat_identities",
        "insert conversation_states",
        "insert notices_seen",  # the introduction and consent notice, shown once
        "insert outbox",
        "insert people",
    ]  # the new state is written whole at once: no update of it for the flow /start ends
    # The installation's communes are read once, and their one commune greets the newcomer.
    assert sum("FROM communes" in statement for statement in seen) == 1
    # Someone met just now has no guide to continue: the menu looks for none.
    assert not any("FROM guide_progress" in statement for statement in seen)
    # The claim, the load, the three rows of first contact, the load again, the notice, the
    # kept reply.
    assert len(seen) == (5 if on_postgresql(app) else 8)


async def test_last_seen_is_written_only_after_five_minutes(app: App) -> None:
    app.registry.command("ping", pong)
    user = kept_user(app, "5005")
    at(app, NOW)
    await user.says("/ping")
    at(app, NOW + timedelta(minutes=4))
    with statements(app) as quiet:
        await user.says("/ping")
    at(app, NOW + timedelta(minutes=10))
    with statements(app) as later:
        await user.says("/ping")
    assert "update chat_identities" not in writes(quiet)
    assert writes(later).count("update chat_identities") == 1
    async with app.sessionmaker() as session:
        seen_at = await session.scalar(select(ChatIdentity.last_seen_at))
    assert seen_at == NOW + timedelta(minutes=10)


async def test_every_active_role_is_seen_and_a_revoked_one_is_gone_next_message(
    app: App,
) -> None:
    at(app, NOW)

    async def roles(ctx: Context) -> Replies:
        return Reply(",".join(sorted(role.value for role in ctx.roles)))

    app.registry.command("roles", roles)
    user = ChatUser(app, user_id="5006")
    assert texts(await user.says("/roles")) == Role.CITIZEN.value
    async with app.db.transaction() as session:
        person = await session.scalar(select(Person))
        assert person is not None
        for role in (Role.OFFICER, Role.VOLUNTEER):
            await people.grant_role(
                session,
                person,
                role,
                commune_id=await first_commune(session),
                granted_by_id=None,
                now=NOW,
            )
    with statements(app) as seen:
        shown = texts(await user.says("/roles"))
    assert shown == ",".join(sorted([Role.CITIZEN, Role.OFFICER, Role.VOLUNTEER]))
    # The claim, and the load: two grants join as two rows of the same single SELECT.
    assert len(seen) == (1 if on_postgresql(app) else 2)
    async with app.db.transaction() as session:
        await people.revoke_role(
            session,
            person.id,
            Role.OFFICER,
            commune_id=await first_commune(session),
            revoked_by_id=None,
            now=NOW,
        )
    assert texts(await user.says("/roles")) == ",".join(sorted([Role.CITIZEN, Role.VOLUNTEER]))


async def test_several_kept_replies_are_one_insert_and_settled_by_one_update(app: App) -> None:
    at(app, NOW)
    user = numbered_user(app, "5007")
    await user.says("/menu")
    incoming = user.incoming(text="/start")
    with statements(app) as kept:
        replies = await app.dispatcher.reopen(incoming)  # greeting + the last menu again
    assert len(replies) == 2
    assert writes(kept) == ["insert processed_updates", "insert outbox"]
    with statements(app) as settled:
        await app.dispatcher.settle(incoming, sent=2)
    assert writes(settled) == ["update outbox"] and len(settled) == 1
    async with app.sessionmaker() as session:
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.key)))
    reopened = [row for row in rows if row.key.startswith(f"reply:{incoming.key}:")]
    assert [(row.status, row.sent_at, row.lease_until) for row in reopened] == [
        (OutboxStatus.SENT.value, NOW, None),
        (OutboxStatus.SENT.value, NOW, None),
    ]


async def test_updates_settled_together_are_written_in_one_statement(app: App) -> None:
    at(app, NOW)
    users = [kept_user(app, f"51{n:02}") for n in range(5)]
    asked = [user.incoming(text="/ping") for user in users]
    app.registry.command("ping", pong)
    for incoming in asked:  # five updates' replies committed, all being sent at once
        assert texts(await app.dispatcher.handle(incoming)) == "pong"
    with statements(app) as settled:
        await asyncio.gather(*(app.dispatcher.settle(i, sent=1) for i in asked))
    assert writes(settled) == ["update outbox"]  # one write for the five, not five
    async with app.sessionmaker() as session:
        statuses = await session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.person_id.is_not(None))
        )
        assert list(statuses) == [OutboxStatus.SENT.value] * 5


async def test_a_partly_sent_update_settles_only_what_was_sent(app: App) -> None:
    at(app, NOW)
    user = numbered_user(app, "5008")
    await user.says("/menu")
    incoming = user.incoming(text="/start")
    await app.dispatcher.reopen(incoming)  # greeting + the last menu again
    failed = DeliveryError(FailureKind.TRANSIENT, "502 Bad Gateway")
    await app.dispatcher.settle(incoming, sent=1, problem=failed)
    async with app.sessionmaker() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.key.startswith(f"reply:{incoming.key}:"))
                .order_by(OutboxMessage.key)
            )
        )
    assert [(row.status, row.attempts, row.lease_until) for row in rows] == [
        (OutboxStatus.SENT.value, 0, None),
        (OutboxStatus.PENDING.value, 1, None),  # left to the delivery loop, which retries it
    ]
    assert rows[1].next_attempt_at > NOW
