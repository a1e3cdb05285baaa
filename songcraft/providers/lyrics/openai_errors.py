"""Every error OpenAI documents for the API, what it means, and what SongCraft does about it: the one table.

Source: https://platform.openai.com/docs/guides/error-codes ("API errors"). An error is identified
by its HTTP status and, where the status is ambiguous, the body's ``error.code`` (or
``error.type``): a 429 is a passing rate limit unless its code is ``insufficient_quota``, which
means the account is out of credits or at its spending limit and no retry will help.
"""
from __future__ import annotations

from dataclasses import dataclass

import openai

from songcraft.providers.errors import Outcome


@dataclass(frozen=True)
class ApiError:
    meaning: str
    outcome: Outcome


# (HTTP status, error code or None for "any other code") -> what it means and what to do.
API_ERRORS: dict[tuple[int, str | None], ApiError] = {
    (400, None): ApiError("Bad request: the request is malformed or misses a parameter", Outcome.FAIL),
    (401, None): ApiError("Invalid authentication: wrong, revoked or missing API key, or IP not allowed", Outcome.REJECTED_KEY),
    (403, None): ApiError("Country, region or territory not supported, or no access to the model", Outcome.FAIL),
    (404, None): ApiError("Not found: the model does not exist or the key has no access to it", Outcome.FAIL),
    (408, None): ApiError("Request timed out", Outcome.RETRY),
    (409, None): ApiError("Conflict (a lock timed out)", Outcome.RETRY),
    (429, "insufficient_quota"): ApiError("You exceeded your current quota: out of credits or at the monthly spend limit",
                                          Outcome.OUT_OF_CREDITS),
    (429, None): ApiError("Rate limit reached for requests or tokens", Outcome.RETRY),
    (500, None): ApiError("The server had an error while processing the request", Outcome.RETRY),
    (503, None): ApiError("The engine is overloaded or asks to slow down", Outcome.RETRY),
}
CONNECTION_ERROR = ApiError("Could not connect, or no answer within the timeout", Outcome.RETRY)


def classify(error: openai.APIError) -> ApiError:
    """The table's entry for an error raised by the official client."""
    if not isinstance(error, openai.APIStatusError):
        return CONNECTION_ERROR
    status = error.status_code
    for code in filter(None, (error.code, error.type)):
        if (status, code) in API_ERRORS:
            return API_ERRORS[(status, code)]
    if (status, None) in API_ERRORS:
        return API_ERRORS[(status, None)]
    if status >= 500:
        return API_ERRORS[(500, None)]
    return ApiError(f"HTTP {status}", Outcome.FAIL)
