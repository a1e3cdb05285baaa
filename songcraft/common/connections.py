"""Database round trips a request does not need: a ping for a connection in steady use, and the
BEGIN and ROLLBACK of a view that only reads.

A list request used to make five round trips to PostgreSQL for two queries: the pool's
pre-ping, BEGIN, the account lookup, the page, ROLLBACK. Each costs the app and the database a
little CPU and two context switches, about as much as a short query.

* `ping_when_idle` replaces SQLAlchemy's `pool_pre_ping`: a connection is pinged only when it
  sat in the pool longer than `IDLE_SECONDS_BEFORE_PING`, which is when a database restart or
  a dropped network can have killed it unnoticed. A connection that answered a moment ago
  needs no proof; if the database dies in that second, the request fails as one caught
  mid-query would, and SQLAlchemy replaces every pooled connection.
* `without_transaction` runs a request's queries in autocommit: no transaction to begin or roll back.
  Each statement sees the data committed when it starts, which is all a list needs (its page
  and total come from one statement); views that write keep their transaction.
"""
from __future__ import annotations

import time

import sqlalchemy as sa

from songcraft.extensions import db

IDLE_SECONDS_BEFORE_PING = 1.0
_CHECKED_IN_AT = "songcraft_checked_in_at"


def ping_when_idle(engine: sa.Engine) -> None:
    """Ping a pooled connection on checkout when it was idle for over a second; a dead one is
    replaced, along with every connection pooled before it (SQLAlchemy retries the checkout)."""
    dialect = engine.dialect

    @sa.event.listens_for(engine, "checkin")
    def _note_checkin(dbapi_connection, record) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None or time.monotonic() - checked_in_at < IDLE_SECONDS_BEFORE_PING:
            return  # new (just connected), or in steady use
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise sa.exc.InvalidatePoolError(f"The pooled connection failed its ping: {error}") from error


def without_transaction() -> None:
    """Run the rest of the request's queries in autocommit (call it before the first one): see
    the module's docstring. `login_required(read_only=True)` calls it for the views that only read."""
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
