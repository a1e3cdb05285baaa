"""The payment provider interface and the value objects it speaks."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping, Protocol


class InvalidSignature(Exception):
    """The webhook's signature is missing, malformed, stale or wrong."""


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


@dataclass(frozen=True)
class PaymentEvent:
    """A verified webhook delivery, reduced to what the order rules need."""

    event_id: str  # provider event id, or a hash of the body when the provider gives none
    kind: Literal["paid", "refunded", "failed", "ignored"]
    event_type: str  # the provider's own name, for logs
    order_id: str | None
    amount_cents: int | None = None
    currency: str | None = None
    variant_id: str | None = None
    provider_reference: str | None = None  # provider's order / payment intent id


class PaymentProvider(Protocol):
    name: str

    def create_checkout(self, request: CheckoutRequest) -> str:
        """Create a hosted checkout and return the URL the customer pays at."""
        ...

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """Verify the signature on the raw bytes (constant time), then parse. Raises InvalidSignature."""
        ...
