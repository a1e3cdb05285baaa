"""Logs: bounded whatever a client sends, JSON or readable text, and console emails a person can read."""
from __future__ import annotations

import json
import logging
import sys

import pytest

from songcraft.observability import MAX_LOG_VALUE_CHARS, JsonFormatter, TextFormatter, clip
from songcraft.providers.email import ConsoleSender, readable_email

FIVE_MB = "A" * (5 * 1024 * 1024)


def record(message: str = "callback", exc_info=None, **extra) -> logging.LogRecord:
    entry = logging.LogRecord("songcraft.test", logging.INFO, __file__, 1, message, (), exc_info)
    entry.__dict__.update(extra)
    return entry


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()], ids=["json", "text"])
def test_a_5_mb_value_never_reaches_the_log(formatter):
    nested = {"callbackType": FIVE_MB, "items": list(range(200_000))}
    line = formatter.format(record(FIVE_MB, callback_type=FIVE_MB, body=nested))
    assert len(line) < 4 * MAX_LOG_VALUE_CHARS  # three clipped values and the rest of the line
    assert f"{len(FIVE_MB) - MAX_LOG_VALUE_CHARS} more characters" in line


def test_json_lines_stay_json_with_short_values_untouched_and_secrets_masked():
    line = json.loads(JsonFormatter().format(record(status=200, path="/healthz", api_key="sk-live", details={"a": 1})))
    assert (line["status"], line["path"], line["details"], line["api_key"]) == (200, "/healthz", {"a": 1}, "***")


def test_tracebacks_are_clipped_too():
    try:
        raise ValueError(FIVE_MB)
    except ValueError:
        line = json.loads(JsonFormatter().format(record(exc_info=sys.exc_info())))
    assert line["exception"].startswith("Traceback") and len(line["exception"]) < MAX_LOG_VALUE_CHARS + 100


def test_clip_keeps_numbers_and_short_text_as_they_are():
    assert (clip(None), clip(3), clip(2.5), clip(True), clip("short")) == (None, 3, 2.5, True, "short")


def test_text_lines_read_like_a_sentence():
    line = TextFormatter().format(record("request", method="GET", status=200))
    assert line.endswith("INFO songcraft.test: request method=GET status=200")


def test_console_email_is_a_readable_block_with_each_link_on_its_own_line(caplog):
    text = ("Hi Aurelia,\n\nYour song is ready!\n\nListen: http://localhost:3000/songs/1\n"
            "Download the MP3: http://127.0.0.1:8000/api/v1/songs/1/audio.\n")
    with caplog.at_level(logging.INFO, logger="songcraft.providers.email"):
        ConsoleSender().send(to="aurelia@example.com", subject="Your song is ready", text=text, html="<p>…</p>")
    lines = caplog.records[-1].getMessage().splitlines()
    assert lines[1:3] == ["  To:      aurelia@example.com", "  Subject: Your song is ready"]
    assert "  Hi Aurelia," in lines and "  Listen: http://localhost:3000/songs/1" in lines
    assert lines[-3:] == ["  Links:", "    http://localhost:3000/songs/1", "    http://127.0.0.1:8000/api/v1/songs/1/audio"]


def test_an_email_without_links_has_no_links_section():
    assert "Links:" not in readable_email("a@example.com", "Hello", "No links here.")
