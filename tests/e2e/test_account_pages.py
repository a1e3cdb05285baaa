"""The pages the emails link to when no frontend is configured (songcraft/account_pages), in headless
Chromium: the verification link from the real email verifies, a reset link sets a password that logs
in, bad links get a friendly page with a way on, and every page reads well at 375 px and on the
desktop, light and dark, with no serious axe-core finding and nothing refused by the CSP."""
from __future__ import annotations

import re

import pytest
import requests
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of

from tests.conftest import wait_until
from tests.e2e.conftest import BROWSER_MISSING
from tests.e2e.test_gift_page import VIEWPORTS, emulate, serious_violations

pytestmark = pytest.mark.skipif(BROWSER_MISSING, reason="Chromium and ChromeDriver are not installed")

PASSWORD, NEW_PASSWORD = "first password 1", "second password 2"


@pytest.fixture
def site(app, live_server, monkeypatch):
    """The app as configured without FRONTEND_URL: links in emails point at its own pages."""
    monkeypatch.setitem(app.config, "FRONTEND_URL", live_server)
    return live_server


def link_in(message, site: str, path: str) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"{re.escape(site)}{path}\?token=[\w.\-]+", body).group(0)


def submit(browser, **fields: str) -> None:
    for name, value in fields.items():
        field = browser.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


def follow(browser, element) -> None:
    """Click, then wait for the next page (a click does not wait for the navigation it starts)."""
    page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    wait_until(lambda: replaced(browser, page), timeout=30, message="the next page")
    wait_until(lambda: browser.execute_script("return document.readyState") == "complete", timeout=30, message="the page to load")


def replaced(browser, element) -> bool:
    """Whether the page holding `element` has gone: Chromium says so as a stale element or, caught
    mid-navigation, as a node that "does not belong to the document"."""
    try:
        return staleness_of(element)(browser)
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise


def heading(browser) -> str:
    return browser.find_element(By.TAG_NAME, "h1").text


def reads_well(browser) -> None:
    """At phone and desktop width, light and dark: no sideways scroll, no serious axe finding, no CSP refusal."""
    for scheme in ("light", "dark"):
        for viewport in VIEWPORTS:
            emulate(browser, viewport, scheme)
            assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), \
                f"{browser.current_url} scrolls sideways at {viewport} width"
            assert serious_violations(browser) == [], (browser.current_url, viewport, scheme)
    # The stylesheet loaded under the CSP (the card has its background), and the console is clean.
    assert browser.execute_script("return getComputedStyle(document.querySelector('.card')).borderRadius") == "18px"
    refused = [entry["message"] for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]]
    assert refused == []


def test_the_verification_link_of_the_real_email_verifies_in_a_browser(site, worker, mailbox, browser):
    email = "verify-page@example.com"
    assert requests.post(f"{site}/api/v1/auth/register", json={"email": email, "password": PASSWORD}, timeout=10).status_code == 201
    link = link_in(mailbox.wait_for(email)[-1], site, "/verify-email")

    browser.get(link)
    assert heading(browser) == "Your email address is verified"
    assert email in browser.find_element(By.TAG_NAME, "main").text
    reads_well(browser)
    login = requests.post(f"{site}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=10)
    assert login.status_code == 200

    browser.get(link)  # a second time (or after a mail scanner opened it first): nothing to do, and it says so
    assert heading(browser) == "Your email address is already verified"
    assert email in browser.find_element(By.TAG_NAME, "main").text

    browser.get(f"{site}/verify-email?token={link.split('token=')[1][:-4]}abcd")  # a link damaged on its way
    assert heading(browser) == "This verification link does not work"
    assert "invalid" in browser.find_element(By.CLASS_NAME, "reason").text
    reads_well(browser)
    submit(browser, email="not an address")
    assert browser.find_element(By.ID, "email-error").text == "Enter the email address you registered with."
    submit(browser, email=email)
    assert heading(browser) == "Check your inbox"


def test_a_reset_link_sets_a_password_that_logs_in(site, make_account, worker, mailbox, browser):
    account = make_account(password=PASSWORD, login=False)
    browser.get(f"{site}/forgot-password")
    reads_well(browser)
    submit(browser, email=account.email)
    assert heading(browser) == "Check your inbox"
    link = link_in(mailbox.wait_for(account.email)[-1], site, "/reset-password")

    browser.get(link)
    assert heading(browser) == "Choose a new password"
    reads_well(browser)
    submit(browser, password="short", confirm="short")
    assert "between 8 and 128" in browser.find_element(By.ID, "password-error").text
    submit(browser, password=NEW_PASSWORD, confirm=NEW_PASSWORD + "!")
    assert browser.find_element(By.ID, "password-error").text == "The two passwords are not the same."
    submit(browser, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert heading(browser) == "Your password was changed"
    reads_well(browser)

    def login(password: str) -> int:
        return requests.post(f"{site}/api/v1/auth/login", json={"email": account.email, "password": password}, timeout=10).status_code

    assert login(NEW_PASSWORD) == 200 and login(PASSWORD) == 401
    browser.get(link)  # the password changed: the link is spent
    assert heading(browser) == "This password reset link does not work"
    follow(browser, browser.find_element(By.LINK_TEXT, "Ask for a new link"))
    assert heading(browser) == "Forgot your password?"


@pytest.mark.parametrize("path", ["/verify-email?token=forged.token", "/verify-email", "/reset-password?token=forged",
                                  "/reset-password"])
def test_a_bad_link_gets_a_friendly_page(site, browser, path):
    answer = requests.get(f"{site}{path}", timeout=10)
    assert answer.status_code == 400 and answer.headers["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in answer.headers and answer.headers["Cache-Control"] == "no-store"
    browser.get(f"{site}{path}")
    assert heading(browser).startswith("This ") and "does not work" in heading(browser)
    assert browser.find_element(By.CLASS_NAME, "reason").text == "This link is invalid."
    reads_well(browser)


def test_a_forged_reset_form_changes_nothing(site, make_account):
    account = make_account(password=PASSWORD, login=False)
    answer = requests.post(f"{site}/reset-password", data={"token": "forged", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                           timeout=10)
    assert answer.status_code == 400 and "This link is invalid." in answer.text
    assert requests.post(f"{site}/api/v1/auth/login", json={"email": account.email, "password": PASSWORD}, timeout=10).status_code == 200


def test_a_form_too_large_or_too_fast_gets_a_page_not_json(site, app, monkeypatch):
    too_large = requests.post(f"{site}/forgot-password", data={"email": "a@example.com", "padding": "x" * (2 * 1024 * 1024)}, timeout=30)
    assert too_large.status_code == 413 and too_large.headers["Content-Type"].startswith("text/html")
    assert "That did not work" in too_large.text
    monkeypatch.setitem(app.config, "RATELIMIT_EMAIL", "1 per minute")
    answers = [requests.post(f"{site}/forgot-password", data={"email": "nobody@example.com"}, timeout=10) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 429]
    assert answers[1].headers["Content-Type"].startswith("text/html") and "Please wait a minute" in answers[1].text


def test_the_shop_pages_an_email_links_to_say_where_to_go(site, browser):
    song_id = "0b9f6f1e-4c1d-4a52-9a57-2d7c1f0a8a11"
    browser.get(f"{site}/songs/{song_id}")
    assert heading(browser) == "Your song" and f"/api/v1/songs/{song_id}" in browser.page_source
    reads_well(browser)
    for path in ("/login", "/songs", f"/orders/{song_id}"):
        assert requests.get(f"{site}{path}", timeout=10).status_code == 200, path
