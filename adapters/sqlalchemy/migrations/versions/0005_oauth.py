"""OAuth 2.0: registered clients and authorization codes (both by secret digest), and the OAuth
columns of tokens: kind (bearer, access, refresh), client, scope, the authorization (family)
whose tokens are revoked together, and when a refresh token was rotated."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def key(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def stamp(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # ADD COLUMN with a constant default: no copy of the table on SQLite or PostgreSQL
    op.add_column("tokens", sa.Column("kind", sa.String, nullable=False, server_default="bearer"))
    op.add_column("tokens", sa.Column("client_id", sa.String))
    op.add_column("tokens", sa.Column("scope", sa.String, nullable=False, server_default=""))
    op.add_column("tokens", sa.Column("family", sa.String))
    op.add_column("tokens", stamp("replaced"))
    op.create_index("ix_tokens_client_id", "tokens", ["client_id"])
    op.create_index("ix_tokens_family", "tokens", ["family"])
    op.create_table(
        "oauth_clients",
        sa.Column("id", key(64), nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("secret_digest", sa.String, nullable=False),
        sa.Column("redirect_uris", sa.JSON, nullable=False),
        stamp("created", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oauth_clients"),
    )
    op.create_table(
        "oauth_codes",
        sa.Column("digest", key(64), nullable=False),
        sa.Column("client_id", sa.String, nullable=False),
        sa.Column("redirect_uri", sa.String, nullable=False),
        sa.Column("scope", sa.String, nullable=False),
        stamp("created", nullable=False),
        stamp("expires", nullable=False),
        sa.Column("family", sa.String, nullable=False),
        sa.Column("approved_by", sa.String, nullable=False),
        sa.Column("challenge", sa.String),
        sa.Column("challenge_method", sa.String),
        stamp("used"),
        sa.PrimaryKeyConstraint("digest", name="pk_oauth_codes"),
    )


def downgrade() -> None:
    op.drop_table("oauth_codes")
    op.drop_table("oauth_clients")
    op.drop_index("ix_tokens_family", table_name="tokens")
    op.drop_index("ix_tokens_client_id", table_name="tokens")
    with op.batch_alter_table("tokens") as batch:
        for column in ("replaced", "family", "scope", "client_id", "kind"):
            batch.drop_column(column)
