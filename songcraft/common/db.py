"""Column types and mixins shared by every model."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC timestamp on PostgreSQL and SQLite alike (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use songcraft.common.db.utcnow()")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value

    def result_processor(self, dialect, coltype):
        """PostgreSQL's `timestamptz` values arrive with their zone: no call per value (a page of
        songs has 300 of them)."""
        return None if dialect.name == "postgresql" else super().result_processor(dialect, coltype)


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)


def insert_unless_exists(model, values: dict, unique_columns: list[str]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when the row was inserted.

    Safe under concurrency: a second transaction inserting the same unique key waits for the
    first and then inserts nothing — the basis of idempotent webhooks and deduplicated emails.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    from songcraft.extensions import db

    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=unique_columns)
    primary_key = model.__table__.primary_key.columns.values()[0]
    return db.session.execute(statement.returning(primary_key)).first() is not None


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked, per connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


def get_owned(model, owner_id, object_id, *, for_update: bool = False):
    """The row `object_id` of `model` if it belongs to `owner_id`, else NotFound (404).

    Someone else's resource is reported as absent, never as forbidden, so ids cannot be probed.
    """
    from songcraft.errors import NotFound
    from songcraft.extensions import db

    query = sa.select(model).where(model.id == object_id, model.user_id == owner_id)
    row = db.session.scalar(query.with_for_update() if for_update else query)
    if row is None:
        raise NotFound(f"{model.__name__} not found.")
    return row

