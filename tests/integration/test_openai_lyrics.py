"""OpenAILyricsProvider driven through the official client against a loopback Chat Completions fake."""
from __future__ import annotations

import copy

import pytest

from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.providers.lyrics.base import SongBrief
from songcraft.providers.lyrics.openai import OpenAILyricsProvider
from tests.fakes.openai_server import (
    SAMPLE_LYRICS,
    FakeOpenAI,
    completion,
    error,
    lyrics_completion,
    refusal,
)

API_KEY = "sk-test-secret-key-123"

BRIEF_KWARGS = dict(
    recipient_name="Maria",
    occasion="40th birthday",
    genre="acoustic pop",
    mood="warm",
    story="She fixed my bike in 1999 and makes burnt toast every Sunday.",
    language="en",
    seed=7,
)


def brief(**overrides) -> SongBrief:
    return SongBrief(**{**BRIEF_KWARGS, **overrides})


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def provider(fake):
    return OpenAILyricsProvider(api_key=API_KEY, base_url=fake.base_url, timeout=5, max_retries=2)


def test_writes_lyrics_from_structured_output(fake, provider):
    lyrics = provider.write(brief())

    assert provider.name == "openai"
    assert lyrics.title == SAMPLE_LYRICS["title"]
    assert [s.kind for s in lyrics.sections] == ["verse", "chorus", "verse", "chorus"]
    assert lyrics.sections[1].heading == "Chorus"
    assert lyrics.lines[0] == SAMPLE_LYRICS["sections"][0]["lines"][0]


def test_request_carries_key_model_schema_and_brief(fake, provider):
    provider.write(brief())

    [request] = fake.completion_requests()
    body = request.json()
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert body["model"] == "gpt-4o-mini"
    assert body["seed"] == 7
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["required"] == ["title", "sections"]
    assert "chorus" in schema["properties"]["sections"]["items"]["properties"]["kind"]["enum"]
    [system, user] = body["messages"]
    assert system["role"] == "system" and "harmful" in system["content"]
    assert "Maria" in user["content"] and "40th birthday" in user["content"] and "burnt toast" in user["content"]


def test_customer_title_wins_over_the_models(fake, provider):
    lyrics = provider.write(brief(title="For Maria"))

    assert lyrics.title == "For Maria"
    assert "For Maria" in fake.completion_requests()[0].json()["messages"][1]["content"]


def test_rate_limit_is_retried_by_the_client(fake, provider):
    fake.script(error(429, "Rate limit reached", "requests"))

    lyrics = provider.write(brief())

    assert lyrics.title == SAMPLE_LYRICS["title"]
    assert len(fake.completion_requests()) == 2


def test_server_errors_exhausting_retries_are_transient(fake, provider):
    fake.script(*[error(500, "The server had an error")] * 3)

    with pytest.raises(TransientProviderError):
        provider.write(brief())
    assert len(fake.completion_requests()) == 3  # first try + max_retries


def test_unreachable_api_is_transient():
    with FakeOpenAI() as server:
        base_url = server.base_url  # the port is closed once the server stops
    provider = OpenAILyricsProvider(api_key=API_KEY, base_url=base_url, timeout=2, max_retries=0)

    with pytest.raises(TransientProviderError):
        provider.write(brief())


def test_bad_key_is_final_and_does_not_leak_the_key(fake, provider):
    fake.script(error(401, f"Incorrect API key provided: {API_KEY[:6]}***123.", "invalid_request_error"))

    with pytest.raises(ProviderError) as raised:
        provider.write(brief())
    assert not isinstance(raised.value, TransientProviderError)
    assert "401" in str(raised.value) and API_KEY[:6] not in str(raised.value)
    assert len(fake.completion_requests()) == 1


def test_refusal_is_a_provider_error(fake, provider):
    fake.script(refusal("I can't write that."))

    with pytest.raises(ProviderError, match="declined.*I can't write that") as raised:
        provider.write(brief())
    assert not isinstance(raised.value, TransientProviderError)


def test_malformed_json_is_a_provider_error(fake, provider):
    fake.script(completion('{"title": "Half a song", "sections": ['))

    with pytest.raises(ProviderError, match="not valid JSON"):
        provider.write(brief())


def test_truncated_output_is_a_provider_error(fake, provider):
    fake.script(completion('{"title": "Half', finish_reason="length"))

    with pytest.raises(ProviderError, match="ran out of room"):
        provider.write(brief())


def _variant(mutate) -> dict:
    lyrics = copy.deepcopy(SAMPLE_LYRICS)
    mutate(lyrics)
    return lyrics


@pytest.mark.parametrize(
    ("lyrics", "reason"),
    [
        (_variant(lambda doc: doc.update(sections=[])), "without any sections"),
        (_variant(lambda doc: doc["sections"][0].update(lines=[])), "empty verse"),
        (_variant(lambda doc: doc["sections"][1]["lines"].append("   ")), "blank line in a chorus"),
        (_variant(lambda doc: doc["sections"][0].update(kind="rap")), "unknown kind"),
        (_variant(lambda doc: doc["sections"].extend(copy.deepcopy(doc["sections"]) * 4)), "80 lines"),
        (_variant(lambda doc: doc["sections"][0]["lines"].append("la " * 100)), "longer than 200"),
        (_variant(lambda doc: doc.update(title=" ")), "without a title"),
    ],
    ids=["no-sections", "empty-section", "blank-line", "unknown-kind", "too-many-lines", "long-line", "no-title"],
)
def test_output_outside_the_schema_is_a_provider_error(fake, provider, lyrics, reason):
    fake.script(lyrics_completion(lyrics))

    with pytest.raises(ProviderError, match=reason):
        provider.write(brief())


def test_api_key_is_never_logged(fake, provider, caplog):
    caplog.set_level("DEBUG")
    fake.script(error(500, "boom"), error(401, "bad key", "invalid_request_error"))

    with pytest.raises(ProviderError):
        provider.write(brief())
    assert caplog.records  # something was logged, and none of it holds the key
    assert API_KEY not in caplog.text
