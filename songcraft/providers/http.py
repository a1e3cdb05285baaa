"""Small HTTP helpers shared by the providers that speak plain HTTP via ``requests``.

They turn transport failures and HTTP statuses into the two provider errors,
so every provider draws the retry / give-up line the same way.
"""
from __future__ import annotations

import ipaddress
import socket
import time
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urljoin, urlsplit

import requests

from songcraft.providers.errors import ProviderError, TransientProviderError

_CHUNK_BYTES = 64 * 1024
MAX_REDIRECTS = 5
GONE_STATUSES = (403, 404, 410)  # what file hosts answer for an expired or withdrawn link


class FileGone(ProviderError):
    """The file host refused or no longer has the file (403/404/410): the link may have expired."""


class ForbiddenAddress(ProviderError):
    """The URL leads to a host we must not reach from the server (not http(s), or a private address)."""


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


def check_public_url(url: str, service: str, private_hosts: frozenset[str] = frozenset()) -> None:
    """Refuse anything but http(s) to hosts whose every address is public.

    Loopback, private, link-local (cloud metadata lives there), shared and reserved addresses are
    refused, so a redirect cannot turn a download into a probe of our own network. `private_hosts`
    names hosts allowed anyway, explicitly (the loopback fakes of the test suite).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ForbiddenAddress(f"The address given for {service} is not a web URL.")
    if parts.hostname in private_hosts:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise TransientProviderError(f"Could not resolve the host of {service}.") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise ForbiddenAddress(f"Refused to download from {service}: its address is not public.")


def download(url: str, *, max_bytes: int, timeout: float, service: str = "the file host",
             private_hosts: frozenset[str] = frozenset()) -> bytes:
    """Fetch ``url`` whole, refusing bodies over ``max_bytes`` and downloads slower than ``timeout`` seconds.

    Redirects are followed by hand (at most MAX_REDIRECTS), each hop checked by `check_public_url`.
    The size is enforced while streaming, because a ``Content-Length`` header may be missing or
    wrong; ``timeout`` bounds the whole transfer, not just each socket read.
    """
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        check_public_url(url, service, private_hosts)
        with transport_errors(service), requests.get(url, stream=True, timeout=timeout, allow_redirects=False) as response:
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                continue
            if response.status_code in GONE_STATUSES:
                raise FileGone(f"Got HTTP {response.status_code} from {service}: the link may have expired.")
            raise_for_status(response, service)
            return _read_body(response, max_bytes, deadline, timeout, service)
    raise ProviderError(f"{service} redirected more than {MAX_REDIRECTS} times.")


def _read_body(response: requests.Response, max_bytes: int, deadline: float, timeout: float, service: str) -> bytes:
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
