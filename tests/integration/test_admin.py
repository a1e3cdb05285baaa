"""Admin and operations: access, dashboard numbers, user and song management, system health, audit."""
from __future__ import annotations

import json
import secrets
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from songcraft.admin import health, stats
from songcraft.admin.models import AuditLog
from songcraft.auth.models import User
from songcraft.celery_app import QUEUES
from songcraft.common.db import utcnow
from songcraft.extensions import db
from songcraft.orders.models import Order
from songcraft.songs.models import Song
from tests.conftest import wait_until

ADMIN = "/api/v1/admin"


# --- Seeding ----------------------------------------------------------------------------


def add_user(email=None, full_name="Seeded User", role="user", verified=True, active=True, age=timedelta(0)) -> User:
    user = User(id=uuid.uuid4(), email=email or f"seed-{secrets.token_hex(4)}@example.com", password_hash="unused", full_name=full_name,
                role=role, is_verified=verified, is_active=active, created_at=utcnow() - age)
    db.session.add(user)
    return user


def add_order(user: User, status="paid", amount_cents=1900, currency="USD") -> Order:
    order = Order(id=uuid.uuid4(), user_id=user.id, product="audio", status=status, amount_cents=amount_cents, currency=currency,
                  payment_provider="sandbox")
    db.session.add(order)
    return order


def add_song(order: Order, status="queued", updated_ago=timedelta(0), run_seconds=None, **fields) -> Song:
    now = utcnow()
    song = Song(user_id=order.user_id, order_id=order.id, recipient_name="Maya", occasion="birthday", genre="pop",
                mood="joyful", story="A story long enough to pass validation.", status=status, updated_at=now - updated_ago, **fields)
    if run_seconds is not None:
        song.started_at, song.completed_at = now - timedelta(hours=1), now - timedelta(hours=1) + timedelta(seconds=run_seconds)
    db.session.add(song)
    return song


def seed_activity(copies: int) -> None:
    """`copies` users, each with one order and one song, in bulk."""
    now = utcnow()
    users = [dict(id=uuid.uuid4(), email=f"bulk-{uuid.uuid4().hex}@example.com", password_hash="x", role="user",
                  is_verified=True, is_active=True, created_at=now, updated_at=now) for _ in range(copies)]
    orders = [dict(id=uuid.uuid4(), user_id=u["id"], product="audio", status="fulfilled", amount_cents=1900, currency="USD",
                   payment_provider="sandbox", variant_id="", created_at=now, updated_at=now) for u in users]
    songs = [dict(id=uuid.uuid4(), user_id=o["user_id"], order_id=o["id"], recipient_name="M", occasion="birthday", genre="pop",
                  mood="joyful", story="A bulk story.", status="completed", plan=[], started_at=now - timedelta(seconds=90),
                  completed_at=now, created_at=now, updated_at=now) for o in orders]
    for model, rows in ((User, users), (Order, orders), (Song, songs)):
        db.session.execute(sa.insert(model), rows)
    db.session.commit()


def audit_actions(client, admin) -> list[dict]:
    return client.get(f"{ADMIN}/audit", headers=admin.headers).json


# --- Access -----------------------------------------------------------------------------

ENDPOINTS = [
    ("get", "/dashboard/stats", 200),
    ("get", "/users", 200),
    ("patch", f"/users/{uuid.uuid4()}", 404),
    ("get", "/songs", 200),
    ("post", f"/songs/{uuid.uuid4()}/retry", 404),
    ("get", "/system/health", 200),
    ("get", "/audit", 200),
    ("get", "/alerts", 200),
    ("get", "/orders", 200),
    ("post", f"/orders/{uuid.uuid4()}/accept", 404),
    ("post", f"/orders/{uuid.uuid4()}/refund", 404),
]


@pytest.mark.parametrize("method, path, admin_status", ENDPOINTS)
def test_every_admin_endpoint_is_for_admins_only(client, make_account, method, path, admin_status):
    call = getattr(client, method)
    body = {"json": {"is_active": True}} if method == "patch" else {}
    assert call(ADMIN + path, **body).status_code == 401
    forbidden = call(ADMIN + path, headers=make_account().headers, **body)
    assert forbidden.status_code == 403 and forbidden.json["message"] == "Administrators only."
    assert call(ADMIN + path, headers=make_account(role="admin").headers, **body).status_code == admin_status


def test_the_role_comes_from_the_database_not_the_token(client, app, make_account):
    admin = make_account(role="admin")
    assert client.get(f"{ADMIN}/users", headers=admin.headers).status_code == 200
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == admin.email).values(role="user"))
        db.session.commit()
    assert client.get(f"{ADMIN}/users", headers=admin.headers).status_code == 403


# --- Dashboard --------------------------------------------------------------------------


def test_dashboard_stats_are_exact_on_a_seeded_dataset(client, app, make_account):
    admin = make_account(role="admin")  # verified, active, created now
    with app.app_context():
        buyer = add_user(age=timedelta(days=2))
        add_user(age=timedelta(days=10))
        add_user(verified=False, age=timedelta(days=40))
        add_user(verified=False, active=False, age=timedelta(hours=1))
        orders = [add_order(buyer, status, amount, currency) for status, amount, currency in [
            ("paid", 1900, "USD"), ("fulfilled", 2900, "USD"), ("refunded", 1900, "USD"), ("pending", 1900, "USD"),
            ("expired", 1900, "USD"), ("fulfilled", 2500, "EUR"), ("refunded", 2500, "EUR"), ("failed", 100, "EUR"),
            ("disputed", 2900, "USD"), ("needs_review", 1900, "USD")]]
        orders[1].discount_code, orders[1].discount_cents = "WELCOME10", 290
        for order, seconds in zip(orders, (60, 300, 120, 180)):
            add_song(order, "completed", run_seconds=seconds)
        add_song(orders[4], "failed", updated_ago=timedelta(hours=1))
        add_song(orders[5], "failed", updated_ago=timedelta(hours=30))
        add_song(orders[6], "queued")
        add_song(orders[7], "generating_audio")
        db.session.commit()

    response = client.get(f"{ADMIN}/dashboard/stats", headers=admin.headers)
    assert response.status_code == 200
    body = response.json
    assert body["users"] == {"total": 5, "verified": 3, "active": 4, "new_last_7_days": 3, "new_last_30_days": 4}
    assert body["orders"]["by_status"] == {"pending": 1, "paid": 1, "fulfilled": 2, "expired": 1, "failed": 1, "refunded": 2,
                                           "needs_review": 1, "disputed": 1}
    # Accepted payments only (not the one held for review); what they charged, less refunds and disputes.
    assert body["revenue"] == {
        "EUR": {"orders": 2, "gross_cents": 5000, "discount_cents": 0, "refunded_cents": 2500, "disputed_cents": 0, "net_cents": 2500},
        "USD": {"orders": 4, "gross_cents": 1900 + 2610 + 1900 + 2900, "discount_cents": 290, "refunded_cents": 1900,
                "disputed_cents": 2900, "net_cents": 2610 + 1900},
    }
    assert body["discounts"] == [{"code": "WELCOME10", "currency": "USD", "orders": 1, "discount_cents": 290}]
    assert body["songs"]["by_status"] == {"queued": 1, "generating_lyrics": 0, "lyrics_ready": 0, "generating_audio": 1,
                                          "audio_ready": 0, "generating_video": 0, "completed": 4, "failed": 2}
    assert body["songs"]["failed_last_24h"] == 1
    # Durations 60, 120, 180, 300 s: mean 165; p95 interpolates at rank 0.95 * 3 = 2.85: 180 + 0.85 * 120.
    assert body["pipeline"]["completed_songs"] == 4
    assert body["pipeline"]["average_seconds"] == pytest.approx(165, abs=0.01)
    assert body["pipeline"]["p95_seconds"] == pytest.approx(282, abs=0.01)
    assert set(body["queues"]["depths"]) == set(QUEUES) and body["queues"]["detail"] is None
    assert all(isinstance(depth, int) for depth in body["queues"]["depths"].values())


def test_dashboard_stats_of_an_empty_platform(client, make_account):
    body = client.get(f"{ADMIN}/dashboard/stats", headers=make_account(role="admin").headers).json
    assert body["revenue"] == {} and body["discounts"] == [] and body["songs"]["failed_last_24h"] == 0
    assert body["pipeline"] == {"completed_songs": 0, "average_seconds": None, "p95_seconds": None}


def test_queue_depth_counts_the_messages_waiting_in_the_broker(app):
    queue = f"admin-test-{secrets.token_hex(3)}"  # consumed by no worker
    with app.app_context():
        for _ in range(3):
            app.extensions["celery"].send_task("songcraft.ping", queue=queue, expires=60)
        assert stats.queue_depths((queue,)) == {"depths": {queue: 3}, "detail": None}
        with app.extensions["celery"].connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)


def test_dashboard_stats_take_the_same_few_queries_for_ten_times_the_data(client, app, make_account):
    admin = make_account(role="admin")
    statements = []

    def count(*_args):
        statements.append(1)

    def queries_for_stats() -> int:
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(f"{ADMIN}/dashboard/stats", headers=admin.headers).status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    with app.app_context():
        engine = db.engine
        seed_activity(15)
        small = queries_for_stats()
        seed_activity(135)
        large = queries_for_stats()
        assert client.get(f"{ADMIN}/dashboard/stats", headers=admin.headers).json["pipeline"]["completed_songs"] == 150
    assert small == large and small <= 10


# --- Users ------------------------------------------------------------------------------


def test_users_search_filters_and_pagination(client, app, make_account):
    admin = make_account(role="admin")
    with app.app_context():
        add_user("alice@example.com", "Alice Martin", age=timedelta(days=3))
        add_user("bob@shop.test", "Robert ALICEson", verified=False, age=timedelta(days=2))
        add_user("carol@example.com", "Carol 100% Real", active=False, age=timedelta(days=1))
        db.session.commit()

    def emails(**params):
        response = client.get(f"{ADMIN}/users", query_string=params, headers=admin.headers)
        assert response.status_code == 200, response.json
        return [user["email"] for user in response.json]

    assert emails(q="ALICE") == ["bob@shop.test", "alice@example.com"]  # email or name, any case, newest first
    assert emails(q="%") == ["carol@example.com"]  # wildcards are literal characters
    assert emails(role="admin") == [admin.email]
    assert emails(verified="false") == ["bob@shop.test"]
    assert emails(active="false") == ["carol@example.com"]
    assert emails(q="example.com", active="true", role="user") == ["alice@example.com"]
    page = client.get(f"{ADMIN}/users", query_string={"page": 2, "page_size": 3}, headers=admin.headers)
    assert [u["email"] for u in page.json] == ["alice@example.com"]
    assert json.loads(page.headers["X-Pagination"])["total"] == 4
    assert client.get(f"{ADMIN}/users?role=owner", headers=admin.headers).status_code == 422
    assert client.get(f"{ADMIN}/users?page_size=101", headers=admin.headers).status_code == 422


def test_deactivation_locks_the_user_out_and_is_audited(client, make_account):
    admin, user = make_account(role="admin"), make_account()
    refresh = {"Authorization": f"Bearer {user.tokens['refresh_token']}"}

    response = client.patch(f"{ADMIN}/users/{user.id}", json={"is_active": False}, headers=admin.headers)
    assert response.status_code == 200 and response.json["is_active"] is False

    assert client.get("/api/v1/auth/me", headers=user.headers).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers=refresh).status_code == 401
    login = client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 403 and "deactivated" in login.json["message"]

    assert client.patch(f"{ADMIN}/users/{user.id}", json={"is_active": True}, headers=admin.headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=user.login().headers).status_code == 200
    assert client.post("/api/v1/auth/refresh", headers=refresh).status_code == 401  # old sessions stay revoked

    entries = audit_actions(client, admin)
    assert [(e["action"], e["target_id"], e["details"]) for e in entries] == [
        ("user.update", user.id, {"is_active": {"from": False, "to": True}}),
        ("user.update", user.id, {"is_active": {"from": True, "to": False}}),
    ]
    assert all(e["actor_id"] == admin.id and e["actor_email"] == admin.email for e in entries)


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, app, make_account):
    admin = make_account(role="admin")
    for change in ({"role": "user"}, {"is_active": False}, {"role": "user", "is_active": False}):
        refused = client.patch(f"{ADMIN}/users/{admin.id}", json=change, headers=admin.headers)
        assert refused.status_code == 409 and "last active admin" in refused.json["message"]

    other = make_account(role="admin")
    assert client.patch(f"{ADMIN}/users/{other.id}", json={"is_active": False}, headers=admin.headers).status_code == 200
    assert client.patch(f"{ADMIN}/users/{admin.id}", json={"role": "user"}, headers=admin.headers).status_code == 409

    assert client.patch(f"{ADMIN}/users/{other.id}", json={"is_active": True}, headers=admin.headers).status_code == 200
    demoted = client.patch(f"{ADMIN}/users/{admin.id}", json={"role": "user"}, headers=admin.headers)
    assert demoted.status_code == 200 and demoted.json["role"] == "user"
    assert client.get(f"{ADMIN}/users", headers=admin.headers).status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 3  # refusals leave no entry


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, make_account):
    first, second = make_account(role="admin"), make_account(role="admin")
    barrier = threading.Barrier(2)

    def demote(actor, target):
        barrier.wait()
        return app.test_client().patch(f"{ADMIN}/users/{target.id}", json={"role": "user"}, headers=actor.headers).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(demote, (first, second), (second, first)))
    assert statuses in ([200, 403], [200, 409])  # the loser is refused as no longer admin, or as the last one
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(User.role == "admin", User.is_active.is_(True))) == 1


def test_user_changes_are_validated(client, make_account):
    admin, user = make_account(role="admin"), make_account()
    assert client.patch(f"{ADMIN}/users/{user.id}", json={}, headers=admin.headers).status_code == 422
    assert client.patch(f"{ADMIN}/users/{user.id}", json={"role": "root"}, headers=admin.headers).status_code == 422
    unchanged = client.patch(f"{ADMIN}/users/{user.id}", json={"role": "user"}, headers=admin.headers)
    assert unchanged.status_code == 200 and audit_actions(client, admin) == []


# --- Songs ------------------------------------------------------------------------------


def test_songs_of_every_user_with_owner_and_status_filter(client, app, make_account):
    admin = make_account(role="admin")
    with app.app_context():
        first, second = add_user("first@example.com"), add_user("second@example.com")
        failed = add_song(add_order(first), "failed", error="The audio provider timed out.")
        add_song(add_order(second), "completed")
        db.session.commit()
        failed_id = str(failed.id)

    everything = client.get(f"{ADMIN}/songs", headers=admin.headers)
    assert everything.status_code == 200 and {s["user_email"] for s in everything.json} == {"first@example.com", "second@example.com"}
    only_failed = client.get(f"{ADMIN}/songs?status=failed&page_size=1", headers=admin.headers)
    assert [(s["id"], s["user_email"], s["error"]) for s in only_failed.json] == [
        (failed_id, "first@example.com", "The audio provider timed out.")]
    assert json.loads(only_failed.headers["X-Pagination"])["total"] == 1
    assert client.get(f"{ADMIN}/songs?status=lost", headers=admin.headers).status_code == 422


def test_retry_resumes_a_failed_song_from_its_failed_step(client, app, make_account, worker, mailbox):
    admin, owner = make_account(role="admin"), make_account()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == owner.email))
        song = add_song(add_order(user, "paid"), "failed", plan=["deliver"], progress=97, lyrics="Happy birthday Maya",
                        error="The mail server was down.", started_at=utcnow())
        db.session.commit()
        song_id = str(song.id)

    retried = client.post(f"{ADMIN}/songs/{song_id}/retry", headers=admin.headers)
    assert retried.status_code == 202 and retried.json["status"] == "queued" and retried.json["error"] is None

    def completed():
        songs = client.get(f"{ADMIN}/songs?status=completed", headers=admin.headers).json
        return [s for s in songs if s["id"] == song_id]

    assert wait_until(completed, timeout=60, message="the retried song to complete")[0]["progress"] == 100
    assert "is ready" in mailbox.wait_for(owner.email)[0]["Subject"]  # the resumed step did its work
    again = client.post(f"{ADMIN}/songs/{song_id}/retry", headers=admin.headers)
    assert again.status_code == 409
    assert [(e["action"], e["target_id"], e["details"]) for e in audit_actions(client, admin)] == [
        ("song.retry", song_id, {"step": "deliver", "status": "failed", "error": "The mail server was down."}),
    ]


# --- System health ----------------------------------------------------------------------


def test_health_checks_every_dependency_for_real(client, make_account, worker):
    body = client.get(f"{ADMIN}/system/health", headers=make_account(role="admin").headers).json
    assert set(body["checks"]) == {"database", "redis", "broker", "workers", "storage", "email", "payments", "audio", "lyrics"}
    assert body["status"] == "ok", body
    assert all(check["ok"] and check["latency_ms"] >= 0 for check in body["checks"].values())
    assert "smtp 127.0.0.1" in body["checks"]["email"]["detail"]
    assert body["checks"]["payments"]["detail"].startswith("sandbox: sandbox checkout: built in")
    assert body["checks"]["audio"]["detail"] == "local: offline synthesizer: built in: no account to check"


def test_health_reports_a_failing_storage(client, app, make_account, monkeypatch):
    class BrokenStorage:
        name = "broken"

        def put(self, key, data, content_type):
            raise OSError("disk full")

    monkeypatch.setitem(app.extensions, "storage", BrokenStorage())
    body = client.get(f"{ADMIN}/system/health", headers=make_account(role="admin").headers).json
    assert body["status"] == "degraded" and body["checks"]["database"]["ok"] is True
    assert body["checks"]["storage"] == {**body["checks"]["storage"], "ok": False, "detail": "OSError: disk full"}


def test_health_reports_no_worker_answering(client, make_account, monkeypatch):
    """A queue no worker consumes stands for stopped workers (the session's worker may be running)."""
    unconsumed = f"admin-test-unconsumed-{secrets.token_hex(3)}"
    monkeypatch.setattr(health, "WORKER_QUEUES", (unconsumed,))  # asked by broadcast (Redis)
    monkeypatch.setattr(health, "PING_QUEUE", unconsumed)  # pinged through (embedded broker)
    body = client.get(f"{ADMIN}/system/health", headers=make_account(role="admin").headers).json
    workers = body["checks"]["workers"]
    assert body["status"] == "degraded" and workers["ok"] is False
    assert "no worker answered" in workers["detail"] and unconsumed in workers["detail"]
    assert body["checks"]["broker"]["ok"] is True
