"""The payment providers' other calls against the strict fakes: discount codes, refunds, catalogue checks,
disputes and non-USD orders; and the fakes themselves refusing what the real APIs refuse, through
the official `stripe` client."""
from __future__ import annotations

import json

import pytest
import requests
import stripe

from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.providers.payments.base import CatalogueEntry, CheckoutRequest, DiscountCodeRejected
from songcraft.providers.payments.lemonsqueezy import LemonSqueezyProvider
from songcraft.providers.payments.sandbox import SandboxProvider
from songcraft.providers.payments.stripe import StripeProvider
from tests.fakes import lemonsqueezy_server as ls_fake
from tests.fakes import stripe_server as stripe_fake
from tests.fakes.lemonsqueezy_server import FakeLemonSqueezy
from tests.fakes.stripe_server import FakeStripe

PRICE_IDS = {"audio": "price_audio", "video": "price_video"}
CATALOGUE = [CatalogueEntry("audio", "111", 1900, "USD"), CatalogueEntry("video", "222", 2900, "USD")]


def checkout_request(order_id="ord_1", product="audio", variant_id="111", amount_cents=1900, discount_code=None) -> CheckoutRequest:
    return CheckoutRequest(order_id=order_id, product=product, variant_id=variant_id, amount_cents=amount_cents, currency="USD",
                           email="ana@example.com", product_name="Personalized song", redirect_url=f"https://f.test/orders/{order_id}",
                           discount_code=discount_code)


def lemonsqueezy_for(server: FakeLemonSqueezy) -> LemonSqueezyProvider:
    return LemonSqueezyProvider(server.api_key, server.store_id, server.webhook_secret, server.api_url, timeout=5, retry_delay=0.01)


def stripe_for(server: FakeStripe, price_ids=PRICE_IDS) -> StripeProvider:
    return StripeProvider(server.secret_key, server.webhook_secret, server.url, price_ids, timeout=5)


# --- Lemon Squeezy ---------------------------------------------------------------------


def test_lemonsqueezy_discount_code_is_looked_up_then_sent_in_checkout_data():
    codes = [ls_fake.discount(f"CODE{n}", 5) for n in range(150)] + [ls_fake.discount("WELCOME10", 10)]
    with FakeLemonSqueezy(discounts=codes) as server:
        lemonsqueezy_for(server).create_checkout(checkout_request(discount_code="welcome10"))
        body, _ = server.pay("ord_1")

    lookups = server.requests_to("/v1/discounts")
    assert [r.query_value("page[number]") for r in lookups] == ["1", "2"]  # 151 codes: found on the second page of 100
    assert {r.query_value("filter[store_id]") for r in lookups} == {"4242"}
    sent = server.requests_to("/v1/checkouts")[0].json()["data"]["attributes"]
    assert sent["checkout_data"]["discount_code"] == "welcome10"
    paid = lemonsqueezy_for(server).parse_webhook(body, server.signed(body)[1])
    assert (paid.amount_cents, paid.discount_cents) == (1900, 190)


@pytest.mark.parametrize("codes, message", [
    ([], "There is no discount code SPRING"),
    ([ls_fake.discount("SPRING", 20, status="draft")], "expired or is not active"),
    ([ls_fake.discount("SPRING", 20, expires_at="2020-01-01T00:00:00.000000Z")], "expired or is not active"),
])
def test_lemonsqueezy_unknown_or_unusable_discount_code_opens_no_checkout(codes, message):
    with FakeLemonSqueezy(discounts=codes) as server:
        with pytest.raises(DiscountCodeRejected, match=message):
            lemonsqueezy_for(server).create_checkout(checkout_request(discount_code="SPRING"))
        assert server.requests_to("/v1/checkouts") == []


def test_lemonsqueezy_refund_posts_the_order_document_and_reads_the_refunded_order():
    with FakeLemonSqueezy() as server:
        provider = lemonsqueezy_for(server)
        provider.create_checkout(checkout_request())
        body, _ = server.pay("ord_1")
        ls_order_id = json.loads(body)["data"]["id"]

        reference = provider.refund(ls_order_id, "ord_1")

        [sent] = server.requests_to(f"/v1/orders/{ls_order_id}/refund")
        assert sent.method == "POST" and sent.headers["content-type"] == "application/vnd.api+json"
        assert sent.json() == {"data": {"type": "orders", "id": ls_order_id}}  # no amount: the whole order
        assert reference == f"order {ls_order_id}: 1900 refunded"
        refunded = provider.parse_webhook(*server.refunded_webhook(int(ls_order_id)))
        assert (refunded.kind, refunded.order_id) == ("refunded", "ord_1")
        with pytest.raises(ProviderError, match="already been refunded"):
            provider.refund(ls_order_id, "ord_1")
        with pytest.raises(ProviderError, match="Not found"):
            provider.refund("999", "ord_1")


def test_lemonsqueezy_refund_is_not_retried_on_a_server_error():
    with FakeLemonSqueezy() as server:
        server.script(ls_fake.api_error(500, "Server Error"))
        with pytest.raises(TransientProviderError):
            lemonsqueezy_for(server).refund("5000001", "ord_1")
        assert len(server.requests) == 1


def test_lemonsqueezy_catalogue_check_passes_when_store_and_variants_match():
    with FakeLemonSqueezy() as server:
        checks = lemonsqueezy_for(server).check_catalogue(CATALOGUE)

    assert [(c.subject, c.ok) for c in checks] == [("store 4242", True), ("variant 111 (audio)", True), ("variant 222 (video)", True)]
    assert checks[1].detail == "Audio: 1900 USD, as in the catalogue"


def test_lemonsqueezy_catalogue_check_names_each_problem():
    variants = {"111": ls_fake.variant(1500, "Audio"), "222": ls_fake.variant(2900, "Video", status="draft"),
                "333": ls_fake.variant(900, "Monthly", is_subscription=True)}
    catalogue = [*CATALOGUE, CatalogueEntry("video", "333", 900, "USD"), CatalogueEntry("video", "404", 2900, "USD")]
    with FakeLemonSqueezy(variants=variants, store_currency="EUR") as server:
        checks = lemonsqueezy_for(server).check_catalogue(catalogue)

    assert not any(c.ok for c in checks)
    assert [c.detail for c in checks] == [
        "sells in EUR, the catalogue is in USD (PRODUCT_CURRENCY)",
        "costs 1500, the catalogue says 1900",
        "is draft, not published",
        "is a subscription; songs are one-time purchases",
        "Lemon Squeezy refused GET /variants/404 (HTTP 404): Not found.",
    ]


def test_lemonsqueezy_catalogue_check_with_a_rejected_key():
    with FakeLemonSqueezy() as server:
        checks = LemonSqueezyProvider("wrong", "4242", "s", server.api_url).check_catalogue(CATALOGUE)

    assert not any(c.ok for c in checks) and all("Unauthenticated." in c.detail for c in checks)


def test_lemonsqueezy_non_usd_store_reports_the_order_currency_and_records_the_usd_conversion():
    with FakeLemonSqueezy(store_currency="EUR", currency_rate="1.08000000") as server:
        provider = lemonsqueezy_for(server)
        provider.create_checkout(checkout_request(amount_cents=1800))
        paid = provider.parse_webhook(*server.pay("ord_1"))

    assert (paid.amount_cents, paid.currency) == (1800, "EUR")
    assert paid.details["currency_rate"] == "1.08000000"
    assert (paid.details["subtotal_usd"], paid.details["total_usd"]) == (1944, 1944)  # 1800 x 1.08


def test_lemonsqueezy_fake_can_play_a_variant_switch():
    with FakeLemonSqueezy() as server:
        provider = lemonsqueezy_for(server)
        provider.create_checkout(checkout_request())
        switched = provider.parse_webhook(*server.pay("ord_1", switch_to_variant="222"))

    assert (switched.variant_id, switched.amount_cents) == ("222", 2900)


@pytest.mark.parametrize("attributes, detail", [
    ({"custom_price": "19.00"}, "The custom price must be a positive integer."),
    ({"custom_price": 0}, "The custom price must be a positive integer."),
    ({"product_options": {"enabled_variants": ["111"]}}, "enabled_variants.0 must be the id of a variant"),
    ({"product_options": {"enabled_variants": [999]}}, "enabled_variants.0 must be the id of a variant"),
])
def test_lemonsqueezy_fake_refuses_malformed_checkout_attributes(attributes, detail):
    document = {"data": {"type": "checkouts", "attributes": attributes, "relationships": {
        "store": {"data": {"type": "stores", "id": "4242"}}, "variant": {"data": {"type": "variants", "id": "111"}}}}}
    with FakeLemonSqueezy() as server:
        response = requests.post(f"{server.api_url}/checkouts", data=json.dumps(document), headers={
            "Accept": ls_fake.JSON_API, "Content-Type": ls_fake.JSON_API, "Authorization": f"Bearer {server.api_key}"})

    assert response.status_code == 422 and detail in response.json()["errors"][0]["detail"]


# --- Stripe ----------------------------------------------------------------------------


def test_stripe_discount_code_is_looked_up_as_a_promotion_code_and_passed_in_discounts():
    with FakeStripe(promotion_codes={"SPRING20": {"percent_off": 20}}) as server:
        provider = stripe_for(server)
        provider.create_checkout(checkout_request(discount_code="spring20"))
        paid = provider.parse_webhook(*server.pay("ord_1"))

    [lookup] = server.requests_to("/v1/promotion_codes")
    assert (lookup.query_value("code"), lookup.query_value("active"), lookup.query_value("limit")) == ("spring20", "true", "1")
    [sent] = server.requests_to("/v1/checkout/sessions")
    promotion_id = server.promotion_codes["SPRING20"]["id"]
    assert stripe_fake.decode_form(sent.body)["discounts"] == [{"promotion_code": promotion_id}]
    assert (paid.kind, paid.amount_cents, paid.discount_cents) == ("paid", 1900, 380)


@pytest.mark.parametrize("codes", [{}, {"SPRING20": {"percent_off": 20, "active": False}}])
def test_stripe_unknown_or_inactive_promotion_code_opens_no_checkout(codes):
    with FakeStripe(promotion_codes=codes) as server:
        with pytest.raises(DiscountCodeRejected, match="no active discount code SPRING20"):
            stripe_for(server).create_checkout(checkout_request(discount_code="SPRING20"))
        assert server.requests_to("/v1/checkout/sessions") == []


def test_stripe_refund_creates_a_refund_of_the_payment_intent_once():
    with FakeStripe() as server:
        provider = stripe_for(server)
        provider.create_checkout(checkout_request())
        payment_intent = provider.parse_webhook(*server.pay("ord_1")).provider_reference

        first = provider.refund(payment_intent, "ord_1")
        again = provider.refund(payment_intent, "ord_1")  # the idempotency key replays the same refund

        sent = server.requests_to("/v1/refunds")
        assert first == again and first.startswith("re_")
        assert stripe_fake.decode_form(sent[0].body) == {"payment_intent": payment_intent, "metadata": {"order_id": "ord_1"}}
        assert {r.headers["idempotency-key"] for r in sent} == {"songcraft-refund-ord_1"}
        refunded = provider.parse_webhook(*server.refunded_event(payment_intent))
        assert (refunded.kind, refunded.order_id) == ("refunded", "ord_1")
        with pytest.raises(ProviderError, match="No such payment_intent: 'pi_unknown'"):
            provider.refund("pi_unknown", "ord_2")


def test_stripe_catalogue_check_reads_each_price():
    prices = {"price_audio": stripe_fake.price(1900), "price_video": stripe_fake.price(2500, "eur"),
              "price_old": stripe_fake.price(2900, active=False), "price_monthly": stripe_fake.price(2900, price_type="recurring")}
    ids = {"audio": "price_audio", "video": "price_video"}
    with FakeStripe(prices=prices) as server:
        checks = stripe_for(server).check_catalogue([CatalogueEntry(p, ids.get(p, p), a, "USD") for p, a in (
            ("audio", 1900), ("video", 2900), ("price_old", 2900), ("price_monthly", 2900), ("price_gone", 2900))])

    assert [(c.subject, c.ok, c.detail) for c in checks] == [
        ("price price_audio (audio)", True, "1900 USD, as in the catalogue"),
        ("price price_video (video)", False, "costs 2500 EUR, the catalogue says 2900 USD"),
        ("price price_old (price_old)", False, "is archived and one_time; an active one-time price is needed"),
        ("price price_monthly (price_monthly)", False, "is active and recurring; an active one-time price is needed"),
        ("price price_gone (price_gone)", False, "Stripe refused the price lookup: No such price: 'price_gone'"),
    ]


def test_stripe_dispute_names_the_payment_intent_not_the_order():
    with FakeStripe() as server:
        provider = stripe_for(server)
        provider.create_checkout(checkout_request())
        payment_intent = provider.parse_webhook(*server.pay("ord_1")).provider_reference
        disputed = provider.parse_webhook(*server.dispute(payment_intent, reason="product_not_received"))

    assert (disputed.kind, disputed.event_type, disputed.order_id) == ("disputed", "charge.dispute.created", None)
    assert (disputed.provider_reference, disputed.amount_cents, disputed.currency) == (payment_intent, 1900, "USD")
    assert disputed.details["reason"] == "product_not_received" and disputed.details["id"].startswith("du_")


def test_stripe_fake_refuses_a_replayed_idempotency_key_with_other_parameters():
    with FakeStripe() as server:
        client = stripe.StripeClient(server.secret_key, base_addresses={"api": server.url})
        params = {"mode": "payment", "success_url": "https://f.test", "line_items": [{"price": "price_audio", "quantity": 1}]}
        first = client.v1.checkout.sessions.create(params, options={"idempotency_key": "key-1"})
        replay = client.v1.checkout.sessions.create(params, options={"idempotency_key": "key-1"})
        with pytest.raises(stripe.IdempotencyError, match="Try using a key other than 'key-1'"):
            client.v1.checkout.sessions.create({**params, "customer_email": "x@example.com"}, options={"idempotency_key": "key-1"})

    assert replay.id == first.id and len(server.sessions) == 1
    assert server.requests[1].headers["idempotency-key"] == "key-1"


def test_stripe_fake_refuses_price_data_without_product_data():
    with FakeStripe() as server:
        client = stripe.StripeClient(server.secret_key, base_addresses={"api": server.url})
        with pytest.raises(stripe.InvalidRequestError) as raised:
            client.v1.checkout.sessions.create({"mode": "payment", "success_url": "https://f.test", "line_items": [
                {"price_data": {"currency": "usd", "unit_amount": 1900}, "quantity": 1}]})
        with_product = client.v1.checkout.sessions.create({"mode": "payment", "success_url": "https://f.test", "line_items": [
            {"price_data": {"currency": "usd", "unit_amount": 1900, "product_data": {"name": "Song"}}, "quantity": 1}]})

    assert "You must specify either `product` or `product_data` when creating a price." in str(raised.value)
    assert raised.value.param == "line_items[0][price_data]"
    assert with_product.amount_total == 1900


# --- Sandbox ---------------------------------------------------------------------------


def test_sandbox_discount_codes_come_from_its_configuration():
    sandbox = SandboxProvider("secret", "https://app.test/sandbox/checkout", {"WELCOME10": 10})

    assert sandbox.create_checkout(checkout_request(discount_code="welcome10")).startswith("https://app.test/sandbox/checkout/ord_1")
    assert sandbox.discount_cents("Welcome10", 1900) == 190 and sandbox.discount_cents(None, 1900) == 0
    with pytest.raises(DiscountCodeRejected, match="no discount code NOPE"):
        sandbox.create_checkout(checkout_request(discount_code="NOPE"))
    body, headers = sandbox.build_webhook(order_id="ord_1", event_name="order_created", amount_cents=1900, currency="USD",
                                          variant_id="sandbox-audio", email="a@example.com", discount_cents=190)
    paid = sandbox.parse_webhook(body, headers)
    assert (paid.amount_cents, paid.discount_cents, json.loads(body)["data"]["attributes"]["total"]) == (1900, 190, 1710)
    assert sandbox.refund("123", "ord_1") == "sandbox refund of order 123"
