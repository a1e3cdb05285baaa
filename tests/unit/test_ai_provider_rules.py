"""The rules the AI providers live by, as plain functions and tables: no network, no app."""
from __future__ import annotations

import httpx2
import openai
import pytest

from config import SUNO_MODELS, ConfigError, load_config
from songcraft.alerts.models import KINDS
from songcraft.common.text import truncate
from songcraft.providers.audio.sniff import audio_content_type
from songcraft.providers.audio.suno_codes import BODY_CODES, TASK_STATUSES, TaskState, body_code, task_status
from songcraft.providers.audio.suno_payload import MODEL_LIMITS
from songcraft.providers.audio.suno_timings import estimate_lines, lines_from_aligned_words
from songcraft.providers.errors import Outcome, ProviderAccountError, TransientProviderError, error_for
from songcraft.providers.lyrics.base import Lyrics, LyricsSection
from songcraft.providers.lyrics.openai_errors import API_ERRORS, classify
from tests.fakes.suno_server import DOCUMENTED_LIMITS, sine_mp3
from tests.unit.test_config import DEV, PRODUCTION

# --- Configuration -------------------------------------------------------------------------


@pytest.mark.parametrize("model", SUNO_MODELS)
def test_every_current_suno_model_is_accepted(model):
    assert load_config({**DEV, "SUNO_MODEL": model})["SUNO_MODEL"] == model


@pytest.mark.parametrize("model", ["V3_5", "v5", "chirp-v4", "V6"])
def test_an_unknown_suno_model_stops_start_up_naming_the_variable(model):
    with pytest.raises(ConfigError, match=f"SUNO_MODEL must be one of V4, V4_5, V4_5PLUS, V4_5ALL, V5, V5_5, got '{model}'"):
        load_config({**DEV, "SUNO_MODEL": model})


def test_every_configurable_model_has_its_documented_limits():
    assert tuple(MODEL_LIMITS) == SUNO_MODELS
    assert {model: (limits.prompt, limits.style, limits.title) for model, limits in MODEL_LIMITS.items()} == DOCUMENTED_LIMITS


def test_credits_warning_level_and_private_hosts_are_read_and_checked():
    config = load_config({**DEV, "SUNO_CREDITS_WARN": "250", "PROVIDER_PRIVATE_HOSTS": " 127.0.0.1, Minio.Local "})
    assert config["SUNO_CREDITS_WARN"] == 250 and config["PROVIDER_PRIVATE_HOSTS"] == {"127.0.0.1", "minio.local"}
    assert load_config(DEV)["SUNO_CREDITS_WARN"] == 100 and load_config(DEV)["PROVIDER_PRIVATE_HOSTS"] == frozenset()
    with pytest.raises(ConfigError, match="SUNO_CREDITS_WARN must be an integer"):
        load_config({**DEV, "SUNO_CREDITS_WARN": "lots"})


def test_production_refuses_private_download_hosts():
    assert load_config(PRODUCTION)["PROVIDER_PRIVATE_HOSTS"] == frozenset()
    with pytest.raises(ConfigError, match="PROVIDER_PRIVATE_HOSTS must be empty in production"):
        load_config({**PRODUCTION, "PROVIDER_PRIVATE_HOSTS": "127.0.0.1"})


# --- The tables of codes ---------------------------------------------------------------------


def test_suno_body_codes_are_judged_as_the_documentation_says():
    outcomes = {code: entry.outcome for code, entry in BODY_CODES.items()}
    assert outcomes == {
        200: Outcome.OK, 400: Outcome.FAIL, 401: Outcome.REJECTED_KEY, 404: Outcome.FAIL, 405: Outcome.RETRY,
        413: Outcome.FAIL, 429: Outcome.OUT_OF_CREDITS, 430: Outcome.RETRY, 455: Outcome.RETRY, 500: Outcome.RETRY,
    }
    assert body_code(502).outcome is Outcome.RETRY and body_code(418).outcome is Outcome.FAIL


def test_suno_task_statuses():
    assert {status for status, entry in TASK_STATUSES.items() if entry.state is TaskState.FAILED} == {
        "CREATE_TASK_FAILED", "GENERATE_AUDIO_FAILED", "SENSITIVE_WORD_ERROR"}
    assert task_status("CALLBACK_EXCEPTION").state is TaskState.AUDIO_IF_PRESENT
    assert task_status("SOMETHING_NEW").state is TaskState.RUNNING and task_status(None).state is TaskState.RUNNING


OPENAI_REQUEST = httpx2.Request("POST", "https://api.openai.com/v1/chat/completions")


def _status_error(status: int, code: str | None = None, error_type: str = "x") -> openai.APIStatusError:
    response = httpx2.Response(status, request=OPENAI_REQUEST)
    return openai.APIStatusError("message", response=response, body={"code": code, "type": error_type})


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (_status_error(429, "insufficient_quota", "insufficient_quota"), Outcome.OUT_OF_CREDITS),
        (_status_error(429, None, "insufficient_quota"), Outcome.OUT_OF_CREDITS),
        (_status_error(429, "rate_limit_exceeded", "requests"), Outcome.RETRY),
        (_status_error(401, "invalid_api_key"), Outcome.REJECTED_KEY),
        (_status_error(403), Outcome.FAIL),
        (_status_error(400), Outcome.FAIL),
        (_status_error(404, "model_not_found"), Outcome.FAIL),
        (_status_error(500), Outcome.RETRY),
        (_status_error(503), Outcome.RETRY),
        (_status_error(529), Outcome.RETRY),
        (_status_error(422), Outcome.FAIL),
    ],
    ids=["quota-by-code", "quota-by-type", "rate-limit", "bad-key", "region", "bad-request", "no-model", "500", "503",
         "other-5xx", "other-4xx"],
)
def test_openai_errors_are_judged_as_the_documentation_says(error, outcome):
    assert classify(error).outcome is outcome


def test_openai_connection_errors_are_retried():
    assert classify(openai.APITimeoutError(OPENAI_REQUEST)).outcome is Outcome.RETRY
    assert (429, "insufficient_quota") in API_ERRORS


def test_account_errors_carry_a_known_alert_and_a_customer_message():
    credits = error_for(Outcome.OUT_OF_CREDITS, "suno", "music studio", "Suno has no credits left.")
    key = error_for(Outcome.REJECTED_KEY, "openai", "lyrics writer", "OpenAI refused OPENAI_API_KEY.")

    assert isinstance(credits, ProviderAccountError) and isinstance(key, ProviderAccountError)
    assert {credits.alert.kind, key.alert.kind} <= set(KINDS)
    assert (credits.alert.cause, key.alert.cause) == ("suno:credits", "openai:key")
    assert str(credits) == "Our music studio is unavailable right now. Our team has been alerted and will restart your song."
    assert isinstance(error_for(Outcome.RETRY, "suno", "music studio", "busy"), TransientProviderError)
    assert error_for(Outcome.FAIL, "suno", "music studio", "no").alert is None


# --- Audio by its bytes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (sine_mp3(0.2, 440.0), "audio/mpeg"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + sine_mp3(0.2, 440.0), "audio/mpeg"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "audio/wav"),
        (b"fLaC\x00\x00\x00\x22", "audio/flac"),
        (b"OggS\x00\x02\x00\x00", "audio/ogg"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00", "audio/mp4"),
        (b"<!DOCTYPE html><html>", None),
        (b'{"code": 404}', None),
        (b"\xff\xfb\xf0\x00", None),  # bitrate index 1111: not a valid frame
        (b"\xff\xe9\x90\x00", None),  # layer 00: reserved
        (b"", None),
    ],
)
def test_audio_is_recognised_by_its_first_bytes(data, content_type):
    assert audio_content_type(data) == content_type


# --- Line timings --------------------------------------------------------------------------

LYRICS = Lyrics("Candles", (
    LyricsSection("verse", ("Maria, the kitchen smells of cinnamon", "You laugh and the street joins in"), "Verse 1"),
    LyricsSection("chorus", ("Forty candles, forty songs",), "Chorus"),
    LyricsSection("chorus", ("Forty candles, forty songs",), "Chorus"),
))


def _word(text: str, start: float, end: float) -> dict:
    return {"word": text, "success": True, "startS": start, "endS": end, "palign": 0}


ALIGNED = [
    _word("[Verse 1]\nMaria, ", 2.0, 2.6), _word("the ", 2.6, 2.8), _word("kitchen ", 2.8, 3.2), _word("smells ", 3.2, 3.6),
    _word("of ", 3.6, 3.7), _word("cinna", 3.7, 4.0), _word("mon\n", 4.0, 4.4),
    _word("You ", 5.0, 5.2), _word("laugh ", 5.2, 5.5), _word("and ", 5.5, 5.6), _word("the ", 5.6, 5.7),
    _word("street ", 5.7, 6.0), _word("joins ", 6.0, 6.3), _word("in\n\n", 6.3, 6.8),
    _word("[Chorus]\nForty ", 8.0, 8.4), _word("candles, ", 8.4, 8.9), _word("forty ", 8.9, 9.2), _word("songs\n", 9.2, 9.9),
    _word("[Chorus]\nForty ", 12.0, 12.4), _word("candles, ", 12.4, 12.9), _word("forty ", 12.9, 13.2), _word("songs\n", 13.2, 13.9),
]


def test_aligned_words_map_onto_lines_through_headings_split_words_and_repeats():
    lines = lines_from_aligned_words(ALIGNED, LYRICS, duration=20.0)

    assert [(line.start_seconds, line.end_seconds) for line in lines] == [(2.0, 4.4), (5.0, 6.8), (8.0, 9.9), (12.0, 13.9)]
    assert [line.section for line in lines] == ["Verse 1", "Verse 1", "Chorus", "Chorus"]


def test_too_few_recognisable_lines_give_none():
    garbled = [_word("la ", 1.0 + n, 1.5 + n) for n in range(20)]

    assert lines_from_aligned_words(garbled, LYRICS, duration=30.0) is None
    assert lines_from_aligned_words([{"word": "x"}], LYRICS, duration=30.0) is None  # no times at all


def test_estimates_spread_the_lines_by_syllables_over_the_vocal_part():
    lines = estimate_lines(LYRICS, duration=100.0)

    assert lines[0].start_seconds == pytest.approx(8.0) and lines[-1].end_seconds == pytest.approx(94.0, abs=6.0)
    durations = [line.end_seconds - line.start_seconds for line in lines]
    assert durations[0] > durations[2]  # "Maria, the kitchen smells of cinnamon" is longer to sing than "Forty candles, forty songs"
    assert all(earlier.end_seconds <= later.start_seconds for earlier, later in zip(lines, lines[1:]))
    assert estimate_lines(LYRICS, duration=0) == () and estimate_lines(Lyrics("x", ()), duration=60) == ()


def test_truncate_cuts_at_the_last_boundary():
    assert truncate("Forty candles for Maria", 16) == "Forty candles"
    assert truncate("pop, rock, jazz", 11, ",") == "pop, rock"
    assert truncate("Supercalifragilistic", 5) == "Super" and truncate(" short ", 10) == "short"
