"""GET /metrics in Prometheus text format, and the core's Observer that counts for it.

Counted here: updates handled by channel and route, their handling time, deliveries by channel
and result, and whether this worker is the scheduler leader. The outbox rows by state are read
from the database at scrape time, so every worker reports the same truth.

With several uvicorn workers, `dvcbot serve` points PROMETHEUS_MULTIPROC_DIR at a fresh private
directory before they start: each worker writes its values there (prometheus-client's
multiprocess mode) and whichever worker is scraped adds up all of them. When `[web]
metrics_token` is set, a scrape needs "Authorization: Bearer <token>".
"""

from __future__ import annotations

import asyncio
import glob
import hmac
import logging
import os
import re
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager, suppress

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from pydantic import SecretStr
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from bot.core.observer import Observer
from bot.db.engine import Database
from bot.db.models import OutboxMessage, OutboxStatus
from bot.web.health import TIMEOUT_SECONDS, UNREACHABLE, within
from scheduler.runtime import Runtime

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LEADER_CHECK_SECONDS = 5.0  # as often as the scheduler re-checks its leader lock
HANDLING_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


class Metrics(Observer):
    """This worker's metrics; the core reports to it as its Observer."""

    def __init__(self) -> None:
        self.multiprocess_dir = os.environ.get(MULTIPROC_ENV)
        self.updates = Counter(
            "dvcbot_updates_handled",
            "Updates handled, by channel and the route that answered.",
            ["channel", "route"],
            registry=None,
        )
        self.handling = Histogram(
            "dvcbot_update_handling_seconds",
            "Time to handle one update, by channel.",
            ["channel"],
            buckets=HANDLING_BUCKETS,
            registry=None,
        )
        self.deliveries = Counter(
            "dvcbot_deliveries",
            "Sends of outbox rows, by channel and result (sent, retried, flood, blocked, dead).",
            ["channel", "result"],
            registry=None,
        )
        # liveall: one series per running worker (label pid), dropped once the worker is gone.
        self.leader = Gauge(
            "dvcbot_scheduler_leader",
            "1 when this worker is the scheduler leader, else 0.",
            multiprocess_mode="liveall",
            registry=None,
        )

    def update_handled(self, channel: str, route: str, seconds: float) -> None:
        """Count one handled update and its handling time."""
        self.updates.labels(channel, route).inc()
        self.handling.labels(channel).observe(seconds)

    def delivered(self, channel: str, result: str) -> None:
        """Count one send of an outbox row."""
        self.deliveries.labels(channel, result).inc()

    def own(self) -> list[Counter | Histogram | Gauge]:
        """The metrics this worker counts itself."""
        return [self.updates, self.handling, self.deliveries, self.leader]

    @asynccontextmanager
    async def following(self, runtime: Runtime) -> AsyncIterator[None]:
        """Keep the leader gauge true while the worker runs; take this worker's out at the end."""
        task = asyncio.create_task(self._follow_leader(runtime))
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
            self.leader.set(0)
            if self.multiprocess_dir is not None:
                mark_dead(os.getpid(), self.multiprocess_dir)

    async def _follow_leader(self, runtime: Runtime) -> None:
        """Copy the leader status into the gauge every few seconds (a worker no scrape reaches
        must still report the truth)."""
        while True:
            self.leader.set(1 if runtime.is_leader else 0)
            await asyncio.sleep(LEADER_CHECK_SECONDS)

    async def endpoint(self, request: Request) -> Response:
        """GET /metrics."""
        served = request.app.state.served
        if not authorized(request, served.app.settings.web.metrics_token):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        self.leader.set(1 if served.runtime.is_leader else 0)
        counts = await read_outbox(served.app.db)
        encode, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encode(self.scrape(counts)), media_type=content_type)

    def scrape(self, outbox: Mapping[str, int] | None) -> CollectorRegistry:
        """What one scrape shows: every worker's counts (or this one's alone) and the outbox."""
        registry = CollectorRegistry()
        if self.multiprocess_dir is not None:
            forget_dead_workers(self.multiprocess_dir)
            multiprocess.MultiProcessCollector(  # type: ignore[no-untyped-call]
                registry, self.multiprocess_dir
            )
        else:
            for metric in self.own():
                registry.register(metric)
        registry.register(OutboxCollector(outbox))
        return registry


class OutboxCollector:
    """Outbox rows by state as read at scrape time, and whether the database answered."""

    def __init__(self, counts: Mapping[str, int] | None) -> None:
        self.counts = counts

    def collect(self) -> Iterable[Metric]:
        """The gauges of one scrape; without a database, only that it is down."""
        yield GaugeMetricFamily(
            "dvcbot_database_up",
            "1 when the database answered this scrape, else 0.",
            value=0 if self.counts is None else 1,
        )
        if self.counts is None:
            return
        rows = GaugeMetricFamily("dvcbot_outbox_rows", "Outbox rows by state.", labels=["state"])
        for status in OutboxStatus:
            rows.add_metric([status.value], self.counts.get(status.value, 0))
        yield rows


async def outbox_counts(db: Database) -> dict[str, int]:
    """Outbox rows per status, in one query."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    async with db.sessionmaker() as session:
        return {status: count for status, count in await session.execute(query)}


async def read_outbox(db: Database) -> dict[str, int] | None:
    """The outbox counts, or None when the database does not answer in time."""
    try:
        return await within(TIMEOUT_SECONDS, outbox_counts(db))
    except UNREACHABLE as problem:  # a driver's message may name the server: only its kind
        log.warning("metrics: the database did not answer (%s)", type(problem).__name__)
        return None


def authorized(request: Request, token: SecretStr | None) -> bool:
    """No token configured, or "Authorization: Bearer <token>" (compared in constant time)."""
    if token is None:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    matches = hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode())
    return scheme.lower() == "bearer" and matches


def forget_dead_workers(directory: str) -> None:
    """Drop the live gauges of workers that are gone (a crashed worker never said so)."""
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        found = LIVE_GAUGE_FILE.fullmatch(os.path.basename(path))
        if found is not None and not running(pid := int(found.group(1))):
            mark_dead(pid, directory)


def mark_dead(pid: int, directory: str) -> None:
    """prometheus-client's bookkeeping for a worker that is gone: its live gauges dropped."""
    multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def running(pid: int) -> bool:
    """Whether a process with this id exists (the workers share this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
