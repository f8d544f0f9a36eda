"""personal targets

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "personal_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=30), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("submitted", sa.Integer(), nullable=False),
        sa.Column("digitised", sa.Integer(), nullable=False),
        sa.Column("paid", sa.Integer(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "submitted >= 0 AND digitised >= 0 AND paid >= 0",
            name=op.f("ck_personal_targets_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_personal_targets_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"],
            ["people.id"],
            name=op.f("fk_personal_targets_set_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_targets")),
        sa.UniqueConstraint(
            "person_id", "field", "month", name=op.f("uq_personal_targets_person_id_field_month")
        ),
    )


def downgrade() -> None:
    op.drop_table("personal_targets")
