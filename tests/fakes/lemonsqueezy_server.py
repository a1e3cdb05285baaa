"""A loopback fake of Lemon Squeezy's JSON:API: checkouts, variants, stores, discounts, refunds, and its order webhooks.

The fake checks a request the way the real API does (media types, Bearer key, JSON:API
documents with the right `type` and relationships, known store, variants and orders) and
answers with Lemon Squeezy's own document shapes (https://docs.lemonsqueezy.com/api).

It also plays the customer: :meth:`FakeLemonSqueezy.pay` turns a checkout our code created into
the signed ``order_created`` webhook Lemon Squeezy would send — at the checkout's custom price,
with its discount code, in the store's currency — and can make it go wrong on demand: the
buyer switching to another variant, a store in another currency (with ``currency_rate`` and the
``*_usd`` figures). ``sign_lemonsqueezy`` and ``order_webhook`` build deliveries by hand; all
of it is written apart from the production code so the tests cross-check it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from tests.fakes.loopback import LoopbackServer, RecordedRequest, Reply

JSON_API = "application/vnd.api+json"
CHECKOUTS_PATH = "/v1/checkouts"
API = "https://api.lemonsqueezy.com/v1"


def sign_lemonsqueezy(body: bytes, secret: str) -> str:
    """The ``X-Signature`` value Lemon Squeezy sends: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def order_attributes(*, ls_order_id: int, status: str, subtotal: int, discount_total: int = 0, currency: str = "USD",
                     currency_rate: str = "1.00000000", variant_id: int = 111, email: str = "ana@example.com",
                     refunded_amount: int = 0) -> dict[str, Any]:
    """An Order object's attributes; amounts in the order currency, with their ``*_usd`` conversions."""
    rate = Decimal(currency_rate)
    total = subtotal - discount_total

    def usd(cents: int) -> int:
        return int((cents * rate).quantize(Decimal(1)))

    return {
        "store_id": 4242, "customer_id": 777, "identifier": str(uuid.uuid4()), "order_number": 1001,
        "user_name": "Ana", "user_email": email, "currency": currency, "currency_rate": currency_rate,
        "subtotal": subtotal, "discount_total": discount_total, "tax": 0, "total": total, "refunded_amount": refunded_amount,
        "subtotal_usd": usd(subtotal), "discount_total_usd": usd(discount_total), "tax_usd": 0, "total_usd": usd(total),
        "refunded_amount_usd": usd(refunded_amount),
        "status": status, "status_formatted": status.replace("_", " ").capitalize(),
        "refunded": status == "refunded", "refunded_at": None,
        "first_order_item": {"id": 9, "order_id": ls_order_id, "product_id": 55, "variant_id": variant_id,
                             "product_name": "Personal song", "variant_name": "Audio", "price": subtotal, "quantity": 1},
        "created_at": "2025-01-01T10:00:00.000000Z", "updated_at": "2025-01-01T10:00:00.000000Z", "test_mode": True,
    }


def order_document(ls_order_id: int, attributes: dict[str, Any]) -> dict[str, Any]:
    return {"type": "orders", "id": str(ls_order_id), "attributes": attributes,
            "relationships": {"store": {"links": {"related": f"{API}/orders/{ls_order_id}/store"}}},
            "links": {"self": f"{API}/orders/{ls_order_id}"}}


def webhook_body(event_name: str, order_id: str | None, ls_order_id: int, attributes: dict[str, Any]) -> bytes:
    """An order webhook as Lemon Squeezy posts it: ``meta`` (event name, our custom data) and the Order."""
    custom_data = {"order_id": order_id} if order_id is not None else None
    return json.dumps({
        "meta": {"test_mode": True, "event_name": event_name, "custom_data": custom_data,
                 "webhook_id": "0f5a4c1e-8a39-4d7d-9f0c-3c1a8a4b2d10"},
        "data": order_document(ls_order_id, attributes),
    }).encode()


def order_webhook(event_name: str, *, order_id: str | None, ls_order_id: int = 1_234_567, status: str = "paid",
                  total: int = 1900, currency: str = "USD", variant_id: int = 111, email: str = "ana@example.com",
                  discount_total: int = 0, currency_rate: str = "1.00000000") -> bytes:
    """A Lemon Squeezy order webhook body (``order_created`` / ``order_refunded`` / ...); ``total`` is the subtotal."""
    attributes = order_attributes(ls_order_id=ls_order_id, status=status, subtotal=total, discount_total=discount_total,
                                  currency=currency, currency_rate=currency_rate, variant_id=variant_id, email=email,
                                  refunded_amount=total - discount_total if status == "refunded" else 0)
    return webhook_body(event_name, order_id, ls_order_id, attributes)


def variant(price: int, name: str = "Default", status: str = "published", is_subscription: bool = False) -> dict[str, Any]:
    return {"product_id": 55, "name": name, "price": price, "status": status, "is_subscription": is_subscription}


def discount(code: str, amount: int, amount_type: str = "percent", status: str = "published",
             expires_at: str | None = None) -> dict[str, Any]:
    return {"store_id": 4242, "name": code, "code": code, "amount": amount, "amount_type": amount_type,
            "is_limited_to_products": False, "status": status, "starts_at": None, "expires_at": expires_at}


def api_error(status: int, detail: str, pointer: str | None = None) -> Reply:
    """A JSON:API error document as Lemon Squeezy returns it."""
    titles = {401: "Unauthorized", 404: "Not Found", 406: "Not Acceptable", 409: "Conflict", 415: "Unsupported Media Type",
              422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error"}
    error: dict[str, Any] = {"detail": detail, "status": str(status), "title": titles.get(status, "Error")}
    if pointer:
        error["source"] = {"pointer": pointer}
    return Reply(status=status, body=json.dumps({"jsonapi": {"version": "1.0"}, "errors": [error]}).encode(),
                 headers={"Content-Type": JSON_API})


def _document(data: Any, **extra: Any) -> Reply:
    return Reply(status=extra.pop("status", 200), body=json.dumps({"jsonapi": {"version": "1.0"}, "data": data, **extra}).encode(),
                 headers={"Content-Type": JSON_API})


class FakeLemonSqueezy(LoopbackServer):
    def __init__(self, *, api_key: str = "ls_test_key", store_id: str = "4242", webhook_secret: str = "ls_webhook_secret",
                 variants: dict[str, dict] | None = None, discounts: list[dict] | None = None,
                 store_currency: str = "USD", currency_rate: str = "1.00000000") -> None:
        super().__init__()
        self.api_key = api_key
        self.store_id = store_id
        self.webhook_secret = webhook_secret
        self.variants = variants if variants is not None else {"111": variant(1900, "Audio"), "222": variant(2900, "Video")}
        self.discounts = discounts if discounts is not None else []
        self.store_currency = store_currency
        self.currency_rate = currency_rate
        self.checkouts: dict[str, dict[str, Any]] = {}
        self.orders: dict[int, dict[str, Any]] = {}

    @property
    def api_url(self) -> str:
        return self.url + "/v1"

    # --- playing the customer ------------------------------------------------------------

    def checkout_for(self, order_id: str) -> dict[str, Any]:
        """The last checkout created for our order ``order_id`` (its ``custom.order_id``)."""
        found = [c for c in self.checkouts.values() if c["checkout_data"]["custom"].get("order_id") == order_id]
        assert found, f"no checkout was created for order {order_id}"
        return found[-1]

    def pay(self, order_id: str, *, switch_to_variant: str | None = None, status: str = "paid",
            email: str = "ana@example.com") -> tuple[bytes, dict[str, str]]:
        """The signed ``order_created`` webhook for paying the checkout of our order ``order_id``.

        The subtotal is the checkout's ``custom_price`` (or the variant's price when the buyer switched
        to ``switch_to_variant``, which ``enabled_variants`` should have prevented), less the checkout's
        discount code; amounts are in the store currency with ``currency_rate`` and the ``*_usd`` figures.
        """
        checkout = self.checkout_for(order_id)
        variant_id = switch_to_variant or str(checkout["variant_id"])
        subtotal = checkout["custom_price"] if checkout["custom_price"] and not switch_to_variant else self.variants[variant_id]["price"]
        ls_order_id = 5_000_000 + len(self.orders) + 1
        attributes = order_attributes(ls_order_id=ls_order_id, status=status, subtotal=subtotal,
                                      discount_total=self._discount_on(checkout["checkout_data"].get("discount_code"), subtotal),
                                      currency=self.store_currency, currency_rate=self.currency_rate, variant_id=int(variant_id),
                                      email=email)
        self.orders[ls_order_id] = {"order_id": order_id, "attributes": attributes}
        return self.signed(webhook_body("order_created", order_id, ls_order_id, attributes))

    def refunded_webhook(self, ls_order_id: int) -> tuple[bytes, dict[str, str]]:
        """The signed ``order_refunded`` webhook Lemon Squeezy sends after a refund of ``ls_order_id``."""
        order = self.orders[ls_order_id]
        return self.signed(webhook_body("order_refunded", order["order_id"], ls_order_id, order["attributes"]))

    def signed(self, body: bytes) -> tuple[bytes, dict[str, str]]:
        event_name = json.loads(body)["meta"]["event_name"]
        return body, {"Content-Type": "application/json", "X-Event-Name": event_name,
                      "X-Signature": sign_lemonsqueezy(body, self.webhook_secret)}

    def _discount_on(self, code: str | None, subtotal: int) -> int:
        found = next((d for d in self.discounts if code and d["code"] == code.upper()), None)
        if found is None:
            return 0
        return round(subtotal * found["amount"] / 100) if found["amount_type"] == "percent" else min(found["amount"], subtotal)

    # --- the API ---------------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return api_error(401, "Unauthenticated.")
        if JSON_API not in request.headers.get("accept", ""):
            return api_error(406, f"The Accept header must be {JSON_API}.")
        parts = request.path.strip("/").split("/")
        if request.method == "POST" and request.headers.get("content-type") != JSON_API:
            return api_error(415, f"The Content-Type header must be {JSON_API}.")
        if (request.method, request.path) == ("POST", CHECKOUTS_PATH):
            return self._create_checkout(request)
        if request.method == "GET" and len(parts) == 3 and parts[1] == "variants":
            return self._variant(parts[2])
        if request.method == "GET" and len(parts) == 3 and parts[1] == "stores":
            return self._store(parts[2])
        if (request.method, request.path) == ("GET", "/v1/discounts"):
            return self._list_discounts(request)
        if request.method == "POST" and len(parts) == 4 and parts[1] == "orders" and parts[3] == "refund":
            return self._refund(parts[2], request)
        return api_error(404, "The route could not be found.")

    def _create_checkout(self, request: RecordedRequest) -> Reply:
        try:
            data = request.json()["data"]
        except (ValueError, KeyError, TypeError):
            return api_error(422, "The request must contain a data member.", "/data")
        problem = self._checkout_problem(data)
        if problem:
            return problem
        checkout_id = str(uuid.uuid4())
        attributes = data.get("attributes") or {}
        now = datetime.now(timezone.utc)
        checkout = {
            "store_id": int(self.store_id),
            "variant_id": int(data["relationships"]["variant"]["data"]["id"]),
            "custom_price": attributes.get("custom_price"),
            "product_options": {"name": "", "description": "", "media": [], "redirect_url": "", "enabled_variants": [],
                                **(attributes.get("product_options") or {})},
            "checkout_options": {"embed": False, "media": True, "logo": True, "discount": True,
                                 **(attributes.get("checkout_options") or {})},
            "checkout_data": {"email": "", "name": "", "billing_address": [], "discount_code": "", "custom": [],
                              **(attributes.get("checkout_data") or {})},
            "expires_at": (now + timedelta(days=2)).isoformat().replace("+00:00", "Z"),
            "created_at": now.isoformat().replace("+00:00", "Z"),
            "updated_at": now.isoformat().replace("+00:00", "Z"),
            "test_mode": True,
            "url": f"https://songcraft.lemonsqueezy.com/checkout/custom/{checkout_id}?signature={uuid.uuid4().hex}",
        }
        self.checkouts[checkout_id] = checkout
        links = {"self": f"{API}/checkouts/{checkout_id}"}
        return _document({"type": "checkouts", "id": checkout_id, "attributes": checkout, "links": links}, links=links, status=201)

    def _checkout_problem(self, data: dict[str, Any]) -> Reply | None:
        if data.get("type") != "checkouts":
            return api_error(409, "The resource type does not match the endpoint.", "/data/type")
        relationships = data.get("relationships") or {}
        store = (relationships.get("store") or {}).get("data") or {}
        variant_ref = (relationships.get("variant") or {}).get("data") or {}
        attributes = data.get("attributes") or {}
        if store.get("type") != "stores" or not store.get("id"):
            return api_error(422, "The store field is required.", "/data/relationships/store")
        if variant_ref.get("type") != "variants" or not variant_ref.get("id"):
            return api_error(422, "The variant field is required.", "/data/relationships/variant")
        if str(store["id"]) != self.store_id:
            return api_error(404, "The related store does not exist.", "/data/relationships/store")
        if str(variant_ref["id"]) not in self.variants:
            return api_error(422, "The related variant does not exist.", "/data/relationships/variant")
        price = attributes.get("custom_price")
        if price is not None and (not isinstance(price, int) or isinstance(price, bool) or price < 1):
            return api_error(422, "The custom price must be a positive integer.", "/data/attributes/custom_price")
        for index, enabled in enumerate((attributes.get("product_options") or {}).get("enabled_variants") or []):
            if not isinstance(enabled, int) or str(enabled) not in self.variants:
                return api_error(422, f"The product_options.enabled_variants.{index} must be the id of a variant of the product.",
                                 f"/data/attributes/product_options/enabled_variants/{index}")
        return None

    def _variant(self, variant_id: str) -> Reply:
        if variant_id not in self.variants:
            return api_error(404, "Not found.")
        found = self.variants[variant_id]
        return _document({"type": "variants", "id": variant_id, "attributes": {
            "slug": uuid.uuid5(uuid.NAMESPACE_URL, variant_id).hex, "description": "", "interval": None, "interval_count": None,
            "pay_what_you_want": False, "sort": 1, "status_formatted": found["status"].capitalize(), "test_mode": True, **found}})

    def _store(self, store_id: str) -> Reply:
        if store_id != self.store_id:
            return api_error(404, "Not found.")
        return _document({"type": "stores", "id": store_id, "attributes": {
            "name": "SongCraft", "slug": "songcraft", "domain": "songcraft.lemonsqueezy.com", "country": "US",
            "currency": self.store_currency, "total_sales": len(self.orders), "plan": "fresh"}})

    def _list_discounts(self, request: RecordedRequest) -> Reply:
        store = request.query_value("filter[store_id]")
        size = int(request.query_value("page[size]") or 10)
        number = int(request.query_value("page[number]") or 1)
        if not 1 <= size <= 100:
            return api_error(422, "The page.size must be between 1 and 100.")
        matching = [d for d in self.discounts if store is None or str(d["store_id"]) == store]
        page = matching[(number - 1) * size:number * size]
        last_page = max(1, -(-len(matching) // size))
        meta = {"page": {"currentPage": number, "from": (number - 1) * size + 1, "lastPage": last_page, "perPage": size,
                         "to": (number - 1) * size + len(page), "total": len(matching)}}
        data = [{"type": "discounts", "id": str(index + 1), "attributes": d} for index, d in enumerate(page, (number - 1) * size)]
        return _document(data, meta=meta)

    def _refund(self, ls_order_id: str, request: RecordedRequest) -> Reply:
        try:
            data = request.json()["data"]
        except (ValueError, KeyError, TypeError):
            return api_error(422, "The request must contain a data member.", "/data")
        if data.get("type") != "orders" or str(data.get("id")) != ls_order_id:
            return api_error(409, "The resource type or id does not match the endpoint.", "/data")
        order = self.orders.get(int(ls_order_id)) if ls_order_id.isdigit() else None
        if order is None:
            return api_error(404, "Not found.")
        attributes = order["attributes"]
        if attributes["refunded"]:
            return api_error(422, "This order has already been refunded.")
        amount = (data.get("attributes") or {}).get("amount", attributes["total"] - attributes["refunded_amount"])
        attributes["refunded_amount"] += amount
        attributes["refunded"] = attributes["refunded_amount"] >= attributes["total"]
        attributes["status"] = "refunded" if attributes["refunded"] else "partial_refund"
        attributes["refunded_at"] = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
        return _document(order_document(int(ls_order_id), attributes))
