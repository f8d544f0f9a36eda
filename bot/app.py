"""Composition root: settings -> engine -> services -> dispatcher -> channels."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.content.catalog import Catalog, load_catalog
from bot.core.dispatcher import Dispatcher
from bot.core.registry import Registry
from bot.db.base import utcnow
from bot.db.engine import Database
from bot.db.migrate import upgrade
from bot.services import places
from bot.services.guides.matching import GuideMatcher
from bot.services.guides.pictures import PictureCache

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What handlers reach through ctx.services: settings and shared read-only resources."""

    settings: Settings
    catalog: Catalog
    matcher: GuideMatcher
    pictures: PictureCache
    registry: Registry = field(default_factory=Registry)
    # channel -> the start of a link that opens the bot with /start <payload> (set by channels)
    start_links: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, settings: Settings) -> Services:
        catalog = load_catalog(settings.content.guides_dir)
        return cls(
            settings=settings,
            catalog=catalog,
            matcher=GuideMatcher.from_catalog(catalog),
            pictures=PictureCache(settings.content.cache_dir / "pictures"),
        )


@dataclass
class App:
    settings: Settings
    db: Database
    services: Services
    dispatcher: Dispatcher

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
            if self.settings.bot.demo_data:
                from bot.services.demo import load_demo

                if await load_demo(session, commune, now=utcnow(), tz=commune_settings.tz):
                    log.info("demo commune loaded")

    async def close(self) -> None:
        await self.db.dispose()


def build_app(settings: Settings) -> App:
    """Wire everything once; channels are started by the caller."""
    from handlers import register_all

    db = Database(settings.database.url, echo=settings.database.echo)
    services = Services.load(settings)
    register_all(services.registry)
    dispatcher = Dispatcher(db, services.registry, services)
    return App(settings, db, services, dispatcher)
