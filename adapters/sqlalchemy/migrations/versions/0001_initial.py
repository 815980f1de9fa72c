"""Initial schema: users with their emails, groups, memberships, change records, settings."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def key(length: int | None = None) -> sa.types.TypeEngine[str]:
    """Ids and comparison keys: code point order ("C") on PostgreSQL, like SQLite's BINARY."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def doc() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def stamp(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", key(64), nullable=False),
        sa.Column("user_name", sa.String(), nullable=True),
        sa.Column("user_name_key", key(), nullable=True),
        sa.Column("external_id", key(), nullable=True),
        sa.Column("display_name", sa.String(), nullable=True),
        sa.Column("display_name_key", key(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        stamp("created"),
        stamp("last_modified"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("doc", doc(), nullable=False),
        sa.Column("doc_key", doc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_index("ix_users_user_name_key", "users", ["user_name_key"], unique=True)
    op.create_index("ix_users_external_id", "users", ["external_id"])
    op.create_index("ix_users_display_name_key", "users", ["display_name_key"])
    op.create_index("ix_users_active", "users", ["active"])
    op.create_index("ix_users_last_modified", "users", ["last_modified"])
    op.create_index("ix_users_created_id", "users", ["created", "id"])

    op.create_table(
        "user_emails",
        sa.Column("user_id", key(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(), nullable=True),
        sa.Column("value_key", key(), nullable=True),
        sa.Column("type", key(), nullable=True),
        sa.Column("primary", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_user_emails_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "position", name="pk_user_emails"),
    )
    op.create_index("ix_user_emails_value_key", "user_emails", ["value_key"])

    op.create_table(
        "groups",
        sa.Column("id", key(64), nullable=False),
        sa.Column("display_name", sa.String(), nullable=True),
        sa.Column("display_name_key", key(), nullable=True),
        sa.Column("external_id", key(), nullable=True),
        stamp("created"),
        stamp("last_modified"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("doc", doc(), nullable=False),
        sa.Column("doc_key", doc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_groups"),
    )
    op.create_index("ix_groups_display_name_key", "groups", ["display_name_key"])
    op.create_index("ix_groups_external_id", "groups", ["external_id"])
    op.create_index("ix_groups_last_modified", "groups", ["last_modified"])
    op.create_index("ix_groups_created_id", "groups", ["created", "id"])

    op.create_table(
        "memberships",
        sa.Column("group_id", key(64), nullable=False),
        sa.Column("member_id", key(64), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name="fk_memberships_group_id_groups",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["users.id"], name="fk_memberships_member_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "member_id", name="pk_memberships"),
    )
    op.create_index("ix_memberships_member_id", "memberships", ["member_id"])

    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        stamp("at"),
        sa.Column("principal", sa.String(), nullable=False),
        sa.Column("operation", sa.String(), nullable=False),
        sa.Column("resource_type", sa.String(), nullable=False),
        sa.Column("resource_id", sa.String(), nullable=False),
        sa.Column("attributes", doc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_changes"),
    )

    op.create_table(
        "service_settings",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_service_settings"),
    )


def downgrade() -> None:
    for table in ("service_settings", "changes", "memberships", "groups", "user_emails", "users"):
        op.drop_table(table)
