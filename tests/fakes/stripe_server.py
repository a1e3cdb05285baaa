"""A loopback fake of Stripe: Checkout Sessions, Prices, promotion codes, Refunds, and Stripe-signed events.

Requests are form-encoded with bracketed nested keys (``metadata[order_id]``,
``line_items[0][price]``) as the official client sends them; :func:`decode_form` turns them
back into nested objects. Errors use Stripe's ``{"error": {...}}`` shape and status codes, and
the fake refuses what Stripe refuses: an idempotency key replayed with other parameters,
``price_data`` without ``product``/``product_data``, unknown prices and promotion codes,
refunding twice. Replies to POSTs are kept per idempotency key and replayed, as Stripe does
once an endpoint has started executing (validation errors are not kept).

It also plays the customer and the bank: :meth:`FakeStripe.pay` turns a session our code
created into the signed ``checkout.session.completed`` event, and :meth:`FakeStripe.dispute`
makes the ``charge.dispute.created`` event of a payment. ``sign_stripe``, ``event``,
``checkout_session`` and ``charge`` build deliveries by hand; all of it is written apart from
the production code so the tests cross-check it.
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


def charge(*, order_id: str, amount: int = 1900, amount_refunded: int = 1900, currency: str = "usd",
           payment_intent: str = "pi_3Qfake") -> dict[str, Any]:
    """A refunded Charge carrying the order id its PaymentIntent's metadata passed on."""
    return {
        "id": "ch_3Qfake", "object": "charge", "amount": amount, "amount_captured": amount,
        "amount_refunded": amount_refunded, "captured": True, "currency": currency,
        "metadata": {"order_id": order_id}, "paid": True, "payment_intent": payment_intent,
        "refunded": amount_refunded == amount, "status": "succeeded",
    }


def checkout_session(*, order_id: str | None, payment_status: str = "paid", status: str = "complete",
                     amount_total: int = 1900, currency: str = "usd", variant_id: str = "price_audio",
                     amount_discount: int = 0) -> dict[str, Any]:
    """A Checkout Session as it appears inside ``checkout.session.*`` events; ``amount_total`` is before the discount."""
    metadata = {"order_id": order_id, "variant_id": variant_id} if order_id else {}
    return {
        "id": "cs_test_a1fake", "object": "checkout.session", "amount_subtotal": amount_total,
        "amount_total": amount_total - amount_discount, "client_reference_id": order_id, "currency": currency,
        "customer_email": "ana@example.com", "metadata": metadata, "mode": "payment",
        "payment_intent": "pi_3Qfake" if payment_status == "paid" else None,
        "payment_status": payment_status, "status": status,
        "total_details": {"amount_discount": amount_discount, "amount_shipping": 0, "amount_tax": 0},
    }


def dispute(*, payment_intent: str, amount: int = 1900, currency: str = "usd", reason: str = "fraudulent") -> dict[str, Any]:
    """A Dispute as it appears inside ``charge.dispute.*`` events: it names the charge and PaymentIntent, not our order."""
    return {
        "id": f"du_{secrets.token_hex(8)}", "object": "dispute", "amount": amount, "currency": currency,
        "charge": f"ch_{payment_intent[3:]}", "payment_intent": payment_intent, "reason": reason,
        "status": "needs_response", "is_charge_refundable": False, "metadata": {}, "livemode": False,
        "evidence_details": {"due_by": int(time.time()) + 7 * 86400, "has_evidence": False, "past_due": False, "submission_count": 0},
    }


def price(unit_amount: int, currency: str = "usd", active: bool = True, price_type: str = "one_time") -> dict[str, Any]:
    return {"unit_amount": unit_amount, "currency": currency, "active": active, "type": price_type}


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
    """Serves Stripe's API for the resources we use.

    ``prices`` maps Price ids to :func:`price` objects (or ``(unit_amount, currency)``);
    ``promotion_codes`` maps customer-facing codes to ``{"percent_off": n}`` or ``{"amount_off": n}``
    (plus ``"active": False`` to make one inactive).
    """

    def __init__(self, *, secret_key: str = "sk_test_fake", webhook_secret: str = "whsec_test",
                 prices: dict[str, Any] | None = None, promotion_codes: dict[str, dict] | None = None) -> None:
        super().__init__()
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        raw_prices = prices if prices is not None else {"price_audio": price(1900), "price_video": price(2900)}
        self.prices = {pid: price(*spec) if isinstance(spec, tuple) else spec for pid, spec in raw_prices.items()}
        self.promotion_codes = {code: {"id": f"promo_{secrets.token_hex(6)}", "code": code, "active": True, **spec}
                                for code, spec in (promotion_codes or {}).items()}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self._replies_by_idempotency_key: dict[str, tuple[bytes, Reply]] = {}

    # --- playing the customer and the bank --------------------------------------------------

    def session_for(self, order_id: str) -> dict[str, Any]:
        found = [s for s in self.sessions.values() if s["client_reference_id"] == order_id]
        assert found, f"no Checkout Session was created for order {order_id}"
        return found[-1]

    def pay(self, order_id: str) -> tuple[bytes, dict[str, str]]:
        """The signed ``checkout.session.completed`` event for paying the session of our order ``order_id``."""
        session = self.session_for(order_id)
        payment_intent = f"pi_{secrets.token_hex(12)}"
        session.update(status="complete", payment_status="paid", payment_intent=payment_intent)
        self.payment_intents[payment_intent] = {"amount": session["amount_total"], "currency": session["currency"],
                                                "order_id": order_id, "refunded": False}
        return self.signed(event("checkout.session.completed", session))

    def dispute(self, payment_intent: str, reason: str = "fraudulent") -> tuple[bytes, dict[str, str]]:
        """The signed ``charge.dispute.created`` event of a chargeback on ``payment_intent``."""
        paid = self.payment_intents[payment_intent]
        return self.signed(event("charge.dispute.created", dispute(payment_intent=payment_intent, amount=paid["amount"],
                                                                   currency=paid["currency"], reason=reason)))

    def refunded_event(self, payment_intent: str) -> tuple[bytes, dict[str, str]]:
        """The signed ``charge.refunded`` event Stripe sends once ``payment_intent`` was refunded."""
        paid = self.payment_intents[payment_intent]
        obj = charge(order_id=paid["order_id"], amount=paid["amount"], amount_refunded=paid["amount"] if paid["refunded"] else 0,
                     currency=paid["currency"], payment_intent=payment_intent)
        return self.signed(event("charge.refunded", obj))

    def signed(self, body: bytes) -> tuple[bytes, dict[str, str]]:
        return body, {"Content-Type": "application/json", "Stripe-Signature": sign_stripe(body, self.webhook_secret, int(time.time()))}

    # --- the API ---------------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> Reply:
        if self._api_key(request) != self.secret_key:
            return stripe_error(401, "Invalid API Key provided: sk_test_****")
        if request.method == "POST":
            return self._idempotent(request)
        if request.method == "GET" and request.path.startswith("/v1/prices/"):
            return self._retrieve_price(request.path.rsplit("/", 1)[1])
        if (request.method, request.path) == ("GET", "/v1/promotion_codes"):
            return self._list_promotion_codes(request)
        return stripe_error(404, f"Unrecognized request URL ({request.method}: {request.path}).")

    def _idempotent(self, request: RecordedRequest) -> Reply:
        """Stripe keeps the reply to a POST per idempotency key and replays it; the same key with other
        parameters is an error. Replies refused before the endpoint ran (validation) are not kept."""
        key = request.headers.get("idempotency-key")
        if key and key in self._replies_by_idempotency_key:
            body, reply = self._replies_by_idempotency_key[key]
            if body != request.body:
                return stripe_error(400, "Keys for idempotent requests can only be used with the same parameters they were "
                                         f"first used with. Try using a key other than '{key}' if you meant to execute a "
                                         "different request.", error_type="idempotency_error")
            return Reply(reply.status, reply.body, {**reply.headers, "Idempotent-Replayed": "true"})
        params = decode_form(request.body)
        routes = {SESSIONS_PATH: self._create_session, "/v1/refunds": self._create_refund}
        if request.path not in routes:
            return stripe_error(404, f"Unrecognized request URL (POST: {request.path}).")
        reply = routes[request.path](params)
        if key and reply.status < 400:
            self._replies_by_idempotency_key[key] = (request.body, reply)
        return reply

    @staticmethod
    def _api_key(request: RecordedRequest) -> str | None:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme == "Bearer":
            return credentials
        if scheme == "Basic":
            return base64.b64decode(credentials).decode().partition(":")[0]
        return None

    # Checkout Sessions

    def _create_session(self, params: dict[str, Any]) -> Reply:
        problem = self._session_problem(params)
        if problem:
            return problem
        session_id = f"cs_test_{secrets.token_urlsafe(40).replace('-', 'a').replace('_', 'b')}"
        amounts = [self._line_amount(item) for item in params["line_items"]]
        subtotal = sum(a for a, _ in amounts)
        discount = self._discount(params.get("discounts") or [], subtotal)
        now = int(time.time())
        session = {
            "id": session_id, "object": "checkout.session",
            "amount_subtotal": subtotal, "amount_total": subtotal - discount,
            "total_details": {"amount_discount": discount, "amount_shipping": 0, "amount_tax": 0},
            "cancel_url": params.get("cancel_url"), "client_reference_id": params.get("client_reference_id"),
            "created": now, "currency": amounts[0][1], "customer": None, "customer_email": params.get("customer_email"),
            "expires_at": now + 24 * 3600, "livemode": False, "metadata": params.get("metadata", {}), "mode": params["mode"],
            "payment_intent": None, "payment_method_types": ["card"], "payment_status": "unpaid", "status": "open",
            "success_url": params["success_url"],
            "url": f"https://checkout.stripe.com/c/pay/{session_id}#fidkdWxOYHwnPyd1blpxYHZxWjA0",
        }
        self.sessions[session_id] = session
        return Reply.json(session)

    def _session_problem(self, params: dict[str, Any]) -> Reply | None:
        for required in ("mode", "success_url", "line_items"):
            if not params.get(required):
                return stripe_error(400, f"Missing required param: {required}.", param=required, code="parameter_missing")
        if params.get("allow_promotion_codes") and params.get("discounts"):
            return stripe_error(400, "You may only specify one of these parameters: allow_promotion_codes, discounts.")
        for index, item in enumerate(params["line_items"]):
            if "price" in item and item["price"] not in self.prices:
                return stripe_error(400, f"No such price: '{item['price']}'", param=f"line_items[{index}][price]",
                                    code="resource_missing")
            if "price" not in item and "price_data" not in item:
                return stripe_error(400, "You must provide one of `price` or `price_data` for each line item.",
                                    param=f"line_items[{index}]", code="parameter_missing")
            if "price_data" in item and not ({"product", "product_data"} & item["price_data"].keys()):
                return stripe_error(400, "You must specify either `product` or `product_data` when creating a price.",
                                    param=f"line_items[{index}][price_data]")
        for index, discount in enumerate(params.get("discounts") or []):
            promotion = self._promotion_by_id(discount.get("promotion_code"))
            if promotion is None:
                return stripe_error(400, f"No such promotion code: '{discount.get('promotion_code')}'",
                                    param=f"discounts[{index}][promotion_code]", code="resource_missing")
            if not promotion["active"]:
                return stripe_error(400, f"The promotion code '{promotion['code']}' is inactive.",
                                    param=f"discounts[{index}][promotion_code]")
        return None

    def _line_amount(self, item: dict[str, Any]) -> tuple[int, str]:
        quantity = int(item.get("quantity", 1))
        if "price" in item:
            found = self.prices[item["price"]]
            unit_amount, currency = found["unit_amount"], found["currency"]
        else:
            unit_amount, currency = int(item["price_data"]["unit_amount"]), item["price_data"]["currency"]
        return unit_amount * quantity, currency

    def _discount(self, discounts: list[dict], subtotal: int) -> int:
        off = 0
        for discount in discounts:
            promotion = self._promotion_by_id(discount["promotion_code"])
            off += round(subtotal * promotion["percent_off"] / 100) if "percent_off" in promotion else int(promotion["amount_off"])
        return min(off, subtotal)

    def _promotion_by_id(self, promotion_id: str | None) -> dict[str, Any] | None:
        return next((p for p in self.promotion_codes.values() if p["id"] == promotion_id), None)

    # Prices and promotion codes

    def _retrieve_price(self, price_id: str) -> Reply:
        if price_id not in self.prices:
            return stripe_error(404, f"No such price: '{price_id}'", param="price", code="resource_missing")
        return Reply.json({"id": price_id, "object": "price", "livemode": False, "product": "prod_fake", **self.prices[price_id]})

    def _list_promotion_codes(self, request: RecordedRequest) -> Reply:
        code, active = request.query_value("code"), request.query_value("active")
        limit = int(request.query_value("limit") or 10)
        found = [p for p in self.promotion_codes.values()
                 if (code is None or p["code"].lower() == code.lower()) and (active is None or p["active"] == (active == "true"))]
        data = [{"object": "promotion_code", "id": p["id"], "code": p["code"], "active": p["active"],
                 "promotion": {"type": "coupon", "coupon": "coupon_fake"}} for p in found[:limit]]
        return Reply.json({"object": "list", "data": data, "has_more": len(found) > limit, "url": "/v1/promotion_codes"})

    # Refunds

    def _create_refund(self, params: dict[str, Any]) -> Reply:
        intent_id = params.get("payment_intent")
        if not intent_id:
            return stripe_error(400, "Missing required param: payment_intent.", param="payment_intent", code="parameter_missing")
        paid = self.payment_intents.get(intent_id)
        if paid is None:
            return stripe_error(400, f"No such payment_intent: '{intent_id}'", param="payment_intent", code="resource_missing")
        if paid["refunded"]:
            return stripe_error(400, f"Charge ch_{intent_id[3:]} has already been refunded.", code="charge_already_refunded")
        paid["refunded"] = True
        return Reply.json({"id": f"re_{secrets.token_hex(12)}", "object": "refund", "amount": paid["amount"],
                           "charge": f"ch_{intent_id[3:]}", "currency": paid["currency"], "payment_intent": intent_id,
                           "metadata": params.get("metadata", {}), "reason": None, "status": "succeeded"})
