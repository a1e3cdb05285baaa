"""Lemon Squeezy: hosted checkouts through its JSON:API, and its signed order webhooks.

API reference: https://docs.lemonsqueezy.com/api/checkouts/create-checkout and
https://docs.lemonsqueezy.com/help/webhooks (``X-Signature`` = hex HMAC-SHA256 of the raw body).
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

import requests

from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.providers.payments.base import CheckoutRequest, InvalidSignature, PaymentEvent
from songcraft.providers.payments.signing import require_header, signature_matches

JSON_API = "application/vnd.api+json"


class LemonSqueezyProvider:
    name = "lemonsqueezy"

    def __init__(
        self,
        api_key: str,
        store_id: str,
        webhook_secret: str,
        api_url: str = "https://api.lemonsqueezy.com/v1",
        timeout: float = 15,
    ) -> None:
        self._api_key = api_key
        self._store_id = store_id
        self._webhook_secret = webhook_secret
        self._api_url = api_url.rstrip("/")
        self._timeout = timeout

    def create_checkout(self, request: CheckoutRequest) -> str:
        try:
            response = requests.post(
                f"{self._api_url}/checkouts",
                data=json.dumps(self._checkout_document(request)),
                headers={
                    "Accept": JSON_API,
                    "Content-Type": JSON_API,
                    "Authorization": f"Bearer {self._api_key}",
                },
                timeout=self._timeout,
            )
        except requests.RequestException as error:
            raise TransientProviderError(f"Lemon Squeezy is unreachable: {type(error).__name__}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientProviderError(f"Lemon Squeezy is unavailable (HTTP {response.status_code})")
        if response.status_code >= 400:
            raise ProviderError(f"Lemon Squeezy refused the checkout: {_error_details(response)}")
        try:
            return response.json()["data"]["attributes"]["url"]
        except (ValueError, KeyError, TypeError) as error:
            raise ProviderError("Lemon Squeezy answered without a checkout URL") from error

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        return parse_order_webhook(raw_body, headers, self._webhook_secret)

    def _checkout_document(self, request: CheckoutRequest) -> dict[str, Any]:
        return {
            "data": {
                "type": "checkouts",
                "attributes": {
                    "checkout_data": {"email": request.email, "custom": {"order_id": request.order_id}},
                    "product_options": {"redirect_url": request.redirect_url},
                },
                "relationships": {
                    "store": {"data": {"type": "stores", "id": self._store_id}},
                    "variant": {"data": {"type": "variants", "id": request.variant_id}},
                },
            }
        }


def parse_order_webhook(raw_body: bytes, headers: Mapping[str, str], webhook_secret: str) -> PaymentEvent:
    """Verify and read a Lemon Squeezy order webhook (also the sandbox's format).

    ``order_created`` with status ``paid`` is a payment, with status ``failed`` a failed
    payment (other statuses, e.g. ``pending``, are ignored); ``order_refunded`` is a refund
    only once the order is fully refunded (``refunded`` true) — partial refunds are ignored.
    The amount compared with the order is the ``subtotal`` (the price before tax and discounts).

    Lemon Squeezy sends no event id, so the event id is ``"{event_name}:{order id}"`` (plus the
    refunded amount for refunds, so a later full refund is not mistaken for a partial one's
    redelivery). A body without ``data.id`` falls back to the SHA-256 of the raw body.
    """
    signature = require_header(headers, "X-Signature")
    if not signature_matches(webhook_secret, raw_body, signature):
        raise InvalidSignature("X-Signature does not match the body")
    payload = json.loads(raw_body)

    meta = payload.get("meta") or {}
    data = payload.get("data") or {}
    attributes = data.get("attributes") or {}
    event_name = meta.get("event_name") or ""
    reference = str(data["id"]) if data.get("id") is not None else None
    variant = (attributes.get("first_order_item") or {}).get("variant_id")
    currency = attributes.get("currency")
    event_id = f"{event_name}:{reference}" if reference else hashlib.sha256(raw_body).hexdigest()
    if event_name == "order_refunded":
        event_id += f":{attributes.get('refunded_amount')}"
    return PaymentEvent(
        event_id=event_id,
        kind=_order_event_kind(event_name, attributes),
        event_type=event_name,
        order_id=(meta.get("custom_data") or {}).get("order_id"),
        amount_cents=attributes.get("subtotal"),
        currency=currency.upper() if currency else None,
        variant_id=str(variant) if variant is not None else None,
        provider_reference=reference,
    )


def _order_event_kind(event_name: str, attributes: Mapping[str, Any]) -> str:
    if event_name == "order_refunded":
        return "refunded" if attributes.get("refunded") else "ignored"
    if event_name == "order_created":
        return {"paid": "paid", "failed": "failed"}.get(attributes.get("status") or "", "ignored")
    return "ignored"


def _error_details(response: requests.Response) -> str:
    """The JSON:API ``errors[].detail`` texts, or the HTTP status when the body has none."""
    try:
        details = [e.get("detail") or e.get("title") for e in response.json().get("errors", [])]
    except (ValueError, AttributeError):
        details = []
    return "; ".join(d for d in details if d) or f"HTTP {response.status_code}"
