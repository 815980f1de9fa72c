"""Bearer tokens (kept as SHA-256 digests, unique: the lookup key) and the per-address count of
refused authentications that the throttle reads (ended windows deleted through their index)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def key(length: int) -> sa.types.TypeEngine[str]:
    """Ids and digests: code point order ("C") on PostgreSQL, like SQLite's BINARY."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def stamp(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "tokens",
        sa.Column("id", key(64), nullable=False),
        sa.Column("credential", sa.String, nullable=False),
        sa.Column("digest", key(64), nullable=False),
        stamp("created", nullable=False),
        stamp("expires"),
        stamp("last_used"),
        sa.Column("note", sa.String, nullable=False),
        stamp("revoked"),
        sa.PrimaryKeyConstraint("id", name="pk_tokens"),
    )
    op.create_index("ux_tokens_digest", "tokens", ["digest"], unique=True)
    op.create_table(
        "auth_failures",
        sa.Column("address", sa.String, nullable=False),
        stamp("window_start", nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("address", name="pk_auth_failures"),
    )
    op.create_index("ix_auth_failures_window_start", "auth_failures", ["window_start"])


def downgrade() -> None:
    op.drop_index("ix_auth_failures_window_start", table_name="auth_failures")
    op.drop_table("auth_failures")
    op.drop_index("ux_tokens_digest", table_name="tokens")
    op.drop_table("tokens")
