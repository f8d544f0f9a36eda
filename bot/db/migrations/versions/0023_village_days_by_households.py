"""a day's helped villages indexed by their households

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 10:00:00.000000

The daily tally lists the villages with the most households on the day: read in this index's
order, the list stops after its first entries instead of sorting every village of the day
(bot/services/reports/digest.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Partial, so the day's other reads keep the key (which holds every figure).
    helped = sa.text("households > 0")
    op.create_index(
        "ix_village_days_day_households",
        "village_days",
        ["day", "households"],
        sqlite_where=helped,
        postgresql_where=helped,
    )


def downgrade() -> None:
    op.drop_index("ix_village_days_day_households", table_name="village_days")
