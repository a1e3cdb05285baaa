"""The customer's data over the HTTP API (GDPR Articles 15, 17 and 20): the export ZIP built by a
worker and linked by email, and the erasure of an account, checked table by table and in storage,
on local storage and on S3 (moto's server on loopback)."""
from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import wait_until
from tests.integration.test_files import photo
from tests.integration.test_gifts import finish_here
from tests.integration.test_songs import SONGS, fetch, paid_order, start_song

ME = "/api/v1/auth/me"
EXPORT = ME + "/export"
RECIPIENT = "grandma.rose@example.com"
NAME = "Aurelia Quintavalle-Brightwater"


@pytest.fixture
def exports_here(monkeypatch):
    """Exports queued but built by the test, in this process (so on the test's storage)."""
    queued = []
    monkeypatch.setattr("songcraft.privacy.export.after_commit", lambda session, signature: queued.append(signature.args[0]))
    return queued


@pytest.fixture
def emails_unsent(monkeypatch):
    """Emails stay in the outbox with their context: a worker of another test sends what it is
    handed, and a sent email's context (its one-time links) is cleared."""
    monkeypatch.setattr("songcraft.notifications.service.after_commit", lambda session, signature: None)


def build_here(app, export_id: str) -> bool:
    from songcraft.privacy.tasks import build_export

    with app.app_context():
        return build_export.apply(args=[export_id]).get()


def customer(app, make_account):
    from songcraft.auth.models import User
    from songcraft.extensions import db

    account = make_account()
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == account.email).values(full_name=NAME))
        db.session.commit()
    return account


def outbox(app, template: str) -> list:
    from songcraft.extensions import db
    from songcraft.notifications.models import OutboxEmail

    with app.app_context():
        found = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.template == template)).all()
        db.session.expunge_all()
        return found


def stored_keys(storage) -> list[str]:
    if storage.name == "local":
        return [p.relative_to(storage.root).as_posix() for p in storage.root.rglob("*") if p.is_file()]
    storage.ensure_bucket()
    pages = storage._client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def unzip(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive


# --- Export -------------------------------------------------------------------------------


def test_export_holds_the_account_orders_songs_and_their_files(client, app, make_account, storage, in_process, exports_here,
                                                             emails_unsent):
    account = customer(app, make_account)
    song = finish_here(client, app, account, product="video", photos=[("rose.jpg", photo())])
    assert client.put(f"{SONGS}/{song['id']}/gift", json={"message": "For Rose, with love", "recipient_email": RECIPIENT},
                      headers=account.headers).status_code == 200

    response = client.post(EXPORT, headers=account.headers)
    assert response.status_code == 202, response.json
    assert response.json["status"] == "queued" and response.json["expires_at"] is None
    assert build_here(app, response.json["id"]) is True

    email, = outbox(app, "data_export_ready")
    assert email.to == account.email and email.context["hours"] == 24
    archive = unzip(fetch(client, email.context["link"]))
    names = set(archive.namelist())
    assert json.loads(archive.read("account.json"))["email"] == account.email
    assert json.loads(archive.read("account.json"))["full_name"] == NAME
    orders = json.loads(archive.read("orders.json"))
    assert [o["id"] for o in orders] == [song["order_id"]] and orders[0]["product"] == "video"
    document = json.loads(archive.read(f"songs/{song['id']}/song.json"))
    assert document["lyrics"].startswith("[Verse]") and document["recipient_name"] == "Maya"
    assert document["gift"]["recipient_email"] == RECIPIENT and document["gift"]["message"] == "For Rose, with love"
    take = next(t for t in document["takes"] if t["selected"])
    assert take["line_timings"] and take["line_timings"][0]["text"]
    with app.app_context():
        from songcraft.extensions import db
        from songcraft.songs.models import Song

        stored = db.session.get(Song, uuid.UUID(song["id"]))
        expected = {take.position: storage.get(take.storage_key) for take in stored.takes}
        video = storage.get(stored.video_key)
    for entry in document["takes"]:
        assert archive.read(entry["file"]) == expected[entry["position"]]  # byte for byte
    assert archive.read(document["video"]) == video and archive.read(document["video"])[4:8] == b"ftyp"
    assert archive.read(document["cover"])[:3] == b"\xff\xd8\xff"
    assert len(document["photos"]) == 1 and archive.read(document["photos"][0]["file"])[:3] == b"\xff\xd8\xff"
    assert {"README.txt", document["video"], document["cover"]} <= names
    assert archive.getinfo(document["video"]).compress_type == zipfile.ZIP_STORED  # media is stored, not recompressed

    status = client.post(EXPORT, headers=account.headers).json  # a new request makes a new export once the last is done
    assert status["id"] != response.json["id"] and status["status"] == "queued"


def test_a_second_request_while_one_is_under_way_answers_that_one(client, app, make_account, exports_here):
    account = make_account()
    first = client.post(EXPORT, headers=account.headers)
    second = client.post(EXPORT, headers=account.headers)
    assert first.status_code == second.status_code == 202
    assert second.json["id"] == first.json["id"] and len(exports_here) == 1
    assert client.post(EXPORT).status_code == 401


def test_exports_are_rate_limited(client, app, make_account, exports_here):
    account = make_account()
    answers = [client.post(EXPORT, headers=account.headers).status_code for _ in range(4)]
    assert answers == [202, 202, 202, 429]


def test_the_worker_builds_the_export_and_the_emailed_link_downloads_it(client, app, make_account, worker, mailbox):
    account = customer(app, make_account)
    paid_order(client, app, account)
    response = client.post(EXPORT, headers=account.headers)
    assert response.status_code == 202
    ready = "Your SongCraft data is ready to download"
    message, = wait_until(lambda: [m for m in mailbox.to(account.email) if m["Subject"] == ready], 60, message="the export email")
    link = re.search(r"http://localhost/files/\S+", message.get_body(("plain",)).get_content()).group(0)
    archive = unzip(fetch(client, link))
    assert json.loads(archive.read("account.json"))["full_name"] == NAME
    assert len(json.loads(archive.read("orders.json"))) == 1


# --- Erasure ------------------------------------------------------------------------------


STATS = "/api/v1/admin/dashboard/stats"


def every_row(app) -> dict[str, list[tuple]]:
    from songcraft.extensions import db

    with app.app_context():
        return {table.name: [tuple(row) for row in db.session.execute(sa.select(table))] for table in db.metadata.sorted_tables}


def carrying(app, *needles: str) -> dict[str, list[tuple]]:
    """Every row, table by table, in which any of `needles` appears in any column."""
    found = {}
    for table, table_rows in every_row(app).items():
        hits = [row for row in table_rows if any(needle.lower() in str(value).lower() for value in row for needle in needles)]
        if hits:
            found[table] = hits
    return found


def test_erasure_leaves_no_trace_but_the_tombstoned_orders(client, app, make_account, storage, in_process, exports_here):
    from songcraft.alerts.service import raise_alert
    from songcraft.common.db import utcnow
    from songcraft.extensions import db
    from songcraft.files import cleanup

    admin = make_account(role="admin")
    account = customer(app, make_account)
    other = make_account()
    done = finish_here(client, app, account, product="video", photos=[("rose.jpg", photo())])
    assert client.put(f"{SONGS}/{done['id']}/gift", json={"message": "For Rose", "recipient_email": RECIPIENT},
                      headers=account.headers).status_code == 200
    waiting = start_song(client, app, account)  # a song still in the pipeline
    paid_order(client, app, account)  # an order not used yet
    others = finish_here(client, app, other)
    export = client.post(EXPORT, headers=account.headers).json
    assert build_here(app, export["id"])
    for active in (False, True):  # two audit entries about the customer
        assert client.patch(f"/api/v1/admin/users/{account.id}", json={"is_active": active}, headers=admin.headers).status_code == 200
    account.login()
    with app.app_context():
        raise_alert("song_failed", f"song:{waiting['id']}", "The song “A song for Maya” failed at compose_audio: boom",
                    {"song_id": waiting["id"], "customer": account.email})
        db.session.commit()
    needles = (account.email, NAME, account.id, RECIPIENT, done["id"], waiting["id"])
    holders = {"users", "orders", "songs", "gifts", "outbox_emails", "alerts", "refresh_tokens", "data_exports", "audit_logs"}
    assert holders <= set(carrying(app, *needles))
    assert any(account.id in key for key in stored_keys(storage))
    before = every_row(app)

    wrong = client.delete(ME, json={"password": "not my password"}, headers=account.headers)
    assert wrong.status_code == 401 and wrong.json["code"] == 401
    after = every_row(app)  # nothing changed (but the worker, if one runs, may have sent queued emails meanwhile)
    assert len(after.pop("outbox_emails")) == len(before.pop("outbox_emails")) and after == before
    assert client.delete(ME, json={}, headers=account.headers).status_code == 422

    users_before = client.get(STATS, headers=admin.headers).json["users"]["total"]
    assert client.delete(ME, json={"password": account.password}, headers=account.headers).status_code == 204
    assert client.get(STATS, headers=admin.headers).json["users"]["total"] == users_before - 1  # the tombstone is nobody

    assert client.get(ME, headers=account.headers).status_code == 401  # its tokens no longer work
    assert client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {account.tokens['refresh_token']}"}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"email": account.email, "password": account.password}).status_code == 401
    with app.app_context():  # the sweep's second pass (for files a running step might still write) comes later
        cleanup.sweep(now=utcnow() + timedelta(hours=2))
    assert carrying(app, *needles) == {}  # no table holds the email, the name, the id, the recipient or the songs

    from songcraft.auth.models import User
    from songcraft.orders.models import Order

    with app.app_context():
        orders = db.session.scalars(sa.select(Order)).all()
        tombstones = {order.user_id for order in orders if order.user_id != uuid.UUID(other.id)}
        assert len(tombstones) == 1  # the customer's three orders, together, on one tombstone
        tombstone = db.session.get(User, tombstones.pop())
        assert tombstone.email.endswith("@erased.invalid") and tombstone.full_name is None and not tombstone.is_active
        kept = [order for order in orders if order.user_id == tombstone.id]
        assert len(kept) == 3 and {o.status for o in kept} <= {"paid", "fulfilled"} and all(o.payment_url is None for o in kept)
    audit = client.get("/api/v1/admin/audit", headers=admin.headers).json
    entries = audit["items"] if isinstance(audit, dict) else audit
    erasure = next(entry for entry in entries if entry["action"] == "user.erase")
    assert erasure["target_id"] == str(tombstone.id) and erasure["details"] == {"songs": 2, "orders_kept": 3}
    assert not any(account.id in key for key in stored_keys(storage))  # every file, the export too
    assert any(others["id"] in key for key in stored_keys(storage))  # and only theirs
    assert client.get(f"{SONGS}/{others['id']}", headers=other.headers).status_code == 200


def test_a_song_being_made_stands_down_when_its_account_is_erased(client, app, make_account, worker):
    from songcraft.common.db import utcnow
    from songcraft.files import cleanup

    account = make_account()
    song = start_song(client, app, account, custom_lyrics="[Verse]\nMaya you light the room\nHappy birthday to you")
    wait_until(lambda: any(song["id"] in line and "step claimed" in line for line in worker.log_path.read_text().splitlines()),
               60, message="the worker to claim the song's step")
    assert client.delete(ME, json={"password": account.password}, headers=account.headers).status_code == 204

    def stood_down():
        lines = [line for line in worker.log_path.read_text().splitlines() if song["id"] in line]
        return any(s in line for line in lines for s in ("lease lost", "result dropped", "standing back", "stopped without storing"))

    wait_until(stood_down, 120, interval=0.5, message="the running step to stand down")
    with app.app_context():
        cleanup.sweep(now=utcnow() + timedelta(hours=2))
        storage = app.extensions["storage"]
    assert not any(account.id in key for key in stored_keys(storage))
    assert client.get(f"{SONGS}/{song['id']}", headers=account.headers).status_code == 401


def test_the_last_admin_cannot_erase_their_account(client, app, make_account):
    admin = make_account(role="admin")
    response = client.delete(ME, json={"password": admin.password}, headers=admin.headers)
    assert response.status_code == 409
    assert client.get(ME, headers=admin.headers).status_code == 200
