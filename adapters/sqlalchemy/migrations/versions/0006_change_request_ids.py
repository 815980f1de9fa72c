"""The request id of each change record (the X-Request-ID the request log shows), so the audit
trail and the logs name the same request; and an index on the records' time (audit --since,
audit prune --before)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a nullable column without a default: no copy of the table on SQLite or PostgreSQL
    op.add_column("changes", sa.Column("request_id", sa.String, nullable=True))
    op.create_index("ix_changes_at", "changes", ["at"])


def downgrade() -> None:
    op.drop_index("ix_changes_at", table_name="changes")
    op.drop_column("changes", "request_id")
