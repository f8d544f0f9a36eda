"""province: official unit codes, the commune of requests and questions

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 11:00:00.000000

A commune gets the official code of its administrative unit (after the 2025 merger, from the
`vietnam-provinces` list) and its province's code, so a province's report names the real units.
Help requests and the written questions they become belong to the commune whose desk they
reach; those already stored belong to the installation's one commune.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNED = ("help_requests", "questions")


def upgrade() -> None:
    with op.batch_alter_table("communes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("province_code", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_communes_code"), ["code"])
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("commune_id", sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET commune_id = (SELECT min(id) FROM communes)")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("commune_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_commune_id_communes"),
                "communes",
                ["commune_id"],
                ["id"],
                ondelete="CASCADE",
            )
            batch_op.create_index(
                batch_op.f(f"ix_{table}_commune_status"), ["commune_id", "status"], unique=False
            )


def downgrade() -> None:
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_commune_status"))
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_commune_id_communes"), type_="foreignkey"
            )
            batch_op.drop_column("commune_id")
    with op.batch_alter_table("communes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_communes_code"), type_="unique")
        batch_op.drop_column("province_code")
        batch_op.drop_column("code")
