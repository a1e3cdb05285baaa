"""Share links whose tokens the database never stores.

    token = base64url(gift id (16 bytes) + HMAC-SHA256(key, gift id + link nonce)[:20])   (48 characters)

The gift id says which gift; the 160-bit MAC proves this server issued the link for the gift's
current nonce. The database keeps only the random nonce, useless without SECRET_KEY, so a
leaked database or backup opens no gift, yet the owner can be shown the link again at any time:
it is recomputed, not looked up. Rotating the nonce kills the old link; deleting the gift kills
it too. Changing SECRET_KEY changes every link (as it ends every session).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid

from flask import current_app

from songcraft.extensions import db
from songcraft.gifts.models import Gift

TOKEN_LENGTH = 48
_MAC_BYTES = 20
_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")
_KEY_LABEL = b"songcraft.gift-share-link"  # keeps this key apart from every other use of SECRET_KEY


def _mac(secret: str, gift_id: uuid.UUID, nonce: str) -> bytes:
    key = hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()
    return hmac.new(key, gift_id.bytes + nonce.encode(), hashlib.sha256).digest()[:_MAC_BYTES]


def make_token(secret: str, gift_id: uuid.UUID, nonce: str) -> str:
    return base64.urlsafe_b64encode(gift_id.bytes + _mac(secret, gift_id, nonce)).decode()


def read_token(token: str) -> tuple[uuid.UUID, bytes] | None:
    """The gift id and MAC a well-formed token carries, or None."""
    if not _TOKEN.fullmatch(token):
        return None
    raw = base64.urlsafe_b64decode(token)
    return uuid.UUID(bytes=raw[:16]), raw[16:]


def token_matches(secret: str, gift_id: uuid.UUID, nonce: str, mac: bytes) -> bool:
    return hmac.compare_digest(_mac(secret, gift_id, nonce), mac)


def share_token(gift: Gift) -> str:
    return make_token(current_app.config["SECRET_KEY"], gift.id, gift.link_nonce)


def share_url(gift: Gift) -> str:
    return f"{current_app.config['PUBLIC_URL']}/listen/{share_token(gift)}"


def find_by_token(token: str) -> Gift | None:
    """The gift a share token opens; None for a malformed, forged, rotated or revoked one."""
    parsed = read_token(token)
    if parsed is None:
        return None
    gift = db.session.get(Gift, parsed[0])
    if gift is None or not token_matches(current_app.config["SECRET_KEY"], gift.id, gift.link_nonce, parsed[1]):
        return None
    return gift
