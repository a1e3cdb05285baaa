"""A loopback fake of OpenAI's Chat Completions endpoint (POST /v1/chat/completions).

By default it answers every request with :attr:`FakeOpenAI.default_lyrics`
serialised as the assistant's JSON content. Tests script other outcomes with
``server.script(...)`` and the reply builders below (``completion``,
``refusal``, ``error``).
"""
from __future__ import annotations

import itertools
import json
import time
from typing import Any

from tests.fakes.loopback import LoopbackServer, RecordedRequest, Reply

COMPLETIONS_PATH = "/v1/chat/completions"

SAMPLE_LYRICS: dict[str, Any] = {
    "title": "Forty Candles for Maria",
    "sections": [
        {"kind": "verse", "label": "Verse 1", "lines": [
            "Maria, the kitchen smells of cinnamon",
            "You laugh and the whole street joins in",
            "The bike you fixed in ninety-nine",
            "Still rolls along the river line",
        ]},
        {"kind": "chorus", "label": "Chorus", "lines": [
            "Forty candles, forty songs",
            "Here with you is where we belong",
            "Blow them out and make a wish",
            "Nothing sweeter in the world than this",
        ]},
        {"kind": "verse", "label": "Verse 2", "lines": [
            "Sunday mornings, burnt toast and jam",
            "You always said: do what you can",
            "And every time the sky turned grey",
            "You found a song to light the way",
        ]},
        {"kind": "chorus", "label": "Chorus", "lines": [
            "Forty candles, forty songs",
            "Here with you is where we belong",
            "Blow them out and make a wish",
            "Nothing sweeter in the world than this",
        ]},
    ],
}

_ids = itertools.count(1)


def completion(content: str | None, *, refusal: str | None = None, finish_reason: str = "stop", model: str = "gpt-4o-mini") -> Reply:
    """A 200 chat.completion reply exactly as the API shapes it."""
    return Reply.json({
        "id": f"chatcmpl-fake{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
            "logprobs": None,
            "finish_reason": finish_reason,
        }],
        "usage": {"prompt_tokens": 120, "completion_tokens": 200, "total_tokens": 320},
        "system_fingerprint": "fp_fake",
    })


def lyrics_completion(lyrics: dict[str, Any]) -> Reply:
    return completion(json.dumps(lyrics))


def refusal(message: str = "I'm sorry, I can't help with that request.") -> Reply:
    return completion(None, refusal=message)  # the API sends content: null on refusal


def error(status: int, message: str, error_type: str = "server_error", retry_after_ms: int | None = 10) -> Reply:
    """An API error body; ``retry-after-ms`` keeps the official client's backoff short in tests."""
    headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms is not None else {}
    body = {"error": {"message": message, "type": error_type, "param": None, "code": None}}
    return Reply.json(body, status=status, headers=headers)


class FakeOpenAI(LoopbackServer):
    default_lyrics = SAMPLE_LYRICS

    @property
    def base_url(self) -> str:
        """What to pass as the client's ``base_url``."""
        return self.url + "/v1"

    def handle(self, request: RecordedRequest) -> Reply:
        if request.method == "POST" and request.path == COMPLETIONS_PATH:
            return lyrics_completion(self.default_lyrics)
        return super().handle(request)

    def completion_requests(self) -> list[RecordedRequest]:
        return self.requests_to(COMPLETIONS_PATH, "POST")
