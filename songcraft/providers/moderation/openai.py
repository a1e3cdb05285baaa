"""Moderation by OpenAI's moderation endpoint (`omni-moderation-latest`), through the official client.

All of a request's fields go in one call, as a list of texts; the API answers one result per text,
in order. The call is in the customer's request, so it is short: one attempt of at most
`REQUEST_TIMEOUT` seconds (the client's own retry gets one more on a connection error or a 5xx).
Any failure raises a ProviderError (classified by the same table as the lyrics writer's errors);
the caller then judges with the word list instead (see songcraft/moderation/service.py).
"""
from __future__ import annotations

from typing import Sequence

import openai

from songcraft.providers.errors import ProviderError, error_for
from songcraft.providers.lyrics.openai import DEFAULT_BASE_URL
from songcraft.providers.lyrics.openai_errors import classify
from songcraft.providers.moderation.base import Verdict

DEFAULT_MODEL = "omni-moderation-latest"
REQUEST_TIMEOUT = 10.0
ROLE = "content check"


class OpenAIModerator:
    name = "openai"

    def __init__(self, api_key: str, model: str = DEFAULT_MODEL, base_url: str | None = None,
                 timeout: float = REQUEST_TIMEOUT) -> None:
        self._model = model
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url or DEFAULT_BASE_URL, timeout=timeout, max_retries=1)

    def check(self, texts: Sequence[str]) -> list[Verdict]:
        try:
            response = self._client.moderations.create(model=self._model, input=list(texts))
        except openai.APIError as error:
            known = classify(error)
            raise error_for(known.outcome, "openai", ROLE, f"OpenAI moderation: {known.meaning} ({error})") from error
        if len(response.results) != len(texts):
            raise ProviderError(f"OpenAI moderation answered {len(response.results)} results for {len(texts)} texts.")
        return [_verdict(result) for result in response.results]


def _verdict(result) -> Verdict:
    categories = result.categories.model_dump(by_alias=True)
    return Verdict(bool(result.flagged), tuple(sorted(name for name, hit in categories.items() if hit)))
