"""Orders and payments end to end, under the sandbox, Lemon Squeezy and Stripe providers."""
from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from songcraft.providers.payments.lemonsqueezy import LemonSqueezyProvider
from songcraft.providers.payments.stripe import StripeProvider
from tests.fakes.lemonsqueezy_server import FakeLemonSqueezy, order_webhook, sign_lemonsqueezy
from tests.fakes.stripe_server import FakeStripe, charge, checkout_session, event, sign_stripe

ORDERS = "/api/v1/orders"
WEBHOOK = f"{ORDERS}/webhooks/payment"


def buy(client, account, product="audio"):
    response = client.post(f"{ORDERS}/", json={"product": product}, headers=account.headers)
    assert response.status_code == 201, response.json
    return response.json


def order_status(client, account, order_id):
    return client.get(f"{ORDERS}/{order_id}", headers=account.headers).json["status"]


def sandbox_webhook(app, order, email, event_name="order_created", **overrides):
    fields = dict(order_id=order["id"], event_name=event_name, amount_cents=order["amount_cents"],
                  currency=order["currency"], variant_id=f"sandbox-{order['product']}", email=email)
    fields.update(overrides)
    return app.extensions["payment_provider"].build_webhook(**fields)


# --- Catalogue and orders -------------------------------------------------------------


def test_products_are_public_with_configured_prices(client):
    products = {p["id"]: p for p in client.get(f"{ORDERS}/products").json}
    assert (products["audio"]["amount_cents"], products["audio"]["currency"]) == (1900, "USD")
    assert products["video"]["amount_cents"] == 2900 and products["video"]["name"]


def test_create_order_matches_the_contract(client, make_account):
    account = make_account()
    order = buy(client, account, "video")
    assert order["status"] == "pending" and order["product"] == "video"
    assert (order["amount_cents"], order["currency"], order["payment_provider"]) == (2900, "USD", "sandbox")
    assert order["song_id"] is None and order["paid_at"] is None
    assert "/sandbox/checkout/" + order["id"] in order["payment_url"]


def test_orders_need_a_verified_login_and_a_known_product(client, make_account):
    assert client.post(f"{ORDERS}/", json={"product": "audio"}).status_code == 401
    unverified = make_account(verified=False)
    token_login = client.post("/api/v1/auth/login", json={"email": unverified.email, "password": unverified.password})
    assert token_login.status_code == 403
    account = make_account()
    bad = client.post(f"{ORDERS}/", json={"product": "vinyl"}, headers=account.headers)
    assert bad.status_code == 422 and "product" in bad.json["errors"]["json"]


def test_unverified_user_with_a_token_cannot_order(client, app, make_account):
    from songcraft.auth.models import User
    from songcraft.extensions import db

    account = make_account()
    with app.app_context():
        db.session.scalar(db.select(User).filter_by(email=account.email)).is_verified = False
        db.session.commit()
    assert client.post(f"{ORDERS}/", json={"product": "audio"}, headers=account.headers).status_code == 403


def test_list_is_own_orders_newest_first_and_paginated(client, make_account):
    account, other = make_account(), make_account()
    ids = [buy(client, account)["id"] for _ in range(3)]
    buy(client, other)
    response = client.get(f"{ORDERS}/?page_size=2", headers=account.headers)
    assert [o["id"] for o in response.json] == ids[::-1][:2]
    assert json.loads(response.headers["X-Pagination"])["total"] == 3


def test_someone_elses_order_is_404(client, make_account):
    order = buy(client, make_account())
    stranger = make_account()
    assert client.get(f"{ORDERS}/{order['id']}", headers=stranger.headers).status_code == 404
    assert client.get(f"{ORDERS}/{uuid.uuid4()}", headers=stranger.headers).status_code == 404


# --- Webhooks (sandbox signing = Lemon Squeezy format) ----------------------------------


def test_signed_webhook_pays_once_and_emails_once(client, app, make_account, worker, mailbox):
    account = make_account()
    order = buy(client, account)
    body, headers = sandbox_webhook(app, order, account.email)
    first = client.post(WEBHOOK, data=body, headers=headers)
    assert first.status_code == 200 and first.json["status"] == "paid"
    again = client.post(WEBHOOK, data=body, headers=headers)
    assert again.status_code == 200 and again.json["status"] == "duplicate"

    paid = client.get(f"{ORDERS}/{order['id']}", headers=account.headers).json
    assert paid["status"] == "paid" and paid["paid_at"]
    assert mailbox.wait_for(account.email)[0]["Subject"].startswith("Thank you")
    time.sleep(1.5)  # give a (wrong) second email the chance to arrive
    assert len(mailbox.to(account.email)) == 1


@pytest.mark.parametrize("mangle", ["wrong-signature", "missing-signature", "tampered-body"])
def test_bad_signatures_are_401_and_change_nothing(client, app, make_account, mangle):
    account = make_account()
    order = buy(client, account)
    body, headers = sandbox_webhook(app, order, account.email)
    if mangle == "wrong-signature":
        headers["X-Signature"] = "0" * 64
    elif mangle == "missing-signature":
        del headers["X-Signature"]
    else:
        body = body.replace(b'"paid"', b'"PAID"', 1)
    response = client.post(WEBHOOK, data=body, headers=headers)
    assert response.status_code == 401 and response.json["code"] == 401
    assert order_status(client, account, order["id"]) == "pending"


def test_twenty_concurrent_duplicates_make_one_transition_and_one_email(client, app, make_account, worker, mailbox):
    account = make_account()
    order = buy(client, account)
    body, headers = sandbox_webhook(app, order, account.email)

    def deliver(_):
        return app.test_client().post(WEBHOOK, data=body, headers=headers).json["status"]

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(deliver, range(20)))
    assert outcomes.count("paid") == 1 and outcomes.count("duplicate") == 19
    mailbox.wait_for(account.email)
    time.sleep(1.5)
    assert len(mailbox.to(account.email)) == 1
    with app.app_context():
        from songcraft.extensions import db
        from songcraft.orders.models import WebhookEvent

        assert db.session.scalar(db.select(db.func.count()).select_from(WebhookEvent)) == 1


@pytest.mark.parametrize("override, problem", [({"amount_cents": 100}, "amount 100 != 1900"), ({"currency": "EUR"}, "currency EUR != USD"),
                                               ({"variant_id": "sandbox-video"}, "variant sandbox-video != sandbox-audio"),
                                               ({"discount_cents": 500}, "discount 500 without a discount code")])
def test_mismatched_payment_is_held_for_review_with_what_arrived(client, app, make_account, override, problem):
    account = make_account()
    order = buy(client, account)
    body, headers = sandbox_webhook(app, order, account.email, **override)
    response = client.post(WEBHOOK, data=body, headers=headers)
    assert response.status_code == 200 and response.json["status"] == f"needs_review: {problem}"
    assert order_status(client, account, order["id"]) == "needs_review"
    with app.app_context():
        from songcraft.alerts.models import Alert
        from songcraft.extensions import db
        from songcraft.orders.models import Order

        held = db.session.get(Order, uuid.UUID(order["id"]))
        alert = db.session.query(Alert).one()
    assert held.review["problems"] == [problem] and held.provider_reference
    received = held.review["received"]
    assert received["event_type"] == "order_created" and received["provider_fields"]["status"] == "paid"
    assert (received["amount_cents"], received["currency"]) == (override.get("amount_cents", 1900), override.get("currency", "USD"))
    assert (alert.kind, alert.cause) == ("order_needs_review", f"order:{order['id']}") and problem in alert.message


def test_unknown_order_and_unknown_events_are_acknowledged_and_ignored(client, app, make_account):
    account = make_account()
    order = buy(client, account)
    body, headers = sandbox_webhook(app, dict(order, id=str(uuid.uuid4())), account.email)
    assert client.post(WEBHOOK, data=body, headers=headers).json["status"] == "ignored: unknown order"
    body, headers = sandbox_webhook(app, order, account.email, event_name="subscription_created")
    assert client.post(WEBHOOK, data=body, headers=headers).json["status"].startswith("ignored")
    assert order_status(client, account, order["id"]) == "pending"


def test_refund_before_payment_is_ignored_and_after_payment_refunds(client, app, make_account):
    account = make_account()
    order = buy(client, account)
    refund_body, refund_headers = sandbox_webhook(app, order, account.email, event_name="order_refunded")
    assert client.post(WEBHOOK, data=refund_body, headers=refund_headers).json["status"] == "ignored: order is pending"

    client.post(WEBHOOK, *[], **dict(zip(("data", "headers"), sandbox_webhook(app, order, account.email))))
    assert order_status(client, account, order["id"]) == "paid"
    # The refund was recorded as processed; a fresh delivery of a refund event applies now.
    body, headers = sandbox_webhook(app, order, account.email, event_name="order_refunded", amount_cents=order["amount_cents"])
    with app.app_context():
        from songcraft.extensions import db
        from songcraft.orders.models import WebhookEvent

        db.session.execute(db.delete(WebhookEvent).where(WebhookEvent.event_type == "order_refunded"))
        db.session.commit()
    assert client.post(WEBHOOK, data=body, headers=headers).json["status"] == "refunded"
    assert order_status(client, account, order["id"]) == "refunded"


def test_declined_payment_fails_the_order(client, app, make_account):
    account = make_account()
    order = buy(client, account)
    body, headers = sandbox_webhook(app, order, account.email, status="failed")
    assert client.post(WEBHOOK, data=body, headers=headers).json["status"] == "failed"
    assert order_status(client, account, order["id"]) == "failed"


def test_sandbox_page_pays_through_the_webhook_path(client, make_account):
    account = make_account()
    order = buy(client, account)
    url = urlsplit(order["payment_url"])
    page = client.get(f"{url.path}?{url.query}")
    assert page.status_code == 200 and b"Pay 19.00 USD" in page.data
    token = url.query.split("token=")[1]
    assert client.get(f"{url.path}?token=forged").status_code == 404
    response = client.post(url.path, data={"token": token, "decision": "pay"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{url.path}?{url.query}")
    assert order_status(client, account, order["id"]) == "paid"
    page = client.get(f"{url.path}?{url.query}").get_data(as_text=True)
    assert "Payment received" in page and f"http://frontend.test/orders/{order['id']}" in page


def test_pending_orders_expire_and_a_late_payment_still_counts(client, app, make_account, monkeypatch):
    from songcraft.orders.service import expire_pending_orders

    account = make_account()
    order = buy(client, account)
    monkeypatch.setitem(app.config, "ORDER_EXPIRY_HOURS", 0)
    with app.app_context():
        assert expire_pending_orders() == 1
    assert order_status(client, account, order["id"]) == "expired"
    body, headers = sandbox_webhook(app, order, account.email)
    assert client.post(WEBHOOK, data=body, headers=headers).json["status"] == "paid"


# --- Lemon Squeezy and Stripe ----------------------------------------------------------


@pytest.fixture
def lemonsqueezy(app, monkeypatch):
    with FakeLemonSqueezy(api_key="ls_key", store_id="4242") as server:
        provider = LemonSqueezyProvider("ls_key", "4242", "ls_webhook_secret", server.api_url, retry_delay=0.01)
        monkeypatch.setitem(app.extensions, "payment_provider", provider)
        monkeypatch.setitem(app.config, "LEMONSQUEEZY_PRODUCT_ID_AUDIO", "111")
        monkeypatch.setitem(app.config, "LEMONSQUEEZY_PRODUCT_ID_VIDEO", "222")
        yield server


def test_lemonsqueezy_purchase_end_to_end(client, make_account, lemonsqueezy):
    account = make_account()
    order = buy(client, account, "video")
    assert order["payment_provider"] == "lemonsqueezy" and "/checkout/custom/" in order["payment_url"]
    sent = lemonsqueezy.requests_to("/v1/checkouts")[-1].json()
    assert sent["data"]["attributes"]["checkout_data"]["custom"]["order_id"] == order["id"]
    assert sent["data"]["relationships"]["variant"]["data"]["id"] == "222"
    assert sent["data"]["attributes"]["custom_price"] == 2900
    assert sent["data"]["attributes"]["product_options"]["enabled_variants"] == [222]

    body = order_webhook("order_created", order_id=order["id"], total=2900, variant_id=222, email=account.email)
    headers = {"X-Signature": sign_lemonsqueezy(body, "ls_webhook_secret"), "Content-Type": "application/json"}
    assert client.post(WEBHOOK, data=body, headers={**headers, "X-Signature": sign_lemonsqueezy(body, "wrong")}).status_code == 401
    assert client.post(WEBHOOK, data=body, headers=headers).json["status"] == "paid"
    assert client.post(WEBHOOK, data=body, headers=headers).json["status"] == "duplicate"
    refund = order_webhook("order_refunded", order_id=order["id"], status="refunded", total=2900, variant_id=222)
    refund_headers = {"X-Signature": sign_lemonsqueezy(refund, "ls_webhook_secret")}
    assert client.post(WEBHOOK, data=refund, headers=refund_headers).json["status"] == "refunded"


def test_lemonsqueezy_blip_is_absorbed_by_one_retry(client, make_account, lemonsqueezy):
    from tests.fakes.lemonsqueezy_server import api_error

    lemonsqueezy.script(api_error(502, "Bad Gateway"), path="/v1/checkouts")
    order = buy(client, make_account())
    assert order["status"] == "pending" and len(lemonsqueezy.requests_to("/v1/checkouts")) == 2


def test_lemonsqueezy_outage_is_503_and_saves_nothing(client, make_account, lemonsqueezy):
    from tests.fakes.lemonsqueezy_server import api_error

    account = make_account()
    lemonsqueezy.script(api_error(500, "boom"), api_error(503, "still down"), path="/v1/checkouts")
    response = client.post(f"{ORDERS}/", json={"product": "audio"}, headers=account.headers)
    assert response.status_code == 503 and response.json["code"] == 503
    assert client.get(f"{ORDERS}/", headers=account.headers).json == []


@pytest.fixture
def stripe(app, monkeypatch):
    with FakeStripe(secret_key="sk_test_fake", webhook_secret="whsec_test") as server:
        provider = StripeProvider("sk_test_fake", "whsec_test", server.url, {"audio": "price_audio", "video": "price_video"})
        monkeypatch.setitem(app.extensions, "payment_provider", provider)
        monkeypatch.setitem(app.config, "STRIPE_PRICE_ID_AUDIO", "price_audio")
        monkeypatch.setitem(app.config, "STRIPE_PRICE_ID_VIDEO", "price_video")
        yield server


def test_stripe_purchase_end_to_end(client, make_account, stripe):
    account = make_account()
    order = buy(client, account)
    assert order["payment_provider"] == "stripe" and order["payment_url"].startswith("http")
    body = event("checkout.session.completed", checkout_session(order_id=order["id"], variant_id="price_audio"))
    now = int(time.time())
    stale = {"Stripe-Signature": sign_stripe(body, "whsec_test", now - 3600)}
    assert client.post(WEBHOOK, data=body, headers=stale).status_code == 401
    headers = {"Stripe-Signature": sign_stripe(body, "whsec_test", now)}
    assert client.post(WEBHOOK, data=body, headers=headers).json["status"] == "paid"
    assert client.post(WEBHOOK, data=body, headers=headers).json["status"] == "duplicate"
    refund = event("charge.refunded", charge(order_id=order["id"]))
    refund_headers = {"Stripe-Signature": sign_stripe(refund, "whsec_test", now)}
    assert client.post(WEBHOOK, data=refund, headers=refund_headers).json["status"] == "refunded"
    assert order_status(client, account, order["id"]) == "refunded"


# --- The state machine ------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, target",
    [("pending", "fulfilled"), ("pending", "refunded"), ("paid", "pending"), ("paid", "expired"), ("fulfilled", "paid"),
     ("refunded", "paid"), ("failed", "paid"), ("expired", "fulfilled"), ("fulfilled", "fulfilled"), ("paid", "needs_review"),
     ("needs_review", "fulfilled"), ("needs_review", "expired"), ("pending", "disputed"), ("disputed", "paid"),
     ("refunded", "disputed"), ("refunded", "needs_review")],
)
def test_illegal_transitions_raise_a_409_domain_error(start, target):
    from songcraft.orders.models import IllegalTransition, Order

    order = Order(status=start)
    with pytest.raises(IllegalTransition) as error:
        order.move_to(target)
    assert error.value.status_code == 409 and order.status == start


@pytest.mark.parametrize("start, target", [("pending", "paid"), ("pending", "expired"), ("pending", "failed"),
                                           ("paid", "fulfilled"), ("paid", "refunded"), ("fulfilled", "refunded"),
                                           ("expired", "paid"), ("pending", "needs_review"), ("expired", "needs_review"),
                                           ("failed", "needs_review"), ("needs_review", "paid"), ("needs_review", "refunded"),
                                           ("needs_review", "disputed"), ("paid", "disputed"), ("fulfilled", "disputed"),
                                           ("disputed", "refunded")])
def test_legal_transitions(start, target):
    from songcraft.orders.models import Order

    order = Order(status=start)
    order.move_to(target)
    assert order.status == target
