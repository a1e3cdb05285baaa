"""The built-in sandbox: a pretend checkout served by the app itself, no outside service.

The app's sandbox page confirms or declines the payment by posting a webhook built by
:meth:`SandboxProvider.build_webhook` — a realistic Lemon Squeezy order webhook signed
with the sandbox secret — through the normal webhook route, so the whole verification
and order path is exercised exactly as in production. Discount codes come from
``SANDBOX_DISCOUNT_CODES`` (``CODE=percent``), and a refund needs no outside service.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime, timezone
from typing import Literal, Mapping
from urllib.parse import urlencode

from songcraft.providers.payments.base import CatalogueEntry, CheckoutRequest, DiscountCodeRejected, PaymentEvent
from songcraft.providers.payments.lemonsqueezy import parse_order_webhook
from songcraft.providers.payments.signing import hmac_sha256_hex
from songcraft.providers.status import ProviderCheck

SANDBOX_STORE_ID = 1


class SandboxProvider:
    name = "sandbox"

    def __init__(self, webhook_secret: str, checkout_base_url: str, discount_codes: dict[str, int] | None = None) -> None:
        self._webhook_secret = webhook_secret
        self._checkout_base_url = checkout_base_url.rstrip("/")
        self._discount_percents = {code.upper(): percent for code, percent in (discount_codes or {}).items()}

    def create_checkout(self, request: CheckoutRequest) -> str:
        if request.discount_code and request.discount_code.upper() not in self._discount_percents:
            raise DiscountCodeRejected(f"There is no discount code {request.discount_code}.")
        token = urlencode({"token": self.checkout_token(request.order_id)})
        return f"{self._checkout_base_url}/{request.order_id}?{token}"

    def discount_cents(self, code: str | None, amount_cents: int) -> int:
        """What the code takes off `amount_cents`, rounded to the nearest cent (0 without a code)."""
        return round(amount_cents * self._discount_percents.get((code or "").upper(), 0) / 100)

    def refund(self, provider_reference: str, order_id: str) -> str:
        """The sandbox took no money, so it refunds by itself."""
        return f"sandbox refund of order {provider_reference}"

    def check_catalogue(self, entries: list[CatalogueEntry]) -> list[ProviderCheck]:
        prices = ", ".join(f"{e.product} {e.amount_cents} {e.currency}" for e in entries)
        return [ProviderCheck("sandbox checkout", True, f"built in, charges the catalogue itself ({prices})")]

    def checkout_token(self, order_id: str) -> str:
        """A token proving the checkout URL was issued by us, so the page cannot be opened for any id."""
        return hmac_sha256_hex(self._webhook_secret, f"sandbox-checkout:{order_id}".encode())

    def is_valid_checkout_token(self, order_id: str, token: str) -> bool:
        return hmac.compare_digest(self.checkout_token(order_id).encode(), token.encode("ascii", "replace"))

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        return parse_order_webhook(raw_body, headers, self._webhook_secret)

    def build_webhook(
        self,
        *,
        order_id: str,
        event_name: Literal["order_created", "order_refunded"],
        amount_cents: int,
        currency: str,
        variant_id: str,
        email: str,
        product_name: str = "SongCraft song",
        status: str = "paid",
        discount_cents: int = 0,
    ) -> tuple[bytes, dict[str, str]]:
        """A Lemon Squeezy order webhook for ``order_id`` and the headers that sign it.

        The Lemon Squeezy order id is derived from ``order_id`` alone, so every delivery
        about one order names the same order (as Lemon Squeezy does) and a repeated
        delivery of one event is recognised as a duplicate. ``status="failed"`` on
        ``order_created`` makes a declined payment. ``discount_cents`` is reported as Lemon
        Squeezy does: the subtotal stays the price, ``discount_total`` and ``total`` show the discount.
        """
        ls_order_id = _sandbox_number(order_id)
        refunded = event_name == "order_refunded"
        now = datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
        payload = {
            "meta": {
                "test_mode": True,
                "event_name": event_name,
                "custom_data": {"order_id": order_id},
            },
            "data": {
                "type": "orders",
                "id": str(ls_order_id),
                "attributes": {
                    "store_id": SANDBOX_STORE_ID,
                    "customer_id": _sandbox_number(email),
                    "identifier": _sandbox_uuid(order_id),
                    "order_number": ls_order_id % 1_000_000,
                    "user_name": email.split("@")[0],
                    "user_email": email,
                    "currency": currency.upper(),
                    "currency_rate": "1.00000000",
                    "subtotal": amount_cents,
                    "discount_total": discount_cents,
                    "tax": 0,
                    "total": amount_cents - discount_cents,
                    "subtotal_formatted": _formatted(amount_cents, currency),
                    "total_formatted": _formatted(amount_cents - discount_cents, currency),
                    "status": "refunded" if refunded else status,
                    "status_formatted": ("refunded" if refunded else status).capitalize(),
                    "refunded": refunded,
                    "refunded_at": now if refunded else None,
                    "first_order_item": {
                        "id": ls_order_id,
                        "order_id": ls_order_id,
                        "product_id": _sandbox_number(product_name),
                        "variant_id": int(variant_id) if variant_id.isdigit() else variant_id,
                        "product_name": product_name,
                        "variant_name": "Default",
                        "price": amount_cents,
                        "quantity": 1,
                        "test_mode": True,
                    },
                    "test_mode": True,
                    "created_at": now,
                    "updated_at": now,
                },
            },
        }
        body = json.dumps(payload).encode()
        return body, {
            "Content-Type": "application/json",
            "X-Event-Name": event_name,
            "X-Signature": hmac_sha256_hex(self._webhook_secret, body),
        }


def _sandbox_number(seed: str) -> int:
    """A stable positive id derived from ``seed`` (Lemon Squeezy ids are integers)."""
    return int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16)


def _sandbox_uuid(seed: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"songcraft-sandbox:{seed}"))


def _formatted(amount_cents: int, currency: str) -> str:
    return f"{amount_cents / 100:.2f} {currency.upper()}"
