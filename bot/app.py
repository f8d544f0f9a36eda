"""Composition root: settings -> engine -> services -> dispatcher -> channels."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.core.registry import Registry
from bot.db.engine import Database
from bot.db.migrate import upgrade

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What handlers reach through ctx.services: settings and shared read-only resources."""

    settings: Settings
    registry: Registry = field(default_factory=Registry)


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
        """Apply migrations; load the demo commune when configured."""
        await upgrade(self.engine)

    async def close(self) -> None:
        await self.db.dispose()


def build_app(settings: Settings) -> App:
    """Wire everything once; channels are started by the caller."""
    from handlers import register_all

    db = Database(settings.database.url, echo=settings.database.echo)
    services = Services(settings=settings)
    register_all(services.registry)
    dispatcher = Dispatcher(db, services.registry, services)
    return App(settings, db, services, dispatcher)
