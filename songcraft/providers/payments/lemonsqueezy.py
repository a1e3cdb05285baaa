"""Lemon Squeezy: hosted checkouts and refunds through its JSON:API, and its signed order webhooks.

API reference: https://docs.lemonsqueezy.com/api (checkouts/create-checkout, orders/issue-refund,
variants, stores, discounts) and https://docs.lemonsqueezy.com/help/webhooks (``X-Signature`` =
hex HMAC-SHA256 of the raw body). Lemon Squeezy is the merchant of record and handles
chargebacks itself: it sends no dispute events.
"""
from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timezone
from typing import Any, Mapping

import requests

from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.providers.http import transport_errors
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

JSON_API = "application/vnd.api+json"
DISCOUNT_PAGE_SIZE = 100  # the API's largest page
MAX_DISCOUNT_PAGES = 5  # bounds the lookup in the web request: the first 500 codes of the store are searched
SELLABLE_VARIANT_STATUSES = ("published", "pending")  # "pending" is the default variant of a one-variant product
# The order's own figures kept with a payment held for review (amounts in the order currency, and in USD).
RECORDED_ORDER_FIELDS = ("status", "currency", "currency_rate", "subtotal", "discount_total", "tax", "total",
                         "subtotal_usd", "discount_total_usd", "total_usd")


class _RateLimited(TransientProviderError):
    """HTTP 429: asking again at once would only be refused again."""


class LemonSqueezyProvider:
    name = "lemonsqueezy"

    def __init__(
        self,
        api_key: str,
        store_id: str,
        webhook_secret: str,
        api_url: str = "https://api.lemonsqueezy.com/v1",
        timeout: float = CHECKOUT_TIMEOUT_SECONDS,
        retry_delay: float = 1.0,
    ) -> None:
        self._api_key = api_key
        self._store_id = store_id
        self._webhook_secret = webhook_secret
        self._api_url = api_url.rstrip("/")
        self._timeout = timeout
        self._retry_delay = retry_delay

    # --- Checkouts and refunds ---------------------------------------------------------

    def create_checkout(self, request: CheckoutRequest) -> str:
        """A checkout locked to the order's variant (`enabled_variants`) at the catalogue price (`custom_price`).

        The discount field is hidden: the only discount is the code the customer gave us, checked
        here first, so an unknown code is refused before any checkout exists.
        """
        if request.discount_code:
            self._require_discount(request.discount_code)
        body = self._call("POST", "/checkouts", self._checkout_document(request), retry=True)
        try:
            return body["data"]["attributes"]["url"]
        except (KeyError, TypeError) as error:
            raise ProviderError("Lemon Squeezy answered without a checkout URL") from error

    def refund(self, provider_reference: str, order_id: str) -> str:
        """A full refund of Lemon Squeezy order `provider_reference` (no amount means the whole order).

        Not retried: Lemon Squeezy takes no idempotency key, and the admin who asked sees the outcome.
        """
        document = {"data": {"type": "orders", "id": str(provider_reference)}}
        body = self._call("POST", f"/orders/{provider_reference}/refund", document)
        attributes = (body.get("data") or {}).get("attributes") or {}
        if not attributes.get("refunded"):
            raise ProviderError(f"Lemon Squeezy did not refund the whole order {provider_reference}")
        return f"order {provider_reference}: {attributes.get('refunded_amount')} refunded"

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        return parse_order_webhook(raw_body, headers, self._webhook_secret)

    # --- Catalogue check --------------------------------------------------------------

    def check_catalogue(self, entries: list[CatalogueEntry]) -> list[ProviderCheck]:
        """The store charges in the catalogue's currency (`custom_price` is in the store currency), and each
        variant exists, can be sold, is not a subscription and costs the catalogue price."""
        return [self._check_store(entries[0].currency), *(self._check_variant(entry) for entry in entries)]

    def _check_store(self, currency: str) -> ProviderCheck:
        subject = f"store {self._store_id}"
        try:
            store = self._call("GET", f"/stores/{self._store_id}", retry=True)["data"]["attributes"]
        except (ProviderError, KeyError, TypeError) as error:
            return ProviderCheck(subject, False, _reason(error))
        if (store.get("currency") or "").upper() != currency:
            return ProviderCheck(subject, False, f"sells in {store.get('currency')}, the catalogue is in {currency} (PRODUCT_CURRENCY)")
        return ProviderCheck(subject, True, f"{store.get('name')}, sells in {currency}")

    def _check_variant(self, entry: CatalogueEntry) -> ProviderCheck:
        subject = f"variant {entry.variant_id} ({entry.product})"
        try:
            variant = self._call("GET", f"/variants/{entry.variant_id}", retry=True)["data"]["attributes"]
        except (ProviderError, KeyError, TypeError) as error:
            return ProviderCheck(subject, False, _reason(error))
        if variant.get("status") not in SELLABLE_VARIANT_STATUSES:
            return ProviderCheck(subject, False, f"is {variant.get('status')}, not published")
        if variant.get("is_subscription"):
            return ProviderCheck(subject, False, "is a subscription; songs are one-time purchases")
        if variant.get("price") != entry.amount_cents:
            return ProviderCheck(subject, False, f"costs {variant.get('price')}, the catalogue says {entry.amount_cents}")
        return ProviderCheck(subject, True, f"{variant.get('name')}: {entry.amount_cents} {entry.currency}, as in the catalogue")

    # --- Discounts ----------------------------------------------------------------------

    def _require_discount(self, code: str) -> None:
        """The store's published, current discount with this code, else DiscountCodeRejected."""
        for page in range(1, MAX_DISCOUNT_PAGES + 1):
            body = self._call("GET", "/discounts", params={"filter[store_id]": self._store_id, "page[number]": page,
                                                           "page[size]": DISCOUNT_PAGE_SIZE}, retry=True)
            for discount in body.get("data") or []:
                attributes = discount.get("attributes") or {}
                if (attributes.get("code") or "").upper() == code.upper():
                    if not _usable_now(attributes):
                        raise DiscountCodeRejected(f"The discount code {code} has expired or is not active.")
                    return
            if page >= ((body.get("meta") or {}).get("page") or {}).get("lastPage", page):
                break
        raise DiscountCodeRejected(f"There is no discount code {code}.")

    # --- HTTP ---------------------------------------------------------------------------

    def _checkout_document(self, request: CheckoutRequest) -> dict[str, Any]:
        checkout_data: dict[str, Any] = {"email": request.email, "custom": {"order_id": request.order_id}}
        if request.discount_code:
            checkout_data["discount_code"] = request.discount_code
        variant = int(request.variant_id) if request.variant_id.isdigit() else request.variant_id
        return {
            "data": {
                "type": "checkouts",
                "attributes": {
                    "custom_price": request.amount_cents,
                    "product_options": {"redirect_url": request.redirect_url, "enabled_variants": [variant]},
                    "checkout_options": {"discount": False},
                    "checkout_data": checkout_data,
                },
                "relationships": {
                    "store": {"data": {"type": "stores", "id": self._store_id}},
                    "variant": {"data": {"type": "variants", "id": request.variant_id}},
                },
            }
        }

    def _call(self, method: str, path: str, document: dict | None = None, params: dict | None = None,
              retry: bool = False) -> dict[str, Any]:
        """One API call; with `retry`, a 5xx or a timeout is tried once more after `retry_delay` seconds."""
        try:
            return self._send(method, path, document, params)
        except TransientProviderError as error:
            if not retry or isinstance(error, _RateLimited):
                raise
        time.sleep(self._retry_delay)
        return self._send(method, path, document, params)

    def _send(self, method: str, path: str, document: dict | None, params: dict | None) -> dict[str, Any]:
        with transport_errors("Lemon Squeezy"):
            response = requests.request(
                method, f"{self._api_url}{path}", params=params,
                data=json.dumps(document) if document is not None else None,
                headers={"Accept": JSON_API, "Content-Type": JSON_API, "Authorization": f"Bearer {self._api_key}"},
                timeout=self._timeout,
            )
        if response.status_code == 429:
            raise _RateLimited("Lemon Squeezy is limiting our request rate (HTTP 429)")
        if response.status_code >= 500:
            raise TransientProviderError(f"Lemon Squeezy is unavailable (HTTP {response.status_code})")
        if response.status_code >= 400:
            raise ProviderError(f"Lemon Squeezy refused {method} {path} (HTTP {response.status_code}): {_error_details(response)}")
        try:
            return response.json()
        except ValueError as error:
            raise ProviderError(f"Lemon Squeezy answered {method} {path} with something that is not JSON") from error


def parse_order_webhook(raw_body: bytes, headers: Mapping[str, str], webhook_secret: str) -> PaymentEvent:
    """Verify and read a Lemon Squeezy order webhook (also the sandbox's format).

    ``order_created`` with status ``paid`` is a payment, with status ``failed`` a failed
    payment (other statuses, e.g. ``pending``, are ignored); ``order_refunded`` is a refund
    only once the order is fully refunded (``refunded`` true) — partial refunds are ignored.
    Amounts are read in the order currency (``currency``, ``subtotal``, ``discount_total``); the
    ``*_usd`` conversions and ``currency_rate`` are only recorded. The amount compared with the
    order is the ``subtotal`` (the price before discounts and tax).

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
        discount_cents=attributes.get("discount_total") or 0,
        details={name: attributes[name] for name in RECORDED_ORDER_FIELDS if name in attributes},
    )


def _order_event_kind(event_name: str, attributes: Mapping[str, Any]) -> str:
    if event_name == "order_refunded":
        return "refunded" if attributes.get("refunded") else "ignored"
    if event_name == "order_created":
        return {"paid": "paid", "failed": "failed"}.get(attributes.get("status") or "", "ignored")
    return "ignored"


def _usable_now(discount: Mapping[str, Any]) -> bool:
    now = datetime.now(timezone.utc)
    starts, expires = _timestamp(discount.get("starts_at")), _timestamp(discount.get("expires_at"))
    return discount.get("status") == "published" and (starts is None or starts <= now) and (expires is None or now < expires)


def _timestamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _reason(error: Exception) -> str:
    return str(error) if isinstance(error, ProviderError) else "Lemon Squeezy answered without the expected document"


def _error_details(response: requests.Response) -> str:
    """The JSON:API ``errors[].detail`` texts, or the HTTP status when the body has none."""
    try:
        details = [e.get("detail") or e.get("title") for e in response.json().get("errors", [])]
    except (ValueError, AttributeError):
        details = []
    return "; ".join(d for d in details if d) or f"HTTP {response.status_code}"
