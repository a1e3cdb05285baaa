"""No charged order is lost: payments that do not match are held for review and alerted, corrected
redeliveries go through, discounts are honoured only with a code, and disputes stop the song."""
from __future__ import annotations

import json
import time

import pytest

from tests.fakes.lemonsqueezy_server import discount, sign_lemonsqueezy
from tests.fakes.stripe_server import dispute, event
from tests.integration.payment_setup import (
    ADMIN_ORDERS,
    ORDERS,
    alerts,
    buy,
    deliver,
    lemonsqueezy_app,
    sandbox_webhook,
    sandbox_with_codes,
    stored_order,
    stripe_app,
)
from tests.integration.test_songs import brief

SONGS = "/api/v1/songs"


@pytest.fixture
def no_pipeline(monkeypatch):
    """Songs are created but their steps are not sent to a worker."""
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)


# --- Held for review -------------------------------------------------------------------


def test_held_payment_alerts_the_admins_by_email_once(client, app, make_account, worker, mailbox):
    account = make_account()
    order = buy(client, account)
    body, headers = sandbox_webhook(app, order, account.email, amount_cents=900)

    assert deliver(client, body, headers) == "needs_review: amount 900 != 1900"
    assert deliver(client, body, headers) == "needs_review: amount 900 != 1900"  # the same wrong delivery again

    for address in ("ops@example.com", "oncall@example.com"):
        [mail] = mailbox.wait_for(address)
        assert mail["Subject"] == "SongCraft alert: order_needs_review"
        assert f"Order {order['id']} was paid, but amount 900 != 1900." in mail.get_body(("plain",)).get_content()
    [alert] = alerts(app)
    assert alert.occurrences == 1  # a repeat of the same wrong delivery is not a new cause
    time.sleep(1)
    assert mailbox.to(account.email) == []  # the customer is told only once the payment is accepted


def test_a_corrected_redelivery_pays_the_held_order(client, app, make_account):
    account = make_account()
    order = buy(client, account)
    wrong, wrong_headers = sandbox_webhook(app, order, account.email, currency="EUR")
    right, right_headers = sandbox_webhook(app, order, account.email)
    assert json.loads(wrong)["data"]["id"] == json.loads(right)["data"]["id"]  # one provider order: the same event id

    assert deliver(client, wrong, wrong_headers) == "needs_review: currency EUR != USD"
    assert deliver(client, right, right_headers) == "paid"
    assert deliver(client, right, right_headers) == "duplicate"
    assert client.get(f"{ORDERS}/{order['id']}", headers=account.headers).json["status"] == "paid"


def test_a_variant_switch_at_lemonsqueezy_is_held_and_accepting_it_lets_the_customer_make_the_song(
        client, app, make_account, monkeypatch, no_pipeline):
    account, admin = make_account(), make_account(role="admin")
    with lemonsqueezy_app(app, monkeypatch) as store:
        order = buy(client, account, "audio")
        assert deliver(client, *store.pay(order["id"], switch_to_variant="222")) == "needs_review: amount 2900 != 1900; variant 222 != 111"

        refused = client.post(f"{SONGS}/", json=brief(order), headers=account.headers)
        assert refused.status_code == 402 and refused.json["code"] == 402
        held = client.get(ADMIN_ORDERS, query_string={"status": "needs_review"}, headers=admin.headers).json
        assert [(o["id"], o["user_email"]) for o in held] == [(order["id"], account.email)]
        assert held[0]["review"]["received"]["variant_id"] == "222"

        accepted = client.post(f"{ADMIN_ORDERS}/{order['id']}/accept", headers=admin.headers)
        assert accepted.status_code == 200 and accepted.json["status"] == "paid"
        assert client.post(f"{SONGS}/", json=brief(order), headers=account.headers).status_code == 202


@pytest.mark.parametrize("catalogue_currency, outcome", [("EUR", "paid"), ("USD", "needs_review: currency EUR != USD")])
def test_a_non_usd_store_is_checked_in_the_order_currency(client, app, make_account, monkeypatch, catalogue_currency, outcome):
    monkeypatch.setitem(app.config, "PRODUCT_CURRENCY", catalogue_currency)
    account = make_account()
    with lemonsqueezy_app(app, monkeypatch, store_currency="EUR", currency_rate="1.08000000") as store:
        order = buy(client, account)
        assert deliver(client, *store.pay(order["id"])) == outcome

    if outcome != "paid":
        fields = stored_order(app, order["id"]).review["received"]["provider_fields"]
        assert (fields["currency"], fields["currency_rate"]) == ("EUR", "1.08000000")
        assert (fields["subtotal"], fields["subtotal_usd"]) == (1900, 2052)  # 1900 x 1.08, recorded, never compared


def test_a_payment_for_a_failed_order_is_held_not_ignored(client, app, make_account):
    account = make_account()
    order = buy(client, account)
    assert deliver(client, *sandbox_webhook(app, order, account.email, status="failed")) == "failed"

    # The customer tried again on the same checkout, and this time the charge went through.
    body, headers = sandbox_webhook(app, order, account.email)
    payload = json.loads(body)
    payload["data"]["id"] = "987654"
    retried = json.dumps(payload).encode()
    outcome = deliver(client, retried, {"X-Signature": sign_lemonsqueezy(retried, app.config["SANDBOX_WEBHOOK_SECRET"])})
    assert outcome == "needs_review: a payment arrived for an order that had failed"
    assert stored_order(app, order["id"]).provider_reference == "987654"


def test_a_second_charge_for_a_paid_order_is_alerted(client, app, make_account, monkeypatch):
    account = make_account()
    with lemonsqueezy_app(app, monkeypatch) as store:
        order = buy(client, account)
        assert deliver(client, *store.pay(order["id"])) == "paid"
        assert deliver(client, *store.pay(order["id"])) == "ignored: order is paid; second payment alerted"

    [alert] = alerts(app)
    assert alert.kind == "order_needs_review" and "was charged again (5000002)" in alert.message
    assert alert.details["first_payment"] == "5000001"


# --- Discount codes ---------------------------------------------------------------------


def test_sandbox_discount_code_is_applied_and_reported(client, app, make_account, monkeypatch):
    sandbox_with_codes(app, monkeypatch, {"WELCOME10": 10})
    account = make_account()
    order = buy(client, account, discount_code="welcome10")
    assert (order["discount_code"], order["discount_cents"]) == ("WELCOME10", 0)

    path, query = order["payment_url"].split("localhost", 1)[1].split("?")
    page = client.get(f"{path}?{query}").get_data(as_text=True)
    assert "Pay 17.10 USD" in page and "WELCOME10: −1.90 USD" in page
    assert client.post(path, data={"token": query.split("token=")[1], "decision": "pay"}).status_code == 303

    paid = client.get(f"{ORDERS}/{order['id']}", headers=account.headers).json
    assert (paid["status"], paid["discount_cents"]) == ("paid", 190)


def test_unknown_discount_code_is_a_422_and_no_order(client, app, make_account, monkeypatch):
    sandbox_with_codes(app, monkeypatch, {"WELCOME10": 10})
    account = make_account()

    response = client.post(f"{ORDERS}/", json={"product": "audio", "discount_code": "NOPE"}, headers=account.headers)
    malformed = client.post(f"{ORDERS}/", json={"product": "audio", "discount_code": "a b"}, headers=account.headers)

    assert response.status_code == 422
    assert response.json == {"code": 422, "status": "Unprocessable Entity", "message": "There is no discount code NOPE.",
                             "errors": {"json": {"discount_code": ["There is no discount code NOPE."]}}}
    assert malformed.status_code == 422 and "discount_code" in malformed.json["errors"]["json"]
    assert client.get(f"{ORDERS}/", headers=account.headers).json == []


def test_lemonsqueezy_discount_end_to_end(client, app, make_account, monkeypatch):
    account = make_account()
    with lemonsqueezy_app(app, monkeypatch, discounts=[discount("FRIEND25", 25)]) as store:
        order = buy(client, account, "video", discount_code="friend25")
        assert store.checkout_for(order["id"])["checkout_data"]["discount_code"] == "FRIEND25"
        assert deliver(client, *store.pay(order["id"])) == "paid"

    assert stored_order(app, order["id"]).discount_cents == 725


def test_stripe_discount_end_to_end(client, app, make_account, monkeypatch):
    account = make_account()
    with stripe_app(app, monkeypatch, promotion_codes={"SPRING-5": {"amount_off": 500}}) as stripe:
        order = buy(client, account, discount_code="spring-5")
        assert deliver(client, *stripe.pay(order["id"])) == "paid"

    assert stored_order(app, order["id"]).discount_cents == 500


def test_discounts_show_in_the_dashboard(client, app, make_account, monkeypatch):
    sandbox_with_codes(app, monkeypatch, {"WELCOME10": 10, "HALF": 50})
    account, admin = make_account(), make_account(role="admin")
    for product, code in (("audio", "WELCOME10"), ("video", "WELCOME10"), ("audio", "HALF"), ("audio", None)):
        order = buy(client, account, product, **({"discount_code": code} if code else {}))
        discount = app.extensions["payment_provider"].discount_cents(code, order["amount_cents"])
        assert deliver(client, *sandbox_webhook(app, order, account.email, discount_cents=discount)) == "paid"
    buy(client, account, discount_code="HALF")  # never paid: not counted

    stats = client.get("/api/v1/admin/dashboard/stats", headers=admin.headers).json
    assert stats["discounts"] == [
        {"code": "HALF", "currency": "USD", "orders": 1, "discount_cents": 950},
        {"code": "WELCOME10", "currency": "USD", "orders": 2, "discount_cents": 480},
    ]
    assert stats["revenue"]["USD"] == {"orders": 4, "gross_cents": 1900 * 3 + 2900 - 1430, "discount_cents": 1430,
                                       "refunded_cents": 0, "disputed_cents": 0, "net_cents": 1900 * 3 + 2900 - 1430}


# --- Disputes ---------------------------------------------------------------------------


def test_a_stripe_dispute_stops_the_song_and_alerts(client, app, make_account, monkeypatch, no_pipeline):
    account = make_account()
    with stripe_app(app, monkeypatch) as stripe:
        order = buy(client, account)
        deliver(client, *stripe.pay(order["id"]))
        song = client.post(f"{SONGS}/", json=brief(order), headers=account.headers).json
        payment_intent = stored_order(app, order["id"]).provider_reference
        body, headers = stripe.dispute(payment_intent, reason="fraudulent")

        assert deliver(client, body, headers) == "disputed"
        assert deliver(client, body, headers) == "duplicate"

    assert client.get(f"{ORDERS}/{order['id']}", headers=account.headers).json["status"] == "disputed"
    stopped = client.get(f"{SONGS}/{song['id']}", headers=account.headers).json
    assert (stopped["status"], stopped["error"]) == ("failed", "The payment was disputed, so the song was stopped.")
    [alert] = alerts(app)
    assert (alert.kind, alert.cause) == ("order_disputed", f"order:{order['id']}") and "(fraudulent)" in alert.message
    assert alert.details["reason"] == "fraudulent" and alert.details["order_status"] == "paid"
    assert alert.details["dispute"].startswith("du_") and alert.details["dispute_status"] == "needs_response"


def test_a_dispute_on_a_refunded_order_is_alerted_without_a_move(client, app, make_account, monkeypatch):
    account = make_account()
    with stripe_app(app, monkeypatch) as stripe:
        order = buy(client, account)
        deliver(client, *stripe.pay(order["id"]))
        payment_intent = stored_order(app, order["id"]).provider_reference
        stripe.payment_intents[payment_intent]["refunded"] = True
        assert deliver(client, *stripe.refunded_event(payment_intent)) == "refunded"

        assert deliver(client, *stripe.dispute(payment_intent)) == "ignored: order is refunded; dispute alerted"
        unknown = stripe.signed(event("charge.dispute.created", dispute(payment_intent="pi_not_ours")))
        assert deliver(client, *unknown) == "ignored: unknown order"

    assert [a.kind for a in alerts(app)] == ["order_disputed"]
