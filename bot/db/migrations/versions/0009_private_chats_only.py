"""a chat identity's chat is only ever a private chat: none until the person writes privately

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_identities", schema=None) as batch_op:
        batch_op.alter_column("chat_id", existing_type=sa.String(length=64), nullable=True)
    # Telegram group chats have negative ids: they were never a person's private chat.
    op.execute(
        "UPDATE chat_identities SET chat_id = NULL "
        "WHERE channel = 'telegram' AND chat_id LIKE '-%'"
    )


def downgrade() -> None:
    op.execute("UPDATE chat_identities SET chat_id = external_id WHERE chat_id IS NULL")
    with op.batch_alter_table("chat_identities", schema=None) as batch_op:
        batch_op.alter_column("chat_id", existing_type=sa.String(length=64), nullable=False)
