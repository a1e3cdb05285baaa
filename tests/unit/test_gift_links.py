"""Share-link tokens and the gift's delivery rules, as plain objects (no app, no database)."""
from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from songcraft.gifts.links import TOKEN_LENGTH, make_token, read_token, token_matches
from songcraft.gifts.models import Gift

SECRET = "a-secret-key-of-the-deployment-0123456789"


def test_a_token_names_the_gift_and_proves_it_with_at_least_128_secret_bits():
    gift_id, nonce = uuid.uuid4(), "0" * 32
    token = make_token(SECRET, gift_id, nonce)

    assert len(token) == TOKEN_LENGTH and token.isascii() and "=" not in token
    named, mac = read_token(token)
    assert named == gift_id and len(mac) * 8 >= 128
    assert token_matches(SECRET, gift_id, nonce, mac)


def test_a_new_nonce_or_another_secret_makes_another_token():
    gift_id = uuid.uuid4()
    token = make_token(SECRET, gift_id, "a" * 32)
    _, mac = read_token(token)

    assert not token_matches(SECRET, gift_id, "b" * 32, mac)  # rotated
    assert not token_matches("another-secret", gift_id, "a" * 32, mac)
    assert make_token(SECRET, gift_id, "a" * 32) == token  # recomputed, never stored


def test_a_token_for_one_gift_does_not_open_another():
    nonce = "c" * 32
    _, mac = read_token(make_token(SECRET, uuid.uuid4(), nonce))
    assert not token_matches(SECRET, uuid.uuid4(), nonce, mac)


@pytest.mark.parametrize("token", ["", "short", "x" * (TOKEN_LENGTH - 1), "x" * (TOKEN_LENGTH + 1), "!" * TOKEN_LENGTH,
                                   "a/" * (TOKEN_LENGTH // 2), "ä" * TOKEN_LENGTH])
def test_malformed_tokens_are_refused_before_any_lookup(token):
    assert read_token(token) is None


def test_forged_mac_is_refused():
    gift_id = uuid.uuid4()
    forged = base64.urlsafe_b64encode(gift_id.bytes + bytes(20)).decode()
    named, mac = read_token(forged)
    assert named == gift_id and not token_matches(SECRET, gift_id, "d" * 32, mac)


def test_new_link_changes_the_nonce():
    gift = Gift()
    gift.new_link()
    first = gift.link_nonce
    gift.new_link()
    assert len(first) == 32 and gift.link_nonce != first


def test_delivery_waits_for_a_recipient_not_yet_sent_the_link():
    gift = Gift(recipient_email=None, delivered_to=None)
    assert not gift.awaits_delivery
    gift.recipient_email = "maya@example.com"
    assert gift.awaits_delivery
    gift.delivered_to = "maya@example.com"
    assert not gift.awaits_delivery
    gift.recipient_email = "maya@elsewhere.example"  # the owner changed the address: the new one gets it
    assert gift.awaits_delivery


def test_due_at_its_time_or_at_once_without_one():
    now = datetime(2030, 5, 1, 9, 0, tzinfo=timezone.utc)
    assert Gift(deliver_at=None).is_due(now)
    assert Gift(deliver_at=now).is_due(now)
    assert not Gift(deliver_at=now + timedelta(seconds=1)).is_due(now)
