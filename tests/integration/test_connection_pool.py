"""Pooled connections: one that sat idle is checked before use and replaced when dead
(`songcraft.common.db.ping_after_idle`); one just returned is used without the round trip."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from songcraft.common.db import ping_after_idle


@pytest.fixture
def database_url(app, services):
    if not services["postgres"]:
        pytest.skip("needs PostgreSQL: a backend to terminate")
    return app.config["SQLALCHEMY_DATABASE_URI"]


def _terminate(url: str, pid: int) -> None:
    killer = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with killer.connect() as connection:
        assert connection.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


def test_an_idle_connection_that_died_is_replaced_before_use(database_url):
    engine = sa.create_engine(database_url, pool_size=1)
    ping_after_idle(engine, idle_seconds=0)  # every connection counts as idle
    with engine.connect() as connection:
        first = connection.scalar(sa.text("SELECT pg_backend_pid()"))
    _terminate(database_url, first)
    with engine.connect() as connection:
        second = connection.scalar(sa.text("SELECT pg_backend_pid()"))
    assert second != first
    engine.dispose()


def test_a_connection_just_returned_is_not_pinged(database_url):
    engine = sa.create_engine(database_url, pool_size=1)
    ping_after_idle(engine, idle_seconds=3600)
    with engine.connect() as connection:
        first = connection.scalar(sa.text("SELECT pg_backend_pid()"))
    _terminate(database_url, first)
    with pytest.raises(sa.exc.OperationalError) as failure, engine.connect() as connection:  # nobody checked it
        connection.scalar(sa.text("SELECT 1"))
    assert failure.value.connection_invalidated  # and the pool let go of it: the next checkout connects afresh
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT pg_backend_pid()")) != first
    engine.dispose()
