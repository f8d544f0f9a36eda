"""Composition root: settings -> engine -> services -> dispatcher -> channels."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.core.registry import Registry
from bot.db.engine import create_engine, create_sessionmaker
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
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    services: Services
    dispatcher: Dispatcher

    async def prepare_database(self) -> None:
        """Apply migrations; load the demo commune when configured."""
        await upgrade(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()


def build_app(settings: Settings) -> App:
    """Wire everything once; channels are started by the caller."""
    from handlers import register_all

    engine = create_engine(settings.database.url, echo=settings.database.echo)
    sessionmaker = create_sessionmaker(engine)
    services = Services(settings=settings)
    register_all(services.registry)
    dispatcher = Dispatcher(sessionmaker, services.registry, services)
    return App(settings, engine, sessionmaker, services, dispatcher)
