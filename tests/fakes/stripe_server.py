"""A loopback fake of Stripe: ``POST /v1/checkout/sessions`` and Stripe-signed events.

Requests are form-encoded with bracketed nested keys (``metadata[order_id]``,
``line_items[0][price]``) as the official client sends them; :func:`decode_form`
turns them back into nested objects. Errors use Stripe's ``{"error": {...}}`` shape
and status codes. ``sign_stripe`` and ``event`` build deliveries as Stripe sends them,
written independently of the production code so the tests cross-check it.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.loopback import LoopbackServer, RecordedRequest, Reply

SESSIONS_PATH = "/v1/checkout/sessions"


def sign_stripe(body: bytes, secret: str, timestamp: int) -> str:
    """The ``Stripe-Signature`` header Stripe sends for ``body`` at ``timestamp``."""
    signed = f"{timestamp}.".encode() + body
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    """A Stripe event body (API version 2025) wrapping ``obj``."""
    return json.dumps({
        "id": event_id or f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": "2025-08-27.basil",
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }).encode()


def charge(*, order_id: str, amount: int = 1900, amount_refunded: int = 1900, currency: str = "usd") -> dict[str, Any]:
    """A refunded Charge carrying the order id its PaymentIntent's metadata passed on."""
    return {
        "id": "ch_3Qfake", "object": "charge", "amount": amount, "amount_captured": amount,
        "amount_refunded": amount_refunded, "captured": True, "currency": currency,
        "metadata": {"order_id": order_id}, "paid": True, "payment_intent": "pi_3Qfake",
        "refunded": amount_refunded == amount, "status": "succeeded",
    }


def checkout_session(*, order_id: str | None, payment_status: str = "paid", status: str = "complete",
                     amount_total: int = 1900, currency: str = "usd", variant_id: str = "price_audio") -> dict[str, Any]:
    """A Checkout Session as it appears inside ``checkout.session.*`` events."""
    metadata = {"order_id": order_id, "variant_id": variant_id} if order_id else {}
    return {
        "id": "cs_test_a1fake", "object": "checkout.session", "amount_subtotal": amount_total,
        "amount_total": amount_total, "client_reference_id": order_id, "currency": currency,
        "customer_email": "ana@example.com", "metadata": metadata, "mode": "payment",
        "payment_intent": "pi_3Qfake" if payment_status == "paid" else None,
        "payment_status": payment_status, "status": status,
    }


def decode_form(body: bytes) -> dict[str, Any]:
    """``a[b][0][c]=v`` pairs → nested dicts and lists, as Stripe's API reads them."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        *parents, leaf = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return _indexed_dicts_as_lists(root)


def _indexed_dicts_as_lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _indexed_dicts_as_lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def stripe_error(status: int, message: str, error_type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None) -> Reply:
    error = {"message": message, "type": error_type, "request_log_url": "https://dashboard.stripe.com/test/logs/req_fake"}
    if param:
        error["param"] = param
    if code:
        error["code"] = code
    return Reply.json({"error": error}, status=status, headers={"Request-Id": "req_fake"})


class FakeStripe(LoopbackServer):
    """Serves Checkout Sessions; ``prices`` maps known Price ids to (unit amount, currency)."""

    def __init__(self, *, secret_key: str = "sk_test_fake", prices: dict[str, tuple[int, str]] | None = None) -> None:
        super().__init__()
        self.secret_key = secret_key
        self.prices = prices if prices is not None else {"price_audio": (1900, "usd")}
        self._sessions_by_idempotency_key: dict[str, Reply] = {}

    def handle(self, request: RecordedRequest) -> Reply:
        if (request.method, request.path) != ("POST", SESSIONS_PATH):
            return stripe_error(404, f"Unrecognized request URL ({request.method}: {request.path}).")
        if self._api_key(request) != self.secret_key:
            return stripe_error(401, "Invalid API Key provided: sk_test_****")
        key = request.headers.get("idempotency-key")
        if key and key in self._sessions_by_idempotency_key:
            return self._sessions_by_idempotency_key[key]
        params = decode_form(request.body)
        reply = self._problem_with(params) or Reply.json(self._session(params))
        if key and reply.status == 200:
            self._sessions_by_idempotency_key[key] = reply
        return reply

    @staticmethod
    def _api_key(request: RecordedRequest) -> str | None:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme == "Bearer":
            return credentials
        if scheme == "Basic":
            return base64.b64decode(credentials).decode().partition(":")[0]
        return None

    def _problem_with(self, params: dict[str, Any]) -> Reply | None:
        for required in ("mode", "success_url", "line_items"):
            if not params.get(required):
                return stripe_error(400, f"Missing required param: {required}.", param=required, code="parameter_missing")
        for index, item in enumerate(params["line_items"]):
            if "price" in item and item["price"] not in self.prices:
                return stripe_error(400, f"No such price: '{item['price']}'", param=f"line_items[{index}][price]",
                                    code="resource_missing")
            if "price" not in item and "price_data" not in item:
                return stripe_error(400, "You must specify either `price` or `price_data`.",
                                    param=f"line_items[{index}]", code="parameter_missing")
        return None

    def _session(self, params: dict[str, Any]) -> dict[str, Any]:
        session_id = f"cs_test_{secrets.token_urlsafe(40).replace('-', 'a').replace('_', 'b')}"
        amounts = [self._line_amount(item) for item in params["line_items"]]
        now = int(time.time())
        return {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": sum(a for a, _ in amounts),
            "amount_total": sum(a for a, _ in amounts),
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": amounts[0][1],
            "customer": None,
            "customer_email": params.get("customer_email"),
            "expires_at": now + 24 * 3600,
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "mode": params["mode"],
            "payment_intent": None,
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "url": f"https://checkout.stripe.com/c/pay/{session_id}#fidkdWxOYHwnPyd1blpxYHZxWjA0",
        }

    def _line_amount(self, item: dict[str, Any]) -> tuple[int, str]:
        quantity = int(item.get("quantity", 1))
        if "price" in item:
            unit_amount, currency = self.prices[item["price"]]
        else:
            unit_amount, currency = int(item["price_data"]["unit_amount"]), item["price_data"]["currency"]
        return unit_amount * quantity, currency
