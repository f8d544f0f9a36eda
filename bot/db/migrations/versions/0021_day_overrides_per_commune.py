"""days off per commune: a day override belongs to a commune, or to the whole province

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 13:00:00.000000

A closed or make-up day is decided by a commune (its `commune_id`) or for every commune of the
province (NULL); a commune's own decision for a day wins over the province's. A location's
override belongs to the location's commune. Those already stored belong to the installation's
one commune; with several communes, an override set for the whole installation stays
province-wide, as it was meant. One decision per day for the province, per commune and per
location: NULLs are distinct in unique constraints, so partial unique indexes (both backends
support them); duplicates left by an old race keep their latest row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "shift_day_overrides"
COMMUNE_WIDE = sa.text("location_id IS NULL")
PROVINCE_WIDE = sa.text("commune_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("commune_id", sa.Integer(), nullable=True))
    op.execute(
        f"UPDATE {TABLE} SET commune_id = (SELECT locations.commune_id FROM locations"
        f" WHERE locations.id = {TABLE}.location_id) WHERE location_id IS NOT NULL"
    )
    op.execute(
        f"UPDATE {TABLE} SET commune_id = (SELECT min(id) FROM communes)"
        " WHERE location_id IS NULL AND (SELECT count(*) FROM communes) = 1"
    )
    op.execute(
        f"DELETE FROM {TABLE} WHERE id NOT IN (SELECT max(id) FROM {TABLE}"
        " GROUP BY day, coalesce(commune_id, 0), coalesce(location_id, 0))"
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f(f"fk_{TABLE}_commune_id_communes"),
            "communes",
            ["commune_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f(f"uq_{TABLE}_location_id_day"), ["location_id", "day"]
        )
        batch_op.create_check_constraint(
            batch_op.f(f"ck_{TABLE}_location_in_commune"),
            "location_id IS NULL OR commune_id IS NOT NULL",
        )
    op.create_index(
        f"uq_{TABLE}_commune_day",
        TABLE,
        ["commune_id", "day"],
        unique=True,
        sqlite_where=COMMUNE_WIDE,
        postgresql_where=COMMUNE_WIDE,
    )
    op.create_index(
        f"uq_{TABLE}_province_day",
        TABLE,
        ["day"],
        unique=True,
        sqlite_where=PROVINCE_WIDE,
        postgresql_where=PROVINCE_WIDE,
    )


def downgrade() -> None:
    op.drop_index(f"uq_{TABLE}_province_day", table_name=TABLE)
    op.drop_index(f"uq_{TABLE}_commune_day", table_name=TABLE)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f"ck_{TABLE}_location_in_commune"), type_="check")
        batch_op.drop_constraint(batch_op.f(f"uq_{TABLE}_location_id_day"), type_="unique")
        batch_op.drop_constraint(batch_op.f(f"fk_{TABLE}_commune_id_communes"), type_="foreignkey")
        batch_op.drop_column("commune_id")
