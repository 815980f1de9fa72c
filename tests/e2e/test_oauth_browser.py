"""The OAuth 2.0 administrator's pages in a real browser: headless Debian chromium, through
/usr/bin/chromedriver (no browser download, no Selenium Manager), against the real gunicorn.

A tiny OAuth client plays the IdP: a loopback HTTP server is its redirect URI, registered with
`scim-service oauth client add`. The browser signs in and approves (or denies) on the server's
pages; the client then exchanges the code (PKCE S256, client_secret_basic), calls SCIM with the
access token and refreshes it. The pages must work with JavaScript off and fit a phone's width."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.harness import (
    LiveServer,
    db_upgrade,
    free_port,
    run_cli,
    start_gunicorn,
    wait_until_serving,
)

pytestmark = pytest.mark.e2e

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip(f"needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER})",
                allow_module_level=True)

ADMIN, CLIENT_NAME, WAIT = "admin", "Okta test", 10.0
PHONE = {"width": 375, "height": 740, "pixelRatio": 2.0}


# ---- the OAuth client: its redirect URI -------------------------------------------------------


@dataclass
class Callback:
    """A loopback HTTP server that records the query of every GET /callback."""

    port: int
    queries: list[dict[str, str]] = field(default_factory=list)

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback"

    def arrived(self, state: str) -> dict[str, str]:
        """The query that came back with `state` (the browser has landed on the callback)."""
        return next(q for q in self.queries if q.get("state") == state)


def _handler(callback: Callback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/callback":
                callback.queries.append(dict(urllib.parse.parse_qsl(url.query)))
            body = b"<!doctype html><title>callback</title><p id='done'>Back at the IdP.</p>"
            self.send_response(200 if url.path == "/callback" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            return None

    return Handler


@dataclass
class OAuth:
    server: LiveServer
    callback: Callback
    client_id: str
    client_secret: str

    def token(self, **form: str) -> httpx.Response:
        return httpx.post(self.server.origin + "/oauth2/token", data=form, timeout=10,
                          auth=httpx.BasicAuth(self.client_id, self.client_secret))

    def users(self, access_token: str) -> int:
        headers = {"Authorization": f"Bearer {access_token}"}
        return httpx.get(self.server.scim_url + "/Users", headers=headers, timeout=10).status_code


# ---- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def callback() -> Iterator[Callback]:
    found = Callback(free_port())
    httpd = ThreadingHTTPServer(("127.0.0.1", found.port), _handler(found))
    thread = threading.Thread(target=httpd.serve_forever, name="oauth-callback", daemon=True)
    thread.start()
    try:
        yield found
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _write_config(workdir: Path, password: str) -> tuple[Path, str]:
    url = f"sqlite:///{workdir / 'scim.db'}"
    data = {"scim": {"auth": [{"name": "okta-oauth", "type": "oauth", "allow_insecure_http": True}]},
            "admin": {"username": ADMIN, "password": password},
            "database": {"url": url}}
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path, url


@pytest.fixture(scope="module")
def oauth(tmp_path_factory: pytest.TempPathFactory, callback: Callback) -> Iterator[OAuth]:
    workdir = tmp_path_factory.mktemp("oauth-browser")
    password = secrets.token_urlsafe(18)
    config, url = _write_config(workdir, password)
    db_upgrade(config)
    added = run_cli(config, "oauth", "client", "add", CLIENT_NAME, "--redirect-uri", callback.uri)
    assert added.returncode == 0, added.stderr
    printed = dict(line.split(":", 1) for line in added.stdout.splitlines() if ":" in line)
    process, port = start_gunicorn(workdir, config)
    server = LiveServer("sqlite", port, password, config, url, process)
    try:
        wait_until_serving(process, server.origin + "/.well-known/oauth-authorization-server", None)
        yield OAuth(server, callback, printed["client id"].strip(), printed["client secret"].strip())
    finally:
        process.stop()


@contextmanager
def chromium(javascript: bool = True, phone: bool = False) -> Iterator[WebDriver]:
    """A headless chromium: JavaScript off (a managed content setting), or a phone's viewport
    (375 x 740; with JavaScript, chromedriver's mobile emulation, meta viewport and touch
    included; without, a window that size: under emulation chromedriver's click, a tap, waits
    on JavaScript and hangs)."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    size = f"{PHONE['width']:.0f},{PHONE['height']:.0f}" if phone else "1024,768"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", f"--window-size={size}"):
        options.add_argument(arg)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    elif phone:
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        driver.command_executor.client_config.timeout = 30  # a stuck command fails, never hangs
        driver.set_page_load_timeout(WAIT)
        yield driver
    finally:
        driver.quit()


# ---- the browser's steps ------------------------------------------------------------------------


def authorize_url(oauth: OAuth, state: str) -> tuple[str, str]:
    """The IdP's authorization request (PKCE S256), and its code verifier."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": oauth.client_id, "redirect_uri": oauth.callback.uri,
        "state": state, "code_challenge": challenge, "code_challenge_method": "S256"})
    return f"{oauth.server.origin}/oauth2/authorize?{query}", verifier


def sign_in(driver: WebDriver, password: str) -> None:
    driver.find_element(By.ID, "username").send_keys(ADMIN)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "sign-in").click()


def to_consent(driver: WebDriver, oauth: OAuth, state: str) -> str:
    """Open the authorization request and sign in: the consent page naming the client."""
    url, verifier = authorize_url(oauth, state)
    driver.get(url)
    assert driver.find_element(By.TAG_NAME, "h1").text == "Sign in to approve"
    sign_in(driver, oauth.server.password)
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.ID, "approve"))
    assert driver.find_element(By.TAG_NAME, "h1").text == f"Allow {CLIENT_NAME}?"
    assert CLIENT_NAME in driver.find_element(By.TAG_NAME, "main").text
    return verifier


def decide(driver: WebDriver, oauth: OAuth, button: str, state: str) -> dict[str, str]:
    """Click Approve or Deny; the query the client's redirect URI received."""
    driver.find_element(By.ID, button).click()
    WebDriverWait(driver, WAIT).until(lambda d: d.current_url.startswith(oauth.callback.uri))
    assert driver.find_element(By.ID, "done").text == "Back at the IdP."
    return oauth.callback.arrived(state)


def assert_clean(oauth: OAuth) -> None:
    log = oauth.server.process.stderr()
    assert "Traceback" not in log, log
    assert not oauth.server.problems(), oauth.server.problems()


# ---- the tests ----------------------------------------------------------------------------------


def test_approve_then_the_client_gets_working_tokens_and_refreshes_them(oauth: OAuth) -> None:
    state = secrets.token_urlsafe(16)
    with chromium() as driver:
        verifier = to_consent(driver, oauth, state)
        query = decide(driver, oauth, "approve", state)
    assert query["state"] == state and query.get("code"), query
    assert "error" not in query, query
    got = oauth.token(grant_type="authorization_code", code=query["code"],
                      redirect_uri=oauth.callback.uri, code_verifier=verifier)
    assert got.status_code == 200, got.text
    first = got.json()
    assert first["token_type"] == "Bearer" and first["access_token"] and first["refresh_token"], first
    assert oauth.users(first["access_token"]) == 200
    again = oauth.token(grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert again.status_code == 200, again.text
    second = again.json()
    assert second["access_token"] != first["access_token"], second
    assert second["refresh_token"] != first["refresh_token"], second
    assert oauth.users(second["access_token"]) == 200
    assert_clean(oauth)


def test_a_wrong_password_stays_on_the_login_page_and_deny_tells_the_client(oauth: OAuth) -> None:
    state = secrets.token_urlsafe(16)
    with chromium() as driver:
        url, _ = authorize_url(oauth, state)
        driver.get(url)
        sign_in(driver, "not-" + oauth.server.password)
        alert = WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"))
        assert alert[0].text == "Wrong username or password."
        assert driver.find_element(By.TAG_NAME, "h1").text == "Sign in to approve"
        assert not driver.find_elements(By.ID, "approve")
        assert urllib.parse.urlsplit(driver.current_url).path.startswith("/oauth2/")
        sign_in(driver, oauth.server.password)  # the form kept the authorization request
        WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.ID, "deny"))
        assert CLIENT_NAME in driver.find_element(By.TAG_NAME, "main").text
        query = decide(driver, oauth, "deny", state)
    assert query.get("error") == "access_denied" and query.get("state") == state, query
    assert "code" not in query, query
    assert_clean(oauth)


def test_the_pages_work_without_javascript(oauth: OAuth) -> None:
    state = secrets.token_urlsafe(16)
    with chromium(javascript=False, phone=True) as driver:
        driver.get("data:text/html,<title>off</title><script>document.title='on'</script>")
        assert driver.title == "off", "JavaScript was not turned off"
        verifier = to_consent(driver, oauth, state)
        assert driver.find_element(By.ID, "approve").is_displayed()
        query = decide(driver, oauth, "approve", state)
    assert query["state"] == state and query.get("code"), query
    got = oauth.token(grant_type="authorization_code", code=query["code"],
                      redirect_uri=oauth.callback.uri, code_verifier=verifier)
    assert got.status_code == 200, got.text
    assert_clean(oauth)


def test_the_pages_fit_a_phone_without_horizontal_scrolling(oauth: OAuth, tmp_path: Path) -> None:
    width = PHONE["width"]
    with chromium(phone=True) as driver:
        url, _ = authorize_url(oauth, secrets.token_urlsafe(16))
        driver.get(url)
        assert driver.execute_script("return window.innerWidth") == width
        card = "return getComputedStyle(document.querySelector('main.card')).maxWidth"
        assert driver.execute_script(card) == "416px"  # oauth.css (26rem) is what is measured
        assert driver.execute_script("return document.documentElement.scrollWidth") <= width
        to_consent(driver, oauth, secrets.token_urlsafe(16))
        driver.save_screenshot(str(tmp_path / "consent-phone.png"))
        assert driver.execute_script("return document.documentElement.scrollWidth") <= width
        for button in ("approve", "deny"):
            box = driver.execute_script(
                "const r = arguments[0].getBoundingClientRect(); return [r.left, r.right, r.width];",
                driver.find_element(By.ID, button))
            assert box[0] >= 0 and box[1] <= width and box[2] > 0, (button, box)
            assert driver.find_element(By.ID, button).is_displayed()
    assert_clean(oauth)
