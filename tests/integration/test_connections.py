"""Round trips a request does not need (songcraft/common/connections.py): a pooled connection is
pinged only after sitting idle, a dead one is then replaced before a request uses it, and list
views run their queries without a transaction."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from songcraft.common import connections
from tests.conftest import on_each_statement


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.text("SELECT pg_backend_pid()"))


@pytest.fixture
def postgres_engine(app, services):
    """An engine of its own on the app's database, with one pooled connection, pinged when idle."""
    if not services["postgres"]:
        pytest.skip("terminates a PostgreSQL backend")
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    connections.ping_when_idle(engine)
    yield engine
    engine.dispose()


def _terminate(app, pid: int) -> None:
    from songcraft.extensions import db

    with app.app_context():
        assert db.session.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_a_connection_killed_while_idle_is_replaced_before_use(postgres_engine, app, monkeypatch):
    first = _backend_pid(postgres_engine)
    _terminate(app, first)
    monkeypatch.setattr(connections, "IDLE_SECONDS_BEFORE_PING", 0.0)  # it has sat idle long enough to be pinged
    assert _backend_pid(postgres_engine) != first  # the ping failed, the pool connected afresh, the query ran


def test_a_connection_in_steady_use_is_not_pinged(postgres_engine, app):
    """The other side of the bargain: within the idle second, a connection is trusted, so one
    killed in that second fails its next query (as one killed mid-query would)."""
    first = _backend_pid(postgres_engine)
    _terminate(app, first)
    with pytest.raises(sa.exc.OperationalError):
        _backend_pid(postgres_engine)
    assert _backend_pid(postgres_engine) != first  # SQLAlchemy replaced the dead connection after the failure


def test_requests_in_quick_succession_ping_once_at_most(app, client, make_account, monkeypatch):
    from songcraft.extensions import db

    with app.app_context():
        dialect = db.engine.dialect
    pings = []
    real_ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda dbapi_connection: pings.append(1) or real_ping(dbapi_connection))
    account = make_account()
    for _ in range(5):
        assert client.get("/api/v1/songs/", headers=account.headers).status_code == 200
    assert len(pings) <= 1  # the first request may find its connection idle since the account was made


def _autocommit(dbapi_connection) -> bool:
    """Whether the driver connection runs each statement on its own (psycopg; sqlite3 up to 3.11)."""
    autocommit = getattr(dbapi_connection, "autocommit", None)
    return autocommit if isinstance(autocommit, bool) else dbapi_connection.isolation_level is None


@contextmanager
def autocommit_of_each_statement(app):
    """Whether each statement the app sends meanwhile runs outside a transaction, in order."""
    modes: list[bool] = []
    with on_each_statement(app, lambda conn, statement: modes.append(_autocommit(conn.connection.dbapi_connection))):
        yield modes


@pytest.mark.parametrize("path", ["/api/v1/songs/", "/api/v1/orders/", "/api/v1/admin/users", "/api/v1/admin/songs",
                                  "/api/v1/admin/orders", "/api/v1/admin/audit", "/api/v1/admin/alerts"])
def test_lists_read_without_a_transaction(app, client, make_account, path):
    account = make_account(role="admin")
    with autocommit_of_each_statement(app) as modes:
        assert client.get(path, headers=account.headers).status_code == 200
    assert modes and all(modes), modes  # the account lookup too: no BEGIN, no ROLLBACK


def test_views_that_write_keep_their_transaction(app, client, make_account):
    account = make_account()
    with autocommit_of_each_statement(app) as modes:
        assert client.patch("/api/v1/auth/me", json={"full_name": "Mara Okafor"}, headers=account.headers).status_code == 200
    assert modes and not any(modes), modes
