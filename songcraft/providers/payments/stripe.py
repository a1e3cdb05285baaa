"""Stripe: Checkout Sessions through the official client, and Stripe-signed webhooks.

Inside this module ``import stripe`` is the official package (imports are absolute),
this module being ``songcraft.providers.payments.stripe``.

Webhook verification follows https://docs.stripe.com/webhooks#verify-manually: the
``Stripe-Signature`` header carries ``t=<unix time>`` and one or more ``v1=<hex>``
signatures of ``f"{t}.{raw body}"``. It is done here on the raw bytes with an injectable
clock rather than with ``stripe.Webhook``, which decodes the body and reads the wall clock.
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable, Mapping

import stripe

from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.providers.payments.base import CheckoutRequest, InvalidSignature, PaymentEvent
from songcraft.providers.payments.signing import require_header, signature_matches

_FAILED_EVENTS = {"checkout.session.expired", "checkout.session.async_payment_failed"}
_PAID_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}


class StripeProvider:
    """Stripe Checkout in ``payment`` mode.

    ``api_url`` is Stripe's base address without ``/v1`` (default https://api.stripe.com).
    ``price_ids`` maps a product ("audio" | "video") to a Stripe Price id; a product without
    one is charged with inline ``price_data`` from the request's amount, currency and name.
    The client never retries by itself: retries belong to the task that calls us.
    """

    name = "stripe"

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        api_url: str | None = None,
        price_ids: dict[str, str] | None = None,
        timeout: float = 15,
        tolerance_seconds: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_url.rstrip("/")} if api_url else None,
            http_client=stripe.RequestsClient(timeout=timeout),
            max_network_retries=0,
        )
        self._webhook_secret = webhook_secret
        self._price_ids = dict(price_ids or {})
        self._tolerance_seconds = tolerance_seconds
        self._clock = clock

    def create_checkout(self, request: CheckoutRequest) -> str:
        try:
            session = self._client.v1.checkout.sessions.create(
                self._session_params(request),
                # a retried task must not open a second session for the same order
                options={"idempotency_key": f"songcraft-checkout-{request.order_id}"},
            )
        except stripe.StripeError as error:
            if isinstance(error, (stripe.APIConnectionError, stripe.RateLimitError)) or (error.http_status or 0) >= 500:
                raise TransientProviderError(f"Stripe is unavailable ({type(error).__name__})") from error
            raise ProviderError(f"Stripe refused the checkout: {error.user_message}") from error
        if not session.url:
            raise ProviderError("Stripe answered without a checkout URL")
        return session.url

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        self._verify_signature(raw_body, require_header(headers, "Stripe-Signature"))
        event = json.loads(raw_body)
        event_type = event.get("type") or ""
        obj = (event.get("data") or {}).get("object") or {}
        metadata = obj.get("metadata") or {}
        currency = obj.get("currency")
        is_refund = event_type == "charge.refunded"
        return PaymentEvent(
            event_id=event["id"],
            kind=_event_kind(event_type, obj),
            event_type=event_type,
            order_id=metadata.get("order_id") or obj.get("client_reference_id"),
            amount_cents=obj.get("amount_refunded" if is_refund else "amount_total"),
            currency=currency.upper() if currency else None,
            variant_id=metadata.get("variant_id"),
            provider_reference=obj.get("payment_intent") or obj.get("id"),
        )

    def _verify_signature(self, raw_body: bytes, header: str) -> None:
        timestamp, signatures = _parse_signature_header(header)
        if abs(self._clock() - timestamp) > self._tolerance_seconds:
            raise InvalidSignature("Stripe-Signature timestamp is outside the tolerance")
        signed_payload = str(timestamp).encode() + b"." + raw_body
        # check every v1 signature (no early exit), so timing does not tell which one matched
        matches = [signature_matches(self._webhook_secret, signed_payload, s) for s in signatures]
        if not any(matches):
            raise InvalidSignature("no Stripe-Signature v1 signature matches the body")

    def _session_params(self, request: CheckoutRequest) -> dict[str, Any]:
        metadata = {"order_id": request.order_id, "variant_id": request.variant_id}
        price_id = self._price_ids.get(request.product)
        line_item: dict[str, Any] = {"quantity": 1}
        if price_id:
            line_item["price"] = price_id
        else:
            line_item["price_data"] = {
                "currency": request.currency.lower(),
                "unit_amount": request.amount_cents,
                "product_data": {"name": request.product_name},
            }
        return {
            "mode": "payment",
            "client_reference_id": request.order_id,
            "customer_email": request.email,
            "metadata": metadata,
            # so the Charge (and its charge.refunded event) names the order too
            "payment_intent_data": {"metadata": metadata},
            "line_items": [line_item],
            "success_url": request.redirect_url,
            "cancel_url": request.redirect_url,
        }


def _parse_signature_header(header: str) -> tuple[int, list[str]]:
    """``t=...,v1=...[,v1=...]`` → (timestamp, v1 signatures); other schemes (v0) are ignored."""
    pairs = [item.split("=", 1) for item in header.split(",")]
    values = [(p[0].strip(), p[1].strip()) for p in pairs if len(p) == 2]
    timestamps = [value for key, value in values if key == "t"]
    signatures = [value for key, value in values if key == "v1" and value]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
        raise InvalidSignature("malformed Stripe-Signature header")
    return int(timestamps[0]), signatures


def _event_kind(event_type: str, obj: Mapping[str, Any]) -> str:
    if event_type in _PAID_EVENTS:
        return "paid" if obj.get("payment_status") == "paid" else "ignored"
    if event_type == "charge.refunded":  # also sent for partial refunds: only a full one refunds the order
        return "refunded" if obj.get("refunded") else "ignored"
    if event_type in _FAILED_EVENTS:
        return "failed"
    return "ignored"
