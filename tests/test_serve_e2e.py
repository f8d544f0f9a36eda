"""`dvcbot serve` end to end: real `python -m bot serve` processes (uvicorn and its workers) on
PostgreSQL, with the fake Bot API server pushing each update to the webhook like Telegram.

Starting workers takes seconds on a small machine, so one cluster of three workers serves the
PostgreSQL tests of this module, with Telegram's real limits (30 messages/s for all workers
together); each test has its own people and update ids, and they run in file order (each
kill -9 is followed by a wait for uvicorn's replacement worker). The fake enforces the flood
limits only in the test about them: a 429 sends a reply through the outbox, where a killed
worker's claim on it would hold it for two minutes (the outbox lease).
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import contextlib
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest
import pytest_asyncio
from aiohttp import web
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from telegram import Bot
from telegram.error import Conflict

from bot.core.messages import Reply
from bot.db.engine import Database
from bot.db.models import (
    ChatIdentity,
    OutboxMessage,
    OutboxStatus,
    Person,
    ProcessedUpdate,
    ReportKind,
    ReportSubscription,
    Role,
)
from bot.services import outbox, people
from scheduler.leader import LOCK_KEY
from tests.bot_process import (
    STARTED,
    TOKEN,
    WEBHOOK_SECRET,
    ServeProcess,
    cmdline,
    process_with_port,
    serve_env,
    unused_port,
)
from tests.conftest import POSTGRES_ENV
from tests.fakes import FakeTelegramServer
from tests.helpers import first_commune

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


# --------------------------------------------------------------------- the fake pushes


@dataclass
class Target:
    """A webhook to push to: answers `failures` 500s first, then 200; counts the concurrency."""

    failures: int = 0
    delay: float = 0.0
    in_flight: int = 0
    most_in_flight: int = 0
    secrets: list[str | None] = field(default_factory=list)
    update_ids: list[int] = field(default_factory=list)

    async def receive(self, request: web.Request) -> web.Response:
        """One push."""
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self.secrets.append(request.headers.get(SECRET_HEADER))
            self.update_ids.append(int((await request.json())["update_id"]))
            await asyncio.sleep(self.delay)
            if self.failures > 0:
                self.failures -= 1
                return web.Response(status=500)
            return web.Response(status=200)
        finally:
            self.in_flight -= 1


async def serving(target: Target) -> tuple[web.AppRunner, str]:
    """The target on a free local port; returns the runner and the webhook's address."""
    app = web.Application()
    app.router.add_post("/telegram", target.receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/telegram"


async def until(check: Callable[[], bool], seconds: float, what: str) -> None:
    """Wait until check() is true (polling), or fail saying what was awaited."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_the_fake_pushes_updates_to_the_webhook_like_telegram() -> None:
    target = Target(failures=2, delay=0.05)
    runner, url = await serving(target)
    try:
        async with FakeTelegramServer() as fake, Bot(TOKEN, base_url=fake.base_url) as bot:
            fake.webhook_retry_delay = 0.05
            await bot.set_webhook(url, secret_token="s3cret_-X", max_connections=2)
            first = fake.user_sends_text(7, "/start")
            await until(lambda: fake.pending_updates == 0, 5, "the first update delivered")
            assert [push.status for push in fake.pushes_of(first)] == [500, 500, 200]
            assert set(target.secrets) == {"s3cret_-X"}
            with pytest.raises(Conflict):
                await bot.get_updates()
            many = [fake.user_sends_text(8, f"câu {n}") for n in range(6)]
            await until(lambda: fake.pending_updates == 0, 5, "six updates delivered")
            assert target.most_in_flight == 2 and set(many) <= set(target.update_ids)
            info = await bot.get_webhook_info()
            assert (info.url, info.max_connections, info.pending_update_count) == (url, 2, 0)

            await bot.delete_webhook()
            pushed = len(fake.pushes)
            kept = fake.user_sends_text(9, "sau khi xoá webhook")
            await asyncio.sleep(0.2)
            assert len(fake.pushes) == pushed and fake.pending_updates == 1
            [update] = await bot.get_updates()
            assert update.update_id == kept

            await runner.cleanup()  # nothing listens there any more: connection errors
            await bot.set_webhook(url)
            lost = fake.user_sends_text(9, "không ai nghe")
            await until(lambda: len(fake.pushes_of(lost)) >= 3, 5, "three failed pushes")
            assert {push.status for push in fake.pushes_of(lost)} == {None}
            assert all(push.error for push in fake.pushes_of(lost))
            assert fake.pending_updates == 2  # still queued, pushed again and again
    finally:
        await runner.cleanup()


# --------------------------------------------------------------------- dvcbot serve

BOT_ID = TOKEN.split(":", 1)[0]
WORKERS = 3
QUESTION = "làm căn cước công dân thế nào"


def most_in_a_second(moments: Iterable[float]) -> int:
    """The most messages received within any one second (what Telegram's limit counts)."""
    ordered = sorted(moments)
    return max(
        (bisect.bisect_left(ordered, start + 1.0) - index for index, start in enumerate(ordered)),
        default=0,
    )


def admin_dsn() -> str:
    """The test server's maintenance database, for asyncpg."""
    url = make_url(os.environ[POSTGRES_ENV])
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def admin(statement: str) -> None:
    """Run one statement on the maintenance database (CREATE/DROP DATABASE)."""
    connection = await asyncpg.connect(admin_dsn())
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def noon_zone() -> str:
    """A fixed-offset time zone where it is about noon now, so "today" lasts the whole run."""
    offset = 12 - datetime.now(UTC).hour
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-7 is UTC+7


def weekly_summary_today(zone: str) -> dict[str, str]:
    """Settings that make today the weekly summary's day, due from midnight (commune time)."""
    day = datetime.now(ZoneInfo(zone))
    return {
        "DVCBOT_COMMUNE__TIMEZONE": zone,
        "DVCBOT_REPORTS__WEEKLY_SUMMARY_DAY": day.strftime("%a").lower(),
        "DVCBOT_REPORTS__WEEKLY_SUMMARY_TIME": "00:00",
        "DVCBOT_REPORTS__PUSH_UNTIL": "23:59",
    }


@dataclass
class Cluster:
    """`dvcbot serve --workers 3` on its own database, and the fake Bot API server."""

    fake: FakeTelegramServer
    serve: ServeProcess
    db: Database  # the test's own connections to the workers' database
    database: str
    kills: int = 0

    def update_key(self, update_id: int) -> str:
        """The dispatcher's idempotency key of an update of this bot."""
        return f"telegram:{BOT_ID}:{update_id}"

    def kill(self, pid: int) -> float:
        """kill -9 of one worker; returns when (monotonic)."""
        assert pid in self.serve.worker_pids()
        os.kill(pid, signal.SIGKILL)
        self.kills += 1
        return time.monotonic()

    async def all_serving(self) -> None:
        """Wait until uvicorn replaced every killed worker and the new ones serve."""
        started = self.serve.workers + self.kills
        await until(lambda: self.serve.stderr.count(STARTED) >= started, 60, "new workers")


@dataclass
class Sent:
    """An outbox row (an update's reply, a report) and how often the fake received it."""

    key: str
    chat_id: int
    text: str
    status: str
    received: int


async def converse(
    fake: FakeTelegramServer, users: Iterable[int], seconds: float = 90
) -> list[int]:
    """Each person sends /start and, once it is answered, one free-text question; returns the
    update ids."""
    update_ids: list[int] = []

    async def person(user: int) -> None:
        update_ids.append(fake.user_sends_text(user, "/start", first_name=f"Người {user}"))
        await fake.wait_for(user, 1, timeout=seconds)
        update_ids.append(fake.user_sends_text(user, QUESTION))
        await fake.wait_for(user, 2, timeout=seconds)

    await asyncio.gather(*(person(user) for user in users))
    return sorted(update_ids)


async def outbox_rows(cluster: Cluster, prefix: str) -> list[Sent]:
    """The outbox rows whose key starts with `prefix`, with what the fake received of each."""
    async with cluster.db.sessionmaker() as session:
        rows = (
            await session.execute(
                select(
                    OutboxMessage.key,
                    OutboxMessage.chat_id,
                    OutboxMessage.payload,
                    OutboxMessage.status,
                ).where(OutboxMessage.key.startswith(prefix, autoescape=True))
            )
        ).all()
    received = collections.Counter((m.chat_id, m.text) for m in cluster.fake.sent)
    return [
        Sent(key, int(chat), payload["text"], status, received[(int(chat), payload["text"])])
        for key, chat, payload, status in rows
    ]


async def replies_by_update(cluster: Cluster, update_ids: Iterable[int]) -> dict[int, list[Sent]]:
    """Each update's kept replies (outbox rows reply:<update key>:<n>)."""
    wanted = {cluster.update_key(update_id): update_id for update_id in update_ids}
    found: dict[int, list[Sent]] = {update_id: [] for update_id in wanted.values()}
    for row in await outbox_rows(cluster, f"reply:telegram:{BOT_ID}:"):
        update_key = row.key.removeprefix("reply:").rsplit(":", 1)[0]
        if update_key in wanted:
            found[wanted[update_key]].append(row)
    return found


async def processed(cluster: Cluster, update_ids: Iterable[int]) -> int:
    """How many of these updates have their processed_updates row."""
    keys = [cluster.update_key(update_id) for update_id in update_ids]
    async with cluster.db.sessionmaker() as session:
        count = await session.scalar(select(func.count()).where(ProcessedUpdate.key.in_(keys)))
    return int(count or 0)


async def settled(cluster: Cluster, update_ids: Sequence[int], seconds: float = 90) -> None:
    """Wait until every update was answered 2xx and none of its replies waits to be sent.

    Polled lightly: the fake runs in this event loop, and a busy loop would make it see the
    bot's evenly paced messages arrive in bunches."""
    ids = set(update_ids)
    ok: set[int] = set()
    seen = 0
    deadline = time.monotonic() + seconds
    while True:
        pushes = cluster.fake.pushes
        ok.update(push.update_id for push in pushes[seen:] if push.ok)
        seen = len(pushes)
        if ok >= ids and not await unsent(cluster, ids):
            return
        assert time.monotonic() < deadline, "updates not settled in time"
        await asyncio.sleep(0.5)


async def unsent(cluster: Cluster, update_ids: set[int]) -> int:
    """How many replies of these updates are not recorded sent yet."""
    keys = {f"reply:{cluster.update_key(update_id)}:" for update_id in update_ids}
    prefix = f"reply:telegram:{BOT_ID}:"
    async with cluster.db.sessionmaker() as session:
        pending = await session.scalars(
            select(OutboxMessage.key).where(
                OutboxMessage.key.startswith(prefix), OutboxMessage.status != OutboxStatus.SENT
            )
        )
        return sum(key.rsplit(":", 1)[0] + ":" in keys for key in pending)


async def leader(cluster: Cluster) -> int | None:
    """The worker process holding the scheduler's advisory lock, through its PostgreSQL
    backend: the lock's pid in pg_locks, that backend's client port, the worker with it."""
    query = text(
        """
        SELECT a.client_port FROM pg_locks l
        JOIN pg_stat_activity a ON a.pid = l.pid
        JOIN pg_database d ON d.oid = l.database
        WHERE l.locktype = 'advisory' AND l.granted AND d.datname = :name
          AND l.classid::bigint = :high AND l.objid::bigint = :low
        """
    )
    key = {"name": cluster.database, "high": LOCK_KEY >> 32, "low": LOCK_KEY & 0xFFFFFFFF}
    async with cluster.db.engine.connect() as connection:
        port = await connection.scalar(query, key)
    if port is None:
        return None
    return process_with_port(cluster.serve.worker_pids(), int(port))


async def make_officials(cluster: Cluster, users: Sequence[int]) -> list[int]:
    """Officials of the whole commune, from people who wrote to the bot; their person ids."""
    person_ids = []
    async with cluster.db.transaction() as session:
        for user in users:
            person = await session.scalar(
                select(Person)
                .join(ChatIdentity, ChatIdentity.person_id == Person.id)
                .where(ChatIdentity.channel == "telegram", ChatIdentity.external_id == str(user))
            )
            assert person is not None
            await people.grant_role(
                session,
                person,
                Role.OFFICIAL,
                commune_id=await first_commune(session),
                granted_by_id=None,
                now=datetime.now(UTC),
            )
            person_ids.append(person.id)
    return person_ids


async def subscribe(cluster: Cluster, person_ids: Sequence[int]) -> None:
    """They subscribe to the weekly summary (as its button does)."""
    async with cluster.db.transaction() as session:
        for person_id in person_ids:
            session.add(ReportSubscription(person_id=person_id, kind=ReportKind.WEEKLY_SUMMARY))


async def caught_sending(cluster: Cluster, besides: int | None) -> int:
    """A worker (not `besides`) whose message the fake is receiving right now."""
    deadline = time.monotonic() + 10
    while True:
        workers = [pid for pid in cluster.serve.worker_pids() if pid != besides]
        ports = [port for port, count in cluster.fake.sends_in_flight.items() if count > 0]
        for port in ports:
            pid = process_with_port(workers, port)
            if pid is not None:
                return pid
        assert time.monotonic() < deadline, "no worker caught sending"
        await asyncio.sleep(0.01)


@dataclass
class Handover:
    """When (monotonic) another worker held the lock, the summaries were queued and received."""

    leader: int | None = None
    locked: float | None = None
    planned: float | None = None
    received: float | None = None


async def watch_handover(cluster: Cluster, old: int, count: int) -> Handover:
    """Watch the lock and the weekly summaries until all `count` are received."""
    seen = Handover()
    deadline = time.monotonic() + 90
    while seen.received is None:
        assert time.monotonic() < deadline, f"no hand-over in time: {seen}"
        now = time.monotonic()
        if seen.locked is None:
            holder = await leader(cluster)
            if holder is not None and holder != old:
                seen.leader, seen.locked = holder, now
        rows = await outbox_rows(cluster, "weekly:")
        if len(rows) == count:
            seen.planned = seen.planned or now
            if all(row.received >= 1 for row in rows) and seen.locked is not None:
                seen.received = now
        await asyncio.sleep(0.2)
    return seen


if os.environ.get(POSTGRES_ENV):  # several workers need PostgreSQL (like conftest.BACKENDS)
    pytestmark = pytest.mark.asyncio(loop_scope="module")

    @pytest_asyncio.fixture(scope="module", loop_scope="module")
    async def cluster(
        postgres_template: str, tmp_path_factory: pytest.TempPathFactory
    ) -> AsyncIterator[Cluster]:
        """Three workers on a fresh copy of the migrated database, taking the fake's pushes."""
        name = f"dvcbot_serve_{uuid.uuid4().hex[:8]}"
        await admin(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
        url = make_url(os.environ[POSTGRES_ENV]).set(database=name)
        url_text = url.render_as_string(hide_password=False)
        db = Database(url_text)
        tmp: Path = tmp_path_factory.mktemp("serve")
        try:
            async with FakeTelegramServer() as fake:
                reports = weekly_summary_today(noon_zone())
                env = serve_env(tmp, fake, url_text, unused_port(), **reports)
                serve = ServeProcess(tmp, env, WORKERS)
                try:
                    await serve.serving()
                    yield Cluster(fake, serve, db, name)
                finally:
                    await serve.stop()
        finally:
            await db.dispose()
            await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def test_a_push_without_the_right_secret_is_refused_and_nothing_is_processed(
        cluster: Cluster,
    ) -> None:
        fake, user = cluster.fake, 510_001
        fake.webhook_secret = "not-the-secret"
        update_id = fake.user_sends_text(user, "/start")
        await until(lambda: len(fake.pushes_of(update_id)) >= 3, 10, "three refused pushes")
        address = f"http://127.0.0.1:{cluster.serve.port}/telegram"
        body = {"update_id": update_id, "message": {"text": "/start"}}
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {SECRET_HEADER: ""}, {SECRET_HEADER: WEBHOOK_SECRET + "x"}):
                async with session.post(address, json=body, headers=headers) as answer:
                    assert answer.status == 403, headers
        assert {push.status for push in fake.pushes_of(update_id)} == {403}
        assert fake.messages_to(user) == []
        assert await processed(cluster, [update_id]) == 0

        fake.webhook_secret = WEBHOOK_SECRET  # as setWebhook gave it: the next push gets in
        await fake.wait_for(user, 1, timeout=20)
        await settled(cluster, [update_id])
        assert [push.status for push in fake.pushes_of(update_id)][-1] == 200
        assert sum(push.ok for push in fake.pushes_of(update_id)) == 1
        assert len(fake.messages_to(user)) == 1
        assert await processed(cluster, [update_id]) == 1

    async def test_three_workers_answer_600_updates_from_300_people_exactly_once(
        cluster: Cluster,
    ) -> None:
        fake, users = cluster.fake, range(520_001, 520_301)
        started = time.monotonic()
        update_ids = await converse(fake, users)
        await settled(cluster, update_ids)
        elapsed = time.monotonic() - started
        replies = await replies_by_update(cluster, update_ids)
        rows = [row for rows in replies.values() for row in rows]
        received = collections.Counter(row.received for row in rows)
        ok_pushes = collections.Counter(
            push.update_id for push in fake.pushes if push.ok and push.update_id in replies
        )
        moments = [m.at for user in users for m in fake.messages_to(user)]
        print(
            f"\n600 updates: {len(rows)} replies in {elapsed:.1f} s, received n times: "
            f"{dict(received)}; at most {most_in_a_second(moments)} messages in a second"
        )
        assert len(update_ids) == 600
        assert all(replies.values()), "every update has its reply"
        assert received == {1: len(rows)}, "each reply received exactly once"
        assert sum(len(fake.messages_to(user)) for user in users) == len(rows)
        assert set(ok_pushes.values()) == {1} and len(ok_pushes) == 600
        assert await processed(cluster, update_ids) == 600
        # Workers inherit `serve`'s -OO (no docstrings: about 6 MB less each).
        assert all(" -OO " in cmdline(pid) for pid in cluster.serve.worker_pids())

    async def test_three_workers_together_stay_under_30_messages_a_second(
        cluster: Cluster,
    ) -> None:
        fake = cluster.fake
        people_chats, notified = range(550_001, 550_151), range(560_001, 560_151)
        fake.enforce_flood_limits = True
        violations, first_sent = fake.flood_violations, len(fake.sent)
        async with cluster.db.transaction() as session:
            for chat in notified:
                await outbox.enqueue_to_chat(
                    session,
                    f"e2e-notice:{chat}",
                    "telegram",
                    str(chat),
                    Reply(f"📋 Thông báo {chat}"),
                    now=datetime.now(UTC),
                )
        update_ids = [fake.user_sends_text(user, "/start") for user in people_chats]
        chats = set(people_chats) | set(notified)
        try:
            await settled(cluster, update_ids)
            await until(
                lambda: chats <= {m.chat_id for m in fake.sent[first_sent:]}, 60, "every message"
            )
        finally:
            fake.enforce_flood_limits = False
        moments = sorted(m.at for m in fake.sent[first_sent:] if m.chat_id in chats)
        rate = (len(moments) - 1) / (moments[-1] - moments[0])
        print(
            f"\n{len(moments)} messages from {WORKERS} workers at {rate:.1f}/s on average, at "
            f"most {most_in_a_second(moments)} in a second; flood 429s: "
            f"{fake.flood_violations - violations}"
        )
        assert len(moments) == len(chats), "one message to each chat"
        assert fake.flood_violations == violations

    async def test_a_push_retried_while_its_first_worker_still_sends_is_answered_once(
        cluster: Cluster,
    ) -> None:
        # Telegram pushes an update again when the answer is slow; the first worker is alive
        # and still sending its reply, so the duplicate must leave that reply alone.
        fake, user = cluster.fake, 570_001
        fake.latency, fake.webhook_timeout = 3.0, 0.3  # each send takes 3 s; pushes time out
        try:
            update_id = fake.user_sends_text(user, "/start")
            await settled(cluster, [update_id], seconds=30)
            with contextlib.suppress(AssertionError):  # a second send would be in by then
                await fake.wait_for(user, 2, timeout=fake.latency + 3)
        finally:
            fake.latency, fake.webhook_timeout = 0.0, 60.0
        timed_out = [push for push in fake.pushes_of(update_id) if not push.ok]
        print(
            f"\n{len(timed_out)} push(es) timed out, then one answered; the reply was received "
            f"{len(fake.messages_to(user))} time(s)"
        )
        assert timed_out, "the first push timed out while the reply was being sent"
        assert len(fake.messages_to(user)) == 1

    # The first kill: the survivors started together, so their planners run next about a
    # minute after the start, which the hand-over waits for; the tests above fill that minute.
    async def test_killing_the_leader_hands_the_planning_over_without_repeats(
        cluster: Cluster,
    ) -> None:
        fake, officials = cluster.fake, list(range(540_001, 540_021))
        greetings = [fake.user_sends_text(user, "/start") for user in officials]
        await settled(cluster, greetings)  # nothing in flight at the leader when it dies
        person_ids = await make_officials(cluster, officials)
        old = await leader(cluster)
        assert old is not None
        killed_at = cluster.kill(old)
        await subscribe(cluster, person_ids)  # their weekly summary is due from now on
        seen = await watch_handover(cluster, old, len(officials))
        assert seen.locked is not None and seen.planned is not None and seen.received is not None
        await asyncio.sleep(2.5)  # another delivery round: nothing goes out again
        summaries = await outbox_rows(cluster, "weekly:")
        print(
            f"\nleader {old} killed: lock taken by {seen.leader} after "
            f"{seen.locked - killed_at:.1f} s, summaries planned after "
            f"{seen.planned - killed_at:.1f} s, all received after "
            f"{seen.received - killed_at:.1f} s"
        )
        assert seen.leader not in (None, old)
        assert seen.locked - killed_at < 15  # the lock is tried every 5 s
        # The new leader plans at its planner's next run, once a minute.
        assert seen.planned - killed_at < 75
        assert len(summaries) == len(officials)
        assert {row.chat_id for row in summaries} == set(officials)
        assert {(row.status, row.received) for row in summaries} == {(OutboxStatus.SENT, 1)}
        await cluster.all_serving()

    async def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_what_it_held(
        cluster: Cluster,
    ) -> None:
        fake, users = cluster.fake, range(530_001, 530_151)
        first_push, first_sent, chats = len(fake.pushes), len(fake.sent), set(users)
        fake.latency = 0.2  # each send takes a moment, so a worker can be killed in one
        try:
            talk = asyncio.create_task(converse(fake, users))
            await until(
                lambda: sum(m.chat_id in chats for m in fake.sent[first_sent:]) >= 100,
                60,
                "a third of the batch answered",
            )
            boss = await leader(cluster)
            victim = await caught_sending(cluster, besides=boss)
            killed_at = cluster.kill(victim)
            update_ids = await talk
            await settled(cluster, update_ids)
        finally:
            fake.latency = 0.0
        recovered = time.monotonic() - killed_at

        ours = set(update_ids)
        attempts = [push for push in fake.pushes[first_push:] if push.update_id in ours]
        cut_off = {push.update_id for push in attempts if push.status is None}
        refused = [push for push in attempts if push.status is not None and not push.ok]
        replies = await replies_by_update(cluster, update_ids)
        repeated = {
            update_id: sum(row.received - 1 for row in rows)
            for update_id, rows in replies.items()
            if any(row.received > 1 for row in rows)
        }
        print(
            f"\nworker {victim} killed: {len(cut_off)} pushes cut off, {len(repeated)} updates "
            f"with a repeated reply ({sum(repeated.values())} repeats); all "
            f"{len(update_ids)} answered {recovered:.1f} s after the kill"
        )
        assert repeated, "the reply the killed worker was sending goes out again"
        assert refused == [], "the other workers answered every push"
        assert all(replies.values()), "nothing lost"
        assert all(row.received >= 1 for rows in replies.values() for row in rows)
        assert set(repeated) <= cut_off, "a repeat only for an update the killed worker held"
        assert all(row.received <= 2 for rows in replies.values() for row in rows)
        assert await processed(cluster, update_ids) == len(update_ids) == 300
        await cluster.all_serving()
        assert len(cluster.serve.worker_pids()) == WORKERS
