"""List endpoints cost a fixed number of queries, however long the list: one for the caller's
account (roles are read on every request), one for the page with its total and its takes."""
from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest

from songcraft.common.db import utcnow
from tests.conftest import on_each_statement


@contextmanager
def count_queries(app):
    statements: list[str] = []
    with on_each_statement(app, lambda conn, statement: statements.append(statement)):
        yield statements


def seed(app, user_id, count: int) -> None:
    """`count` paid orders of the user, each with a song that has two takes."""
    from songcraft.extensions import db
    from songcraft.orders.models import Order
    from songcraft.songs.models import Song, Take

    user_id = uuid.UUID(str(user_id))
    with app.app_context():
        for n in range(count):
            order = Order(user_id=user_id, product="audio", status="paid", amount_cents=1900, currency="USD",
                          payment_provider="sandbox", paid_at=utcnow(), used_at=utcnow())
            song = Song(id=uuid.uuid4(), user_id=user_id, order=order, recipient_name="Maya", occasion="birthday", genre="pop",
                        mood="joyful", story="A story long enough.", status="completed", progress=100, lyrics="[Verse]\nla la")
            song.takes = [Take(position=p, storage_key=f"users/{user_id}/songs/{song.id}/takes/{p}.mp3", size_bytes=10,
                               duration_seconds=60.0, selected=p == 1) for p in (1, 2)]
            db.session.add_all([order, song])
        db.session.commit()


def seed_users(app, count: int) -> None:
    from songcraft.auth.models import User
    from songcraft.extensions import db

    with app.app_context():
        db.session.add_all(User(email=f"listed-{uuid.uuid4().hex[:8]}@example.com", password_hash="unused") for _ in range(count))
        db.session.commit()


def expected_queries(services) -> int:
    """The caller's account and the page; without Redis, revoked tokens are looked up in the database too."""
    return 2 if services["redis"] else 3


@pytest.mark.parametrize("path", ["/api/v1/orders/?page_size=100", "/api/v1/songs/?page_size=100"])
def test_customer_lists_cost_the_same_queries_for_3_or_30_items(client, app, make_account, services, path):
    small, large = make_account(), make_account()
    seed(app, small.id, 3)
    seed(app, large.id, 30)
    counts = []
    for account, expected in ((small, 3), (large, 30)):
        with count_queries(app) as statements:
            response = client.get(path, headers=account.headers)
        assert response.status_code == 200 and len(response.json) == expected
        counts.append(len(statements))
    assert counts == [expected_queries(services)] * 2, counts


@pytest.mark.parametrize("path", ["/api/v1/admin/songs?page_size=100", "/api/v1/admin/users?page_size=100"])
def test_admin_lists_cost_the_same_queries_for_few_or_many_items(client, app, make_account, services, path):
    admin, owner = make_account(role="admin"), make_account()
    counts, sizes = [], []
    for more in (3, 27):
        seed(app, owner.id, more)
        seed_users(app, more)
        with count_queries(app) as statements:
            response = client.get(path, headers=admin.headers)
        assert response.status_code == 200
        counts.append(len(statements))
        sizes.append(len(response.json))
    assert sizes == ([3, 30] if "songs" in path else [5, 32])  # users: the admin and the owner too
    assert counts == [expected_queries(services)] * 2, counts
