"""The product catalogue, from configuration: what can be bought, for how much, under which provider id."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

PRODUCT_IDS = ("audio", "video")

_DETAILS = {
    "audio": ("Personalized song", "One song written and composed for your recipient, delivered as an MP3."),
    "video": ("Personalized song + video", "The song plus a video of your photos set to it, delivered as an MP4."),
}


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    description: str
    amount_cents: int
    currency: str


def get_product(product_id: str) -> Product:
    config = current_app.config
    name, description = _DETAILS[product_id]
    return Product(product_id, name, description, config[f"PRODUCT_{product_id.upper()}_PRICE_CENTS"], config["PRODUCT_CURRENCY"])


def all_products() -> list[Product]:
    return [get_product(product_id) for product_id in PRODUCT_IDS]


def variant_id(provider: str, product_id: str) -> str:
    """The provider's id for the product (Lemon Squeezy variant, Stripe price); the sandbox uses our own."""
    config = current_app.config
    if provider == "lemonsqueezy":
        return config[f"LEMONSQUEEZY_PRODUCT_ID_{product_id.upper()}"] or ""
    if provider == "stripe":
        return config[f"STRIPE_PRICE_ID_{product_id.upper()}"] or ""
    return f"sandbox-{product_id}"
