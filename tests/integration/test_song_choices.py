"""What the customer chooses besides the story: the voice, the language, how the name is said, and
`GET /songs/options`, which tells a frontend what the configured providers can do. This session's
app has the offline providers (English lyrics only); test_real_providers.py has OpenAI and Suno."""
from __future__ import annotations

import pytest

from config import GENRES, LANGUAGES, MOODS
from songcraft.engines import synth
from tests.integration.test_pipeline import song_row
from tests.integration.test_songs import SONGS, brief, paid_order, start_song, wait_for_song

FRENCH = "[Couplet]\nMaya, la nuit de Lisbonne est à nous\n[Refrain]\nDanse avec moi, Maya, jusqu'au bout"


def create(client, app, account, **overrides):
    order = paid_order(client, app, account)
    return order, client.post(f"{SONGS}/", json=brief(order, **overrides), headers=account.headers)


def test_options_are_public_and_say_what_the_offline_providers_can_do(client, app):
    options = client.get(f"{SONGS}/options")  # no Authorization header
    assert options.status_code == 200
    body = options.json
    assert [genre["id"] for genre in body["genres"]] == list(GENRES) and body["moods"] == list(MOODS)
    assert {genre["id"]: genre["default_vocal_style"] for genre in body["genres"]}["rap"] == "male"
    assert [style["id"] for style in body["vocal_styles"]] == ["female", "male", "duet"]
    languages = {language["code"]: language for language in body["languages"]}
    assert list(languages) == ["en", "es", "fr", "de", "it", "pt", "uk"] and languages["uk"]["name"] == "Ukrainian"
    assert [code for code, language in languages.items() if not language["custom_lyrics_only"]] == ["en"]
    assert {(p["id"], p["amount_cents"], p["currency"]) for p in body["products"]} == {("audio", 1900, "USD"), ("video", 2900, "USD")}


def test_options_follow_the_catalogue(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PRODUCT_VIDEO_PRICE_CENTS", 3500)
    products = {p["id"]: p for p in client.get(f"{SONGS}/options").json["products"]}
    assert products["video"]["amount_cents"] == 3500 == client.get("/api/v1/orders/products").json[1]["amount_cents"]


def test_the_offline_synthesizer_sings_every_language_and_voice_the_api_accepts():
    assert set(LANGUAGES) <= set(synth.LANGUAGES)
    assert set(synth.VOCAL_STYLES) == {"female", "male", "duet"}


# --- Voice --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("genre", "chosen", "stored"), [("rap", None, "male"), ("ballad", None, "female"),
                                                         ("rock", "female", "female"), ("pop", "duet", "duet")])
def test_the_voice_is_chosen_or_the_genres_and_stored(client, app, make_account, monkeypatch, genre, chosen, stored):
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    account = make_account()
    song = start_song(client, app, account, genre=genre, **({"vocal_style": chosen} if chosen else {}))
    assert song["vocal_style"] == stored
    assert client.get(f"{SONGS}/{song['id']}", headers=account.headers).json["vocal_style"] == stored


def test_an_instrumental_has_no_voice(client, app, make_account, monkeypatch):
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    account = make_account()
    assert start_song(client, app, account, instrumental=True)["vocal_style"] is None
    _, sung_by_nobody = create(client, app, account, instrumental=True, vocal_style="male")
    assert sung_by_nobody.status_code == 422 and "vocal_style" in sung_by_nobody.json["errors"]["json"]
    _, unknown = create(client, app, account, vocal_style="choir")
    assert unknown.status_code == 422 and "vocal_style" in unknown.json["errors"]["json"]


def test_the_openapi_document_lists_the_voices_and_languages_as_closed_lists_with_examples(client):
    schemas = client.get("/api/openapi.json").json["components"]["schemas"]
    create_fields = schemas["SongCreate"]["properties"]
    assert create_fields["vocal_style"]["enum"] == ["female", "male", "duet"] and create_fields["vocal_style"]["example"] == "duet"
    assert create_fields["language"]["enum"] == ["en", "es", "fr", "de", "it", "pt", "uk"] and create_fields["language"]["example"] == "es"
    assert create_fields["name_pronunciation"]["example"] == "ow-REL-ya" and create_fields["name_pronunciation"]["maxLength"] == 60
    assert schemas["Song"]["properties"]["vocal_style"]["enum"] == ["female", "male", "duet", None]
    assert set(schemas["SongOptions"]["properties"]) == {"genres", "moods", "languages", "vocal_styles", "products"}


# --- Languages ----------------------------------------------------------------------------------


def test_a_language_the_offline_composer_cannot_write_is_refused_naming_the_setting(client, app, make_account):
    account = make_account()
    order, refused = create(client, app, account, language="fr")
    assert refused.status_code == 422
    [message] = refused.json["errors"]["json"]["language"]
    assert "LYRICS_PROVIDER=openai" in message and "French" in message and "custom_lyrics" in message
    retried = client.post(f"{SONGS}/", json=brief(order), headers=account.headers)
    assert retried.status_code == 202  # the refusal stored nothing: the order is still unused


def test_custom_lyrics_in_another_language_are_sung_by_the_offline_synthesizer(client, app, make_account, worker):
    from songcraft.songs.steps import STEPS

    account = make_account()
    song = start_song(client, app, account, language="fr", custom_lyrics=FRENCH, vocal_style="male",
                      recipient_name="Aurélia", name_pronunciation="o-RÉ-lia")
    with app.app_context():
        request = STEPS["compose_audio"].prepare(song_row(app, song["id"])).request
    assert (request.language, request.vocal_style, request.recipient_name, request.name_pronunciation) == \
        ("fr", "male", "Aurélia", "o-RÉ-lia")
    assert request.lyrics.lines == FRENCH.splitlines()[1::2]

    done = wait_for_song(client, account, song["id"])
    assert done["lyrics"] == FRENCH and done["language"] == "fr" and len(done["takes"]) == 1
    refused = client.post(f"{SONGS}/{song['id']}/generate-lyrics", headers=account.headers)
    assert refused.status_code == 409 and "LYRICS_PROVIDER=openai" in refused.json["message"]


def test_an_instrumental_needs_no_lyrics_in_its_language(client, app, make_account, monkeypatch):
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    assert start_song(client, app, make_account(), language="uk", instrumental=True)["language"] == "uk"


# --- How the name is said -----------------------------------------------------------------------


def test_the_pronunciation_reaches_the_lyrics_writer_and_the_singer(client, app, make_account, monkeypatch):
    from songcraft.songs.steps import STEPS

    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    account = make_account()
    song = start_song(client, app, account, recipient_name="Aurelia", name_pronunciation="ow-REL-ya", vocal_style="duet")
    assert song["name_pronunciation"] == "ow-REL-ya"
    with app.app_context():
        written_for = STEPS["write_lyrics"].prepare(song_row(app, song["id"]))
    assert (written_for.name_pronunciation, written_for.vocal_style, written_for.language) == ("ow-REL-ya", "duet", "en")


@pytest.mark.parametrize("said", ["ow-REL-ya", "MY-a", "ok-SA-na", "жен-Я", "mar-EE-a jo-SAY", "pree-ya"])
def test_pronunciations_of_letters_and_hyphens_are_accepted(client, app, make_account, monkeypatch, said):
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    assert start_song(client, app, make_account(), name_pronunciation=said)["name_pronunciation"] == said


@pytest.mark.parametrize(("said", "why"), [
    ("ow_rel_ya", "letters only"), ("ow--REL", "letters only"), ("-ow", "letters only"), ("ow-", "letters only"),
    ("ow1-rel", "letters only"), ("ow  rel", "letters only"), ("ow'rel", "letters only"),
    ("Ow-rel-ya", "stressed one in capitals"), ("ow-ReL", "stressed one in capitals"),
    ("ow\x07rel", "control characters"), ("ow\u202erel", "control characters"), ("ow-REL\nya", "control characters"),
    ("a" * 61, "between 1 and 60"), ("", "between 1 and 60"),
])
def test_pronunciations_that_cannot_be_read_are_refused_saying_why(client, app, make_account, said, why):
    account = make_account()
    order, response = create(client, app, account, name_pronunciation=said)
    assert response.status_code == 422
    assert any(why in message for message in response.json["errors"]["json"]["name_pronunciation"]), response.json
    assert client.get(f"{SONGS}/", headers=account.headers).json == []
    assert client.get(f"/api/v1/orders/{order['id']}", headers=account.headers).json["song_id"] is None

