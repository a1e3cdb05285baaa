"""Admins list every order, accept a payment held for review, refund through the provider (audited),
and check the configured provider's prices with `flask check-providers` and the health report."""
from __future__ import annotations

import json

import pytest

from tests.fakes import lemonsqueezy_server as ls_fake
from tests.fakes import stripe_server as stripe_fake
from tests.integration.payment_setup import (
    ADMIN_ORDERS,
    ORDERS,
    buy,
    deliver,
    lemonsqueezy_app,
    sandbox_webhook,
    stored_order,
    stripe_app,
)
from tests.integration.test_songs import brief

SONGS = "/api/v1/songs"


def audit(client, admin) -> list[tuple]:
    return [(e["action"], e["target_type"], e["target_id"], e["details"])
            for e in client.get("/api/v1/admin/audit", headers=admin.headers).json]


def held_for_review(client, app, account) -> dict:
    order = buy(client, account)
    assert deliver(client, *sandbox_webhook(app, order, account.email, amount_cents=1000)).startswith("needs_review")
    return order


# --- Listing ----------------------------------------------------------------------------


def test_orders_of_every_user_newest_first_with_status_filter(client, app, make_account):
    admin, ana, ben = make_account(role="admin"), make_account(), make_account()
    pending = buy(client, ana)
    held = held_for_review(client, app, ben)

    listed = client.get(ADMIN_ORDERS, headers=admin.headers)
    only_held = client.get(ADMIN_ORDERS, query_string={"status": "needs_review", "page_size": 5}, headers=admin.headers)

    assert listed.status_code == 200
    assert [(o["id"], o["user_email"], o["status"]) for o in listed.json] == [
        (held["id"], ben.email, "needs_review"), (pending["id"], ana.email, "pending")]
    assert [o["id"] for o in only_held.json] == [held["id"]]
    assert only_held.json[0]["review"]["problems"] == ["amount 1000 != 1900"]
    assert only_held.json[0]["provider_reference"] and only_held.json[0]["variant_id"] == "sandbox-audio"
    assert json.loads(only_held.headers["X-Pagination"])["total"] == 1
    assert client.get(ADMIN_ORDERS, query_string={"status": "lost"}, headers=admin.headers).status_code == 422


# --- Accepting --------------------------------------------------------------------------


def test_accept_pays_the_held_order_emails_the_customer_and_is_audited(client, app, make_account, worker, mailbox):
    admin, customer = make_account(role="admin"), make_account()
    order = held_for_review(client, app, customer)

    accepted = client.post(f"{ADMIN_ORDERS}/{order['id']}/accept", headers=admin.headers)

    assert accepted.status_code == 200
    assert (accepted.json["status"], accepted.json["user_email"]) == ("paid", customer.email)
    assert accepted.json["paid_at"] is not None
    assert mailbox.wait_for(customer.email)[0]["Subject"].startswith("Thank you")
    [(action, target_type, target_id, details)] = audit(client, admin)
    assert (action, target_type, target_id) == ("order.accept", "order", order["id"])
    assert details["review"]["problems"] == ["amount 1000 != 1900"]
    again = client.post(f"{ADMIN_ORDERS}/{order['id']}/accept", headers=admin.headers)
    assert again.status_code == 409 and "this one is paid" in again.json["message"]
    assert len(audit(client, admin)) == 1  # a refused action writes no audit entry


def test_only_an_order_needing_review_can_be_accepted(client, make_account):
    admin, customer = make_account(role="admin"), make_account()
    order = buy(client, customer)

    response = client.post(f"{ADMIN_ORDERS}/{order['id']}/accept", headers=admin.headers)

    assert response.status_code == 409 and response.json["code"] == 409
    assert client.get(f"{ORDERS}/{order['id']}", headers=customer.headers).json["status"] == "pending"


# --- Refunding --------------------------------------------------------------------------


def test_sandbox_refund_refunds_by_itself_stops_the_song_and_is_audited(client, app, make_account, monkeypatch):
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    admin, customer = make_account(role="admin"), make_account()
    order = buy(client, customer)
    deliver(client, *sandbox_webhook(app, order, customer.email))
    song = client.post(f"{SONGS}/", json=brief(order), headers=customer.headers).json

    refunded = client.post(f"{ADMIN_ORDERS}/{order['id']}/refund", headers=admin.headers)

    assert refunded.status_code == 200 and refunded.json["status"] == "refunded" and refunded.json["refunded_at"]
    stopped = client.get(f"{SONGS}/{song['id']}", headers=customer.headers).json
    assert (stopped["status"], stopped["error"]) == ("failed", "The order was refunded, so the song was stopped.")
    reference = stored_order(app, order["id"]).provider_reference
    assert audit(client, admin) == [("order.refund", "order", order["id"],
                                     {"status": "paid", "refund": f"sandbox refund of order {reference}"})]
    assert client.post(f"{ADMIN_ORDERS}/{order['id']}/refund", headers=admin.headers).status_code == 409


@pytest.mark.parametrize("declined", [False, True])
def test_refund_needs_a_charged_order(client, app, make_account, declined):
    admin, customer = make_account(role="admin"), make_account()
    order = buy(client, customer)
    if declined:
        deliver(client, *sandbox_webhook(app, order, customer.email, status="failed"))

    response = client.post(f"{ADMIN_ORDERS}/{order['id']}/refund", headers=admin.headers)

    assert response.status_code == 409
    assert "needs_review, paid, fulfilled" in response.json["message"]


def test_lemonsqueezy_refund_of_a_held_order_goes_through_its_api(client, app, make_account, monkeypatch):
    admin, customer = make_account(role="admin"), make_account()
    with lemonsqueezy_app(app, monkeypatch) as store:
        order = buy(client, customer)
        body, headers = store.pay(order["id"], switch_to_variant="222")
        assert deliver(client, body, headers).startswith("needs_review")
        ls_order_id = json.loads(body)["data"]["id"]

        refunded = client.post(f"{ADMIN_ORDERS}/{order['id']}/refund", headers=admin.headers)

        assert refunded.status_code == 200 and refunded.json["status"] == "refunded"
        assert len(store.requests_to(f"/v1/orders/{ls_order_id}/refund")) == 1
        # Lemon Squeezy then reports the refund it made: nothing happens twice.
        assert deliver(client, *store.refunded_webhook(int(ls_order_id))) == "ignored: order is refunded"
    assert audit(client, admin)[0][3] == {"status": "needs_review", "refund": f"order {ls_order_id}: 2900 refunded"}


def test_a_provider_outage_or_refusal_refunds_nothing(client, app, make_account, monkeypatch):
    admin, customer = make_account(role="admin"), make_account()
    with lemonsqueezy_app(app, monkeypatch) as store:
        order = buy(client, customer)
        deliver(client, *store.pay(order["id"]))
        store.script(ls_fake.api_error(503, "Service Unavailable"), ls_fake.api_error(422, "This order cannot be refunded."),
                     method="POST")

        down = client.post(f"{ADMIN_ORDERS}/{order['id']}/refund", headers=admin.headers)
        refused = client.post(f"{ADMIN_ORDERS}/{order['id']}/refund", headers=admin.headers)

    assert down.status_code == 503 and "nothing was refunded" in down.json["message"]
    assert refused.status_code == 409 and "This order cannot be refunded." in refused.json["message"]
    assert client.get(f"{ORDERS}/{order['id']}", headers=customer.headers).json["status"] == "paid"
    assert audit(client, admin) == []


def test_stripe_refund_goes_through_the_refunds_api(client, app, make_account, monkeypatch):
    admin, customer = make_account(role="admin"), make_account()
    with stripe_app(app, monkeypatch) as stripe:
        order = buy(client, customer, "video")
        deliver(client, *stripe.pay(order["id"]))
        payment_intent = stored_order(app, order["id"]).provider_reference

        refunded = client.post(f"{ADMIN_ORDERS}/{order['id']}/refund", headers=admin.headers)

        assert refunded.status_code == 200 and refunded.json["status"] == "refunded"
        [sent] = stripe.requests_to("/v1/refunds")
        assert stripe_fake.decode_form(sent.body)["payment_intent"] == payment_intent
        assert deliver(client, *stripe.refunded_event(payment_intent)) == "ignored: order is refunded"


def test_an_order_paid_through_another_provider_is_refunded_there(client, app, make_account, monkeypatch):
    admin, customer = make_account(role="admin"), make_account()
    order = buy(client, customer)
    deliver(client, *sandbox_webhook(app, order, customer.email))
    with stripe_app(app, monkeypatch):
        response = client.post(f"{ADMIN_ORDERS}/{order['id']}/refund", headers=admin.headers)

    assert response.status_code == 409 and "paid through sandbox" in response.json["message"]


# --- Checking the provider's prices -----------------------------------------------------


def test_check_providers_prints_a_table_and_passes_when_the_prices_match(app, monkeypatch):
    with lemonsqueezy_app(app, monkeypatch):
        result = app.test_cli_runner().invoke(args=["check-providers"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Family", "Provider", "Checked", "Result", "Detail"]
    assert [line.split()[:2] for line in lines[1:4]] == [["payments", "lemonsqueezy"]] * 3
    assert "variant 111 (audio)" in lines[2] and " ok " in lines[2] and "1900 USD, as in the catalogue" in lines[2]
    assert "Payment webhook URL to register: http://localhost/api/v1/orders/webhooks/payment" in result.output


def test_check_providers_fails_naming_a_price_that_differs_from_the_catalogue(app, client, make_account, monkeypatch):
    monkeypatch.setitem(app.config, "PRODUCT_VIDEO_PRICE_CENTS", 3900)
    with stripe_app(app, monkeypatch):
        result = app.test_cli_runner().invoke(args=["check-providers"])
        health = client.get("/api/v1/admin/system/health", headers=make_account(role="admin").headers).json

    assert result.exit_code == 1
    [failed] = [line for line in result.output.splitlines() if "FAILED" in line]
    assert "price price_video (video)" in failed and "costs 2900 USD, the catalogue says 3900 USD" in failed
    assert health["checks"]["payments"]["ok"] is False
    assert "costs 2900 USD, the catalogue says 3900 USD" in health["checks"]["payments"]["detail"]
