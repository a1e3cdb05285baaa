"""The payment providers against loopback fakes of Lemon Squeezy and Stripe, and the sandbox.

Webhooks are signed by the fakes' own helpers (written apart from the production code),
so a verification bug cannot hide behind a shared helper.
"""
from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe

from songcraft.providers.errors import ProviderError, TransientProviderError
from songcraft.providers.payments.base import CheckoutRequest, InvalidSignature, PaymentProvider
from songcraft.providers.payments.lemonsqueezy import LemonSqueezyProvider
from songcraft.providers.payments.sandbox import SandboxProvider
from songcraft.providers.payments.stripe import StripeProvider
from tests.fakes import lemonsqueezy_server as ls_fake
from tests.fakes import stripe_server as stripe_fake
from tests.fakes.lemonsqueezy_server import FakeLemonSqueezy, order_webhook, sign_lemonsqueezy
from tests.fakes.loopback import Reply
from tests.fakes.stripe_server import FakeStripe, charge, checkout_session, event, sign_stripe

LS_SECRET = "ls-webhook-secret"
STRIPE_SECRET = "whsec_test_secret"
NOW = 1_760_000_000


def checkout_request(**overrides) -> CheckoutRequest:
    values = dict(order_id="ord_42", product="audio", variant_id="111", amount_cents=1900, currency="USD",
                  email="ana@example.com", product_name="Personal song (audio)",
                  redirect_url="https://songcraft.test/orders/ord_42")
    return CheckoutRequest(**{**values, **overrides})


PRICE_IDS = {"audio": "price_audio", "video": "price_video"}


@pytest.fixture(scope="module")
def lemonsqueezy_server():
    with FakeLemonSqueezy(api_key="ls_key", store_id="4242") as server:
        yield server


@pytest.fixture(scope="module")
def stripe_server():
    with FakeStripe(secret_key="sk_test_good") as server:
        yield server


@pytest.fixture
def lemonsqueezy(lemonsqueezy_server) -> LemonSqueezyProvider:
    return LemonSqueezyProvider("ls_key", "4242", LS_SECRET, api_url=lemonsqueezy_server.api_url, timeout=5, retry_delay=0.01)


@pytest.fixture
def stripe_provider(stripe_server) -> StripeProvider:
    return StripeProvider("sk_test_good", STRIPE_SECRET, api_url=stripe_server.url, price_ids=PRICE_IDS, timeout=5, clock=lambda: NOW)


def test_the_providers_speak_the_protocol(lemonsqueezy, stripe_provider):
    sandbox = SandboxProvider("s", "http://app")
    providers: list[PaymentProvider] = [lemonsqueezy, stripe_provider, sandbox]
    assert [p.name for p in providers] == ["lemonsqueezy", "stripe", "sandbox"]


# -- Lemon Squeezy checkout --------------------------------------------------------

def test_lemonsqueezy_checkout_sends_a_json_api_document_and_returns_the_url(lemonsqueezy, lemonsqueezy_server):
    before = len(lemonsqueezy_server.requests)

    url = lemonsqueezy.create_checkout(checkout_request())

    [sent] = lemonsqueezy_server.requests[before:]
    assert (sent.method, sent.path) == ("POST", "/v1/checkouts")
    assert sent.headers["accept"] == "application/vnd.api+json"
    assert sent.headers["content-type"] == "application/vnd.api+json"
    assert sent.headers["authorization"] == "Bearer ls_key"
    assert sent.json() == {"data": {
        "type": "checkouts",
        "attributes": {
            "custom_price": 1900,  # what is charged is the catalogue price, whatever the variant costs
            "product_options": {"redirect_url": "https://songcraft.test/orders/ord_42", "enabled_variants": [111]},
            "checkout_options": {"discount": False},  # no codes typed at the checkout: only the one given to us
            "checkout_data": {"email": "ana@example.com", "custom": {"order_id": "ord_42"}},
        },
        "relationships": {
            "store": {"data": {"type": "stores", "id": "4242"}},
            "variant": {"data": {"type": "variants", "id": "111"}},
        },
    }}
    assert url.startswith("https://songcraft.lemonsqueezy.com/checkout/custom/")


@pytest.mark.parametrize("provider_args, request_overrides, message", [
    (("wrong_key", "4242"), {}, "Unauthenticated."),
    (("ls_key", "4242"), {"variant_id": "999"}, "The related variant does not exist."),
    (("ls_key", "1"), {}, "The related store does not exist."),
])
def test_lemonsqueezy_refusals_are_permanent_errors_with_the_api_detail(
        lemonsqueezy_server, provider_args, request_overrides, message):
    provider = LemonSqueezyProvider(*provider_args, LS_SECRET, api_url=lemonsqueezy_server.api_url)
    before = len(lemonsqueezy_server.requests)

    with pytest.raises(ProviderError) as raised:
        provider.create_checkout(checkout_request(**request_overrides))

    assert not isinstance(raised.value, TransientProviderError)
    assert message in str(raised.value)
    assert len(lemonsqueezy_server.requests) == before + 1  # a refusal is not retried


@pytest.mark.parametrize("status", [500, 502, 503])
def test_lemonsqueezy_checkout_absorbs_one_server_error(lemonsqueezy, lemonsqueezy_server, status):
    lemonsqueezy_server.script(ls_fake.api_error(status, "Server Error"), path="/v1/checkouts")
    before = len(lemonsqueezy_server.requests)

    url = lemonsqueezy.create_checkout(checkout_request())

    assert url.startswith("https://songcraft.lemonsqueezy.com/checkout/custom/")
    assert len(lemonsqueezy_server.requests) == before + 2


def test_lemonsqueezy_checkout_gives_up_after_a_second_server_error(lemonsqueezy, lemonsqueezy_server):
    lemonsqueezy_server.script(ls_fake.api_error(500, "Server Error"), ls_fake.api_error(503, "Down"), path="/v1/checkouts")
    before = len(lemonsqueezy_server.requests)

    with pytest.raises(TransientProviderError):
        lemonsqueezy.create_checkout(checkout_request())

    assert len(lemonsqueezy_server.requests) == before + 2


def test_lemonsqueezy_rate_limit_is_transient_and_not_retried_at_once(lemonsqueezy, lemonsqueezy_server):
    lemonsqueezy_server.script(ls_fake.api_error(429, "Too Many Attempts."), path="/v1/checkouts")
    before = len(lemonsqueezy_server.requests)

    with pytest.raises(TransientProviderError):
        lemonsqueezy.create_checkout(checkout_request())

    assert len(lemonsqueezy_server.requests) == before + 1


def test_lemonsqueezy_checkout_absorbs_one_timeout(lemonsqueezy_server):
    """The first attempt times out (the reply comes too late), the second gets the checkout."""
    provider = LemonSqueezyProvider("ls_key", "4242", LS_SECRET, api_url=lemonsqueezy_server.api_url, timeout=0.3, retry_delay=0.01)
    lemonsqueezy_server.script(Reply(status=201, body=b"{}", delay_seconds=1.0), path="/v1/checkouts")

    assert provider.create_checkout(checkout_request()).startswith("https://songcraft.lemonsqueezy.com/")


def test_lemonsqueezy_unreachable_is_transient():
    with FakeLemonSqueezy() as server:
        api_url = server.api_url  # the port is free again once the server stops
    provider = LemonSqueezyProvider("k", "1", LS_SECRET, api_url=api_url, timeout=2, retry_delay=0.01)

    with pytest.raises(TransientProviderError):
        provider.create_checkout(checkout_request())


# -- Lemon Squeezy webhooks --------------------------------------------------------

def signed_ls(body: bytes, secret: str = LS_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Event-Name": "x", "X-Signature": sign_lemonsqueezy(body, secret)}


def test_lemonsqueezy_paid_order_webhook(lemonsqueezy):
    body = order_webhook("order_created", order_id="ord_42", ls_order_id=5150, total=2900, currency="EUR", variant_id=222)

    payment = lemonsqueezy.parse_webhook(body, signed_ls(body))

    assert payment.kind == "paid"
    assert payment.event_type == "order_created"
    assert payment.order_id == "ord_42"
    assert (payment.amount_cents, payment.currency) == (2900, "EUR")
    assert payment.variant_id == "222"
    assert payment.provider_reference == "5150"
    assert payment.event_id == "order_created:5150"


@pytest.mark.parametrize("event_name, status, kind", [
    ("order_created", "paid", "paid"),
    ("order_created", "failed", "failed"),
    ("order_created", "pending", "ignored"),
    ("order_refunded", "refunded", "refunded"),
    ("subscription_created", "active", "ignored"),
    ("license_key_created", "paid", "ignored"),
])
def test_lemonsqueezy_event_kinds(lemonsqueezy, event_name, status, kind):
    body = order_webhook(event_name, order_id="ord_42", status=status)

    assert lemonsqueezy.parse_webhook(body, signed_ls(body)).kind == kind


def test_lemonsqueezy_redelivery_has_the_same_event_id_and_refund_a_different_one(lemonsqueezy):
    first = order_webhook("order_created", order_id="ord_42", ls_order_id=77)
    again = order_webhook("order_created", order_id="ord_42", ls_order_id=77)  # new identifier field, same order
    refund = order_webhook("order_refunded", order_id="ord_42", ls_order_id=77, status="refunded")

    ids = [lemonsqueezy.parse_webhook(b, signed_ls(b)).event_id for b in (first, again, refund)]

    assert first != again
    assert ids[0] == ids[1] != ids[2]


def test_lemonsqueezy_webhook_without_order_id_falls_back_to_a_body_hash(lemonsqueezy):
    payload = {"meta": {"event_name": "order_created"}, "data": {"type": "orders"}}
    body = json.dumps(payload).encode()

    payment = lemonsqueezy.parse_webhook(body, signed_ls(body))

    assert payment.order_id is None
    assert len(payment.event_id) == 64
    assert payment.event_id == lemonsqueezy.parse_webhook(body, signed_ls(body)).event_id


@pytest.mark.parametrize("headers", [
    {},
    {"X-Signature": ""},
    {"X-Signature": "not-hex-at-all"},
    {"X-Signature": "ab" * 32},
    {"X-Signature": "é" * 64},
])
def test_lemonsqueezy_rejects_missing_malformed_or_wrong_signatures(lemonsqueezy, headers):
    body = order_webhook("order_created", order_id="ord_42")

    with pytest.raises(InvalidSignature):
        lemonsqueezy.parse_webhook(body, headers)


def test_lemonsqueezy_rejects_a_body_tampered_after_signing(lemonsqueezy):
    body = order_webhook("order_created", order_id="ord_42", total=1900)
    headers = signed_ls(body)
    tampered = body.replace(b'"total": 1900', b'"total": 1')
    assert tampered != body

    with pytest.raises(InvalidSignature):
        lemonsqueezy.parse_webhook(tampered, headers)


def test_lemonsqueezy_rejects_a_signature_made_with_another_secret(lemonsqueezy):
    body = order_webhook("order_created", order_id="ord_42")

    with pytest.raises(InvalidSignature):
        lemonsqueezy.parse_webhook(body, signed_ls(body, secret="someone-else"))


def test_lemonsqueezy_verifies_before_parsing(lemonsqueezy):
    with pytest.raises(InvalidSignature):
        lemonsqueezy.parse_webhook(b"{not json", {"X-Signature": "00" * 32})


def test_lemonsqueezy_header_names_are_case_insensitive(lemonsqueezy):
    body = order_webhook("order_created", order_id="ord_42")

    payment = lemonsqueezy.parse_webhook(body, {"x-signature": sign_lemonsqueezy(body, LS_SECRET)})

    assert payment.kind == "paid"


# -- Stripe checkout ---------------------------------------------------------------

def test_stripe_checkout_posts_the_session_form_and_returns_the_session_url(stripe_provider, stripe_server):
    before = len(stripe_server.requests)

    url = stripe_provider.create_checkout(checkout_request())

    [sent] = stripe_server.requests[before:]
    assert (sent.method, sent.path) == ("POST", "/v1/checkout/sessions")
    assert sent.headers["authorization"] == "Bearer sk_test_good"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert sent.headers["idempotency-key"] == "songcraft-checkout-ord_42"
    form = parse_qs(sent.body.decode())
    assert form["line_items[0][price]"] == ["price_audio"]
    assert stripe_fake.decode_form(sent.body) == {
        "mode": "payment",
        "client_reference_id": "ord_42",
        "customer_email": "ana@example.com",
        "metadata": {"order_id": "ord_42", "variant_id": "111"},
        "payment_intent_data": {"metadata": {"order_id": "ord_42", "variant_id": "111"}},
        "line_items": [{"price": "price_audio", "quantity": "1"}],
        "success_url": "https://songcraft.test/orders/ord_42",
        "cancel_url": "https://songcraft.test/orders/ord_42",
    }
    assert url.startswith("https://checkout.stripe.com/c/pay/cs_test_")


def test_stripe_checkout_of_a_product_without_a_price_id_is_refused_before_calling_stripe(stripe_server):
    provider = StripeProvider("sk_test_good", STRIPE_SECRET, api_url=stripe_server.url, price_ids={"audio": "price_audio"})
    before = len(stripe_server.requests)

    with pytest.raises(ProviderError, match="No Stripe price is configured for video"):
        provider.create_checkout(checkout_request(order_id="ord_video", product="video", amount_cents=2900))

    assert len(stripe_server.requests) == before


def test_stripe_checkout_retried_for_the_same_order_gets_the_same_session(stripe_provider):
    request = checkout_request(order_id="ord_retry")

    assert stripe_provider.create_checkout(request) == stripe_provider.create_checkout(request)


def test_stripe_bad_key_is_a_permanent_error(stripe_server):
    provider = StripeProvider("sk_test_bad", STRIPE_SECRET, api_url=stripe_server.url, price_ids=PRICE_IDS)

    with pytest.raises(ProviderError) as raised:
        provider.create_checkout(checkout_request())

    assert not isinstance(raised.value, TransientProviderError)
    assert "Invalid API Key" in str(raised.value)


def test_stripe_unknown_price_is_a_permanent_error_naming_the_price(stripe_server):
    provider = StripeProvider("sk_test_good", STRIPE_SECRET, api_url=stripe_server.url,
                              price_ids={"audio": "price_gone"})

    with pytest.raises(ProviderError) as raised:
        provider.create_checkout(checkout_request(order_id="ord_gone"))

    assert not isinstance(raised.value, TransientProviderError)
    assert "No such price: 'price_gone'" in str(raised.value)


OUTAGE = stripe_fake.stripe_error(500, "An unknown error occurred", error_type="api_error")
BAD_GATEWAY = Reply(status=502, body=b"<html>Bad Gateway</html>", headers={"Content-Type": "text/html"})


def test_stripe_checkout_absorbs_two_server_errors_with_the_same_idempotency_key(stripe_provider, stripe_server):
    """Stripe's client tries three times (max_network_retries=2); the key makes the retries one request."""
    stripe_server.script(OUTAGE, BAD_GATEWAY, path="/v1/checkout/sessions")
    before = len(stripe_server.requests)

    url = stripe_provider.create_checkout(checkout_request(order_id="ord_blip"))

    sent = stripe_server.requests[before:]
    assert url.startswith("https://checkout.stripe.com/c/pay/")
    assert len(sent) == 3 and {r.headers["idempotency-key"] for r in sent} == {"songcraft-checkout-ord_blip"}


def test_stripe_outages_are_transient_after_three_attempts(stripe_provider, stripe_server):
    stripe_server.script(OUTAGE, OUTAGE, BAD_GATEWAY, path="/v1/checkout/sessions")
    before = len(stripe_server.requests)

    with pytest.raises(TransientProviderError):
        stripe_provider.create_checkout(checkout_request(order_id="ord_outage"))

    assert len(stripe_server.requests) == before + 3


def test_stripe_rate_limit_is_transient(stripe_provider, stripe_server):
    stripe_server.script(stripe_fake.stripe_error(429, "Too many requests", code="rate_limit"), path="/v1/checkout/sessions")

    with pytest.raises(TransientProviderError):
        stripe_provider.create_checkout(checkout_request(order_id="ord_busy"))


def test_stripe_unreachable_is_transient():
    with FakeStripe() as server:
        api_url = server.url
    provider = StripeProvider("sk_test_fake", STRIPE_SECRET, api_url=api_url, price_ids=PRICE_IDS, timeout=2)

    with pytest.raises(TransientProviderError):
        provider.create_checkout(checkout_request())


# -- Stripe webhooks ---------------------------------------------------------------

def signed_stripe(body: bytes, timestamp: int = NOW, secret: str = STRIPE_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "Stripe-Signature": sign_stripe(body, secret, timestamp)}


def test_stripe_completed_paid_session(stripe_provider):
    body = event("checkout.session.completed", checkout_session(order_id="ord_42", amount_total=2900, currency="eur"),
                 event_id="evt_1Paid")

    payment = stripe_provider.parse_webhook(body, signed_stripe(body))

    assert payment.kind == "paid"
    assert payment.event_id == "evt_1Paid"
    assert payment.event_type == "checkout.session.completed"
    assert payment.order_id == "ord_42"
    assert (payment.amount_cents, payment.currency) == (2900, "EUR")
    assert payment.variant_id == "price_audio"
    assert payment.provider_reference == "pi_3Qfake"


def test_stripe_order_id_falls_back_to_the_client_reference(stripe_provider):
    session = {**checkout_session(order_id="ord_42"), "metadata": {}}
    body = event("checkout.session.completed", session)

    assert stripe_provider.parse_webhook(body, signed_stripe(body)).order_id == "ord_42"


def test_stripe_refunded_charge_names_the_order_from_its_metadata(stripe_provider):
    body = event("charge.refunded", charge(order_id="ord_42", amount=1900, amount_refunded=1900))

    payment = stripe_provider.parse_webhook(body, signed_stripe(body))

    assert (payment.kind, payment.order_id, payment.amount_cents, payment.currency) == ("refunded", "ord_42", 1900, "USD")
    assert payment.provider_reference == "pi_3Qfake"


@pytest.mark.parametrize("event_type, session, kind", [
    ("checkout.session.completed", checkout_session(order_id="o", payment_status="unpaid"), "ignored"),
    ("checkout.session.async_payment_succeeded", checkout_session(order_id="o"), "paid"),
    ("checkout.session.async_payment_failed", checkout_session(order_id="o", payment_status="unpaid"), "failed"),
    ("checkout.session.expired", checkout_session(order_id="o", payment_status="unpaid", status="expired"), "failed"),
    ("customer.created", {"id": "cus_1", "object": "customer"}, "ignored"),
])
def test_stripe_event_kinds(stripe_provider, event_type, session, kind):
    body = event(event_type, session)

    assert stripe_provider.parse_webhook(body, signed_stripe(body)).kind == kind


def test_stripe_redelivery_keeps_the_event_id(stripe_provider):
    body = event("checkout.session.completed", checkout_session(order_id="ord_42"), event_id="evt_same")
    later = NOW + 60  # Stripe re-signs a redelivery with a new timestamp

    first = stripe_provider.parse_webhook(body, signed_stripe(body))
    again = StripeProvider("sk", STRIPE_SECRET, clock=lambda: later).parse_webhook(body, signed_stripe(body, later))

    assert first.event_id == again.event_id == "evt_same"


def test_stripe_accepts_any_of_several_v1_signatures(stripe_provider):
    """During a secret roll Stripe signs with the old and the new secret."""
    body = event("checkout.session.completed", checkout_session(order_id="ord_42"))
    old = sign_stripe(body, "whsec_old", NOW).split(",")[1]
    current = sign_stripe(body, STRIPE_SECRET, NOW).split(",")[1]

    header = f"t={NOW},{old},{current},v0=deadbeef"

    assert stripe_provider.parse_webhook(body, {"Stripe-Signature": header}).kind == "paid"


@pytest.mark.parametrize("offset", [-301, -3600, -86400])
def test_stripe_rejects_a_stale_timestamp_as_the_sdk_does(offset):
    body = event("checkout.session.completed", checkout_session(order_id="ord_42"))
    header = sign_stripe(body, STRIPE_SECRET, int(time.time()) + offset)

    with pytest.raises(InvalidSignature, match="older than the tolerance"):
        StripeProvider("sk", STRIPE_SECRET).parse_webhook(body, {"Stripe-Signature": header})
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(body.decode(), header, STRIPE_SECRET, tolerance=300)


@pytest.mark.parametrize("offset", [-290, 0, 301, 3600])
def test_stripe_accepts_a_recent_or_future_timestamp_as_the_sdk_does(offset):
    """The SDK rejects only `timestamp < now - tolerance`: a sender clock ahead of ours is no attack."""
    body = event("checkout.session.completed", checkout_session(order_id="ord_42"))
    header = sign_stripe(body, STRIPE_SECRET, int(time.time()) + offset)

    assert StripeProvider("sk", STRIPE_SECRET).parse_webhook(body, {"Stripe-Signature": header}).kind == "paid"
    assert stripe.WebhookSignature.verify_header(body.decode(), header, STRIPE_SECRET, tolerance=300)


@pytest.mark.parametrize("header", [
    None,
    "",
    "v1=" + "ab" * 32,  # no timestamp
    f"t={NOW}",  # no signature
    f"t=yesterday,v1={'ab' * 32}",
    f"t={NOW},v1={'ab' * 32}",  # wrong signature
    "garbage",
])
def test_stripe_rejects_missing_malformed_or_wrong_headers(stripe_provider, header):
    body = event("checkout.session.completed", checkout_session(order_id="ord_42"))
    headers = {} if header is None else {"Stripe-Signature": header}

    with pytest.raises(InvalidSignature):
        stripe_provider.parse_webhook(body, headers)


def test_stripe_rejects_a_body_tampered_after_signing(stripe_provider):
    body = event("checkout.session.completed", checkout_session(order_id="ord_42"))
    headers = signed_stripe(body)

    with pytest.raises(InvalidSignature):
        stripe_provider.parse_webhook(body.replace(b"ord_42", b"ord_43"), headers)


def test_stripe_rejects_a_signature_made_with_another_secret(stripe_provider):
    body = event("checkout.session.completed", checkout_session(order_id="ord_42"))

    with pytest.raises(InvalidSignature):
        stripe_provider.parse_webhook(body, signed_stripe(body, secret="whsec_other"))


# -- Sandbox -----------------------------------------------------------------------

@pytest.fixture
def sandbox() -> SandboxProvider:
    return SandboxProvider("sandbox-secret", "https://songcraft.test/sandbox/checkout/")


def test_sandbox_checkout_url_carries_a_token_only_valid_for_its_order(sandbox):
    url = sandbox.create_checkout(checkout_request(order_id="ord_42"))

    parts = urlsplit(url)
    [token] = parse_qs(parts.query)["token"]
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://songcraft.test/sandbox/checkout/ord_42"
    assert sandbox.is_valid_checkout_token("ord_42", token)
    assert not sandbox.is_valid_checkout_token("ord_43", token)
    assert not sandbox.is_valid_checkout_token("ord_42", "forged")
    assert not SandboxProvider("other-secret", "https://x").is_valid_checkout_token("ord_42", token)


def sandbox_webhook(sandbox: SandboxProvider, event_name: str = "order_created", **overrides):
    values = dict(order_id="ord_42", event_name=event_name, amount_cents=1900, currency="usd",
                  variant_id="111", email="ana@example.com")
    return sandbox.build_webhook(**{**values, **overrides})


def test_sandbox_webhook_round_trips_as_a_paid_order(sandbox):
    body, headers = sandbox_webhook(sandbox)

    payment = sandbox.parse_webhook(body, headers)

    assert (payment.kind, payment.event_type, payment.order_id) == ("paid", "order_created", "ord_42")
    assert (payment.amount_cents, payment.currency, payment.variant_id) == (1900, "USD", "111")
    assert payment.event_id == f"order_created:{payment.provider_reference}"


def test_sandbox_webhook_is_a_lemonsqueezy_order_webhook(sandbox):
    """The same bytes, signed with the Lemon Squeezy secret instead, pass the real provider."""
    body, headers = sandbox_webhook(sandbox)
    payload = json.loads(body)
    real = LemonSqueezyProvider("k", "1", LS_SECRET, api_url="http://unused")

    payment = real.parse_webhook(body, signed_ls(body))

    assert headers["X-Signature"] == sign_lemonsqueezy(body, "sandbox-secret")
    assert headers["X-Event-Name"] == "order_created"
    assert payload["data"]["type"] == "orders"
    assert {"store_id", "identifier", "order_number", "user_email", "subtotal", "created_at"} <= payload["data"]["attributes"].keys()
    assert payload["data"]["attributes"]["first_order_item"]["product_name"]
    assert payment.kind == "paid"


def test_sandbox_refund_and_decline(sandbox):
    refund = sandbox.parse_webhook(*sandbox_webhook(sandbox, "order_refunded"))
    declined = sandbox.parse_webhook(*sandbox_webhook(sandbox, status="failed", order_id="ord_declined"))

    assert (refund.kind, refund.order_id) == ("refunded", "ord_42")
    assert (declined.kind, declined.order_id) == ("failed", "ord_declined")


def test_sandbox_redelivery_is_a_duplicate_but_another_order_is_not(sandbox):
    first = sandbox.parse_webhook(*sandbox_webhook(sandbox))
    again = sandbox.parse_webhook(*sandbox_webhook(sandbox))
    other = sandbox.parse_webhook(*sandbox_webhook(sandbox, order_id="ord_43"))
    refund = sandbox.parse_webhook(*sandbox_webhook(sandbox, "order_refunded"))

    assert first.event_id == again.event_id
    assert len({first.event_id, other.event_id, refund.event_id}) == 3
    assert refund.provider_reference == first.provider_reference  # one order, as Lemon Squeezy names it


def test_sandbox_rejects_a_webhook_signed_with_another_secret(sandbox):
    body, headers = sandbox_webhook(SandboxProvider("not-the-sandbox-secret", "https://x"))

    with pytest.raises(InvalidSignature):
        sandbox.parse_webhook(body, headers)


def test_sandbox_rejects_a_tampered_webhook(sandbox):
    body, headers = sandbox_webhook(sandbox)

    with pytest.raises(InvalidSignature):
        sandbox.parse_webhook(body.replace(b"ord_42", b"ord_99"), headers)


def test_partial_refunds_do_not_refund_the_order(lemonsqueezy, stripe_provider):
    partial = order_webhook("order_refunded", order_id="o-1", status="partial_refund")
    full = order_webhook("order_refunded", order_id="o-1", status="refunded")
    partial_event = lemonsqueezy.parse_webhook(partial, {"X-Signature": sign_lemonsqueezy(partial, LS_SECRET)})
    full_event = lemonsqueezy.parse_webhook(full, {"X-Signature": sign_lemonsqueezy(full, LS_SECRET)})
    assert (partial_event.kind, full_event.kind) == ("ignored", "refunded")

    body = event("charge.refunded", charge(order_id="o-1", amount=1900, amount_refunded=500))
    stripe_event = stripe_provider.parse_webhook(body, {"Stripe-Signature": sign_stripe(body, STRIPE_SECRET, NOW)})
    assert stripe_event.kind == "ignored"


def test_lemonsqueezy_amount_is_the_subtotal_before_tax():
    from songcraft.providers.payments.lemonsqueezy import parse_order_webhook

    payload = json.loads(order_webhook("order_created", order_id="o-1", total=1900))
    payload["data"]["attributes"].update(subtotal=1900, tax=380, total=2280)
    body = json.dumps(payload).encode()
    paid = parse_order_webhook(body, {"X-Signature": sign_lemonsqueezy(body, LS_SECRET)}, LS_SECRET)
    assert paid.kind == "paid" and paid.amount_cents == 1900
