"""Turns one Incoming into replies: one transaction, idempotent, routed in a fixed order."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.context import Context, UserError
from bot.core.messages import Attachment, Incoming, Reply
from bot.core.registry import Registry, Replies, Route, menu_choice, split_payload
from bot.db.engine import Database
from bot.db.models import ProcessedUpdate
from bot.locales import t
from bot.services import people
from bot.services.errors import DomainError

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


def parse_command(text: str) -> tuple[str, list[str]]:
    """'/start@MyBot guide-x' -> ('start', ['guide-x'])."""
    head, *args = text.strip().split()
    name = head[1:].split("@", 1)[0].lower()
    return name, args


class Dispatcher:
    """Routing order: commands, the current flow's step (text), buttons, then free text."""

    def __init__(
        self,
        db: Database,
        registry: Registry,
        services: Services,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.registry = registry
        self.services = services
        self.clock = clock

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Process one update; returns what to send once it is committed."""
        for attempt in (1, 2):
            try:
                return await self._handle_once(incoming)
            except UserError as problem:
                return [self._with_menu_hint(problem.text)]
            except DomainError as problem:
                return [self._with_menu_hint(t(problem.key, **problem.values))]
            except IntegrityError:
                if incoming.key and await self._already_processed(incoming.key):
                    log.info("duplicate update %s skipped", incoming.key)
                    return []
                if attempt == 2:
                    log.exception("update %s failed twice on a conflict", incoming.key)
                    return [Reply(t("errors.apology"))]
                # A concurrent first contact from the same person created the row: go again.
            except Exception:
                log.exception("handler failed for update %s", incoming.key)
                return [Reply(t("errors.apology"))]
        raise AssertionError("unreachable")

    async def _handle_once(self, incoming: Incoming) -> list[Reply]:
        async with self.db.transaction() as session:
            if incoming.key is not None:
                # Claimed first: a duplicate fails right here on the primary key and is skipped.
                session.add(ProcessedUpdate(key=incoming.key, processed_at=self.clock()))
                await session.flush()
            ctx = await self._context(session, incoming)
            replies = await self._route(ctx)
            await session.flush()
        return replies if isinstance(replies, list) else [replies]

    async def _context(self, session: AsyncSession, incoming: Incoming) -> Context:
        now = self.clock()
        person, identity = await people.identify(session, incoming, now)
        return Context(
            session=session,
            incoming=incoming,
            person=person,
            identity=identity,
            roles=await people.active_roles(session, person.id),
            state=await people.load_state(session, identity),
            services=self.services,
            now=now,
        )

    async def _route(self, ctx: Context) -> Replies:
        incoming = ctx.incoming
        text = (incoming.text or "").strip()
        limit = self.services.settings.bot.max_text_length
        if len(text) > limit:
            return Reply(t("errors.too_long", length=len(text), limit=limit))
        if text and not text.startswith("/"):
            for guard in self.registry.guards:
                stopped = await guard(ctx)
                if stopped is not None:
                    return stopped
        if text.startswith("/"):
            name, ctx.args = parse_command(text)
            route = self.registry.commands.get(name)
            if route is None:
                return self._with_menu_hint(t("errors.unknown_command", command=f"/{name}"))
            return await self._call(route, ctx)
        if incoming.payload is not None:
            prefix, ctx.args = split_payload(incoming.payload)
            route = self.registry.choices.get(prefix)
            if route is None:
                return self._with_menu_hint(t("errors.bad_button"))
            return await self._call(route, ctx)
        if not text:
            if incoming.attachment is Attachment.PHOTO:
                return self._with_menu_hint(t("errors.photo_not_kept"))
            key = "errors.unsupported" if incoming.attachment else "errors.empty"
            return self._with_menu_hint(t(key))
        if ctx.state.flow is not None and ctx.state.flow in self.registry.flows:
            route = self.registry.flows[ctx.state.flow]
            if not route.allows(ctx.roles):  # the role was revoked in the middle of the flow
                ctx.end_flow()
            return await self._call(route, ctx)
        if self.registry.free_text is None:
            return self._with_menu_hint(t("fallback.text"))
        return await self._call(self.registry.free_text, ctx)

    async def _call(self, route: Route, ctx: Context) -> Replies:
        if not route.allows(ctx.roles):
            log.info("person %s refused a route needing %s", ctx.person.id, route.roles)
            return self._with_menu_hint(t("errors.not_allowed"))
        return await route.handler(ctx)

    def _with_menu_hint(self, text: str) -> Reply:
        return Reply(text, choices=(menu_choice(),))

    async def _already_processed(self, key: str) -> bool:
        async with self.db.sessionmaker() as session:
            found = await session.scalar(
                select(ProcessedUpdate.key).where(ProcessedUpdate.key == key)
            )
            return found is not None
