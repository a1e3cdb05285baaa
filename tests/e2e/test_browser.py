"""What a person sees, in headless Chromium: the sandbox checkout and Swagger UI, served for real."""
from __future__ import annotations

import pytest

from tests.conftest import wait_until
from tests.e2e.conftest import BROWSER_MISSING

pytestmark = pytest.mark.skipif(BROWSER_MISSING, reason="Chromium and ChromeDriver are not installed")


def test_sandbox_checkout_pay_button_pays_the_order(app, client, make_account, live_server, browser, monkeypatch, tmp_path):
    from selenium.webdriver.common.by import By

    from songcraft.providers.payments.sandbox import SandboxProvider

    monkeypatch.setitem(app.extensions, "payment_provider",
                        SandboxProvider(app.config["SANDBOX_WEBHOOK_SECRET"], f"{live_server}/sandbox/checkout"))
    account = make_account()
    order = client.post("/api/v1/orders/", json={"product": "video"}, headers=account.headers).json

    browser.get(order["payment_url"])
    assert "29.00 USD" in browser.find_element(By.CSS_SELECTOR, ".price").text
    browser.save_screenshot(str(tmp_path / "checkout.png"))
    browser.find_element(By.ID, "pay").click()

    def paid():
        return client.get(f"/api/v1/orders/{order['id']}", headers=account.headers).json["status"] == "paid"

    wait_until(paid, timeout=20, message="the order to be paid after clicking Pay")
    outcome = wait_until(lambda: browser.find_elements(By.ID, "outcome"), timeout=10, message="the outcome on the page")
    assert "Payment received" in outcome[0].text
    browser.save_screenshot(str(tmp_path / "paid.png"))
    assert csp_violations(browser) == []


def test_swagger_ui_renders_offline(live_server, browser):
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server}/docs")

    def title():
        elements = browser.find_elements(By.CSS_SELECTOR, ".swagger-ui .info .title")
        return elements and elements[0].text

    assert "SongCraft API" in wait_until(title, timeout=20, message="Swagger UI to render")
    operations = wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path"), timeout=10, message="operations")
    assert any("/api/v1/auth/login" in op.text for op in operations)
    operations[0].click()  # expanding an operation renders more of the UI (icons, styles)
    wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, ".opblock-body"), timeout=10, message="an operation to expand")
    assert csp_violations(browser) == []


def test_the_content_security_policy_blocks_an_injected_inline_script(live_server, browser):
    """The policy is really enforced: a script added without the nonce does not run."""
    browser.get(f"{live_server}/docs")
    browser.execute_script("var s = document.createElement('script'); s.textContent = 'window.injected = 1';"
                           "document.body.appendChild(s);")
    assert browser.execute_script("return window.injected === undefined") is True
    assert any("Content Security Policy" in message for message in csp_violations(browser))


def csp_violations(browser) -> list[str]:
    """Console messages of the page that report something the Content-Security-Policy refused."""
    return [entry["message"] for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]]
