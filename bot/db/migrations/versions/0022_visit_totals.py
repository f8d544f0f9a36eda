"""help-desk figures kept per village day and week, and per helper day

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 14:00:00.000000

`village_days`, `village_weeks` and `helper_days` (bot/db/models/visit_totals.py), filled
from the visits already logged with the same credits the app keeps: one grouped statement
each over the log with its window functions (SQLite 3.25+ and PostgreSQL), the weeks summed
from the days. Keyed day (week) first; on SQLite stored in that order (WITHOUT ROWID).
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
WEEK_FIELDS = ("visits", *ACTIONS, "week_households", "commune_week_households")
HELPER_FIELDS = ("visits", "dossiers", "households", "month_households")


def _periods(dialect: str, day: str) -> tuple[str, str]:
    if dialect == "postgresql":
        return f"CAST(date_trunc('week', {day}) AS DATE)", f"date_trunc('month', {day})"
    return f"date({day}, 'weekday 0', '-6 days')", f"strftime('%Y-%m', {day})"


def _credited(dialect: str) -> str:
    week, month = _periods(dialect, "a.day")
    flags = [f"CASE WHEN a.{name} THEN 1 ELSE 0 END AS {name}" for name in ACTIONS]
    flags += [f"CASE WHEN {test} THEN 1 ELSE 0 END AS {name}" for name, test in DOSSIERS.items()]
    firsts = [
        f"CASE WHEN row_number() OVER (PARTITION BY {partition.format(week=week, month=month)}"
        f" ORDER BY a.day, a.at, a.id) = 1 THEN 1 ELSE 0 END AS {name}"
        for name, partition in CREDITS.items()
    ]
    return (
        "SELECT a.day, a.village_id, v.commune_id, coalesce(a.helper_id, 0) AS helper_id, "
        + ", ".join(flags + firsts)
        + " FROM assistances a JOIN villages v ON v.id = a.village_id"
    )


def _figures(names: Sequence[str]) -> list[sa.Column[int]]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def _village(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["village_id"],
        ["villages.id"],
        name=op.f(f"fk_{table}_village_id_villages"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "village_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        *_figures(VILLAGE_FIELDS),
        _village("village_days"),
        sa.PrimaryKeyConstraint("day", "village_id", name=op.f("pk_village_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "village_weeks",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        *_figures(WEEK_FIELDS),
        _village("village_weeks"),
        sa.PrimaryKeyConstraint("week", "village_id", name=op.f("pk_village_weeks")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "helper_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("helper_id", sa.Integer(), autoincrement=False, nullable=False),
        *_figures(HELPER_FIELDS),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_helper_days_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", "commune_id", "helper_id", name=op.f("pk_helper_days")),
        sqlite_with_rowid=False,
    )
    dialect = op.get_bind().dialect.name
    credited = _credited(dialect)
    sums = ", ".join(f"sum({name})" for name in VILLAGE_FIELDS[1:])
    op.execute(
        f"INSERT INTO village_days (day, village_id, {', '.join(VILLAGE_FIELDS)})"
        f" SELECT day, village_id, count(*), {sums} FROM ({credited}) AS credited"
        " GROUP BY day, village_id ORDER BY day, village_id"
    )
    op.execute(
        f"INSERT INTO helper_days (day, commune_id, helper_id, {', '.join(HELPER_FIELDS)})"
        " SELECT day, commune_id, helper_id, count(*), sum(dossiers), sum(helper_households),"
        f" sum(helper_month_households) FROM ({credited}) AS credited"
        " GROUP BY day, commune_id, helper_id ORDER BY day, commune_id, helper_id"
    )
    week = _periods(dialect, "day")[0]
    op.execute(
        f"INSERT INTO village_weeks (week, village_id, {', '.join(WEEK_FIELDS)})"
        f" SELECT {week}, village_id, {', '.join(f'sum({name})' for name in WEEK_FIELDS)}"
        " FROM village_days GROUP BY 1, village_id ORDER BY 1, village_id"
    )


def downgrade() -> None:
    op.drop_table("helper_days")
    op.drop_table("village_weeks")
    op.drop_table("village_days")
