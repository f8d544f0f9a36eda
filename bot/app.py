"""Composition root: settings -> database -> services -> registry -> dispatcher; it also starts
and stops the channels and the scheduler, in one place."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.content.catalog import Catalog, load_catalog
from bot.core.delivery import Sender
from bot.core.media import MediaStore, shared_secret
from bot.core.observer import NOBODY, Observer
from bot.core.services import GuideMatch, Services
from bot.db.base import utcnow
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.services import places
from bot.services.guides.pictures import PictureCache

if TYPE_CHECKING:
    from bot.core.dispatcher import Dispatcher
    from bot.core.registry import Registry
    from bot.services.guides.matching import GuideMatcher
    from scheduler.runtime import Runtime

log = logging.getLogger(__name__)


class Channel(Sender, Protocol):
    """A running channel: it receives updates between start() and stop(), and sends."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class MatcherOnFirstQuestion:
    """The guide matcher, built when the first question comes: numpy and the BM25 index cost
    memory and start-up time that a bot nobody has asked anything yet does not need."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._matcher: GuideMatcher | None = None

    def match(self, text: str) -> GuideMatch:
        if self._matcher is None:
            from bot.services.guides.matching import GuideMatcher  # deferred: see the class

            self._matcher = GuideMatcher.from_catalog(self.catalog)
        return self._matcher.match(text)


def load_services(settings: Settings) -> Services:
    catalog = load_catalog(settings.content.guides_dir)
    cache = settings.content.cache_dir
    return Services(
        settings=settings,
        catalog=catalog,
        matcher=MatcherOnFirstQuestion(catalog),
        pictures=PictureCache(cache / "pictures"),
        media=MediaStore(
            cache / "media",
            shared_secret(cache / "link-secret"),
            public_url=settings.web.public_url,
            link_lifetime=timedelta(hours=settings.web.link_hours),
            zone=settings.commune.tz,
        ),
    )


class App:
    """The settings, the database and the services; the handlers and the scheduler are loaded
    when first needed: an admin command (a report, an import) uses neither, and importing them
    was a fifth of its start-up."""

    def __init__(self, settings: Settings, db: Database, services: Services) -> None:
        self.settings = settings
        self.db = db
        self.services = services

    @cached_property
    def registry(self) -> Registry:
        from bot.core.registry import Registry  # deferred: see the class
        from handlers import register_all

        registry = Registry()
        register_all(registry)
        return registry

    @cached_property
    def dispatcher(self) -> Dispatcher:
        from bot.core.dispatcher import Dispatcher  # deferred: see the class

        return Dispatcher(self.db, self.registry, self.services)

    @property
    def engine(self) -> AsyncEngine:
        return self.db.engine

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        return self.db.sessionmaker

    async def prepare_database(self) -> None:
        """Apply migrations, make sure the commune exists, load the demo data when configured."""
        await upgrade(self.engine)
        commune_settings = self.settings.commune
        async with self.db.transaction() as session:
            commune = await places.ensure_commune(
                session, commune_settings.name, commune_settings.timezone
            )
            if self.settings.bot.demo_data and not await places.has_villages(session, commune):
                from bot.services.demo import load_demo  # the import rules come with it

                if await load_demo(session, commune, now=utcnow(), tz=commune_settings.tz):
                    log.info("demo commune loaded")

    @asynccontextmanager
    async def running(
        self, channels: Sequence[Channel], *, observer: Observer = NOBODY
    ) -> AsyncIterator[Runtime]:
        """Start the channels and the scheduled jobs; stop them all on the way out."""
        from scheduler.leader import Leadership  # deferred: see the class
        from scheduler.runtime import Runtime
        from scheduler.setup import RunningJobs, build_scheduler, stop_gracefully

        leadership = Leadership(self.engine)
        await leadership.refresh()
        self.dispatcher.observer = observer
        runtime = Runtime(
            db=self.db,
            services=self.services,
            senders={channel.info.name: channel for channel in channels},
            leadership=leadership,
            observer=observer,
        )
        scheduler = build_scheduler(runtime)
        jobs = RunningJobs(scheduler)
        started: list[Channel] = []
        try:
            for channel in channels:
                await channel.start()  # a channel tells the dispatcher what it can show
                started.append(channel)
            scheduler.start()
            yield runtime
        finally:
            if scheduler.running:
                await stop_gracefully(scheduler, jobs)
            for channel in reversed(started):
                await channel.stop()
            await leadership.release()

    async def close(self) -> None:
        await self.db.dispose()


def build_app(settings: Settings) -> App:
    """Wire everything once; channels are started with App.running()."""
    db = Database(
        settings.database.url, echo=settings.database.echo, pool_size=settings.database.pool_size
    )
    return App(settings, db, load_services(settings))
