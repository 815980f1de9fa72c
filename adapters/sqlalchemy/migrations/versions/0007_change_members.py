"""The members a group gained and lost in each change record (ids, net of the write), for the
change feed and the events that name them; and on SQLite, record numbers that are never reused
(AUTOINCREMENT): without it, SQLite numbers a row after the highest one left, so pruning every
record would number the next one 1 again, behind every follower's cursor."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    columns = [sa.Column("members_added", _JSON, nullable=True),
               sa.Column("members_removed", _JSON, nullable=True)]
    if op.get_bind().dialect.name == "sqlite":  # the table copied once, numbers kept
        with op.batch_alter_table("changes", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}) as batch:
            for column in columns:
                batch.add_column(column)
        return
    # PostgreSQL: nullable columns without a default, no copy; its sequence never goes back
    for column in columns:
        op.add_column("changes", column)


def downgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("members_removed")
        batch.drop_column("members_added")
