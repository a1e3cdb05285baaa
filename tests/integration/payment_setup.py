"""Shared steps of the payment tests: run the app against a fake provider, buy, pay, read an order."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterator

from songcraft.providers.payments.lemonsqueezy import LemonSqueezyProvider
from songcraft.providers.payments.sandbox import SandboxProvider
from songcraft.providers.payments.stripe import StripeProvider
from tests.fakes.lemonsqueezy_server import FakeLemonSqueezy
from tests.fakes.stripe_server import FakeStripe

ORDERS = "/api/v1/orders"
WEBHOOK = f"{ORDERS}/webhooks/payment"
ADMIN_ORDERS = "/api/v1/admin/orders"


@contextmanager
def lemonsqueezy_app(app, monkeypatch, **fake_options) -> Iterator[FakeLemonSqueezy]:
    """The app selling through a fake Lemon Squeezy store (variants 111 audio, 222 video)."""
    with FakeLemonSqueezy(**fake_options) as server:
        provider = LemonSqueezyProvider(server.api_key, server.store_id, server.webhook_secret, server.api_url, retry_delay=0.01)
        monkeypatch.setitem(app.extensions, "payment_provider", provider)
        monkeypatch.setitem(app.config, "LEMONSQUEEZY_PRODUCT_ID_AUDIO", "111")
        monkeypatch.setitem(app.config, "LEMONSQUEEZY_PRODUCT_ID_VIDEO", "222")
        yield server


@contextmanager
def stripe_app(app, monkeypatch, **fake_options) -> Iterator[FakeStripe]:
    """The app selling through a fake Stripe account (prices price_audio, price_video)."""
    with FakeStripe(**fake_options) as server:
        price_ids = {"audio": "price_audio", "video": "price_video"}
        provider = StripeProvider(server.secret_key, server.webhook_secret, server.url, price_ids)
        monkeypatch.setitem(app.extensions, "payment_provider", provider)
        monkeypatch.setitem(app.config, "STRIPE_PRICE_ID_AUDIO", "price_audio")
        monkeypatch.setitem(app.config, "STRIPE_PRICE_ID_VIDEO", "price_video")
        yield server


def sandbox_with_codes(app, monkeypatch, codes: dict[str, int]) -> SandboxProvider:
    """The sandbox as SANDBOX_DISCOUNT_CODES=`codes` would configure it."""
    provider = SandboxProvider(app.config["SANDBOX_WEBHOOK_SECRET"], f"{app.config['PUBLIC_URL']}/sandbox/checkout", codes)
    monkeypatch.setitem(app.extensions, "payment_provider", provider)
    return provider


def buy(client, account, product="audio", **fields) -> dict:
    response = client.post(f"{ORDERS}/", json={"product": product, **fields}, headers=account.headers)
    assert response.status_code == 201, response.json
    return response.json


def deliver(client, body: bytes, headers: dict) -> str:
    response = client.post(WEBHOOK, data=body, headers=headers)
    assert response.status_code == 200, response.json
    return response.json["status"]


def sandbox_webhook(app, order: dict, email: str, event_name="order_created", **overrides):
    fields = dict(order_id=order["id"], event_name=event_name, amount_cents=order["amount_cents"],
                  currency=order["currency"], variant_id=f"sandbox-{order['product']}", email=email)
    fields.update(overrides)
    return app.extensions["payment_provider"].build_webhook(**fields)


def stored_order(app, order_id: str):
    """The order row, read fresh."""
    from songcraft.extensions import db
    from songcraft.orders.models import Order

    with app.app_context():
        order = db.session.get(Order, uuid.UUID(order_id))
        db.session.expunge(order)
        return order


def alerts(app) -> list:
    from songcraft.alerts.models import Alert
    from songcraft.extensions import db

    with app.app_context():
        rows = db.session.query(Alert).order_by(Alert.created_at).all()
        db.session.expunge_all()
        return rows
