"""aggregate indexes

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 08:00:00.000000

Covering indexes for the tallies and KPIs (bot/services/reports/tallies.py, kpis.py), so their
aggregate queries read index entries only. The report index starts with (day, village_id) and
replaces ix_assistances_day_village; the helper index starts with (helper_id, day) and replaces
ix_assistances_helper_day.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPORT = [
    "day",
    "village_id",
    "household_id",
    "helper_id",
    "procedure",
    "fee_required",
    "account_created",
    "level2_referral",
    "portal_login",
    "submitted_online",
    "papers_digitised",
    "paid_online",
    "other",
]
HELPER = ["helper_id", "day", "household_id", "procedure"]


def upgrade() -> None:
    with op.batch_alter_table("assistances", schema=None) as batch_op:
        batch_op.create_index("ix_assistances_day_report", REPORT)
        batch_op.create_index("ix_assistances_helper_day_household", HELPER)
        batch_op.drop_index("ix_assistances_day_village")
        batch_op.drop_index("ix_assistances_helper_day")


def downgrade() -> None:
    with op.batch_alter_table("assistances", schema=None) as batch_op:
        batch_op.create_index("ix_assistances_day_village", ["day", "village_id"])
        batch_op.create_index("ix_assistances_helper_day", ["helper_id", "day"])
        batch_op.drop_index("ix_assistances_helper_day_household")
        batch_op.drop_index("ix_assistances_day_report")
