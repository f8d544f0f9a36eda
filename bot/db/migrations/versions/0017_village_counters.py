"""village counters

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = ("households", "covered", "accounts", "submitted_online", "paid_online")


def upgrade() -> None:
    op.create_table(
        "village_counters",
        sa.Column("village_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTED),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_village_counters_village_id_villages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("village_id", name=op.f("pk_village_counters")),
    )
    # The figures of the households already registered, in one grouped statement.
    op.execute(
        "INSERT INTO village_counters (village_id, households, covered, accounts,"
        " submitted_online, paid_online)"
        " SELECT village_id, count(*),"
        " sum(CASE WHEN members_with_account >= 1 THEN 1 ELSE 0 END),"
        " sum(members_with_account),"
        " sum(CASE WHEN submitted_online THEN 1 ELSE 0 END),"
        " sum(CASE WHEN paid_online THEN 1 ELSE 0 END)"
        " FROM households GROUP BY village_id"
    )


def downgrade() -> None:
    op.drop_table("village_counters")
