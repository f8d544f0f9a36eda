"""communes as tenants: roles, invites, FAQ and a person's own commune

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 12:00:00.000000

A role is held in a commune (NULL: a province role) and an invite gives one there; a saved FAQ
answers a commune's citizens; a person may choose the commune whose desk serves them (NULL:
not chosen, which in an installation of one commune means that one). What is already stored
belongs to the installation's one commune (people included: they were its citizens and staff);
a village's grant or invite to that village's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST_COMMUNE = "(SELECT min(id) FROM communes)"
VILLAGE_COMMUNE = (
    "(SELECT villages.commune_id FROM villages WHERE villages.id = {table}.village_id)"
)


def _add_commune(table: str, *, nullable: bool, backfill: str | None) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column("commune_id", sa.Integer(), nullable=True))
    if backfill is not None:
        op.execute(f"UPDATE {table} SET commune_id = {backfill}")
    with op.batch_alter_table(table, schema=None) as batch_op:
        if not nullable:
            batch_op.alter_column("commune_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f(f"fk_{table}_commune_id_communes"),
            "communes",
            ["commune_id"],
            ["id"],
            ondelete="CASCADE" if table != "people" else "SET NULL",
        )


def upgrade() -> None:
    for table in ("role_grants", "invites"):
        village_or_first = f"coalesce({VILLAGE_COMMUNE.format(table=table)}, {FIRST_COMMUNE})"
        _add_commune(table, nullable=True, backfill=village_or_first)
    _add_commune("faqs", nullable=False, backfill=FIRST_COMMUNE)
    _add_commune("people", nullable=True, backfill=FIRST_COMMUNE)
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_role_grants_commune_role"), ["commune_id", "role"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_grants_commune_role"))
    for table in ("role_grants", "invites", "faqs", "people"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_commune_id_communes"), type_="foreignkey"
            )
            batch_op.drop_column("commune_id")
