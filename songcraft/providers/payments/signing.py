"""HMAC helpers shared by the payment providers' webhook verification.

Signatures are always computed over the raw request bytes (never a re-serialised
JSON document) and compared in constant time, so neither formatting changes nor
timing can be used to forge a delivery.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Mapping

from songcraft.providers.payments.base import InvalidSignature


def hmac_sha256_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(secret: str, message: bytes, candidate: str) -> bool:
    """Constant-time check of a hex HMAC-SHA256 ``candidate`` against ``message``."""
    expected = hmac_sha256_hex(secret, message)
    return hmac.compare_digest(expected.encode(), candidate.strip().lower().encode("ascii", "replace"))


def require_header(headers: Mapping[str, str], name: str) -> str:
    """The header's value, matched case-insensitively (plain dicts and Flask headers alike).

    Raises InvalidSignature when the header is missing or empty.
    """
    wanted = name.lower()
    value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    if not value:
        raise InvalidSignature(f"missing {name} header")
    return value
