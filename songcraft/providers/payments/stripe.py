"""Stripe: Checkout Sessions, promotion codes, Refunds and Prices through the official client, and Stripe-signed webhooks.

Inside this module ``import stripe`` is the official package (imports are absolute),
this module being ``songcraft.providers.payments.stripe``.

Webhook verification follows https://docs.stripe.com/webhooks#verify-manually: the
``Stripe-Signature`` header carries ``t=<unix time>`` and one or more ``v1=<hex>``
signatures of ``f"{t}.{raw body}"``. It is done here on the raw bytes with an injectable
clock rather than with ``stripe.Webhook``, which decodes the body and reads the wall clock;
like the SDK, only a timestamp older than the tolerance is refused (a sender's clock running
ahead is not an attack: the signature still has to match).
"""
from __future__ import annotations

import json
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

import stripe

from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.providers.payments.base import (
    CHECKOUT_TIMEOUT_SECONDS,
    CatalogueEntry,
    CheckoutRequest,
    DiscountCodeRejected,
    InvalidSignature,
    PaymentEvent,
)
from songcraft.providers.payments.signing import require_header, signature_matches
from songcraft.providers.status import ProviderCheck

_FAILED_EVENTS = {"checkout.session.expired", "checkout.session.async_payment_failed"}
_PAID_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
_DISPUTE_EVENT = "charge.dispute.created"
# The object's own figures kept with a payment held for review, or a dispute.
_RECORDED_FIELDS = ("id", "currency", "amount_subtotal", "amount_total", "total_details", "payment_status",
                    "amount", "reason", "status", "charge")


class StripeProvider:
    """Stripe Checkout in ``payment`` mode.

    ``api_url`` is Stripe's base address without ``/v1`` (default https://api.stripe.com).
    ``price_ids`` maps a product ("audio" | "video") to its Stripe Price id (configuration requires
    both). The client retries a failed call twice (``max_network_retries``) with Stripe's own
    backoff; POSTs carry an idempotency key per order, so a retry never opens a second session or
    refunds twice.
    """

    name = "stripe"

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        api_url: str | None = None,
        price_ids: dict[str, str] | None = None,
        timeout: float = CHECKOUT_TIMEOUT_SECONDS,
        tolerance_seconds: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_url.rstrip("/")} if api_url else None,
            http_client=stripe.RequestsClient(timeout=timeout),
            max_network_retries=2,
        )
        self._webhook_secret = webhook_secret
        self._price_ids = dict(price_ids or {})
        self._tolerance_seconds = tolerance_seconds
        self._clock = clock

    # --- Checkouts and refunds ---------------------------------------------------------

    def create_checkout(self, request: CheckoutRequest) -> str:
        params = self._session_params(request)
        if request.discount_code:
            params["discounts"] = [{"promotion_code": self._promotion_code_id(request.discount_code)}]
        with _stripe_errors("the checkout"):
            session = self._client.v1.checkout.sessions.create(
                params,
                # a retry (ours or the client's) must not open a second session for the same order
                options={"idempotency_key": f"songcraft-checkout-{request.order_id}"},
            )
        if not session.url:
            raise ProviderError("Stripe answered without a checkout URL")
        return session.url

    def refund(self, provider_reference: str, order_id: str) -> str:
        """A full refund of PaymentIntent `provider_reference`; returns the Refund's id."""
        with _stripe_errors("the refund"):
            refund = self._client.v1.refunds.create(
                {"payment_intent": provider_reference, "metadata": {"order_id": order_id}},
                options={"idempotency_key": f"songcraft-refund-{order_id}"},
            )
        if refund.status in ("failed", "canceled"):
            raise ProviderError(f"Stripe could not refund {provider_reference} (refund {refund.id} is {refund.status})")
        return refund.id

    def _promotion_code_id(self, code: str) -> str:
        """The id of the active promotion code `code` (Stripe matches codes regardless of case)."""
        with _stripe_errors("the discount code lookup"):
            found = self._client.v1.promotion_codes.list({"code": code, "active": True, "limit": 1})
        if not found.data:
            raise DiscountCodeRejected(f"There is no active discount code {code}.")
        return found.data[0].id

    def _session_params(self, request: CheckoutRequest) -> dict[str, Any]:
        price_id = self._price_ids.get(request.product)
        if not price_id:
            raise ProviderError(f"No Stripe price is configured for {request.product}")
        metadata = {"order_id": request.order_id, "variant_id": request.variant_id}
        return {
            "mode": "payment",
            "client_reference_id": request.order_id,
            "customer_email": request.email,
            "metadata": metadata,
            # so the Charge (and its charge.refunded event) names the order too
            "payment_intent_data": {"metadata": metadata},
            "line_items": [{"price": price_id, "quantity": 1}],
            "success_url": request.redirect_url,
            "cancel_url": request.redirect_url,
        }

    # --- Catalogue check --------------------------------------------------------------

    def check_catalogue(self, entries: list[CatalogueEntry]) -> list[ProviderCheck]:
        return [self._check_price(entry) for entry in entries]

    def _check_price(self, entry: CatalogueEntry) -> ProviderCheck:
        subject = f"price {entry.variant_id} ({entry.product})"
        try:
            with _stripe_errors("the price lookup"):
                price = self._client.v1.prices.retrieve(entry.variant_id)
        except ProviderError as error:
            return ProviderCheck(subject, False, str(error))
        if not price.active or price.type != "one_time":
            return ProviderCheck(subject, False, f"is {'active' if price.active else 'archived'} and {price.type}; "
                                                 "an active one-time price is needed")
        if (price.currency.upper(), price.unit_amount) != (entry.currency, entry.amount_cents):
            return ProviderCheck(subject, False, f"costs {price.unit_amount} {price.currency.upper()}, "
                                                 f"the catalogue says {entry.amount_cents} {entry.currency}")
        return ProviderCheck(subject, True, f"{entry.amount_cents} {entry.currency}, as in the catalogue")

    # --- Webhooks -----------------------------------------------------------------------

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """Sessions report the price before discounts (`amount_subtotal`) and the discount
        (`total_details.amount_discount`); a dispute names its PaymentIntent, not our order."""
        self._verify_signature(raw_body, require_header(headers, "Stripe-Signature"))
        event = json.loads(raw_body)
        event_type = event.get("type") or ""
        obj = (event.get("data") or {}).get("object") or {}
        metadata = obj.get("metadata") or {}
        currency = obj.get("currency")
        return PaymentEvent(
            event_id=event["id"],
            kind=_event_kind(event_type, obj),
            event_type=event_type,
            order_id=metadata.get("order_id") or obj.get("client_reference_id"),
            amount_cents=_amount(event_type, obj),
            currency=currency.upper() if currency else None,
            variant_id=metadata.get("variant_id"),
            provider_reference=obj.get("payment_intent") or obj.get("id"),
            discount_cents=(obj.get("total_details") or {}).get("amount_discount") or 0,
            details={name: obj[name] for name in _RECORDED_FIELDS if name in obj},
        )

    def _verify_signature(self, raw_body: bytes, header: str) -> None:
        timestamp, signatures = _parse_signature_header(header)
        if timestamp < self._clock() - self._tolerance_seconds:
            raise InvalidSignature("Stripe-Signature timestamp is older than the tolerance")
        signed_payload = str(timestamp).encode() + b"." + raw_body
        # check every v1 signature (no early exit), so timing does not tell which one matched
        matches = [signature_matches(self._webhook_secret, signed_payload, s) for s in signatures]
        if not any(matches):
            raise InvalidSignature("no Stripe-Signature v1 signature matches the body")


@contextmanager
def _stripe_errors(action: str) -> Iterator[None]:
    """Stripe's errors as provider errors: outages are transient, refusals permanent, a refused discount a DiscountCodeRejected."""
    try:
        yield
    except stripe.StripeError as error:
        if isinstance(error, (stripe.APIConnectionError, stripe.RateLimitError)) or (error.http_status or 0) >= 500:
            raise TransientProviderError(f"Stripe is unavailable ({type(error).__name__})") from error
        if (getattr(error, "param", None) or "").startswith("discounts"):
            raise DiscountCodeRejected(error.user_message or "Stripe refused the discount code.") from error
        raise ProviderError(f"Stripe refused {action}: {error.user_message}") from error


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
    if event_type == _DISPUTE_EVENT:
        return "disputed"
    return "ignored"


def _amount(event_type: str, obj: Mapping[str, Any]) -> int | None:
    if event_type == "charge.refunded":
        return obj.get("amount_refunded")
    if event_type == _DISPUTE_EVENT:
        return obj.get("amount")
    return obj.get("amount_subtotal")
