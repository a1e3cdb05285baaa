"""List endpoints cost a fixed number of queries, however long the list."""
from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from songcraft.common.db import utcnow


@contextmanager
def count_queries(app):
    from songcraft.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def seed(app, account, count: int) -> None:
    """`count` paid orders, each with a song that has two takes."""
    from songcraft.extensions import db
    from songcraft.orders.models import Order
    from songcraft.songs.models import Song, Take

    user_id = uuid.UUID(account.id)
    with app.app_context():
        for n in range(count):
            order = Order(user_id=user_id, product="audio", status="paid", amount_cents=1900, currency="USD",
                          payment_provider="sandbox", paid_at=utcnow(), used_at=utcnow())
            song = Song(user_id=user_id, order=order, recipient_name="Maya", occasion="birthday", genre="pop", mood="joyful",
                        story="A story long enough.", status="completed", progress=100, lyrics="[Verse]\nla la")
            song.takes = [Take(position=p, storage_key=f"users/{user_id}/songs/{n}/takes/{p}.mp3", size_bytes=10,
                               duration_seconds=60.0, selected=p == 1) for p in (1, 2)]
            db.session.add_all([order, song])
        db.session.commit()


@pytest.mark.parametrize("path", ["/api/v1/orders/?page_size=100", "/api/v1/songs/?page_size=100"])
def test_list_query_count_does_not_grow_with_the_list(client, app, make_account, path):
    small, large = make_account(), make_account()
    seed(app, small, 3)
    seed(app, large, 30)
    counts = []
    for account, expected in ((small, 3), (large, 30)):
        with count_queries(app) as statements:
            response = client.get(path, headers=account.headers)
        assert response.status_code == 200 and len(response.json) == expected
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[0] <= 6, counts
