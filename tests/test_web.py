"""``kyso web``: the app in a real headless Chromium, the per-launch secret, loopback only.

The browser test starts ``kyso web --demo`` on 127.0.0.1, opens the page in Debian's
Chromium driven over the DevTools protocol (``--remote-debugging-port=0``, loopback
only), waits until the terminal in the page has been sent the inbox title, takes a
screenshot, then closes the browser and checks that the demo session behind the tab
ended and removed its data folder. The browser is given the URL ``kyso web`` printed
(with ``?k=SECRET``); after that it gets in by the cookie alone (the page's websocket
URL carries no secret).

The page draws the terminal on a canvas, so the text is read from what the page's
websocket received (a hook installed before the page's own scripts run), not from the
DOM.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TITLE = "Hộp văn bản — Chờ xử lý"

# Collects every frame the page's websockets receive, as text without escape sequences.
HOOK = r"""
(() => {
  const chunks = [];
  const Original = window.WebSocket;
  function Recording(...args) {
    const socket = new Original(...args);
    socket.addEventListener("message", (event) => {
      if (event.data instanceof ArrayBuffer) chunks.push(new Uint8Array(event.data));
      else if (typeof event.data === "string") chunks.push(new TextEncoder().encode(event.data));
    });
    return socket;
  }
  Recording.prototype = Original.prototype;
  Object.assign(Recording, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = Recording;
  window.__kysoScreenText = () => {
    let size = 0;
    for (const c of chunks) size += c.length;
    const all = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) { all.set(c, at); at += c.length; }
    return new TextDecoder().decode(all)
      .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, "")
      .replace(/\x1b\[[0-9;?<>=]*[ -\/]*[@-~]/g, "")
      .replace(/\x1b[@-_]/g, "");
  };
})();
"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(
        "Chromium is needed for the web-mode test: run `make test` (it installs the Debian "
        "package `chromium`), or `apt-get install -y chromium`."
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kyso web exited ({process.returncode}):\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"kyso web never listened on {port}:\n{log.read_text()}")


def _stop(process: subprocess.Popen, graceful: bool = True) -> None:
    """Stop a process started with start_new_session=True, and everything it started."""
    if process.poll() is None and graceful:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


URL_LINE = re.compile(r"^(https?://127\.0\.0\.1:\d+/)\?k=([A-Za-z0-9_-]+)$", re.MULTILINE)


def _printed_url(log: Path, process: subprocess.Popen) -> re.Match:
    """The URL line ``kyso web`` printed (it comes before the port listens)."""
    found = URL_LINE.search(log.read_text("utf-8"))
    assert found, f"no URL with a secret printed:\n{log.read_text()}"
    return found


@dataclass
class WebServer:
    """A running ``kyso web --demo``."""

    url: str
    """The printed URL, with ``?k=SECRET``."""
    base: str
    """The same without the secret: ``http://127.0.0.1:PORT/``."""
    secret: str
    port: int
    info: Path
    """Where each demo session writes its server URL and data folder (KYSO_DEMO_INFO)."""
    log: Path
    process: subprocess.Popen


def _start_web(tmp_path: Path, *extra: str):
    """Start ``kyso web --demo`` (plus ``extra``) on a free loopback port; yield a WebServer."""
    port = _free_port()
    info = tmp_path / "demo.json"
    log = tmp_path / "web.log"
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = dict(os.environ, KYSO_DEMO_INFO=str(info), TMPDIR=str(temp))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kyso.cli", "web", "--demo", "--port", str(port), *extra],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_port(port, process, log, timeout=60)
        found = _printed_url(log, process)
        yield WebServer(found.group(0), found.group(1), found.group(2), port, info, log, process)
    finally:
        _stop(process)


@pytest.fixture
def web_server(tmp_path):
    """``kyso web --demo`` on a free loopback port."""
    yield from _start_web(tmp_path)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1, valid from a few minutes ago for a day."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "web.crt", folder / "web.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_web_server(tmp_path):
    """``kyso web --demo --allow-remote`` over TLS, on a free loopback port."""
    cert, key = _self_signed(tmp_path)
    yield from _start_web(tmp_path, "--allow-remote", "--cert", str(cert), "--key", str(key))


class _DevTools:
    """The smallest DevTools-protocol client: one page, call and wait for the answer."""

    def __init__(self, socket_) -> None:
        self._ws = socket_
        self._next = 0

    async def __call__(self, method: str, **params):
        self._next += 1
        await self._ws.send_json({"id": self._next, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json()
            if message.get("id") == self._next:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message["result"]


async def _browse(
    chromium: str, url: str, folder: Path, timeout: float
) -> tuple[str, bytes, list[str]]:
    """Open ``url``; return the terminal text once it has the title, a screenshot and the
    addresses in the tab's history."""
    import aiohttp

    profile = folder / "profile"
    with (folder / "chromium.log").open("wb") as log:
        browser = subprocess.Popen(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                # nothing leaves the machine (the page links a web font)
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "--window-size=1280,900",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        port_file = profile / "DevToolsActivePort"
        while not (port_file.exists() and port_file.read_text().strip()):
            assert browser.poll() is None, (folder / "chromium.log").read_text()
            assert time.monotonic() < deadline, "Chromium never opened its DevTools port"
            await asyncio.sleep(0.2)
        devtools_port = int(port_file.read_text().split()[0])
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with aiohttp.ClientSession(timeout=client_timeout) as http:
            async with http.get(f"http://127.0.0.1:{devtools_port}/json/list") as response:
                targets = await response.json()
            page = next(t for t in targets if t["type"] == "page")
            async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                cdp = _DevTools(ws)
                await cdp("Page.enable")
                await cdp(
                    "Emulation.setDeviceMetricsOverride",
                    width=1280,
                    height=900,
                    deviceScaleFactor=1,
                    mobile=False,
                )
                await cdp("Page.addScriptToEvaluateOnNewDocument", source=HOOK)
                await cdp("Page.navigate", url=url)
                text, state = "", {}
                while time.monotonic() < deadline:
                    result = await cdp(
                        "Runtime.evaluate",
                        expression=(
                            "JSON.stringify({text: window.__kysoScreenText ? "
                            "window.__kysoScreenText() : '', "
                            "classes: document.body ? document.body.className : ''})"
                        ),
                        returnByValue=True,
                    )
                    state = json.loads(result["result"]["value"])
                    text = state["text"]
                    if TITLE in text and "-first-byte" in state["classes"]:
                        break
                    await asyncio.sleep(0.5)
                else:
                    raise AssertionError(
                        f"the inbox never showed in the browser; page state {state['classes']!r},"
                        f" terminal text:\n{text[-3000:]}"
                    )
                # the terminal fades in (0.3 s CSS transition): wait for two frames after it
                await cdp(
                    "Runtime.evaluate",
                    expression=(
                        "new Promise(r => setTimeout(() => requestAnimationFrame(() => "
                        "requestAnimationFrame(r)), 800))"
                    ),
                    awaitPromise=True,
                )
                assert "-closed" not in state["classes"], "the page says the session ended"
                shot = await cdp("Page.captureScreenshot", format="png")
                history = await cdp("Page.getNavigationHistory")
                visited = [entry["url"] for entry in history["entries"]]
                return text, base64.b64decode(shot["data"]), visited
    finally:
        _stop(browser, graceful=False)


def test_web_demo_shows_the_inbox_in_headless_chromium(web_server, tmp_path):
    from PIL import Image

    chromium = _chromium()
    info, log = web_server.info, web_server.log
    browser_dir = tmp_path / "browser"
    browser_dir.mkdir()

    text, png, visited = asyncio.run(_browse(chromium, web_server.url, browser_dir, timeout=120))
    # the secret was in the first address only: the history and address bar show "/"
    assert visited[-1] == web_server.base
    assert not [url for url in visited if web_server.secret in url], visited

    shot = tmp_path / "inbox.png"
    shot.write_bytes(png)
    with Image.open(shot) as image:
        assert image.size == (1280, 900)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) >= 8, f"blank screenshot: {colours!r}"
    most = max(count for count, _ in colours)
    assert most < 0.95 * 1280 * 900, "the screenshot is almost one colour"
    assert TITLE in text
    assert re.search(r"\d{2}/\d{2}/\d{4}", text), "no document dates in the inbox"

    # The browser is gone: the demo session behind the tab quits and cleans up.
    demo = json.loads(info.read_text("utf-8"))
    home = Path(demo["home"])
    assert demo["user"] == "ldso"
    deadline = time.monotonic() + 60
    while home.exists() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not home.exists(), f"the demo folder stayed after the tab closed:\n{log.read_text()}"


def test_stopping_kyso_web_ends_the_open_sessions(web_server):
    """SIGTERM (as Ctrl+C) with a tab open: the tab's demo quits and removes its folder."""
    import aiohttp

    async def open_tab() -> None:
        ws_url = web_server.base.replace("http:", "ws:") + "ws?width=120&height=40"
        received = b""
        timeout = aiohttp.ClientTimeout(total=120)
        cookie = {f"kyso_web_{web_server.port}": web_server.secret}
        async with (
            aiohttp.ClientSession(timeout=timeout, cookies=cookie) as http,
            http.ws_connect(ws_url) as ws,
        ):
            async for message in ws:
                if message.type == aiohttp.WSMsgType.BINARY:
                    received += message.data
                if TITLE.encode() in received:
                    break
            else:
                raise AssertionError(f"no inbox: {received[-2000:]!r}")
            demo = json.loads(web_server.info.read_text("utf-8"))
            assert Path(demo["home"]).is_dir()
            web_server.process.send_signal(signal.SIGTERM)
            async for _ in ws:  # the server closes the tab
                pass

    asyncio.run(asyncio.wait_for(open_tab(), timeout=150))
    web_server.process.wait(timeout=60)
    home = Path(json.loads(web_server.info.read_text("utf-8"))["home"])
    assert not home.exists(), f"the demo folder stayed:\n{web_server.log.read_text()}"
    with pytest.raises(ProcessLookupError):  # nothing of kyso web's group is left
        os.killpg(web_server.process.pid, 0)
    assert "đóng 1 phiên" in web_server.log.read_text()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "kiosk.example"])
def test_web_refuses_a_non_loopback_host_without_allow_remote(host):
    result = subprocess.run(
        [sys.executable, "-m", "kyso.cli", "web", "--demo", "--host", host, "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2, result
    assert "không phải địa chỉ loopback" in result.stderr
    assert "--allow-remote" in result.stderr
    assert "Traceback" not in result.stderr


def test_loopback_addresses():
    from kyso.cli.web import browser_url, is_loopback

    for host in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "kiosk.local", "::ffff:10.0.0.1"):
        assert not is_loopback(host), host
    assert browser_url("::1", 8471) == "http://[::1]:8471"
    assert browser_url("127.0.0.1", 80) == "http://127.0.0.1:80"


def test_web_serves_tui_or_demo_with_this_python():
    from kyso.cli.web import app_command

    assert app_command(demo=False, role="lanh_dao_so").endswith("-m kyso.cli tui --no-images")
    assert app_command(demo=True, role="van_thu").endswith(
        "-m kyso.cli demo --as van_thu --no-images"
    )
    assert sys.executable in app_command(demo=False, role="lanh_dao_so")


def test_web_without_demo_needs_a_login():
    result = subprocess.run(
        [sys.executable, "-m", "kyso.cli", "web", "--port", str(_free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1, result
    assert "kyso login" in result.stderr
    assert "Traceback" not in result.stderr


def _kyso_web(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kyso.cli", "web", "--demo", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_every_request_needs_the_secret_or_its_cookie(web_server):
    """No secret, a wrong one, a wrong cookie, a foreign page's websocket: 403, no app."""
    import aiohttp

    base, secret = web_server.base, web_server.secret
    name = f"kyso_web_{web_server.port}"
    ws_url = base.replace("http:", "ws:") + "ws?width=80&height=24"

    async def probe() -> None:
        jar = aiohttp.DummyCookieJar()  # every cookie is sent by hand below
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            for path in (
                "",
                "?k=wrong",
                f"?k={secret[:-1]}",
                f"?k={secret}x",
                "?k=%C3%A9",
                f"?K={secret}",
                "static/js/textual.js",
                "ws",
                "download/anything",
            ):
                async with http.get(base + path) as response:
                    assert response.status == 403, path
                    assert "set-cookie" not in response.headers, path
                    assert "mã truy cập" in await response.text()
            async with http.get(base, headers={"Cookie": f"{name}=wrong"}) as response:
                assert response.status == 403
            async with http.get(base, headers={"Cookie": f"kyso_web_1={secret}"}) as response:
                assert response.status == 403  # another port's cookie name
            for headers in ({}, {"Cookie": f"{name}=wrong"}):
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await http.ws_connect(ws_url, headers=headers)
                assert refused.value.status == 403

            # the printed URL: a cookie for what follows, and a redirect to the address
            # without the secret (the browser's history keeps only that one)
            async with http.get(web_server.url, allow_redirects=False) as response:
                assert response.status == 303
                assert response.headers["Location"] == "/"
                cookie = response.cookies[name]
                assert response.headers["Referrer-Policy"] == "no-referrer"
                assert response.headers["Cache-Control"] == "no-store"
                assert secret not in await response.text()
            async with http.get(f"{web_server.url}&fontsize=18", allow_redirects=False) as r:
                assert r.status == 303
                assert r.headers["Location"] == "/?fontsize=18"  # the rest of the query stays
            async with http.get(base, headers={"Cookie": f"{name}={cookie.value}"}) as response:
                assert response.status == 200
                page = await response.text()
            assert cookie.value == secret
            assert cookie["httponly"] is True
            assert cookie["samesite"] == "Strict"
            assert cookie["path"] == "/"
            assert not cookie["secure"]  # plain HTTP on loopback
            assert f'data-session-websocket-url="{ws_url.split("?")[0]}"' in page
            assert secret not in page

            # the cookie alone: a reload and the page's own files
            with_cookie = {"Cookie": f"{name}={secret}"}
            for path in ("", "?fontsize=18", "static/js/textual.js"):
                async with http.get(base + path, headers=with_cookie) as response:
                    assert response.status == 200, path
                    assert "set-cookie" not in response.headers, path
            # a page on another port of the same host sends the cookie along, not our Origin
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(
                    ws_url, headers={**with_cookie, "Origin": "http://127.0.0.1:1"}
                )
            assert refused.value.status == 403

    asyncio.run(asyncio.wait_for(probe(), timeout=60))
    # nothing was started, and the secret was written once: the printed URL
    assert not web_server.info.exists()
    assert web_server.log.read_text("utf-8").count(secret) == 1
    assert web_server.process.poll() is None


def test_allow_remote_over_tls(tls_web_server):
    """--cert/--key: the printed URL is https, the cookie is Secure, the page speaks wss."""
    import ssl

    import aiohttp

    server = tls_web_server
    assert server.url.startswith(f"https://127.0.0.1:{server.port}/?k=")
    trust = ssl.create_default_context(cafile=str(server.log.parent / "web.crt"))

    async def probe() -> None:
        jar = aiohttp.DummyCookieJar()
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            async with http.get(server.base, ssl=trust) as response:
                assert response.status == 403
            async with http.get(server.url, ssl=trust, allow_redirects=False) as response:
                assert response.status == 303
                cookie = response.cookies[f"kyso_web_{server.port}"]
            assert cookie["secure"] is True
            with_cookie = {"Cookie": f"{cookie.key}={cookie.value}"}
            async with http.get(server.base, ssl=trust, headers=with_cookie) as response:
                assert response.status == 200
                page = await response.text()
            assert f"wss://127.0.0.1:{server.port}/ws" in page
            plain = server.base.replace("https:", "http:")
            with pytest.raises(aiohttp.ClientError):  # no clear-text fallback
                async with http.get(plain) as response:
                    await response.read()

    asyncio.run(asyncio.wait_for(probe(), timeout=60))


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
def test_allow_remote_without_tls_or_insecure_is_refused(host):
    result = _kyso_web("--allow-remote", "--host", host, "--port", "1")
    assert result.returncode == 2, result
    assert "--allow-remote cần HTTPS" in result.stderr
    assert "--insecure" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # no URL, no secret


def test_allow_remote_insecure_and_tls_options_are_checked():
    # --insecure lets --allow-remote through: it gets as far as the (taken) port
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _kyso_web("--allow-remote", "--insecure", "--port", str(port))
    assert result.returncode == 1, result
    assert "cổng đang được dùng" in result.stderr

    result = _kyso_web("--cert", "web.crt", "--port", "1")
    assert result.returncode == 2, result
    assert "--cert và --key" in result.stderr

    result = _kyso_web("--cert", "/nonexistent.crt", "--key", "/nonexistent.key", "--port", "1")
    assert result.returncode == 1, result
    assert "Không nạp được chứng thư TLS" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_guard_compares_safely():
    from kyso.cli.web_auth import WebGuard

    one, two = WebGuard("http://127.0.0.1:8471", 8471), WebGuard("http://127.0.0.1:8471", 8471)
    assert one.secret != two.secret and len(one.secret) >= 40
    assert one.matches(one.secret)
    for wrong in (None, "", two.secret, one.secret + "x", "é" * 43):
        assert not one.matches(wrong)
    assert one.url() == f"http://127.0.0.1:8471/?k={one.secret}"
    assert one.secret not in repr(one)
    assert WebGuard("https://kiosk.example/", 8471).secure
