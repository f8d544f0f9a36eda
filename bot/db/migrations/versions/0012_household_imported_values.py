"""households remember what the register file said at the last import

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-15 08:00:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The fields a register file carries besides village and code, with their column types.
FIELDS: dict[str, sa.types.TypeEngine[Any]] = {
    "head_name": sa.String(120),
    "members": sa.Integer(),
    "members_with_account": sa.Integer(),
    "submitted_online": sa.Boolean(),
    "paid_online": sa.Boolean(),
    "phone": sa.String(20),
    "note": sa.Text(),
}


def upgrade() -> None:
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.add_column(sa.Column("imported_values", sa.JSON(), nullable=True))
    remember_earlier_imports(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_column("imported_values")


def last_writers(connection: Connection) -> dict[str, dict[str, str]]:
    """Per household id (as text) and field, the audit action that last wrote it."""
    audit = sa.table(
        "audit_log",
        sa.column("id", sa.Integer()),
        sa.column("action", sa.String()),
        sa.column("entity", sa.String()),
        sa.column("entity_id", sa.String()),
        sa.column("after", sa.JSON()),
    )
    writers: dict[str, dict[str, str]] = {}
    rows = connection.execute(
        sa.select(audit.c.entity_id, audit.c.action, audit.c.after)
        .where(audit.c.entity == "household")
        .order_by(audit.c.id)
    )
    for entity_id, action, after in rows:
        fields = writers.setdefault(entity_id, {})
        for name in after or {}:
            fields[name] = action
    return writers


def remember_earlier_imports(connection: Connection) -> None:
    """Fill imported_values for households imported before this column existed.

    A field whose last audited write was an import still holds what that import wrote, so its
    stored value is what the file said. A field last written in chat is left out, which makes
    it "changed in chat": the next import keeps it and reports it rather than undoing it. An
    import that found a value already equal wrote no audit row; such a field is left out too,
    which errs on the side of keeping the chat's value.
    """
    writers = last_writers(connection)
    households = sa.table(
        "households",
        sa.column("id", sa.Integer()),
        *(sa.column(name, kind) for name, kind in FIELDS.items()),
        sa.column("imported_values", sa.JSON()),
    )
    updates = []
    columns = [households.c[name] for name in FIELDS]
    for row in connection.execute(sa.select(households.c.id, *columns)):
        written = writers.get(str(row.id), {})
        values = {name: row._mapping[name] for name in FIELDS if written.get(name) == "import"}
        if values:
            updates.append({"row_id": row.id, "values": values})
    if updates:
        connection.execute(
            households.update()
            .where(households.c.id == sa.bindparam("row_id"))
            .values(imported_values=sa.bindparam("values", type_=sa.JSON())),
            updates,
        )
