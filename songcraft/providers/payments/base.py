"""The payment provider interface and the value objects it speaks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Protocol

from songcraft.providers.status import ProviderCheck

# Checkout creation runs inside the customer's web request: each call may take this long, and
# Stripe tries three times, so the worst case (3 x 8 s + backoff) stays under gunicorn's 30 s.
CHECKOUT_TIMEOUT_SECONDS = 8.0


class InvalidSignature(Exception):
    """The webhook's signature is missing, malformed, stale or wrong."""


class DiscountCodeRejected(Exception):
    """The provider does not know the discount code, or it cannot be used (expired, inactive)."""


@dataclass(frozen=True)
class CheckoutRequest:
    order_id: str
    product: str  # "audio" | "video"
    variant_id: str  # the provider's variant / price id for the product
    amount_cents: int
    currency: str
    email: str
    product_name: str
    redirect_url: str
    discount_code: str | None = None


@dataclass(frozen=True)
class PaymentEvent:
    """A verified webhook delivery, reduced to what the order rules need."""

    event_id: str  # provider event id, or a hash of the body when the provider gives none
    kind: Literal["paid", "refunded", "failed", "disputed", "ignored"]
    event_type: str  # the provider's own name, for logs
    order_id: str | None
    amount_cents: int | None = None  # the price before discounts and tax
    currency: str | None = None
    variant_id: str | None = None
    provider_reference: str | None = None  # provider's order / payment intent id
    discount_cents: int = 0  # the discount the provider applied
    details: Mapping[str, Any] = field(default_factory=dict)  # the provider's own figures, kept when a payment is held

    def received(self) -> dict[str, Any]:
        """What arrived, as recorded on an order held for review."""
        return {"event_id": self.event_id, "event_type": self.event_type, "amount_cents": self.amount_cents,
                "discount_cents": self.discount_cents, "currency": self.currency, "variant_id": self.variant_id,
                "provider_reference": self.provider_reference, "provider_fields": dict(self.details)}


@dataclass(frozen=True)
class CatalogueEntry:
    """What the catalogue says a product costs, and the provider id that should charge it."""

    product: str
    variant_id: str
    amount_cents: int
    currency: str


class PaymentProvider(Protocol):
    name: str

    def create_checkout(self, request: CheckoutRequest) -> str:
        """Create a hosted checkout and return the URL the customer pays at. Raises DiscountCodeRejected."""
        ...

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """Verify the signature on the raw bytes (constant time), then parse. Raises InvalidSignature."""
        ...

    def refund(self, provider_reference: str, order_id: str) -> str:
        """Refund the whole payment `provider_reference`; returns the provider's refund reference."""
        ...

    def check_catalogue(self, entries: list[CatalogueEntry]) -> list[ProviderCheck]:
        """Verify, with the provider's API, that each entry's id exists and charges the catalogue price."""
        ...
