"""OpenAILyricsProvider driven through the official client against a strict loopback fake of OpenAI."""
from __future__ import annotations

import copy
import socket
import threading

import openai
import pytest
import requests

from config import LANGUAGES
from songcraft.providers.errors import ProviderAccountError, ProviderError, TransientProviderError
from songcraft.providers.lyrics.base import SongBrief
from songcraft.providers.lyrics.openai import MAX_TITLE_CHARS, OpenAILyricsProvider
from songcraft.songs.tasks import TIME_LIMITS
from tests.fakes.openai_server import (
    COMPLETIONS_PATH,
    SAMPLE_LYRICS,
    FakeOpenAI,
    completion,
    error,
    insufficient_quota,
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
    with FakeOpenAI(api_key=API_KEY) as server:
        yield server


def make_provider(base_url: str, **overrides) -> OpenAILyricsProvider:
    return OpenAILyricsProvider(**{"api_key": API_KEY, "base_url": base_url, "timeout": 5, "attempts": 3,
                                   "backoff": (0.01, 0.01), **overrides})


@pytest.fixture
def provider(fake):
    return make_provider(fake.base_url)


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


@pytest.mark.parametrize(("code", "name"), [("es", "Spanish"), ("uk", "Ukrainian"), ("en", "English")])
def test_the_prompt_asks_for_the_songs_language(fake, provider, code, name):
    provider.write(brief(language=code))

    [system, user] = fake.completion_requests()[0].json()["messages"]
    assert f"Language: {name} (ISO code {code}). Write every line, title included, in {name}." in user["content"]
    assert "requested language" in system["content"]


def test_the_prompt_carries_the_names_pronunciation_and_the_voice(fake, provider):
    provider.write(brief(recipient_name="Aurelia", name_pronunciation="ow-REL-ya", vocal_style="duet"))

    user = fake.completion_requests()[0].json()["messages"][1]["content"]
    assert "The name is pronounced ow-REL-ya" in user and "a duet of a female and a male singer" in user


def test_every_song_language_can_be_written():
    assert OpenAILyricsProvider.languages == tuple(LANGUAGES)


def test_customer_title_wins_over_the_models(fake, provider):
    lyrics = provider.write(brief(title="For Maria"))

    assert lyrics.title == "For Maria"
    assert "For Maria" in fake.completion_requests()[0].json()["messages"][1]["content"]


def test_rate_limit_is_retried(fake, provider):
    fake.script(error(429, "Rate limit reached for gpt-4o-mini on requests per min (RPM)", "requests", code="rate_limit_exceeded"))

    lyrics = provider.write(brief())

    assert lyrics.title == SAMPLE_LYRICS["title"]
    assert len(fake.completion_requests()) == 2


def test_server_errors_exhausting_the_attempts_are_transient(fake, provider):
    fake.script(*[error(500, "The server had an error")] * 3)

    with pytest.raises(TransientProviderError, match="busy"):
        provider.write(brief())
    assert len(fake.completion_requests()) == 3


def test_a_retry_after_longer_than_the_budget_allows_ends_the_attempts_at_once(fake, provider):
    fake.script(error(503, "Slow down", "server_error", retry_after_ms=60_000))

    with pytest.raises(TransientProviderError):
        provider.write(brief())
    assert len(fake.completion_requests()) == 1  # the step's own retry comes back later


def test_insufficient_quota_fails_fast_and_alerts(fake, provider):
    fake.script(insufficient_quota())

    with pytest.raises(ProviderAccountError) as raised:
        provider.write(brief())

    assert len(fake.completion_requests()) == 1  # a 429, but not a rate limit: no retry
    alert = raised.value.alert
    assert (alert.kind, alert.cause, alert.details) == ("provider_out_of_credits", "openai:credits", {"provider": "openai"})
    assert "insufficient_quota" in alert.message and "Add credits" in alert.message
    assert "team has been alerted" in str(raised.value)


def test_unreachable_api_is_transient():
    with FakeOpenAI() as server:
        base_url = server.base_url  # the port is closed once the server stops
    provider = make_provider(base_url, timeout=2, attempts=1)

    with pytest.raises(TransientProviderError, match="could not be reached"):
        provider.write(brief())


def test_an_api_that_hangs_is_retried_then_transient_within_the_budget():
    """An outage that swallows requests: each attempt times out, and the step ends as a retry, not a crash."""
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        provider = make_provider(f"http://127.0.0.1:{silent.getsockname()[1]}/v1", timeout=0.3, attempts=2)
        outcome: list[BaseException] = []
        thread = threading.Thread(target=lambda: outcome.append(pytest.raises(TransientProviderError, provider.write, brief()).value))
        thread.start()
        thread.join(timeout=provider.time_budget + 5)
    assert not thread.is_alive() and "could not be reached" in str(outcome[0])


def test_the_worst_case_fits_inside_the_write_lyrics_soft_time_limit():
    default = OpenAILyricsProvider(api_key=API_KEY)
    soft_limit, _ = TIME_LIMITS["write_lyrics"]
    assert default.time_budget == 45 * 3 + 2 + 8
    assert default.time_budget < soft_limit - 20  # room for the step's own database work


def test_a_wrong_key_is_refused_by_the_fake_and_alerts_without_leaking_it(fake):
    provider = make_provider(fake.base_url, api_key="sk-wrong-key-999")

    with pytest.raises(ProviderAccountError) as raised:
        provider.write(brief())

    [request] = fake.completion_requests()
    assert request.headers["authorization"] == "Bearer sk-wrong-key-999"
    alert = raised.value.alert
    assert (alert.kind, alert.cause) == ("provider_rejected_key", "openai:key")
    assert "OPENAI_API_KEY" in alert.message and "401" in alert.message
    assert "sk-wrong" not in alert.message and "999" not in alert.message and "999" not in str(raised.value)


def test_the_fake_refuses_a_missing_or_wrong_authorization_header(fake):
    missing = requests.post(fake.url + COMPLETIONS_PATH, json={"model": "gpt-4o-mini", "messages": []}, timeout=5)
    wrong = openai.OpenAI(api_key="sk-other", base_url=fake.base_url, max_retries=0)

    assert missing.status_code == 401 and "didn't provide an API key" in missing.json()["error"]["message"]
    with pytest.raises(openai.AuthenticationError) as raised:
        wrong.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.code == "invalid_api_key"


def test_check_access_names_the_model_or_fails(fake, provider):
    assert provider.check_access() == "model gpt-4o-mini available"
    with pytest.raises(ProviderError, match="HTTP 404"):
        make_provider(fake.base_url, model="gpt-nonexistent").check_access()


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
        (_variant(lambda doc: [section.update(lines=["  "]) for section in doc["sections"]]), "without any sections"),
        (_variant(lambda doc: doc["sections"][0].update(kind="rap")), "unknown kind"),
        (_variant(lambda doc: doc["sections"][0].update(lines="one long string")), "malformed verse"),
        (_variant(lambda doc: doc["sections"].extend(copy.deepcopy(doc["sections"]) * 4)), "80 lines"),
        (_variant(lambda doc: doc["sections"][0]["lines"].append("la " * 100)), "longer than 200"),
    ],
    ids=["no-sections", "only-blank-lines", "unknown-kind", "lines-not-a-list", "too-many-lines", "long-line"],
)
def test_output_that_is_not_a_song_is_a_provider_error(fake, provider, lyrics, reason):
    fake.script(lyrics_completion(lyrics))

    with pytest.raises(ProviderError, match=reason):
        provider.write(brief())


def test_an_over_long_title_is_trimmed_at_a_word_boundary(fake, provider):
    long_title = "Forty Candles for Maria, Who Fixed My Bike in Ninety-Nine and Never Once Complained About the Burnt Toast"
    fake.script(lyrics_completion(_variant(lambda doc: doc.update(title=long_title))))

    lyrics = provider.write(brief())

    assert len(long_title) > MAX_TITLE_CHARS >= len(lyrics.title)
    assert long_title.startswith(lyrics.title) and long_title[len(lyrics.title)] == " "


def test_cosmetic_faults_are_repaired(fake, provider):
    def untidy(doc):
        doc.update(title="   ")
        doc["sections"][0]["lines"].insert(1, "   ")
        doc["sections"][0]["lines"][0] = "  Maria,   the kitchen smells  of cinnamon "
        doc["sections"][1]["label"] = ""
        doc["sections"].append({"kind": "outro", "label": "Outro", "lines": []})

    lyrics = provider.write(brief())  # the untouched sample, for comparison
    fake.script(lyrics_completion(_variant(untidy)))

    repaired = provider.write(brief())

    assert repaired.title == "A Song for Maria"
    assert repaired.sections[0].lines == lyrics.sections[0].lines  # blank line dropped, spaces tidied
    assert repaired.sections[1].heading == "Chorus" and len(repaired.sections) == len(lyrics.sections)


def test_api_key_is_never_logged(fake, provider, caplog):
    caplog.set_level("DEBUG")
    fake.script(error(500, "boom"), error(401, f"Incorrect API key provided: {API_KEY}", "invalid_request_error"))

    with pytest.raises(ProviderError):
        provider.write(brief())
    assert caplog.records  # something was logged, and none of it holds the key
    assert API_KEY not in caplog.text
