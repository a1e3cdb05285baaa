"""List pages: the summary representation, totals that ride along with the page, and the
OpenAPI document saying what lists leave out."""
from __future__ import annotations

import json
import uuid

from songcraft.common.db import utcnow

SONGS, ORDERS, ADMIN = "/api/v1/songs", "/api/v1/orders", "/api/v1/admin"


def seed_songs(app, user_id, count: int, status: str = "completed") -> list[str]:
    """`count` orders with a song of two takes (the first selected); returns the song ids, oldest first."""
    from songcraft.extensions import db
    from songcraft.orders.models import Order
    from songcraft.songs.models import Song, Take

    user_id, ids = uuid.UUID(str(user_id)), []
    with app.app_context():
        for n in range(count):
            order = Order(user_id=user_id, product="audio", status="fulfilled", amount_cents=1900, currency="USD",
                          payment_provider="sandbox", paid_at=utcnow(), used_at=utcnow())
            song = Song(id=uuid.uuid4(), user_id=user_id, order=order, title=f"Song {n}", recipient_name="Maya", occasion="birthday",
                        genre="pop", mood="joyful", story=f"Story number {n}, long enough.", status=status, progress=100,
                        lyrics=f"[Verse]\nLyrics of song {n}", created_at=utcnow())
            song.takes = [Take(position=p, storage_key=f"users/{user_id}/songs/{song.id}/takes/{p}.mp3", size_bytes=10,
                               duration_seconds=60.0 + p, selected=p == 1) for p in (1, 2)]
            db.session.add_all([order, song])
            db.session.commit()
            ids.append(str(song.id))
    return ids


def pagination(response) -> dict:
    return json.loads(response.headers["X-Pagination"])


def test_song_list_is_a_summary_and_the_detail_has_everything(client, app, make_account):
    account = make_account()
    (song_id,) = seed_songs(app, account.id, 1)

    (listed,) = client.get(f"{SONGS}/", headers=account.headers).json
    detail = client.get(f"{SONGS}/{song_id}", headers=account.headers).json

    assert "story" not in listed and "lyrics" not in listed
    assert detail["story"] == "Story number 0, long enough." and detail["lyrics"] == "[Verse]\nLyrics of song 0"
    assert {key: value for key, value in detail.items() if key not in ("story", "lyrics", "audio_url")} == \
        {key: value for key, value in listed.items() if key != "audio_url"}
    assert [(t["position"], t["duration_seconds"], t["selected"]) for t in listed["takes"]] == [(1, 61.0, True), (2, 62.0, False)]
    app.extensions["storage"].put(f"users/{account.id}/songs/{song_id}/takes/1.mp3", b"the first take", "audio/mpeg")
    audio = client.get(listed["audio_url"].removeprefix("http://localhost"))
    assert audio.status_code == 200 and audio.data == b"the first take"


def test_pages_hold_page_size_songs_with_all_their_takes_and_the_right_total(client, app, make_account):
    account, other = make_account(), make_account()
    ids = seed_songs(app, account.id, 5)[::-1]  # newest first
    seed_songs(app, other.id, 2)

    pages = [client.get(f"{SONGS}/?page_size=2&page={page}", headers=account.headers) for page in (1, 2, 3, 4)]

    assert [[s["id"] for s in page.json] for page in pages] == [ids[:2], ids[2:4], ids[4:], []]
    assert all(len(s["takes"]) == 2 for page in pages for s in page.json)
    assert [(pagination(p)["total"], pagination(p)["total_pages"]) for p in pages] == [(5, 3)] * 4  # past the end too
    assert pagination(pages[0])["next_page"] == 2 and "page" not in pagination(pages[3])
    filtered = client.get(f"{SONGS}/?status=failed", headers=account.headers)
    assert filtered.json == [] and pagination(filtered)["total"] == 0


def test_order_list_carries_each_orders_song_id(client, app, make_account):
    account = make_account()
    (song_id,) = seed_songs(app, account.id, 1)
    unused = client.post(f"{ORDERS}/", json={"product": "audio"}, headers=account.headers).json

    listed = client.get(f"{ORDERS}/", headers=account.headers).json

    assert [(o["id"], o["song_id"]) for o in listed][0] == (unused["id"], None)
    assert listed[1]["song_id"] == song_id and pagination(client.get(f"{ORDERS}/", headers=account.headers))["total"] == 2


def test_admin_song_list_is_a_summary_with_the_owner(client, app, make_account):
    admin, owner = make_account(role="admin"), make_account()
    (song_id,) = seed_songs(app, owner.id, 1, status="failed")

    (listed,) = client.get(f"{ADMIN}/songs?status=failed", headers=admin.headers).json

    assert (listed["id"], listed["user_email"], listed["user_id"]) == (song_id, owner.email, owner.id)
    assert "story" not in listed and "lyrics" not in listed and len(listed["takes"]) == 2


def test_openapi_documents_the_list_representations(client):
    spec = client.get("/api/openapi.json").json
    schemas = spec["components"]["schemas"]

    def listed_schema(path: str) -> str:
        return spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"].rsplit("/", 1)[1]

    assert listed_schema(f"{SONGS}/") == "SongSummary" and listed_schema(f"{ADMIN}/songs") == "AdminSong"
    for name in ("SongSummary", "AdminSong"):
        assert "story" not in schemas[name]["properties"] and "lyrics" not in schemas[name]["properties"]
        assert "`story` and `lyrics`" in schemas[name]["description"]
    assert {"story", "lyrics", "takes", "audio_url"} <= set(schemas["Song"]["properties"])
    assert set(schemas["SongSummary"]["properties"]) == set(schemas["Song"]["properties"]) - {"story", "lyrics"}
