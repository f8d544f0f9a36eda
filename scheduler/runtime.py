"""What scheduled jobs work with: the database, services, the running channels and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.delivery import Sender
from bot.core.observer import NOBODY, Observer
from bot.core.services import Services
from bot.db.base import utcnow
from bot.db.engine import Database
from scheduler.leader import Leadership


@dataclass
class Runtime:
    db: Database
    services: Services
    senders: dict[str, Sender] = field(default_factory=dict)
    clock: Callable[[], datetime] = utcnow
    leadership: Leadership | None = None
    observer: Observer = NOBODY  # what the web app's metrics count

    @property
    def is_leader(self) -> bool:
        return self.leadership is None or self.leadership.is_leader
