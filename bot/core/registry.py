"""Where handlers/ registers commands, buttons, flows, deep links and menu entries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.context import Context
from bot.core.messages import Choice, Reply
from bot.db.models import Role
from bot.locales import t

Replies = Reply | list[Reply]
Handler = Callable[[Context], Awaitable[Replies]]
Guard = Callable[[Context], Awaitable[Replies | None]]
MenuHook = Callable[[Context], Awaitable[list[Choice]]]


@dataclass(frozen=True, slots=True)
class Route:
    handler: Handler
    roles: frozenset[Role] | None = None
    description: str = ""

    def allows(self, roles: frozenset[Role]) -> bool:
        return self.roles is None or bool(self.roles & roles)


@dataclass(frozen=True, slots=True)
class MenuEntry:
    label: str
    payload: str
    roles: frozenset[Role] | None = None


class Registry:
    """Explicit routing tables, filled in one place (handlers.register_all)."""

    def __init__(self) -> None:
        self.commands: dict[str, Route] = {}
        self.choices: dict[str, Route] = {}
        self.flows: dict[str, Route] = {}
        self.deep_links: dict[str, Route] = {}
        self.menu_entries: list[MenuEntry] = []
        self.free_text: Route | None = None
        self.guards: list[Guard] = []
        self.menu_hooks: list[MenuHook] = []

    def command(
        self,
        name: str,
        handler: Handler,
        *,
        roles: set[Role] | None = None,
        description: str = "",
    ) -> None:
        self._add(self.commands, name.lower(), Route(handler, _frozen(roles), description))

    def choice(self, prefix: str, handler: Handler, *, roles: set[Role] | None = None) -> None:
        if ":" in prefix:
            raise ValueError(f"choice prefix may not contain ':': {prefix}")
        self._add(self.choices, prefix, Route(handler, _frozen(roles)))

    def flow(self, name: str, handler: Handler, *, roles: set[Role] | None = None) -> None:
        self._add(self.flows, name, Route(handler, _frozen(roles)))

    def deep_link(self, prefix: str, handler: Handler, *, roles: set[Role] | None = None) -> None:
        self._add(self.deep_links, prefix, Route(handler, _frozen(roles)))

    def text(self, handler: Handler) -> None:
        if self.free_text is not None:
            raise ValueError("free-text handler registered twice")
        self.free_text = Route(handler)

    def guard(self, guard: Guard) -> None:
        """Runs on typed text before any routing; a reply it returns ends the update."""
        self.guards.append(guard)

    def menu_hook(self, hook: MenuHook) -> None:
        """Adds per-person choices (such as "continue where you stopped") above the menu."""
        self.menu_hooks.append(hook)

    def menu(self, label: str, payload: str, *, roles: set[Role] | None = None) -> None:
        Choice(label, payload)  # validates the payload size now, not at the first /start
        self.menu_entries.append(MenuEntry(label, payload, _frozen(roles)))

    def menu_for(self, roles: frozenset[Role]) -> tuple[Choice, ...]:
        return tuple(
            Choice(entry.label, entry.payload)
            for entry in self.menu_entries
            if entry.roles is None or entry.roles & roles
        )

    def public_commands(self) -> list[tuple[str, str]]:
        """Commands everyone may use, with descriptions (for Telegram's command list)."""
        return [
            (name, route.description)
            for name, route in self.commands.items()
            if route.roles is None and route.description
        ]

    @staticmethod
    def _add(table: dict[str, Route], key: str, route: Route) -> None:
        if key in table:
            raise ValueError(f"{key!r} registered twice")
        table[key] = route


def _frozen(roles: set[Role] | None) -> frozenset[Role] | None:
    return frozenset(roles) if roles is not None else None


def menu_choice() -> Choice:
    """The button back to the main menu."""
    return Choice(t("menu.main"), "menu")


def split_payload(payload: str) -> tuple[str, list[str]]:
    prefix, _, rest = payload.partition(":")
    return prefix, rest.split(":") if rest else []


def make_payload(prefix: str, *args: object) -> str:
    return ":".join([prefix, *(str(arg) for arg in args)])
