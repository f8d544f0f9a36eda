"""The routing tables: commands, button actions, flows, deep links and menu entries.

handlers/__init__.py fills them in one place. Every route names the roles that may use it, and
the dispatcher checks them again on every update, whatever a button claims.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.core.actions import SEPARATOR, Action, BadPayload
from bot.core.context import Context, UserError
from bot.core.flows import Flow, FlowData
from bot.core.messages import Choice, Replies
from bot.db.models import Role
from bot.locales import t

A = TypeVar("A", bound=Action)
Handler = Callable[[Context], Awaitable[Replies]]
ActionHandler = Callable[[Context, A], Awaitable[Replies]] | Handler
Guard = Callable[[Context], Awaitable[Replies | None]]
MenuHook = Callable[[Context], Awaitable[list[Choice]]]
Call = Callable[[Context, list[str]], Awaitable[Replies]]


@dataclass(frozen=True, slots=True)
class Route:
    """Something a person can trigger, with the roles allowed to (None: everyone)."""

    call: Call
    roles: frozenset[Role] | None = None
    description: str = ""
    groups: bool = False  # also answered in group chats (only what is public may be)
    name: str = ""  # what it is called in metrics: "/start", "OpenGuide", "flow:hh_new"

    def allows(self, roles: frozenset[Role]) -> bool:
        return self.roles is None or bool(self.roles & roles)


@dataclass(frozen=True, slots=True)
class MenuEntry:
    choice: Choice
    roles: frozenset[Role] | None = None
    groups: bool = False


class Registry:
    """Explicit routing tables, filled once at start (handlers.register_all)."""

    def __init__(self) -> None:
        self.commands: dict[str, Route] = {}
        self.buttons: dict[str, Route] = {}  # payload prefix -> route
        self.flows: dict[str, Route] = {}  # flow name -> route for typed text
        self.declared_flows: dict[str, Flow[Any]] = {}
        self.deep_links: dict[str, Route] = {}
        self.menu_entries: list[MenuEntry] = []
        self.free_text: Route | None = None
        self.guards: list[Guard] = []
        self.menu_hooks: list[MenuHook] = []
        self._flows_by_prefix: dict[str, list[Flow[Any]]] = {}

    def command(
        self,
        name: str,
        handler: Handler,
        *,
        roles: set[Role] | None = None,
        description: str = "",
        groups: bool = False,
    ) -> None:
        """/name [args]: the handler reads ctx.args."""
        route = Route(_with_args(handler), _frozen(roles), description, groups, f"/{name}")
        _add(self.commands, name.lower(), route)

    def action(
        self,
        action: type[A],
        handler: ActionHandler[A],
        *,
        roles: set[Role] | None = None,
        groups: bool = False,
    ) -> None:
        """A button: the payload is parsed into `action` before the handler sees it."""
        route = Route(_typed(action, handler), _frozen(roles), groups=groups, name=action.__name__)
        _add(self.buttons, action.prefix, route)

    def flow(self, flow: Flow[Any], *, roles: set[Role] | None = None) -> None:
        """A declared flow: typed text while it is current, and its answer buttons.

        Flows of one feature may share a button prefix; a press goes to whichever is current.
        """
        allowed = _frozen(roles)
        _add(self.flows, flow.name, Route(_typed_text(flow), allowed, name=f"flow:{flow.name}"))
        self.declared_flows[flow.name] = flow
        if flow.prefix is None:
            return
        sharing = self._flows_by_prefix.setdefault(flow.prefix, [])
        if sharing and self.buttons[flow.prefix].roles != allowed:
            raise ValueError(f"flows sharing {flow.prefix!r} must allow the same roles")
        if not sharing and flow.prefix in self.buttons:
            raise ValueError(f"{flow.prefix!r} registered twice")
        sharing.append(flow)
        name = f"flow:{flow.prefix}"
        self.buttons[flow.prefix] = Route(_flow_buttons(sharing), allowed, name=name)

    def deep_link(
        self,
        prefix: str,
        handler: Handler,
        *,
        roles: set[Role] | None = None,
        groups: bool = False,
    ) -> None:
        """/start <prefix>-<value>: the handler gets the value as ctx.args[0]."""
        route = Route(_with_args(handler), _frozen(roles), groups=groups, name=f"link:{prefix}")
        _add(self.deep_links, prefix, route)

    def text(self, handler: Handler, *, groups: bool = False) -> None:
        """Free text that no flow is waiting for."""
        if self.free_text is not None:
            raise ValueError("free-text handler registered twice")
        self.free_text = Route(_with_args(handler), groups=groups, name="text")

    def guard(self, guard: Guard) -> None:
        """Runs on typed text before any routing; a reply it returns ends the update."""
        self.guards.append(guard)

    def menu_hook(self, hook: MenuHook) -> None:
        """Adds per-person choices (such as "continue where you stopped") above the menu."""
        self.menu_hooks.append(hook)

    def menu(
        self, label: str, action: Action, *, roles: set[Role] | None = None, groups: bool = False
    ) -> None:
        self.menu_entries.append(MenuEntry(action.button(label), _frozen(roles), groups))

    def menu_for(self, roles: frozenset[Role], *, group: bool = False) -> tuple[Choice, ...]:
        """The main menu of someone with these roles, in a private chat or in a group."""
        return tuple(
            entry.choice
            for entry in self.menu_entries
            if (entry.roles is None or entry.roles & roles) and (entry.groups or not group)
        )

    def public_commands(self) -> list[tuple[str, str]]:
        """Commands everyone may use, with descriptions (for Telegram's command list)."""
        return [
            (name, route.description)
            for name, route in self.commands.items()
            if route.roles is None and route.description
        ]

    def find(self, payload: str) -> tuple[Route, list[str]] | None:
        """The route of a button payload (its longest registered prefix) and the parts after."""
        parts = payload.split(SEPARATOR)
        for length in range(len(parts), 0, -1):
            prefix = SEPARATOR.join(parts[:length])
            route = self.buttons.get(prefix)
            if route is None:
                continue
            if length < len(parts) and self._has_verbs(prefix):
                return None  # "ho:nonsense": not one of the verbs declared under "ho"
            return route, parts[length:]
        return None

    def _has_verbs(self, prefix: str) -> bool:
        return any(key.startswith(prefix + SEPARATOR) for key in self.buttons)

    async def perform(self, ctx: Context, action: Action) -> Replies:
        """Run the route of an action for this person, refusing a role they lack."""
        found = self.find(action.pack())
        if found is None:
            raise ValueError(f"no route for {type(action).__name__}")
        route, parts = found
        refusal = refusal_for(route, ctx)
        if refusal is not None:
            raise UserError(refusal)
        return await route.call(ctx, parts)


def refusal_for(route: Route, ctx: Context) -> str | None:
    """Why this person may not use the route here, or None (in a group chat, only public
    routes answer, whoever asks)."""
    if ctx.incoming.group and not route.groups:
        link = ctx.channel.chat_link
        private = t("groups.private_only")
        return f"{private}\n{t('groups.private_link', link=link)}" if link else private
    if not route.allows(ctx.roles):
        return t("errors.not_allowed")
    return None


def _add(table: dict[str, Route], key: str, route: Route) -> None:
    if key in table:
        raise ValueError(f"{key!r} registered twice")
    table[key] = route


def _frozen(roles: set[Role] | None) -> frozenset[Role] | None:
    return frozenset(roles) if roles is not None else None


def _with_args(handler: Handler) -> Call:
    async def call(ctx: Context, args: list[str]) -> Replies:
        ctx.args = args
        return await handler(ctx)

    return call


def _typed(action: type[A], handler: ActionHandler[A]) -> Call:
    required = [
        parameter
        for parameter in inspect.signature(handler).parameters.values()
        if parameter.default is inspect.Parameter.empty
    ]
    takes_action = len(required) == 2

    async def call(ctx: Context, parts: list[str]) -> Replies:
        try:
            pressed = action.unpack(parts)
        except BadPayload:
            raise UserError(t("errors.bad_button")) from None
        if takes_action:
            return await handler(ctx, pressed)  # type: ignore[call-arg]
        return await handler(ctx)  # type: ignore[call-arg]

    return call


def _flow_buttons(flows: list[Flow[Any]]) -> Call:
    async def call(ctx: Context, parts: list[str]) -> Replies:
        current = next((flow for flow in flows if flow.is_current(ctx)), flows[0])
        return await current.pressed(ctx, parts)

    return call


def _typed_text(flow: Flow[FlowData]) -> Call:
    async def call(ctx: Context, _: list[str]) -> Replies:
        return await flow.typed(ctx)

    return call
