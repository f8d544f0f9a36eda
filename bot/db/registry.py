"""Imports every model module, so Base.metadata knows all tables (for Alembic and tests)."""

from bot.db import models  # noqa: F401
