"""The SQL schema as SQLAlchemy Core tables (the alembic migrations create exactly these)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out. SQLite keeps no offset, so everything is stored as UTC and
    read back with tzinfo attached; bound literals (filter values) are converted the same way."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the store only takes timezone-aware values")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware: datetime = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware


def key_string(length: int | None = None) -> String:
    """Identifiers and comparison keys. PostgreSQL compares them in "C" (code point) order, the
    order Python's sort and the in-memory store use; SQLite's default BINARY order is the same."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


JSON_DOC = JSON().with_variant(JSONB(), "postgresql")
# the same where Python's None is SQL NULL (not the JSON null)
JSON_OR_NULL = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def resource_table(name: str, *attributes: Column[Any], hidden: tuple[Column[Any], ...] = (),
                   indexes: tuple[Index, ...] = ()) -> Table:
    """A User or Group table: id, the columns of its indexed `attributes` (external_id and
    display_name_key among them), the version stamps, `hidden` columns, the JSON documents;
    `indexes` besides those every resource table has."""
    return Table(
        name, metadata,
        Column("id", key_string(64), primary_key=True),
        *attributes,
        Column("created", UtcDateTime, nullable=False),
        Column("last_modified", UtcDateTime, nullable=False),
        Column("version", Integer, nullable=False),
        *hidden,
        Column("doc", JSON_DOC, nullable=False),  # Resource.data as given
        Column("doc_key", JSON_DOC, nullable=False),  # the same with comparison forms, for filters
        *indexes,
        Index(None, "external_id"),
        Index(None, "display_name_key", "id"),
        Index(None, "last_modified"),
        Index(None, "created", "id"),  # the list order; also serves filters on created alone
    )


users = resource_table(
    "users",
    Column("user_name", String, nullable=True),
    Column("user_name_key", key_string(), nullable=True),  # fold(userName): uniqueness and lookups
    Column("external_id", key_string(), nullable=True),
    Column("display_name", String, nullable=True),
    Column("display_name_key", key_string(), nullable=True),
    Column("active", Boolean, nullable=True),
    hidden=(Column("password_hash", String, nullable=True),),
    indexes=(
        Index(None, "user_name_key", unique=True),
        Index(None, "user_name_key", "id"),  # sortBy=userName with the id tie-break (migration 0002)
        Index(None, "active"),
        # a group's members with their displayName, from the index alone (migration 0003)
        Index(None, "id", "display_name"),
    ),
)

user_emails = Table(
    "user_emails", metadata,
    Column("user_id", key_string(64), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("value", String, nullable=True),
    Column("value_key", key_string(), nullable=True),
    Column("type", key_string(), nullable=True),  # folded: only ever compared
    Column("primary", Boolean, nullable=True),
    PrimaryKeyConstraint("user_id", "position"),
    Index(None, "value_key"),
)

groups = resource_table(
    "groups",
    Column("display_name", String, nullable=True),
    Column("display_name_key", key_string(), nullable=True),
    Column("external_id", key_string(), nullable=True),
    indexes=(Index(None, "id", "display_name"),),  # a user's groups (migration 0003)
)

memberships = Table(
    "memberships", metadata,
    Column("group_id", key_string(64), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("member_id", key_string(64), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("group_id", "member_id"),
    Index(None, "member_id"),
)

changes = Table(
    "changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("principal", String, nullable=False),
    Column("operation", String, nullable=False),
    Column("resource_type", String, nullable=False),
    Column("resource_id", String, nullable=False),
    Column("attributes", JSON_DOC, nullable=False),
    Column("request_id", String, nullable=True),  # migration 0006
    Column("members_added", JSON_OR_NULL, nullable=True),  # a group's member ids; NULL: none (0007)
    Column("members_removed", JSON_OR_NULL, nullable=True),
    Index(None, "at"),  # audit --since, audit prune (migration 0006)
    sqlite_autoincrement=True,  # numbers never reused, even once every record is pruned (0007)
)

service_settings = Table(
    "service_settings", metadata,
    Column("key", String, primary_key=True),
    Column("value", String, nullable=False),
)

# Bearer tokens (domain/credentials/tokens.py): the secret's SHA-256 digest, never the secret.
tokens = Table(
    "tokens", metadata,
    Column("id", key_string(64), primary_key=True),
    Column("credential", String, nullable=False),
    Column("digest", key_string(64), nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("expires", UtcDateTime),
    Column("last_used", UtcDateTime),
    Column("note", String, nullable=False),
    Column("revoked", UtcDateTime),
    # OAuth (domain/credentials/oauth.py): access and refresh tokens of a client's authorization
    Column("kind", String, nullable=False, server_default="bearer"),
    Column("client_id", String),
    Column("scope", String, nullable=False, server_default=""),
    Column("family", String),
    Column("replaced", UtcDateTime),
    # the User a token is bound to (/Me, RFC 7644 §3.11); no foreign key: a deleted user leaves
    # the token valid for /Users, and /Me answers 404
    Column("user_id", String),
    Index("ux_tokens_digest", "digest", unique=True),
    Index(None, "client_id"),
    Index(None, "family"),
)

oauth_clients = Table(
    "oauth_clients", metadata,
    Column("id", key_string(64), primary_key=True),
    Column("name", String, nullable=False),
    Column("secret_digest", String, nullable=False),
    Column("redirect_uris", JSON, nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("user_id", String),  # the User its tokens are bound to (/Me), copied to each token
)

oauth_codes = Table(
    "oauth_codes", metadata,
    Column("digest", key_string(64), primary_key=True),
    Column("client_id", String, nullable=False),
    Column("redirect_uri", String, nullable=False),
    Column("scope", String, nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("expires", UtcDateTime, nullable=False),
    Column("family", String, nullable=False),
    Column("approved_by", String, nullable=False),
    Column("challenge", String),
    Column("challenge_method", String),
    Column("used", UtcDateTime),
)

# Refused authentications per client address, in a fixed window (domain/credentials/throttle.py).
auth_failures = Table(
    "auth_failures", metadata,
    Column("address", String, primary_key=True),
    Column("window_start", UtcDateTime, nullable=False),
    Column("failures", Integer, nullable=False),
    Index(None, "window_start"),  # ended windows are deleted by it
)

# Events (domain/events/): subscriptions, each with its delivery state (its position in the
# change records, the attempts at the event at its head), and the events given up on (0009).
event_subscriptions = Table(
    "event_subscriptions", metadata,
    Column("name", key_string(200), primary_key=True),
    Column("kind", String, nullable=False),
    Column("url", String, nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("resource_type", String, nullable=True),
    Column("secret", String, nullable=False),  # sealed: adapters/sqlalchemy/events.py SecretBox
    Column("created", UtcDateTime, nullable=False),
    Column("position_after", Integer, nullable=False),
    Column("position_done", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt", UtcDateTime, nullable=True),
    Column("last_error", String, nullable=True),
)

event_dead_letters = Table(
    "event_dead_letters", metadata,
    Column("subscription", key_string(200),
           ForeignKey("event_subscriptions.name", ondelete="CASCADE"), nullable=False),
    Column("event_id", key_string(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("idx", Integer, nullable=False),
    Column("event", JSON, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    Column("error", String, nullable=False),
    Column("requeued", Boolean, nullable=False),
    PrimaryKeyConstraint("subscription", "event_id"),
)

# SET receivers (domain/sets/poll.py, migration 0010): each one's cursor in the change records,
# and the SETs it settled above the cursor (acknowledged out of order, or its setErrs, kept).
set_receivers = Table(
    "set_receivers", metadata,
    Column("name", key_string(64), primary_key=True),
    Column("cursor", BigInteger, nullable=False),
)

set_outcomes = Table(
    "set_outcomes", metadata,
    Column("receiver", key_string(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("jti", String, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("err", String),
    Column("description", String, nullable=False),
)
