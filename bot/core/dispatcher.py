"""Turns one Incoming into replies: one transaction, idempotent, routed in a fixed order."""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import menus, state
from bot.core.actions import MainMenu, menu_choice
from bot.core.channels import ChannelInfo
from bot.core.context import Context, UserError
from bot.core.delivery import DeliveryError, kept_replies, queue_rows
from bot.core.errors import DomainError
from bot.core.messages import Attachment, Incoming, Replies, Reply
from bot.core.observer import NOBODY, Observer
from bot.core.registry import Registry, Route, refusal_for
from bot.core.rendering import for_channel
from bot.core.services import Services
from bot.core.settling import Settlement, Settler
from bot.db.engine import Database, lost_connection
from bot.db.models import ProcessedUpdate
from bot.locales import t

log = logging.getLogger(__name__)

Router = Callable[[Context], Awaitable[Replies]]


def parse_command(text: str) -> tuple[str, list[str]]:
    """'/start@MyBot guide-x' -> ('start', ['guide-x'])."""
    head, *args = text.strip().split()
    name = head[1:].split("@", 1)[0].lower()
    return name, args


class Dispatcher:
    """Routing order: commands, buttons (or a typed menu number), the current flow, free text."""

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
        self.channels: dict[str, ChannelInfo] = {}
        self.observer: Observer = NOBODY
        self.settler = Settler(db, lambda: self.clock())

    def connect(self, channel: ChannelInfo) -> None:
        """Declare (or update) what a channel can show; unknown channels get the defaults."""
        self.channels[channel.name] = channel

    def channel(self, name: str) -> ChannelInfo:
        return self.channels.get(name) or ChannelInfo(name)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Process one update; returns what to send, as the channel can show it, once committed."""
        return await self._handle(incoming, self._route)

    async def reopen(self, incoming: Incoming) -> list[Reply]:
        """A chat opened again (a console started anew): the last menu is shown again with the
        same numbers, or the question of a flow left halfway; with neither, this is /start."""
        return await self._handle(incoming, self._reopen)

    async def _handle(self, incoming: Incoming, route: Router) -> list[Reply]:
        started = time.perf_counter()
        answered_by: list[str] = []
        try:
            return await self._handle_retrying(incoming, route, answered_by)
        finally:
            seconds = time.perf_counter() - started
            name = answered_by[-1] if answered_by else "-"
            self.observer.update_handled(incoming.channel, name, seconds)

    async def _handle_retrying(
        self, incoming: Incoming, route: Router, answered_by: list[str]
    ) -> list[Reply]:
        for attempt in (1, 2):
            try:
                return await self._handle_once(incoming, route, answered_by)
            except UserError as problem:
                return await self._refusal(incoming, problem.text)
            except DomainError as problem:
                return await self._refusal(incoming, t(problem.key, **problem.values))
            except IntegrityError:
                if incoming.key and await self._already_processed(incoming.key):
                    log.info("duplicate update %s skipped", incoming.key)
                    return []
                if attempt == 2:
                    log.exception("update %s failed twice on a conflict", incoming.key)
                    return [Reply(t("errors.apology"))]
                # A concurrent first contact from the same person created the row: go again.
            except DBAPIError as error:
                if attempt == 2 or not lost_connection(error):
                    log.exception("handler failed for update %s", incoming.key)
                    return [Reply(t("errors.apology"))]
                log.warning("database connection lost during update %s; again", incoming.key)
            except Exception:
                log.exception("handler failed for update %s", incoming.key)
                return [Reply(t("errors.apology"))]
        raise AssertionError("unreachable")

    async def _handle_once(
        self, incoming: Incoming, route: Router, answered_by: list[str]
    ) -> list[Reply]:
        async with self.db.transaction() as session:
            ctx = await self._context(session, incoming)  # claims the update first
            try:
                routed = await route(ctx)
            finally:
                answered_by.append(ctx.route_name)
            shown, menu = for_channel(
                routed if isinstance(routed, list) else [routed], ctx.channel, self.services.media
            )
            if menu is not None and not incoming.group:  # a group has no private menu
                ctx.state.menu = menu.to_state()
            key = incoming.key if ctx.channel.keeps_replies else None
            if key is not None:
                rows = kept_replies(
                    key,
                    incoming.channel,
                    incoming.chat_id,
                    shown,
                    self.services.media,
                    person_id=ctx.person.id,
                    now=ctx.now,
                )
                await queue_rows(session, rows)
            await session.flush()
        if key is not None and shown:
            self.settler.expect()  # committed: the channel sends them now, then settles
        return shown

    async def settle(
        self, incoming: Incoming, *, sent: int, problem: DeliveryError | None = None
    ) -> None:
        """After a channel sent an update's kept replies: the first `sent` are done (without a
        problem, that is all of them); the one that failed is retried like any outbox row, and
        the delivery loop sends the rest."""
        if not self.channel(incoming.channel).keeps_replies or incoming.key is None:
            return
        if sent == 0 and problem is None:
            return  # there was nothing to send
        settlement = Settlement(incoming.channel, incoming.key, sent, problem)
        await self.settler.settle(settlement, self.observer)

    async def _refusal(self, incoming: Incoming, text: str) -> list[Reply]:
        """A polite refusal after the update's changes were rolled back, with the way out."""
        channel = self.channel(incoming.channel)
        shown, menu = for_channel([_with_menu_hint(text)], channel, self.services.media)
        if menu is not None and not incoming.group:
            async with self.db.transaction() as session:
                await state.remember_menu(session, incoming.channel, incoming.chat_id, menu)
        return shown

    async def _context(self, session: AsyncSession, incoming: Incoming) -> Context:
        now = self.clock()
        chat = await state.load_chat(session, incoming, now)
        return Context(
            session=session,
            incoming=incoming,
            person=chat.person,
            identity=chat.identity,
            roles=chat.roles,
            state=chat.state,
            services=self.services,
            now=now,
            channel=self.channel(incoming.channel),
            registry=self.registry,
            newcomer=chat.newcomer,
        )

    async def _reopen(self, ctx: Context) -> Replies:
        greeting = Reply(
            t("start.welcome_back_waiting", name=ctx.person.display_name or t("start.anonymous"))
        )
        menu = menus.Menu.from_state(ctx.state.menu)
        if menu.items:
            return [greeting, menu.asked_again()]
        flow = self.registry.declared_flows.get(ctx.state.flow or "")
        route = self.registry.flows.get(ctx.state.flow or "")
        if flow is None or route is None or not route.allows(ctx.roles):
            return await self._command(ctx, "/start")
        waiting = await flow.ask_again(ctx)
        return [greeting, *(waiting if isinstance(waiting, list) else [waiting])]

    async def _route(self, ctx: Context) -> Replies:
        incoming = ctx.incoming
        text = (incoming.text or "").strip()
        limit = self.services.settings.bot.max_text_length
        if len(text) > limit:
            return Reply(t("errors.too_long", length=len(text), limit=limit))
        payload = incoming.payload
        # A group chat shares none of the person's private conversation: no menu, no flow.
        menu = menus.Menu.from_state(None if incoming.group else ctx.state.menu)
        if payload is None and not ctx.channel.buttons:
            picked = menus.pick(menu, text)
            if picked is not None:
                payload, text = picked.payload, ""
        if text and not text.startswith("/"):
            for guard in self.registry.guards:
                stopped = await guard(ctx)
                if stopped is not None:
                    return stopped
            if not ctx.channel.buttons:
                if menu.items and (
                    menus.typed_number(text) is not None or menus.is_navigation(text)
                ):
                    return menus.shown_again(menu, text)
                if menus.is_navigation(text):
                    return await ctx.follow(MainMenu())
        if text.startswith("/"):
            return await self._command(ctx, text)
        if payload is not None:
            found = self.registry.find(payload)
            if found is None:
                return _with_menu_hint(t("errors.bad_button"))
            route, parts = found
            return await self._call(route, ctx, parts)
        if not text:
            attached = incoming.attachment
            key = "errors.empty" if attached is None else ATTACHMENT_ANSWERS[attached]
            return _with_menu_hint(t(key))
        flow = None if incoming.group else self.registry.flows.get(ctx.state.flow or "")
        if flow is not None:
            if not flow.allows(ctx.roles):  # the role was revoked in the middle of the flow
                ctx.end_flow()
            return await self._call(flow, ctx, [])
        if self.registry.free_text is None:
            return _with_menu_hint(t("fallback.text"))
        return await self._call(self.registry.free_text, ctx, [])

    async def _command(self, ctx: Context, text: str) -> Replies:
        name, args = parse_command(text)
        route = self.registry.commands.get(name)
        if route is None:
            return _with_menu_hint(t("errors.unknown_command", command=f"/{printable(name)}"))
        return await self._call(route, ctx, args)

    async def _call(self, route: Route, ctx: Context, parts: list[str]) -> Replies:
        ctx.route_name = route.name
        refusal = refusal_for(route, ctx)
        if refusal is not None:
            log.info("person %s refused a route (roles %s)", ctx.person.id, route.roles)
            return _with_menu_hint(refusal)
        return await route.call(ctx, parts)

    async def _already_processed(self, key: str) -> bool:
        async with self.db.sessionmaker() as session:
            found = await session.scalar(
                select(ProcessedUpdate.key).where(ProcessedUpdate.key == key)
            )
            return found is not None


def printable(typed: str, limit: int = 40) -> str:
    """Typed text safe to echo: no control or direction marks (which can disguise text), short."""
    kept = "".join(ch for ch in typed if unicodedata.category(ch) not in ("Cc", "Cf"))
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


# What is said to something other than text: what works instead, kindly; nothing of it is kept.
ATTACHMENT_ANSWERS = {
    Attachment.PHOTO: "errors.photo_not_kept",
    Attachment.STICKER: "errors.sticker",
    Attachment.VOICE: "errors.voice",
    Attachment.DOCUMENT: "errors.unsupported",
    Attachment.OTHER: "errors.unsupported",
}


def _with_menu_hint(text: str) -> Reply:
    return Reply(text, choices=(menu_choice(),))
