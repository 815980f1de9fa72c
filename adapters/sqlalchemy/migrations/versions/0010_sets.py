"""SET receivers' delivery state (domain/sets/poll.py): each receiver's cursor in the change
records (every record at or below it settled) and the SETs it settled above it: acknowledged
out of order (forgotten once the cursor passes them) or reported in setErrs (kept)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def key(length: int) -> sa.types.TypeEngine[str]:
    """Names: code point order ("C") on PostgreSQL, like SQLite's BINARY."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "set_receivers",
        sa.Column("name", key(64), nullable=False),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_set_receivers"),
    )
    op.create_table(
        "set_outcomes",
        sa.Column("receiver", key(64), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("jti", sa.String, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("err", sa.String),
        sa.Column("description", sa.String, nullable=False),
        sa.PrimaryKeyConstraint("receiver", "seq", "idx", name="pk_set_outcomes"),
    )


def downgrade() -> None:
    op.drop_table("set_outcomes")
    op.drop_table("set_receivers")
