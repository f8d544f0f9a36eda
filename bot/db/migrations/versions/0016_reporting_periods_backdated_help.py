"""reporting periods backdated help

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 07:00:00.000000

Help may be logged for an earlier day (up to 7 days back) or imported from the desk's sheet:
`assistances.logged_late` marks such entries (`day` is when the help was given, `at` when it
was written down). Earlier entries were all logged on the day, hence false.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assistances", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("logged_late", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("assistances", schema=None) as batch_op:
        batch_op.drop_column("logged_late")
