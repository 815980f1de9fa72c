"""The User a bearer token is bound to (`scim-service token create NAME --user USERNAME`), whom
/Me names (RFC 7644 §3.11): its id, resolved when the token was issued; and the User of an
OAuth client (`oauth client add --user`), copied to each token issued to it."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a nullable column without a default: no copy of the table on SQLite or PostgreSQL
    op.add_column("tokens", sa.Column("user_id", sa.String, nullable=True))
    op.add_column("oauth_clients", sa.Column("user_id", sa.String, nullable=True))


def downgrade() -> None:
    for table in ("oauth_clients", "tokens"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("user_id")
