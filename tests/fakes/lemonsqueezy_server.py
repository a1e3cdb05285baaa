"""A loopback fake of Lemon Squeezy: ``POST /v1/checkouts`` and its order webhooks.

The fake checks a request the way the real JSON:API does (media types, Bearer key,
``checkouts`` document with ``store`` and ``variant`` relationships, known variant) and
answers with Lemon Squeezy's own document shapes. ``sign_lemonsqueezy`` and
``order_webhook`` build deliveries as Lemon Squeezy sends them; they are written
independently of the production code so the tests cross-check it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.fakes.loopback import LoopbackServer, RecordedRequest, Reply

JSON_API = "application/vnd.api+json"
CHECKOUTS_PATH = "/v1/checkouts"


def sign_lemonsqueezy(body: bytes, secret: str) -> str:
    """The ``X-Signature`` value Lemon Squeezy sends: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def order_webhook(
    event_name: str,
    *,
    order_id: str | None,
    ls_order_id: int = 1_234_567,
    status: str = "paid",
    total: int = 1900,
    currency: str = "USD",
    variant_id: int = 111,
    email: str = "ana@example.com",
) -> bytes:
    """A Lemon Squeezy order webhook body (``order_created`` / ``order_refunded`` / ...)."""
    custom_data = {"order_id": order_id} if order_id is not None else None
    return json.dumps({
        "meta": {"test_mode": True, "event_name": event_name, "custom_data": custom_data,
                 "webhook_id": "0f5a4c1e-8a39-4d7d-9f0c-3c1a8a4b2d10"},
        "data": {
            "type": "orders",
            "id": str(ls_order_id),
            "attributes": {
                "store_id": 4242, "customer_id": 777, "identifier": str(uuid.uuid4()),
                "order_number": 1001, "user_name": "Ana", "user_email": email,
                "currency": currency, "currency_rate": "1.00000000",
                "subtotal": total, "discount_total": 0, "tax": 0, "total": total,
                "status": status, "status_formatted": status.capitalize(),
                "refunded": status == "refunded", "refunded_at": None,
                "first_order_item": {"id": 9, "order_id": ls_order_id, "product_id": 55, "variant_id": variant_id,
                                     "product_name": "Personal song", "variant_name": "Audio",
                                     "price": total, "quantity": 1},
                "created_at": "2025-01-01T10:00:00.000000Z", "updated_at": "2025-01-01T10:00:00.000000Z",
                "test_mode": True,
            },
            "relationships": {"store": {"links": {"related": f"https://api.lemonsqueezy.com/v1/orders/{ls_order_id}/store"}}},
            "links": {"self": f"https://api.lemonsqueezy.com/v1/orders/{ls_order_id}"},
        },
    }).encode()


def api_error(status: int, detail: str, pointer: str | None = None) -> Reply:
    """A JSON:API error document as Lemon Squeezy returns it."""
    titles = {401: "Unauthorized", 404: "Not Found", 406: "Not Acceptable", 409: "Conflict", 415: "Unsupported Media Type",
              422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error"}
    error: dict[str, Any] = {"detail": detail, "status": str(status), "title": titles.get(status, "Error")}
    if pointer:
        error["source"] = {"pointer": pointer}
    return Reply(status=status, body=json.dumps({"jsonapi": {"version": "1.0"}, "errors": [error]}).encode(),
                 headers={"Content-Type": JSON_API})


class FakeLemonSqueezy(LoopbackServer):
    def __init__(self, *, api_key: str = "ls_test_key", store_id: str = "4242",
                 variant_ids: tuple[str, ...] = ("111", "222")) -> None:
        super().__init__()
        self.api_key = api_key
        self.store_id = store_id
        self.variant_ids = variant_ids

    @property
    def api_url(self) -> str:
        return self.url + "/v1"

    def handle(self, request: RecordedRequest) -> Reply:
        if (request.method, request.path) != ("POST", CHECKOUTS_PATH):
            return api_error(404, "The route could not be found.")
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return api_error(401, "Unauthenticated.")
        if JSON_API not in request.headers.get("accept", ""):
            return api_error(406, f"The Accept header must be {JSON_API}.")
        if request.headers.get("content-type") != JSON_API:
            return api_error(415, f"The Content-Type header must be {JSON_API}.")
        try:
            data = request.json()["data"]
        except (ValueError, KeyError, TypeError):
            return api_error(422, "The request must contain a data member.", "/data")
        problem = self._problem_with(data)
        return problem or self._created_checkout(data)

    def _problem_with(self, data: dict[str, Any]) -> Reply | None:
        if data.get("type") != "checkouts":
            return api_error(409, "The resource type does not match the endpoint.", "/data/type")
        relationships = data.get("relationships") or {}
        store = (relationships.get("store") or {}).get("data") or {}
        variant = (relationships.get("variant") or {}).get("data") or {}
        if store.get("type") != "stores" or not store.get("id"):
            return api_error(422, "The store field is required.", "/data/relationships/store")
        if variant.get("type") != "variants" or not variant.get("id"):
            return api_error(422, "The variant field is required.", "/data/relationships/variant")
        if str(store["id"]) != self.store_id:
            return api_error(404, "The related store does not exist.", "/data/relationships/store")
        if str(variant["id"]) not in self.variant_ids:
            return api_error(422, "The related variant does not exist.", "/data/relationships/variant")
        return None

    def _created_checkout(self, data: dict[str, Any]) -> Reply:
        checkout_id = str(uuid.uuid4())
        attributes = data.get("attributes") or {}
        now = datetime.now(timezone.utc)
        checkout = {
            "type": "checkouts",
            "id": checkout_id,
            "attributes": {
                "store_id": int(self.store_id),
                "variant_id": int(data["relationships"]["variant"]["data"]["id"]),
                "custom_price": None,
                "product_options": {"name": "", "description": "", "media": [], "redirect_url": "",
                                    "enabled_variants": [], **(attributes.get("product_options") or {})},
                "checkout_options": {"embed": False, "media": True, "logo": True,
                                     **(attributes.get("checkout_options") or {})},
                "checkout_data": {"email": "", "name": "", "billing_address": [], "custom": [],
                                  **(attributes.get("checkout_data") or {})},
                "expires_at": (now + timedelta(days=2)).isoformat().replace("+00:00", "Z"),
                "created_at": now.isoformat().replace("+00:00", "Z"),
                "updated_at": now.isoformat().replace("+00:00", "Z"),
                "test_mode": True,
                "url": f"https://songcraft.lemonsqueezy.com/checkout/custom/{checkout_id}?signature={uuid.uuid4().hex}",
            },
            "links": {"self": f"https://api.lemonsqueezy.com/v1/checkouts/{checkout_id}"},
        }
        body = {"jsonapi": {"version": "1.0"}, "links": checkout["links"], "data": checkout}
        return Reply(status=201, body=json.dumps(body).encode(), headers={"Content-Type": JSON_API})
