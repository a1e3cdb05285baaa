"""Small HTTP helpers shared by the providers that speak plain HTTP via ``requests``.

They turn transport failures and HTTP statuses into the two provider errors,
so every provider draws the retry / give-up line the same way.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

import requests

from songcraft.providers.errors import ProviderError, TransientProviderError

_CHUNK_BYTES = 64 * 1024


def is_transient_status(status: int) -> bool:
    """Statuses worth retrying: timeouts, rate limits and server-side failures."""
    return status in (408, 425, 429) or status >= 500


@contextmanager
def transport_errors(service: str) -> Iterator[None]:
    """Map ``requests`` failures (timeouts, resets, refused connections) to provider errors."""
    try:
        yield
    except (requests.Timeout, requests.ConnectionError) as error:
        raise TransientProviderError(f"Could not reach {service} in time; please try again.") from error
    except requests.RequestException as error:
        raise ProviderError(f"The request to {service} failed.") from error


def raise_for_status(response: requests.Response, service: str) -> None:
    if response.ok:
        return
    message = f"Got HTTP {response.status_code} from {service}."
    if is_transient_status(response.status_code):
        raise TransientProviderError(message)
    raise ProviderError(message)


def download(url: str, *, max_bytes: int, timeout: float, service: str = "the file host") -> bytes:
    """Fetch ``url`` whole, refusing bodies over ``max_bytes`` and downloads slower than ``timeout`` seconds.

    The size is enforced while streaming, because a ``Content-Length`` header
    may be missing or wrong; ``timeout`` bounds the whole transfer, not just
    each socket read.
    """
    if not url.startswith(("http://", "https://")):
        raise ProviderError(f"The address given for {service} is not a web URL.")
    deadline = time.monotonic() + timeout
    with transport_errors(service), requests.get(url, stream=True, timeout=timeout) as response:
        raise_for_status(response, service)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise ProviderError(_too_large(service, max_bytes))
        chunks, received = [], 0
        for chunk in response.iter_content(_CHUNK_BYTES):
            received += len(chunk)
            if received > max_bytes:
                raise ProviderError(_too_large(service, max_bytes))
            if time.monotonic() > deadline:
                raise TransientProviderError(f"The download from {service} took longer than {timeout:g} s.")
            chunks.append(chunk)
    return b"".join(chunks)


def _too_large(service: str, max_bytes: int) -> str:
    return f"The file from {service} is larger than the {max_bytes / 1_000_000:g} MB limit."
