"""The gift page in headless Chromium, on local storage and on S3: it plays, the sung line lights up,
it reads well at phone and desktop width in light and dark, axe-core finds nothing serious or
critical, a page left open past its URLs' expiry keeps playing, and the waiting page opens itself
at the reveal."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from songcraft.finishing.palettes import palette_for
from tests.conftest import wait_until
from tests.e2e.conftest import BROWSER_MISSING, start_browser
from tests.integration.test_gifts import GIFT, finish_here

pytestmark = pytest.mark.skipif(BROWSER_MISSING, reason="Chromium and ChromeDriver are not installed")

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# A person's browser: headless Chromium announces itself as such, and the page does not count those as "opened".
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"
VIEWPORTS = {"phone": (375, 812), "desktop": (1280, 800)}

CURRENT_LINE = "return [...document.querySelectorAll('.line')].findIndex(el => el.classList.contains('is-current'))"
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']})
  .then(result => done(result.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))
  .catch(error => done(String(error)));
"""


@pytest.fixture
def page_browser():
    driver = start_browser("--autoplay-policy=no-user-gesture-required", f"--user-agent={USER_AGENT}")
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def _serve(app, live_server, monkeypatch) -> str:
    """Songs made in this process, with every URL on a server the browser can reach."""
    from songcraft.providers.storage_local import LocalStorage

    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    monkeypatch.setitem(app.config, "PUBLIC_URL", live_server)
    if app.extensions["storage"].name == "local":  # local file URLs must point at the live server
        monkeypatch.setitem(app.extensions, "storage", LocalStorage(app.config["STORAGE_DIR"], app.config["SECRET_KEY"], live_server))
    return live_server


@pytest.fixture
def served(app, live_server, storage, monkeypatch):
    """On local storage and on S3."""
    return _serve(app, live_server, monkeypatch)


@pytest.fixture
def served_locally(app, live_server, monkeypatch):
    """On local storage only: moto serves expired presigned URLs, so expiry shows only there."""
    return _serve(app, live_server, monkeypatch)


def share(client, account, song, **gift) -> str:
    message = "Forty Sundays of your terrible dancing,\nand I would not miss one."
    response = client.put(GIFT.format(song["id"]), json={"message": message, **gift}, headers=account.headers)
    assert response.status_code == 200, response.json
    return response.json["share_url"]


def emulate(browser, viewport: str, scheme: str) -> None:
    width, height = VIEWPORTS[viewport]
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                                    "mobile": viewport == "phone"})
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    wait_until(lambda: browser.execute_script("return document.getAnimations().length === 0"), timeout=5,
               message="colour transitions to settle")


def screenshots(tmp_path) -> Path:
    """Where screenshots go: SONGCRAFT_SCREENSHOTS when set (to keep them), else the test's temp dir."""
    folder = Path(os.environ.get("SONGCRAFT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def serious_violations(browser) -> list:
    if not browser.execute_script("return typeof axe !== 'undefined'"):
        browser.execute_script(AXE.read_text())
    violations = browser.execute_async_script(RUN_AXE)
    assert isinstance(violations, list), violations
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def test_gift_page_plays_lights_the_sung_line_and_reads_well_everywhere(app, client, make_account, served, page_browser, tmp_path):
    account = make_account()
    song = finish_here(client, app, account, genre="ballad", mood="romantic")
    url = share(client, account, song)

    page_browser.get(url)
    wait_until(lambda: page_browser.execute_script("return document.getElementById('player').readyState >= 1"), timeout=20,
               message="the audio's metadata")
    # Everything the page needs loaded under its CSP: the stylesheet, the nonce'd palette, the font, the cover, the script.
    assert page_browser.execute_script("return getComputedStyle(document.documentElement).getPropertyValue('--deep').trim()") == \
        palette_for("romantic").deep
    assert wait_until(lambda: page_browser.execute_script("return document.fonts.check('600 32px \"SongCraft Serif\"')"), timeout=10)
    assert page_browser.execute_script("return document.getElementById('cover').naturalWidth") == 1600

    starts = page_browser.execute_script("return [...document.querySelectorAll('.line')].map(el => Number(el.dataset.start))")
    assert len(starts) == 6 and starts == sorted(starts)
    ends = page_browser.execute_script("return [...document.querySelectorAll('.line')].map(el => Number(el.dataset.end))")
    # Near the end of line 2, while it is still sung (the synthesizer leaves rests between lines).
    page_browser.execute_script("const a = document.getElementById('player'); a.currentTime = arguments[0]; a.play();",
                                max(starts[2], ends[2] - 0.4))
    wait_until(lambda: page_browser.execute_script(CURRENT_LINE) == 2 or None, timeout=10, message="the line before to be lit")
    first_time = page_browser.execute_script("return document.getElementById('player').currentTime")
    wait_until(lambda: page_browser.execute_script(CURRENT_LINE) == 3, timeout=15, message="the highlight to move to the next line")
    assert page_browser.execute_script("return document.getElementById('player').currentTime") > first_time + 0.5
    lit = page_browser.execute_script("return document.querySelector('.line.is-current')")
    assert lit.get_attribute("aria-current") == "true" and lit.text == "Happy birthday Maya"

    # The beacon: a browser that ran the page counts as opened.
    gift = wait_until(lambda: (g := client.get(GIFT.format(song["id"]), headers=account.headers).json)["views"] == 1 and g,
                      timeout=10, message="the page's beacon")
    assert gift["first_viewed_at"] is not None

    page_browser.execute_script("document.getElementById('player').pause()")  # a still page to look at
    shots = screenshots(tmp_path)
    backgrounds = {}
    for scheme in ("light", "dark"):
        for viewport in VIEWPORTS:
            emulate(page_browser, viewport, scheme)
            page_browser.execute_script("window.scrollTo(0, 0)")
            assert page_browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), \
                f"the page scrolls sideways at {viewport} width"
            assert page_browser.save_screenshot(str(shots / f"gift-page-{viewport}-{scheme}.png"))
            assert serious_violations(page_browser) == [], (viewport, scheme)
        backgrounds[scheme] = page_browser.execute_script("return getComputedStyle(document.documentElement).backgroundColor")
    assert backgrounds["light"] != backgrounds["dark"]


def test_page_left_open_past_its_links_expiry_keeps_playing(app, client, make_account, served_locally, page_browser, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNED_URL_SECONDS", 5)
    account = make_account()
    song = finish_here(client, app, account)
    page_browser.get(share(client, account, song))
    download = page_browser.find_element("id", "download").get_attribute("href")
    page_browser.execute_script("const a = document.getElementById('player'); a.currentTime = 20; a.play();")
    wait_until(lambda: page_browser.execute_script("return document.getElementById('player').currentTime > 21"), timeout=15)

    renewed = wait_until(lambda: (href := page_browser.find_element("id", "download").get_attribute("href")) != download and href,
                         timeout=15, message="the download link to be renewed")
    assert requests.get(download, timeout=10).status_code == 404  # expired
    assert requests.get(renewed, timeout=10).status_code == 200

    # The player must fetch an expired URL it has nothing of in its cache (after a long pause, a seek far
    # ahead, a memory purge): it gets a 404, asks media.json for a fresh URL and carries on from where it was.
    swap = "const a = document.getElementById('player'); const at = a.currentTime; a.src = arguments[0]; return at"
    position = page_browser.execute_script(swap, download)
    wait_until(lambda: page_browser.execute_script(
        "const a = document.getElementById('player'); return a.src !== arguments[0] && !a.paused && a.currentTime > arguments[1]",
        download, position),
        timeout=20, message="the player to resume from a fresh URL")


def test_waiting_page_opens_itself_at_the_reveal(app, client, make_account, served, page_browser, tmp_path):
    account = make_account()
    song = finish_here(client, app, account)
    deliver_at = datetime.now(timezone.utc) + timedelta(seconds=6)
    page_browser.get(share(client, account, song, deliver_at=deliver_at.isoformat()))

    assert "is on its way" in page_browser.find_element("tag name", "h1").text
    assert not page_browser.find_elements("id", "player")
    assert serious_violations(page_browser) == []
    assert page_browser.save_screenshot(str(screenshots(tmp_path) / "gift-page-waiting.png"))
    wait_until(lambda: page_browser.find_elements("id", "player"), timeout=30, message="the page to reload into the song")
    assert datetime.now(timezone.utc) >= deliver_at
    assert page_browser.find_element("tag name", "h1").text == song["title"]
