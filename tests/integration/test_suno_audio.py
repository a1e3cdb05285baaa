"""SunoAudioProvider against a loopback fake of the Suno HTTP API that serves real MP3 takes."""
from __future__ import annotations

import pytest

from songcraft.providers.audio.base import AudioRequest
from songcraft.providers.audio.suno import SunoAudioProvider, SunoCallback, TakeMetadata
from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.providers.lyrics.base import Lyrics, LyricsSection
from tests.fakes.loopback import Reply
from tests.fakes.suno_server import GENERATE_PATH, RECORD_INFO_PATH, FakeSuno

API_KEY = "suno-test-key"

LYRICS = Lyrics(
    title="Forty Candles",
    sections=(
        LyricsSection("verse", ("Maria, the kitchen smells of cinnamon", "You laugh and the street joins in"), "Verse 1"),
        LyricsSection("chorus", ("Forty candles, forty songs", "Here with you is where we belong"), "Chorus"),
    ),
)
REQUEST = AudioRequest(title="Forty Candles", lyrics=LYRICS, genre="acoustic pop", mood="warm")


@pytest.fixture
def fake():
    with FakeSuno(api_key=API_KEY) as server:
        yield server


def make_provider(fake: FakeSuno, **overrides) -> SunoAudioProvider:
    settings = dict(
        api_key=API_KEY,
        base_url=fake.url,
        callback_url="https://songcraft.example/hooks/suno",
        poll_interval=0.01,
        poll_timeout=5.0,
        http_timeout=5.0,
    )
    return SunoAudioProvider(**{**settings, **overrides})


def generate_body(fake: FakeSuno) -> dict:
    [request] = fake.requests_to(GENERATE_PATH)
    return request.json()


def test_pending_to_success_returns_both_takes_and_reports_progress(fake):
    provider = make_provider(fake)
    reported: list[int] = []

    task_id = provider.submit(REQUEST)
    takes = provider.wait(task_id, REQUEST, progress=reported.append)

    assert provider.name == "suno"
    assert [take.data for take in takes] == [take.audio for take in fake.takes]
    assert takes[0].data[:2] == b"\xff\xf3"  # an MPEG audio frame
    assert [take.duration_seconds for take in takes] == [1.0, 1.5]
    assert [take.provider_take_id for take in takes] == [f"{task_id}-take0", f"{task_id}-take1"]
    assert reported == [10, 40, 70, 100]
    assert len(fake.requests_to(RECORD_INFO_PATH)) == 4


def test_submit_sends_the_generate_request(fake):
    make_provider(fake).submit(REQUEST)

    [request] = fake.requests_to(GENERATE_PATH)
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.json() == {
        "customMode": True,
        "instrumental": False,
        "model": "V4_5",
        "prompt": LYRICS.as_text(),
        "style": "acoustic pop, warm",
        "title": "Forty Candles",
        "callBackUrl": "https://songcraft.example/hooks/suno",
    }


def test_instrumental_has_no_prompt_and_the_request_callback_wins(fake):
    request = AudioRequest(
        title="Calm", lyrics=None, genre="lo-fi", mood="calm", instrumental=True, callback_url="https://cb.example/1"
    )

    make_provider(fake).submit(request)

    body = generate_body(fake)
    assert body["instrumental"] is True
    assert "prompt" not in body
    assert body["callBackUrl"] == "https://cb.example/1"


@pytest.mark.parametrize(
    ("model", "prompt_limit", "style_limit", "title_limit"),
    [("V4_5", 5000, 1000, 100), ("V5", 5000, 1000, 100), ("V4", 3000, 200, 80), ("V3_5", 3000, 200, 80)],
)
def test_fields_are_cut_to_the_models_limits(fake, model, prompt_limit, style_limit, title_limit):
    verses = tuple(
        LyricsSection("verse", tuple(f"line {n} of verse {v}, sung with all my heart" for n in range(8)), f"Verse {v}")
        for v in range(40)
    )
    long_lyrics = Lyrics(title="Long", sections=verses)
    request = AudioRequest(
        title="A very long title " * 10, lyrics=long_lyrics, genre="pop, " * 300 + "rock", mood="warm"
    )
    assert len(long_lyrics.as_text()) > 5000

    make_provider(fake, model=model).submit(request)

    body = generate_body(fake)
    assert 0.8 * prompt_limit < len(body["prompt"]) <= prompt_limit
    assert long_lyrics.as_text().startswith(body["prompt"])
    assert body["prompt"].splitlines()[-1] in long_lyrics.lines  # cut after a whole line, not a heading
    assert 0 < len(body["style"]) <= style_limit and not body["style"].endswith(",")
    assert 0 < len(body["title"]) <= title_limit
    assert request.title[len(body["title"])] == " "  # cut between words


def test_failure_status_raises_with_the_providers_message(fake):
    fake.plan("PENDING", "SENSITIVE_WORD_ERROR", error_message="The lyrics contain sensitive words.")
    provider = make_provider(fake)

    with pytest.raises(ProviderError, match="sensitive words") as raised:
        provider.wait(provider.submit(REQUEST), REQUEST)
    assert not isinstance(raised.value, TransientProviderError)


def test_never_finishing_is_transient_after_the_poll_timeout(fake):
    fake.plan("PENDING")
    provider = make_provider(fake, poll_timeout=0.2)

    with pytest.raises(TransientProviderError, match="did not finish"):
        provider.wait(provider.submit(REQUEST), REQUEST)
    assert len(fake.requests_to(RECORD_INFO_PATH)) > 1


def test_a_passing_poll_failure_does_not_end_the_wait(fake):
    fake.script(Reply.json({"code": 500, "msg": "busy"}, status=503), path=RECORD_INFO_PATH)
    provider = make_provider(fake)

    takes = provider.wait(provider.submit(REQUEST), REQUEST)

    assert len(takes) == 2
    assert len(fake.requests_to(RECORD_INFO_PATH)) == 5


def test_oversize_download_is_refused(fake):
    provider = make_provider(fake, download_max_bytes=1000)

    with pytest.raises(ProviderError, match="larger than"):
        provider.wait(provider.submit(REQUEST), REQUEST)


def test_oversize_download_without_content_length_is_refused_while_streaming(fake):
    provider = make_provider(fake, download_max_bytes=100_000)
    task_id = provider.submit(REQUEST)
    fake.script(Reply(body=b"\xff" * 300_000, without_content_length=True), path=f"/files/{task_id}-0.mp3")

    with pytest.raises(ProviderError, match="larger than"):
        provider.wait(task_id, REQUEST)


def test_bad_api_key_is_final(fake):
    provider = make_provider(fake, api_key="wrong-key")

    with pytest.raises(ProviderError, match="access permissions") as raised:
        provider.submit(REQUEST)
    assert not isinstance(raised.value, TransientProviderError)
    assert "wrong-key" not in str(raised.value)


@pytest.mark.parametrize(
    "reply",
    [
        Reply.json({"code": 430, "msg": "Your call frequency is too high."}),
        Reply.json({"code": 455, "msg": "System maintenance"}),
        Reply.json({"code": 500, "msg": "Server error"}),
        Reply(status=502, body=b"<html>Bad gateway</html>"),
    ],
    ids=["430-too-frequent", "455-maintenance", "500-in-body", "http-502"],
)
def test_busy_answers_to_submit_are_transient(fake, reply):
    fake.script(reply, path=GENERATE_PATH)

    with pytest.raises(TransientProviderError):
        make_provider(fake).submit(REQUEST)


def test_rejected_request_is_final(fake):
    fake.script(Reply.json({"code": 413, "msg": "Theme or prompt too long"}), path=GENERATE_PATH)

    with pytest.raises(ProviderError, match="prompt too long") as raised:
        make_provider(fake).submit(REQUEST)
    assert not isinstance(raised.value, TransientProviderError)


def test_unreachable_api_is_transient():
    with FakeSuno() as server:
        provider = make_provider(server)
    with pytest.raises(TransientProviderError):
        provider.submit(REQUEST)


def complete_callback(fake: FakeSuno, task_id: str) -> dict:
    item = {
        "id": "take-a",
        "audio_url": fake.file_url(task_id, 0),
        "source_audio_url": fake.file_url(task_id, 0),
        "stream_audio_url": f"{fake.url}/stream/a",
        "image_url": f"{fake.url}/files/a.jpeg",
        "prompt": "[Verse] Night city lights shining bright",
        "model_name": "chirp-v4-5",
        "title": "Forty Candles",
        "tags": "acoustic pop, warm",
        "createTime": "2025-01-01 00:00:00",
        "duration": 1.0,
    }
    second = {**item, "id": "take-b", "audio_url": fake.file_url(task_id, 1), "duration": 1.5}
    return {
        "code": 200,
        "msg": "All generated successfully.",
        "data": {"callbackType": "complete", "task_id": task_id, "data": [item, second]},
    }


def test_complete_callback_is_parsed_and_its_takes_fetched(fake):
    provider = make_provider(fake)
    task_id = provider.submit(REQUEST)

    callback = provider.parse_callback(complete_callback(fake, task_id))
    takes = provider.fetch_takes(callback.takes)

    assert callback == SunoCallback(
        task_id=task_id,
        callback_type="complete",
        takes=(
            TakeMetadata("take-a", fake.file_url(task_id, 0), 1.0),
            TakeMetadata("take-b", fake.file_url(task_id, 1), 1.5),
        ),
    )
    assert callback.is_complete
    assert [take.data for take in takes] == [take.audio for take in fake.takes]
    assert [take.provider_take_id for take in takes] == ["take-a", "take-b"]


def test_text_callback_has_no_takes_yet():
    payload = {
        "code": 200,
        "msg": "Text generation completed.",
        "data": {"callbackType": "text", "task_id": "t1", "data": [{"id": "a", "audio_url": "", "duration": None}]},
    }

    callback = SunoAudioProvider.parse_callback(payload)

    assert (callback.callback_type, callback.takes, callback.is_complete) == ("text", (), False)


def test_error_callback_carries_the_message():
    payload = {"code": 501, "msg": "Audio generation failed.", "data": {"callbackType": "error", "task_id": "t1", "data": None}}

    callback = SunoAudioProvider.parse_callback(payload)

    assert (callback.callback_type, callback.error_message) == ("error", "Audio generation failed.")


@pytest.mark.parametrize(
    "payload",
    [{}, {"code": 200, "data": {"callbackType": "complete"}}, {"code": 200, "data": {"callbackType": "odd", "task_id": "t"}}],
    ids=["empty", "no-task-id", "unknown-type"],
)
def test_malformed_callback_is_rejected(payload):
    with pytest.raises(ProviderError):
        SunoAudioProvider.parse_callback(payload)
