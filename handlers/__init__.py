"""Every feature's handlers, registered explicitly in one place; order matters for the menu."""

from bot.core.registry import Registry
from handlers import start


def register_all(registry: Registry) -> None:
    """Fill the registry; the free-text fallback comes last."""
    start.register(registry)
    registry.text(start.not_understood)
