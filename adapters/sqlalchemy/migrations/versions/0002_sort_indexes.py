"""Indexes that serve sortBy with its id tie-break: (userName key, id), (displayName key, id).

Without the id column, a sorted page deep into the list needs a sort of every skipped row
(SQLite: a temp B-tree; measured 90 ms for the last page of 100k users, 6 ms with the index).
The (displayName key, id) indexes replace the single-column ones, which they also serve."""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_users_user_name_key_id", "users", ["user_name_key", "id"])
    op.drop_index("ix_users_display_name_key", table_name="users")
    op.create_index("ix_users_display_name_key_id", "users", ["display_name_key", "id"])
    op.drop_index("ix_groups_display_name_key", table_name="groups")
    op.create_index("ix_groups_display_name_key_id", "groups", ["display_name_key", "id"])


def downgrade() -> None:
    op.drop_index("ix_groups_display_name_key_id", table_name="groups")
    op.create_index("ix_groups_display_name_key", "groups", ["display_name_key"])
    op.drop_index("ix_users_display_name_key_id", table_name="users")
    op.create_index("ix_users_display_name_key", "users", ["display_name_key"])
    op.drop_index("ix_users_user_name_key_id", table_name="users")
