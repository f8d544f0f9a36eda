"""help-desk figures kept per village day and helper day

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 14:00:00.000000

`village_days` and `helper_days` (bot/db/models/visit_totals.py), filled from the visits
already logged with the same credits the app keeps: one grouped statement each over the log
with its window functions (SQLite 3.25+ and PostgreSQL).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS = (
    "account_created",
    "level2_referral",
    "portal_login",
    "submitted_online",
    "papers_digitised",
    "paid_online",
    "other",
)
DOSSIERS = {
    "dossiers": "procedure IS NOT NULL",
    "dossiers_online": "procedure IS NOT NULL AND submitted_online",
    "dossiers_digitised": "procedure IS NOT NULL AND papers_digitised",
    "fee_dossiers": "procedure IS NOT NULL AND fee_required",
    "fees_paid": "procedure IS NOT NULL AND fee_required AND paid_online",
}
CREDITS = {
    "households": "a.household_id, a.village_id, a.day",
    "week_households": "a.household_id, a.village_id, {week}",
    "commune_households": "a.household_id, v.commune_id, a.day",
    "commune_week_households": "a.household_id, v.commune_id, {week}",
    "commune_month_households": "a.household_id, v.commune_id, {month}",
    "helper_households": "a.household_id, a.helper_id, v.commune_id, a.day",
    "helper_month_households": "a.household_id, a.helper_id, v.commune_id, {month}",
}
VILLAGE_FIELDS = ("visits", *ACTIONS, *DOSSIERS, *list(CREDITS)[:5])


def _credited(dialect: str) -> str:
    if dialect == "postgresql":
        week, month = "date_trunc('week', a.day)", "date_trunc('month', a.day)"
    else:
        week, month = "date(a.day, 'weekday 0', '-6 days')", "strftime('%Y-%m', a.day)"
    flags = [f"CASE WHEN a.{name} THEN 1 ELSE 0 END AS {name}" for name in ACTIONS]
    flags += [f"CASE WHEN {test} THEN 1 ELSE 0 END AS {name}" for name, test in DOSSIERS.items()]
    firsts = [
        f"CASE WHEN row_number() OVER (PARTITION BY {partition.format(week=week, month=month)}"
        f" ORDER BY a.day, a.at, a.id) = 1 THEN 1 ELSE 0 END AS {name}"
        for name, partition in CREDITS.items()
    ]
    return (
        "SELECT a.village_id, v.commune_id, a.helper_id, a.day, "
        + ", ".join(flags + firsts)
        + " FROM assistances a JOIN villages v ON v.id = a.village_id"
    )


def upgrade() -> None:
    counted = [sa.Column(name, sa.Integer(), nullable=False) for name in VILLAGE_FIELDS]
    op.create_table(
        "village_days",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *counted,
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_village_days_village_id_villages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("village_id", "day", name=op.f("pk_village_days")),
    )
    op.create_index("ix_village_days_day", "village_days", ["day", "village_id"])
    op.create_table(
        "helper_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helper_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("visits", "dossiers", "households", "month_households")
        ),
        sa.ForeignKeyConstraint(
            ["helper_id"],
            ["people.id"],
            name=op.f("fk_helper_days_helper_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_helper_days_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helper_days")),
        sa.UniqueConstraint(
            "helper_id", "commune_id", "day", name=op.f("uq_helper_days_helper_id_commune_id_day")
        ),
    )
    op.create_index("ix_helper_days_day", "helper_days", ["day", "helper_id"])
    credited = _credited(op.get_bind().dialect.name)
    sums = ", ".join(f"sum({name})" for name in VILLAGE_FIELDS[1:])
    op.execute(
        f"INSERT INTO village_days (village_id, day, {', '.join(VILLAGE_FIELDS)})"
        f" SELECT village_id, day, count(*), {sums} FROM ({credited}) AS credited"
        " GROUP BY village_id, day"
    )
    op.execute(
        "INSERT INTO helper_days (helper_id, commune_id, day, visits, dossiers, households,"
        " month_households) SELECT helper_id, commune_id, day, count(*), sum(dossiers),"
        f" sum(helper_households), sum(helper_month_households) FROM ({credited}) AS credited"
        " GROUP BY helper_id, commune_id, day"
    )


def downgrade() -> None:
    op.drop_table("helper_days")
    op.drop_table("village_days")
