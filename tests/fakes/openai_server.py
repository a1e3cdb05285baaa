"""A loopback fake of OpenAI's Chat Completions, Moderations and Models endpoints, strict about the key.

* ``POST /v1/chat/completions`` answers :attr:`FakeOpenAI.default_lyrics` serialised as the
  assistant's JSON content; a body without ``model`` or ``messages`` gets the API's 400;
* ``POST /v1/moderations`` answers one result per input text, in the API's shape (every category
  in ``categories``, ``category_scores`` and ``category_applied_input_types``); a text containing
  one of :attr:`FakeOpenAI.harmful` is flagged in that phrase's categories. A body without
  ``input`` (or with an empty or non-text one) gets 400, an unknown ``model`` 404 ``model_not_found``;
* ``GET /v1/models/{id}`` answers the model object (404 ``model_not_found`` for others).

Like the real API, every route demands ``Authorization: Bearer <api_key>``: a missing header or
a wrong key gets 401 (the wrong key's message quotes part of it, as OpenAI's does). Tests script
other outcomes with ``server.script(...)`` and the reply builders below (``completion``,
``refusal``, ``error``, ``insufficient_quota``).
"""
from __future__ import annotations

import itertools
import json
import time
from typing import Any

from tests.fakes.loopback import LoopbackServer, RecordedRequest, Reply

COMPLETIONS_PATH = "/v1/chat/completions"
MODERATIONS_PATH = "/v1/moderations"
MODERATION_CATEGORIES = ("harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
                         "self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "sexual/minors", "violence",
                         "violence/graphic")
MODERATION_MODELS = ("omni-moderation-latest", "omni-moderation-2024-09-26", "text-moderation-latest", "text-moderation-stable")

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


def error(status: int, message: str, error_type: str = "server_error", code: str | None = None,
          retry_after_ms: int | None = None) -> Reply:
    """An API error body, as OpenAI shapes it."""
    headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms is not None else {}
    body = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
    return Reply.json(body, status=status, headers=headers)


def insufficient_quota() -> Reply:
    """The 429 of an account out of credits (or at its spend limit): not a rate limit."""
    return error(429, "You exceeded your current quota, please check your plan and billing details. For more information on "
                      "this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
                 "insufficient_quota", code="insufficient_quota")


def moderation_result(categories: tuple[str, ...] = ()) -> dict[str, Any]:
    """One text's result as the API shapes it: every category, flagged or not, with a score."""
    return {
        "flagged": bool(categories),
        "categories": {name: name in categories for name in MODERATION_CATEGORIES},
        "category_scores": {name: 0.91 if name in categories else 0.00012 for name in MODERATION_CATEGORIES},
        "category_applied_input_types": {name: ["text"] for name in MODERATION_CATEGORIES},
    }


def _unauthorized(sent: str | None) -> Reply:
    if not sent:
        return error(401, "You didn't provide an API key. You need to provide your API key in an Authorization header "
                          "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", "invalid_request_error")
    key = sent.removeprefix("Bearer ")
    return error(401, f"Incorrect API key provided: {key[:3]}***{key[-4:]}. You can find your API key at "
                      "https://platform.openai.com/account/api-keys.", "invalid_request_error", code="invalid_api_key")


class FakeOpenAI(LoopbackServer):
    default_lyrics = SAMPLE_LYRICS
    models = ("gpt-4o-mini", "gpt-4o")
    # Phrases the fake's moderation flags, and in which categories.
    harmful = {"you worthless idiot": ("harassment",), "i will hurt you": ("harassment", "harassment/threatening", "violence")}

    def __init__(self, api_key: str = "sk-test-secret-key-123") -> None:
        super().__init__()
        self.api_key = api_key

    @property
    def base_url(self) -> str:
        """What to pass as the client's ``base_url``."""
        return self.url + "/v1"

    def gate(self, request: RecordedRequest) -> Reply | None:
        sent = request.headers.get("authorization")
        return None if sent == f"Bearer {self.api_key}" else _unauthorized(sent)

    def handle(self, request: RecordedRequest) -> Reply:
        if request.method == "POST" and request.path == COMPLETIONS_PATH:
            payload = request.json()
            if not payload.get("model") or not payload.get("messages"):
                return error(400, "Missing required parameter: 'model' or 'messages'.", "invalid_request_error")
            return lyrics_completion(self.default_lyrics)
        if request.method == "POST" and request.path == MODERATIONS_PATH:
            return self._moderate(request.json())
        if request.method == "GET" and request.path.startswith("/v1/models/"):
            model = request.path.removeprefix("/v1/models/")
            if model not in self.models:
                return error(404, f"The model `{model}` does not exist or you do not have access to it.",
                             "invalid_request_error", code="model_not_found")
            return Reply.json({"id": model, "object": "model", "created": 1715367049, "owned_by": "system"})
        return super().handle(request)

    def _moderate(self, payload: dict) -> Reply:
        texts = payload.get("input")
        if texts is None:
            return error(400, "Missing required parameter: 'input'.", "invalid_request_error")
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not texts or not all(isinstance(text, str) for text in texts):
            return error(400, "Invalid value for 'input': expected a string or a non-empty array of strings.", "invalid_request_error")
        model = payload.get("model", "omni-moderation-latest")
        if model not in MODERATION_MODELS:
            return error(404, f"The model `{model}` does not exist or you do not have access to it.",
                         "invalid_request_error", code="model_not_found")
        results = [moderation_result(tuple(sorted({category for phrase, categories in self.harmful.items()
                                                   if phrase in text.lower() for category in categories})))
                   for text in texts]
        return Reply.json({"id": f"modr-fake{next(_ids)}", "model": model, "results": results})

    def moderation_requests(self) -> list[RecordedRequest]:
        return self.requests_to(MODERATIONS_PATH, "POST")

    def completion_requests(self) -> list[RecordedRequest]:
        return self.requests_to(COMPLETIONS_PATH, "POST")
