"""What a handler gets for one update: the session, the person, their roles and flow state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.actions import Action
from bot.core.channels import ChannelInfo
from bot.core.messages import Incoming, Replies
from bot.core.services import Services
from bot.db.models import ChatIdentity, ConversationState, Person, Role
from bot.db.models.people import STAFF_ROLES
from bot.locales import t

if TYPE_CHECKING:
    from bot.core.registry import Registry


class UserError(Exception):
    """A problem to explain politely to the person; the update's transaction is rolled back."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass
class Context:
    session: AsyncSession
    incoming: Incoming
    person: Person
    identity: ChatIdentity
    roles: frozenset[Role]
    state: ConversationState
    services: Services
    now: datetime
    channel: ChannelInfo
    registry: Registry
    args: list[str] = field(default_factory=list)
    newcomer: bool = False  # the person was created by this update: nothing of theirs is kept
    # Counts flow changes, so a declared flow can tell whether a step moved to another flow.
    flow_serial: int = 0
    route_name: str = "-"  # which route answered, for metrics

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def start_flow(self, flow: str, step: str, **data: Any) -> None:
        self.state.flow, self.state.step, self.state.data = flow, step, dict(data)
        self.flow_serial += 1

    def end_flow(self) -> None:
        state = self.state
        # Only a change is assigned: an equal value marks the state modified, and each later
        # query of the update then flushes to find that nothing changed (bot/core/state.py).
        if state.flow is not None or state.step is not None or state.data:
            state.flow, state.step, state.data = None, None, {}
        self.flow_serial += 1

    async def follow(self, action: Action) -> Replies:
        """Answer as if the person had pressed `action` (roles are checked again)."""
        return await self.registry.perform(self, action)

    def int_arg(self, index: int) -> int:
        """A numeric argument of a command; anything else is refused politely."""
        try:
            value = int(self.args[index])
        except (IndexError, ValueError):
            raise UserError(t("errors.bad_button")) from None
        if not 0 <= value < 2**53:
            raise UserError(t("errors.bad_button"))
        return value
