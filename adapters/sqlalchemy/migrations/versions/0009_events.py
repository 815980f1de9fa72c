"""Events: webhook subscriptions with their delivery state (position in the change records,
attempts, next attempt) and the dead letters, the events given up on until re-queued."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def key(length: int) -> sa.types.TypeEngine[str]:
    """Names and ids: code point order ("C") on PostgreSQL, like SQLite's BINARY."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def stamp(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "event_subscriptions",
        sa.Column("name", key(200), nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("url", sa.String, nullable=False),
        sa.Column("event_types", sa.JSON, nullable=False),
        sa.Column("resource_type", sa.String, nullable=True),
        sa.Column("secret", sa.String, nullable=False),
        stamp("created", nullable=False),
        sa.Column("position_after", sa.Integer, nullable=False),
        sa.Column("position_done", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        stamp("next_attempt"),
        sa.Column("last_error", sa.String, nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_event_subscriptions"),
    )
    op.create_table(
        "event_dead_letters",
        sa.Column("subscription", key(200), nullable=False),
        sa.Column("event_id", key(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("event", sa.JSON, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        stamp("failed_at", nullable=False),
        sa.Column("error", sa.String, nullable=False),
        sa.Column("requeued", sa.Boolean, nullable=False),
        sa.ForeignKeyConstraint(["subscription"], ["event_subscriptions.name"], ondelete="CASCADE",
                                name="fk_event_dead_letters_subscription_event_subscriptions"),
        sa.PrimaryKeyConstraint("subscription", "event_id", name="pk_event_dead_letters"),
    )


def downgrade() -> None:
    op.drop_table("event_dead_letters")
    op.drop_table("event_subscriptions")
