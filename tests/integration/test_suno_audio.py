"""SunoAudioProvider against a strict loopback fake of sunoapi.org that serves real MP3 takes."""
from __future__ import annotations

import dataclasses

import pytest
import requests

from songcraft.providers.audio.base import AudioRequest
from songcraft.providers.audio.suno import SunoAudioProvider, SunoCallback, TakeMetadata
from songcraft.providers.errors import ProviderAccountError, ProviderError, TransientProviderError
from songcraft.providers.lyrics.base import Lyrics, LyricsSection
from tests.fakes.loopback import Reply
from tests.fakes.suno_server import (
    CREDIT_PATH,
    GENERATE_PATH,
    MESSAGES,
    RECORD_INFO_PATH,
    TIMESTAMPED_LYRICS_PATH,
    FakeSuno,
    body,
)

API_KEY = "suno-test-key"
LOOPBACK = frozenset({"127.0.0.1"})  # the fake's host: allowed explicitly, as no real file host ever is

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
        private_hosts=LOOPBACK,
        retry_pauses=(0.01, 0.01),
    )
    return SunoAudioProvider(**{**settings, **overrides})


def generate_body(fake: FakeSuno) -> dict:
    [request] = fake.requests_to(GENERATE_PATH)
    return request.json()


def file_path(fake: FakeSuno, task_id: str, index: int) -> str:
    return fake.file_url(task_id, index).removeprefix(fake.url)


# --- The happy path ----------------------------------------------------------------------


def test_pending_to_success_returns_both_takes_with_suno_line_timings(fake):
    provider = make_provider(fake)
    reported: list[int] = []

    task_id = provider.submit(REQUEST)
    takes = provider.wait(task_id, REQUEST, progress=reported.append)

    assert provider.name == "suno"
    assert [take.data for take in takes] == [take.audio for take in fake.takes]
    assert takes[0].data[:2] == b"\xff\xf3" and takes[0].content_type == "audio/mpeg"  # an MPEG audio frame
    assert [take.duration_seconds for take in takes] == [1.0, 1.5]
    assert [take.provider_take_id for take in takes] == [f"{task_id}-take0", f"{task_id}-take1"]
    assert reported == [10, 40, 70, 100]
    assert len(fake.requests_to(RECORD_INFO_PATH)) == 4
    for index, take in enumerate(takes):
        assert not take.lines_estimated
        sung = [(line.text, line.start_seconds, line.end_seconds) for line in take.lines]
        assert sung == fake.line_schedule(task_id, index)
        assert [line.section for line in take.lines] == ["Verse 1", "Verse 1", "Chorus", "Chorus"]
    asked = [request.json() for request in fake.requests_to(TIMESTAMPED_LYRICS_PATH)]
    assert asked == [{"taskId": task_id, "audioId": f"{task_id}-take0"}, {"taskId": task_id, "audioId": f"{task_id}-take1"}]


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


def test_instrumental_has_no_prompt_no_line_timings_and_the_request_callback_wins(fake):
    request = AudioRequest(
        title="Calm", lyrics=None, genre="lo-fi", mood="calm", instrumental=True, callback_url="https://cb.example/1"
    )
    provider = make_provider(fake)

    takes = provider.wait(provider.submit(request), request)

    body_sent = generate_body(fake)
    assert body_sent["instrumental"] is True and "prompt" not in body_sent
    assert body_sent["callBackUrl"] == "https://cb.example/1"
    assert all(take.lines == () and not take.lines_estimated for take in takes)
    assert fake.requests_to(TIMESTAMPED_LYRICS_PATH) == []


# --- Models and limits, before paying ---------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "prompt_limit", "style_limit", "title_limit"),
    [("V4", 3000, 200, 80), ("V4_5", 5000, 1000, 100), ("V4_5PLUS", 5000, 1000, 100), ("V4_5ALL", 5000, 1000, 80),
     ("V5", 5000, 1000, 100), ("V5_5", 5000, 1000, 100)],
)
def test_fields_are_cut_to_the_models_limits_so_the_strict_fake_accepts_them(fake, model, prompt_limit, style_limit, title_limit):
    verses = tuple(
        LyricsSection("verse", tuple(f"line {n} of verse {v}, sung with all my heart" for n in range(8)), f"Verse {v}")
        for v in range(40)
    )
    long_lyrics = Lyrics(title="Long", sections=verses)
    request = AudioRequest(
        title="A very long title " * 10, lyrics=long_lyrics, genre="pop, " * 300 + "rock", mood="warm"
    )
    assert len(long_lyrics.as_text()) > 5000

    task_id = make_provider(fake, model=model).submit(request)

    assert task_id in fake.tasks  # the fake, which applies Suno's documented limits itself, accepted it
    body_sent = generate_body(fake)
    assert body_sent["model"] == model
    assert 0.8 * prompt_limit < len(body_sent["prompt"]) <= prompt_limit
    assert long_lyrics.as_text().startswith(body_sent["prompt"])
    assert body_sent["prompt"].splitlines()[-1] in long_lyrics.lines  # cut after a whole line, not a heading
    assert 0 < len(body_sent["style"]) <= style_limit and not body_sent["style"].endswith(",")
    assert 0 < len(body_sent["title"]) <= title_limit
    assert request.title[len(body_sent["title"])] == " "  # cut between words


# --- The voice ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vocal_style", "vocal_gender", "style"),
    [("female", "f", "acoustic pop, warm"), ("male", "m", "acoustic pop, warm"),
     ("duet", None, "duet, male and female vocals, acoustic pop, warm"), (None, None, "acoustic pop, warm")],
)
def test_the_voice_goes_as_suno_documents_it(fake, vocal_style, vocal_gender, style):
    request = dataclasses.replace(REQUEST, vocal_style=vocal_style, language="es")

    task_id = make_provider(fake, model="V4").submit(request)

    assert task_id in fake.tasks  # the fake, which checks vocalGender's documented values, accepted it
    body_sent = generate_body(fake)
    assert body_sent.get("vocalGender") == vocal_gender and body_sent["style"] == style
    assert body_sent["prompt"] == LYRICS.as_text()  # the lyrics go as written, whatever their language


def test_an_instrumental_names_no_voice(fake):
    request = AudioRequest(title="Calm", lyrics=None, genre="lo-fi", mood="calm", instrumental=True, vocal_style="duet")

    make_provider(fake).submit(request)

    body_sent = generate_body(fake)
    assert "vocalGender" not in body_sent and body_sent["style"] == "lo-fi, calm"


@pytest.mark.parametrize("model", ["V3_5", "v4_5", "chirp-v4", ""])
def test_an_unknown_model_is_refused_before_any_request(fake, model):
    with pytest.raises(ValueError, match="unknown Suno model"):
        make_provider(fake, model=model)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("change", "code", "reason"),
    [
        (lambda payload: payload.pop("callBackUrl"), 400, "callBackUrl"),
        (lambda payload: payload.update(model="V3_5"), 400, "Invalid model"),
        (lambda payload: payload.update(title="x" * 81, model="V4_5ALL"), 413, "title"),
        (lambda payload: payload.update(style="y" * 201, model="V4"), 413, "style"),
        (lambda payload: payload.update(prompt="z" * 3001, model="V4"), 413, "prompt"),
        (lambda payload: payload.pop("style"), 400, "style cannot be empty"),
        (lambda payload: payload.update(vocalGender="female"), 400, "vocalGender"),
    ],
    ids=["no-callback", "unknown-model", "long-title", "long-style", "long-prompt", "no-style", "unknown-voice"],
)
def test_the_fake_refuses_what_suno_refuses(fake, change, code, reason):
    payload = {"customMode": True, "instrumental": False, "model": "V4_5", "prompt": "[Verse]\nla la", "style": "pop",
               "title": "T", "callBackUrl": "https://cb.example"}
    change(payload)

    answer = requests.post(fake.url + GENERATE_PATH, json=payload, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=5)

    assert answer.status_code == 200 and answer.json()["code"] == code and reason in answer.json()["msg"]
    assert fake.tasks == {}


# --- Suno's codes, as the table says ------------------------------------------------------------


@pytest.mark.parametrize("code", [405, 430, 455, 500, 503])
def test_throttling_maintenance_and_server_errors_are_retried_then_transient(fake, code):
    fake.fail_next(code, times=3, path=GENERATE_PATH)

    with pytest.raises(TransientProviderError, match=f"code {code}"):
        make_provider(fake).submit(REQUEST)
    assert len(fake.requests_to(GENERATE_PATH)) == 3 and fake.tasks == {}


def test_a_throttled_submit_goes_through_on_a_later_attempt(fake):
    fake.fail_next(430, path=GENERATE_PATH)
    fake.fail_next(405, path=GENERATE_PATH)

    task_id = make_provider(fake).submit(REQUEST)

    assert list(fake.tasks) == [task_id] and len(fake.requests_to(GENERATE_PATH)) == 3


def test_an_http_error_without_a_suno_body_is_transient():
    with FakeSuno() as server:
        server.script(Reply(status=502, body=b"<html>Bad gateway</html>"), Reply(status=502, body=b"<html>Bad gateway</html>"),
                      Reply(status=502, body=b"<html>Bad gateway</html>"), path=GENERATE_PATH)
        with pytest.raises(TransientProviderError, match="HTTP 502"):
            make_provider(server).submit(REQUEST)


@pytest.mark.parametrize("code", [400, 404, 413])
def test_rejected_requests_fail_at_once_without_an_alert(fake, code):
    fake.fail_next(code, path=GENERATE_PATH)

    with pytest.raises(ProviderError, match=MESSAGES[code]) as raised:
        make_provider(fake).submit(REQUEST)
    assert not isinstance(raised.value, TransientProviderError) and raised.value.alert is None
    assert len(fake.requests_to(GENERATE_PATH)) == 1


def test_insufficient_credits_fail_fast_with_an_operator_alert():
    with FakeSuno(api_key=API_KEY, credits=10, credits_per_song=12) as server:
        with pytest.raises(ProviderAccountError) as raised:
            make_provider(server).submit(REQUEST)
        assert len(server.requests_to(GENERATE_PATH)) == 1 and server.tasks == {}  # no retry, nothing paid
    alert = raised.value.alert
    assert (alert.kind, alert.cause, alert.details) == ("provider_out_of_credits", "suno:credits", {"provider": "suno"})
    assert "insufficient" in alert.message and "Top up" in alert.message
    assert "team has been alerted" in str(raised.value) and "credit" not in str(raised.value)  # the customer's words


def test_a_rejected_key_fails_fast_with_an_operator_alert_and_no_secret(fake):
    provider = make_provider(fake, api_key="wrong-key")

    with pytest.raises(ProviderAccountError) as raised:
        provider.submit(REQUEST)

    alert = raised.value.alert
    assert (alert.kind, alert.cause) == ("provider_rejected_key", "suno:key")
    assert "SUNO_API_KEY" in alert.message and "access permissions" in alert.message
    assert "wrong-key" not in alert.message and "wrong-key" not in str(raised.value)
    assert len(fake.requests_to(GENERATE_PATH)) == 1


def test_unreachable_api_is_transient():
    with FakeSuno() as server:
        provider = make_provider(server)
    with pytest.raises(TransientProviderError):
        provider.submit(REQUEST)


# --- Polling: a running, paid job is never failed by a throttled poll -----------------------------


def test_throttled_and_failing_polls_only_slow_the_wait(fake):
    provider = make_provider(fake)
    task_id = provider.submit(REQUEST)
    fake.script(body(430), body(405), body(455), body(500), Reply(status=503, body=b"busy"), body(430), path=RECORD_INFO_PATH)

    takes = provider.wait(task_id, REQUEST)

    assert len(takes) == 2
    assert len(fake.requests_to(RECORD_INFO_PATH)) == 6 + 4


def test_never_finishing_is_transient_after_the_poll_timeout_and_keeps_the_job(fake):
    fake.plan("PENDING")
    provider = make_provider(fake, poll_timeout=0.2)
    task_id = provider.submit(REQUEST)

    with pytest.raises(TransientProviderError, match="did not finish"):
        provider.wait(task_id, REQUEST)
    assert len(fake.requests_to(RECORD_INFO_PATH)) > 1
    fake.tasks[task_id].statuses = ["SUCCESS"]  # the step's retry resumes the same job: no second payment
    assert len(make_provider(fake).wait(task_id, REQUEST)) == 2 and len(fake.tasks) == 1


def test_failure_status_raises_with_the_providers_message(fake):
    fake.plan("PENDING", "SENSITIVE_WORD_ERROR", error_message="The lyrics contain sensitive words.")
    provider = make_provider(fake)

    with pytest.raises(ProviderError, match="sensitive words") as raised:
        provider.wait(provider.submit(REQUEST), REQUEST)
    assert not isinstance(raised.value, TransientProviderError)


def test_failure_without_a_message_is_explained_by_the_documented_code(fake):
    fake.plan("PENDING", "GENERATE_AUDIO_FAILED")
    provider = make_provider(fake)

    with pytest.raises(ProviderError, match="Audio generation failed"):
        provider.wait(provider.submit(REQUEST), REQUEST)


def test_a_callback_exception_with_audio_urls_delivers_the_takes(fake):
    """CALLBACK_EXCEPTION: Suno could not reach our callback URL, but the music exists."""
    fake.plan("PENDING", "CALLBACK_EXCEPTION")
    provider = make_provider(fake)

    takes = provider.wait(provider.submit(REQUEST), REQUEST)

    assert [take.data for take in takes] == [take.audio for take in fake.takes]


def test_a_callback_exception_before_the_audio_keeps_waiting_for_it(fake):
    provider = make_provider(fake)
    task_id = provider.submit(REQUEST)
    fake.script(body(200, {"taskId": task_id, "status": "CALLBACK_EXCEPTION", "response": {"sunoData": []}}), path=RECORD_INFO_PATH)

    takes = provider.wait(task_id, REQUEST)

    assert len(takes) == 2


# --- Downloads ---------------------------------------------------------------------------------


def test_an_expired_link_is_replaced_by_a_fresh_one_from_record_info(fake):
    provider = make_provider(fake)
    task_id = provider.submit(REQUEST)
    fake.tasks[task_id].statuses = ["SUCCESS"]
    old_url = fake.file_url(task_id, 0)
    fake.script(Reply(status=403, body=b"expired"), path=file_path(fake, task_id, 0))

    takes = provider.wait(task_id, REQUEST)

    assert takes[0].data == fake.takes[0].audio
    downloads = [r.path for r in fake.requests if r.path.startswith("/files/")]
    assert downloads[:2] == [old_url.removeprefix(fake.url)] * 2  # refused, then the same (still valid) link from record-info
    assert len(fake.requests_to(RECORD_INFO_PATH)) == 2


def test_links_that_expired_meanwhile_are_fetched_again_with_the_new_urls(fake):
    provider = make_provider(fake)
    task_id = provider.submit(REQUEST)
    fake.tasks[task_id].statuses = ["SUCCESS"]
    takes_listed = [TakeMetadata(f"{task_id}-take{i}", fake.file_url(task_id, i), 1.0) for i in range(2)]
    fake.expire_links(task_id)

    takes = provider.fetch_takes(task_id, takes_listed, REQUEST)

    assert [take.data for take in takes] == [take.audio for take in fake.takes]
    refused = [r.path for r in fake.requests if r.path.endswith("-v1.mp3")]
    fresh = [r.path for r in fake.requests if r.path.endswith("-v2.mp3")]
    assert len(refused) == 2 and len(fresh) == 2


def test_a_take_gone_for_good_is_transient(fake):
    provider = make_provider(fake)
    task_id = provider.submit(REQUEST)
    fake.tasks[task_id].statuses = ["SUCCESS"]
    fake.script(Reply(status=404, body=b"gone"), Reply(status=404, body=b"gone"), path=file_path(fake, task_id, 0))

    with pytest.raises(TransientProviderError, match="does not have take"):
        provider.wait(task_id, REQUEST)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=b"<!DOCTYPE html><html><body>Service temporarily unavailable</body></html>",
              headers={"Content-Type": "audio/mpeg"}),
        Reply(body=b'{"error": "token expired"}', headers={"Content-Type": "audio/mpeg"}),
        Reply(body=b"\xff\xff\xff\xff" * 100, headers={"Content-Type": "audio/mpeg"}),
    ],
    ids=["html-labelled-audio", "json-labelled-audio", "invalid-mpeg-header"],
)
def test_a_body_that_is_not_audio_is_refused_whatever_its_header(fake, reply):
    provider = make_provider(fake)
    task_id = provider.submit(REQUEST)
    fake.tasks[task_id].statuses = ["SUCCESS"]
    fake.script(reply, path=file_path(fake, task_id, 0))

    with pytest.raises(TransientProviderError, match="not audio"):
        provider.wait(task_id, REQUEST)


def test_audio_is_accepted_by_its_bytes_even_with_a_wrong_header(fake):
    provider = make_provider(fake)
    task_id = provider.submit(REQUEST)
    fake.tasks[task_id].statuses = ["SUCCESS"]
    fake.script(Reply(body=b"ID3\x04\x00" + fake.takes[0].audio, headers={"Content-Type": "text/html"}),
                path=file_path(fake, task_id, 0))

    takes = provider.wait(task_id, REQUEST)

    assert takes[0].content_type == "audio/mpeg" and takes[0].data.startswith(b"ID3")


def test_redirects_are_followed_to_an_allowed_host(fake):
    provider = make_provider(fake)
    task_id = provider.submit(REQUEST)
    fake.tasks[task_id].statuses = ["SUCCESS"]
    fake.script(Reply(status=302, headers={"Location": file_path(fake, task_id, 1)}), path=file_path(fake, task_id, 0))

    takes = provider.wait(task_id, REQUEST)

    assert takes[0].data == fake.takes[1].audio


@pytest.mark.parametrize(
    "location",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/internal.mp3", "http://localhost:{port}/files/a.mp3",
     "http://[::1]:{port}/files/a.mp3", "ftp://files.example.com/a.mp3", "file:///etc/passwd"],
    ids=["link-local-metadata", "private", "localhost-by-name", "ipv6-loopback", "ftp", "file"],
)
def test_redirects_to_private_or_non_web_addresses_are_refused(fake, location):
    provider = make_provider(fake)
    task_id = provider.submit(REQUEST)
    fake.tasks[task_id].statuses = ["SUCCESS"]
    port = fake.url.rpartition(":")[2]
    fake.script(Reply(status=302, headers={"Location": location.format(port=port)}), path=file_path(fake, task_id, 0))

    with pytest.raises(ProviderError, match="not public|not a web URL") as raised:
        provider.wait(task_id, REQUEST)
    assert not isinstance(raised.value, TransientProviderError)
    assert not [r for r in fake.requests if r.path == "/files/a.mp3"]


def test_without_the_explicit_allowance_the_loopback_file_host_is_refused(fake):
    provider = make_provider(fake, private_hosts=frozenset())
    task_id = provider.submit(REQUEST)
    fake.tasks[task_id].statuses = ["SUCCESS"]

    with pytest.raises(ProviderError, match="not public"):
        provider.wait(task_id, REQUEST)
    assert not [r for r in fake.requests if r.path.startswith("/files/")]  # refused before connecting


def test_oversize_download_is_refused(fake):
    provider = make_provider(fake, download_max_bytes=1000)

    with pytest.raises(ProviderError, match="larger than"):
        provider.wait(provider.submit(REQUEST), REQUEST)


def test_oversize_download_without_content_length_is_refused_while_streaming(fake):
    provider = make_provider(fake, download_max_bytes=100_000)
    task_id = provider.submit(REQUEST)
    fake.script(Reply(body=b"\xff" * 300_000, without_content_length=True), path=file_path(fake, task_id, 0))

    with pytest.raises(ProviderError, match="larger than"):
        provider.wait(task_id, REQUEST)


# --- Line timings ----------------------------------------------------------------------------


def test_a_line_sung_differently_is_placed_between_its_neighbours(fake):
    fake.sung_differently["You laugh and the street joins in"] = "You giggle and the whole town joins in"
    provider = make_provider(fake)
    task_id = provider.submit(REQUEST)

    take = provider.wait(task_id, REQUEST)[0]

    schedule = fake.line_schedule(task_id, 0)
    assert not take.lines_estimated and [line.text for line in take.lines] == LYRICS.lines
    for index in (0, 2, 3):  # found exactly
        assert (take.lines[index].start_seconds, take.lines[index].end_seconds) == schedule[index][1:]
    assert schedule[0][2] <= take.lines[1].start_seconds < take.lines[1].end_seconds <= schedule[2][1]


@pytest.mark.parametrize("failure", [body(500), body(455), body(400, msg="audioId not found"), body(200, {"alignedWords": []})],
                         ids=["server-error", "maintenance", "rejected", "no-words"])
def test_without_suno_timings_the_lines_are_estimated_from_syllables(fake, failure):
    provider = make_provider(fake)
    task_id = provider.submit(REQUEST)
    fake.script(failure, path=TIMESTAMPED_LYRICS_PATH)

    takes = provider.wait(task_id, REQUEST)

    estimated, exact = takes
    assert estimated.lines_estimated and not exact.lines_estimated
    assert [line.text for line in estimated.lines] == LYRICS.lines
    starts = [line.start_seconds for line in estimated.lines]
    assert starts == sorted(starts) and 0 < starts[0] and estimated.lines[-1].end_seconds < estimated.duration_seconds
    assert all(line.end_seconds > line.start_seconds for line in estimated.lines)
    assert estimated.lines[2].start_seconds - estimated.lines[1].end_seconds > \
        estimated.lines[1].start_seconds - estimated.lines[0].end_seconds  # a pause between verse and chorus


def test_timings_follow_the_lyrics_actually_sent_when_they_were_cut(fake):
    verses = tuple(LyricsSection("verse", tuple(f"verse {v} line {n} where the river runs" for n in range(8)), f"Verse {v}")
                   for v in range(20))
    request = AudioRequest(title="Long", lyrics=Lyrics("Long", verses), genre="pop", mood="warm")
    provider = make_provider(fake, model="V4")
    task_id = provider.submit(request)

    take = provider.wait(task_id, request)[0]

    sent_lines = [line for line in generate_body(fake)["prompt"].splitlines() if line and not line.startswith("[")]
    assert [line.text for line in take.lines] == sent_lines and len(sent_lines) < len(request.lyrics.lines)
    assert not take.lines_estimated


# --- Credits ---------------------------------------------------------------------------------


def test_remaining_credits_are_read_from_the_api(fake):
    fake.credits = 321

    assert make_provider(fake).remaining_credits() == 321
    [request] = fake.requests_to(CREDIT_PATH)
    assert request.headers["authorization"] == f"Bearer {API_KEY}"


def test_remaining_credits_with_a_refused_key_alert(fake):
    with pytest.raises(ProviderAccountError) as raised:
        make_provider(fake, api_key="nope").remaining_credits()
    assert raised.value.alert.kind == "provider_rejected_key"


# --- Callbacks ---------------------------------------------------------------------------------


def complete_callback(fake: FakeSuno, task_id: str) -> dict:
    item = {
        "id": f"{task_id}-take0",
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
    second = {**item, "id": f"{task_id}-take1", "audio_url": fake.file_url(task_id, 1), "duration": 1.5}
    return {
        "code": 200,
        "msg": "All generated successfully.",
        "data": {"callbackType": "complete", "task_id": task_id, "data": [item, second]},
    }


def test_complete_callback_is_parsed_and_its_takes_fetched(fake):
    provider = make_provider(fake)
    task_id = provider.submit(REQUEST)

    callback = provider.parse_callback(complete_callback(fake, task_id))
    takes = provider.fetch_takes(callback.task_id, callback.takes, REQUEST)

    assert callback == SunoCallback(
        task_id=task_id,
        callback_type="complete",
        takes=(
            TakeMetadata(f"{task_id}-take0", fake.file_url(task_id, 0), 1.0),
            TakeMetadata(f"{task_id}-take1", fake.file_url(task_id, 1), 1.5),
        ),
    )
    assert callback.is_complete
    assert [take.data for take in takes] == [take.audio for take in fake.takes]
    assert [take.provider_take_id for take in takes] == [f"{task_id}-take0", f"{task_id}-take1"]


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
