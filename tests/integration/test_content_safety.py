"""Content safety over the HTTP API: every free text a customer gives is checked before anything is
stored or made, by OpenAI's moderation endpoint (a strict loopback fake driven through the official
client) or, without a key or when that fails, by the offline word list; refusals are counted for the
admins, never quoted."""
from __future__ import annotations

import uuid

import openai
import pytest
import sqlalchemy as sa

from songcraft.providers.moderation.openai import OpenAIModerator
from songcraft.providers.moderation.wordlist import judge
from tests.fakes.openai_server import MODERATION_CATEGORIES, MODERATIONS_PATH, FakeOpenAI, error
from tests.integration.test_songs import SONGS, brief, paid_order, start_song

API_KEY = "sk-test-moderation-key-456"
STATS = "/api/v1/admin/dashboard/stats"
PROFANE_STORY = "She is my best friend and we laugh at every shitty movie we watch on Sundays."


@pytest.fixture
def fake():
    with FakeOpenAI(api_key=API_KEY) as server:
        yield server


@pytest.fixture
def openai_moderation(app, fake, monkeypatch):
    monkeypatch.setitem(app.extensions, "moderation", OpenAIModerator(API_KEY, base_url=fake.base_url))
    return fake


def rows(app, model) -> list:
    from songcraft.extensions import db

    with app.app_context():
        found = db.session.scalars(sa.select(model)).all()
        db.session.expunge_all()
        return found


def songs_and_refusals(app):
    from songcraft.moderation.models import ModerationRefusal
    from songcraft.songs.models import Song

    return rows(app, Song), rows(app, ModerationRefusal)


def content_stats(client, make_account) -> dict:
    admin = make_account(role="admin")
    response = client.get(STATS, headers=admin.headers)
    assert response.status_code == 200, response.json
    return response.json["content_safety"]


# --- The word list ------------------------------------------------------------------------


@pytest.mark.parametrize("text, categories", [
    ("Happy birthday Maya, you light up every room", ()),
    ("A love song for two husbands, gay and proud", ()),  # who people are is never refused
    ("Dick and Willy have been friends since school; they kill it on the dance floor", ()),  # names, idioms
    ("love you xx", ()),
    ("what the fuck", ("profanity",)),
    ("f u c k this", ("profanity",)),
    ("sh1t happens", ("profanity",)),
    ("a song for the nazi party", ("hate",)),
    ("she was raped", ("sexual", "violence")),
])
def test_the_word_list_refuses_abuse_and_spares_names_and_identities(text, categories):
    verdict = judge(text)
    assert verdict.flagged is bool(categories)
    assert verdict.categories == categories


def test_a_profane_story_is_refused_with_a_calm_message_and_nothing_is_stored(client, app, make_account, in_process):
    account = make_account()
    order = paid_order(client, app, account)
    response = client.post(f"{SONGS}/", json=brief(order, story=PROFANE_STORY, occasion="birthday"), headers=account.headers)
    assert response.status_code == 422, response.json
    assert response.json["code"] == 422
    assert "story" in response.json["message"]
    assert list(response.json["errors"]["json"]) == ["story"]
    assert "reword" in response.json["errors"]["json"]["story"][0]
    songs, refusals = songs_and_refusals(app)
    assert songs == []
    assert [(r.field, r.category, r.provider) for r in refusals] == [("story", "profanity", "wordlist")]
    # The order is still unused: the customer rewords and goes on.
    assert client.post(f"{SONGS}/", json=brief(order), headers=account.headers).status_code == 202


def test_every_refused_field_is_named(client, app, make_account, in_process):
    account = make_account()
    order = paid_order(client, app, account)
    response = client.post(f"{SONGS}/", json=brief(order, title="Bitch please", recipient_name="Maya",
                                                   custom_lyrics="[Verse]\nYou fucking legend, Maya\nHappy birthday to you"),
                           headers=account.headers)
    assert response.status_code == 422
    assert sorted(response.json["errors"]["json"]) == ["custom_lyrics", "title"]
    assert songs_and_refusals(app)[0] == []


def test_gift_message_and_edited_lyrics_are_checked_and_left_unchanged(client, app, make_account, in_process):
    from songcraft.extensions import db
    from songcraft.gifts.models import Gift
    from songcraft.songs.models import Song

    account = make_account()
    song = start_song(client, app, account, custom_lyrics="[Verse]\nMaya you light the room\nHappy birthday to you")
    with app.app_context():  # as if the song were done, so its lyrics may be edited
        db.session.execute(sa.update(Song).where(Song.id == uuid.UUID(song["id"])).values(plan=[], status="completed"))
        db.session.commit()
    gift = client.put(f"{SONGS}/{song['id']}/gift", json={"message": "For the biggest cunt I know"}, headers=account.headers)
    assert gift.status_code == 422 and list(gift.json["errors"]["json"]) == ["message"]
    assert rows(app, Gift) == []
    edit = client.put(f"{SONGS}/{song['id']}/lyrics", json={"lyrics": "[Verse]\nMaya you piece of shit\nHappy birthday"},
                      headers=account.headers)
    assert edit.status_code == 422 and list(edit.json["errors"]["json"]) == ["lyrics"]
    assert rows(app, Song)[0].lyrics == "[Verse]\nMaya you light the room\nHappy birthday to you"
    fine = client.put(f"{SONGS}/{song['id']}/gift", json={"message": "For Maya, with love xx"}, headers=account.headers)
    assert fine.status_code == 200, fine.json


def test_admins_see_counts_per_category_and_field_never_the_text(client, app, make_account, in_process):
    account = make_account()
    order = paid_order(client, app, account)
    for story in (PROFANE_STORY, "We met at a rally and he shouted nazi slogans at everyone all evening long."):
        assert client.post(f"{SONGS}/", json=brief(order, story=story), headers=account.headers).status_code == 422
    stats = content_stats(client, make_account)
    assert stats == {"refused_attempts": 2, "refused_last_24h": 2, "by_category": {"hate": 1, "profanity": 1},
                     "by_field": {"story": 2}}
    stored = " ".join(str(vars(r)) for r in songs_and_refusals(app)[1])
    assert "shitty" not in stored and "slogans" not in stored


# --- OpenAI's moderation endpoint -----------------------------------------------------------


def test_openai_judges_every_field_in_one_call_and_its_categories_are_counted(client, app, make_account, in_process,
                                                                              openai_moderation):
    account = make_account()
    order = paid_order(client, app, account)
    response = client.post(f"{SONGS}/", json=brief(order, story="Maya, you worthless idiot, happy birthday anyway my friend."),
                           headers=account.headers)
    assert response.status_code == 422 and list(response.json["errors"]["json"]) == ["story"]
    sent = openai_moderation.requests_to(MODERATIONS_PATH, "POST")[-1]
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.json()["model"] == "omni-moderation-latest"
    assert sent.json()["input"] == ["Maya", "birthday", "Maya, you worthless idiot, happy birthday anyway my friend."]
    assert [(r.field, r.category, r.provider) for r in songs_and_refusals(app)[1]] == [("story", "harassment", "openai")]
    # OpenAI's judgement, not the word list's: a clean text passes, and swearing OpenAI does not flag passes too.
    assert client.post(f"{SONGS}/", json=brief(order, story=PROFANE_STORY), headers=account.headers).status_code == 202


def test_an_openai_outage_falls_back_to_the_word_list(client, app, make_account, in_process, openai_moderation):
    account = make_account()
    order = paid_order(client, app, account)
    openai_moderation.script(*[error(503, "The server is overloaded.")] * 4, path=MODERATIONS_PATH)
    refused = client.post(f"{SONGS}/", json=brief(order, story=PROFANE_STORY), headers=account.headers)
    assert refused.status_code == 422
    assert [(r.field, r.provider) for r in songs_and_refusals(app)[1]] == [("story", "wordlist")]
    assert client.post(f"{SONGS}/", json=brief(order), headers=account.headers).status_code == 202


def test_a_refused_key_falls_back_and_alerts_the_operators(client, app, make_account, in_process, fake, monkeypatch):
    from songcraft.alerts.models import Alert

    monkeypatch.setitem(app.extensions, "moderation", OpenAIModerator("sk-wrong-key-000000", base_url=fake.base_url))
    account = make_account()
    order = paid_order(client, app, account)
    assert client.post(f"{SONGS}/", json=brief(order), headers=account.headers).status_code == 202
    alerts = rows(app, Alert)
    assert [(a.kind, a.cause) for a in alerts] == [("provider_rejected_key", "openai:key")]
    assert "sk-wrong-key-000000" not in alerts[0].message


def test_the_fake_speaks_the_real_wire_format_and_refuses_what_the_api_refuses(fake):
    client = openai.OpenAI(api_key=API_KEY, base_url=fake.base_url, max_retries=0)
    response = client.moderations.create(model="omni-moderation-latest", input=["I will hurt you", "Happy birthday"])
    assert response.model == "omni-moderation-latest" and response.id.startswith("modr-")
    threat, kind = response.results
    assert threat.flagged and threat.categories.violence and threat.categories.harassment_threatening
    assert not kind.flagged
    assert sorted(kind.categories.model_dump(by_alias=True)) == sorted(MODERATION_CATEGORIES)
    assert kind.category_applied_input_types.hate == ["text"] and 0 <= kind.category_scores.hate < 0.01
    with pytest.raises(openai.BadRequestError):
        client.post("/moderations", body={"model": "omni-moderation-latest"}, cast_to=object)
    with pytest.raises(openai.BadRequestError):
        client.moderations.create(model="omni-moderation-latest", input=[])
    with pytest.raises(openai.NotFoundError) as missing_model:
        client.moderations.create(model="omni-moderation-nope", input="hi")
    assert missing_model.value.code == "model_not_found"
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(api_key="sk-other", base_url=fake.base_url, max_retries=0).moderations.create(input="hi")
