"""The per-launch secret in front of ``kyso web``.

Loopback is not a boundary on a shared machine (a jump host, a terminal server): every
local account can open 127.0.0.1. So each launch makes a random secret that only the URL
printed to the launching user's terminal carries (``/?k=SECRET``). The first request with
it gets a cookie (HttpOnly, SameSite=Strict, Path=/) so the page's own requests, reloads
and its websocket pass too, and a redirect to the same address without the secret, so the
browser's history and address bar never keep it; every other request gets 403 before
textual-serve sees it.
The secret lives in this process's memory only: no file, no log.
"""

from __future__ import annotations

import secrets
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kyso.core.errors import KysoError

__all__ = ["QUERY_KEY", "WebGuard", "tls_context"]

QUERY_KEY = "k"
"""The query parameter that carries the secret in the printed URL."""

_FORBIDDEN = (
    "403 — thiếu hoặc sai mã truy cập. Mở đúng địa chỉ (có ?k=…) mà lệnh `kyso web` "
    "đã in ra trong terminal của người chạy nó."
)
_FOREIGN_ORIGIN = "403 — kết nối đến từ một trang khác; chỉ trang của kyso web được mở phiên."


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, as a browser writes it in an Origin header."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True)
class WebGuard:
    """Checks every request for this launch's secret (query) or its cookie."""

    public_url: str
    """The address browsers use, without the secret (the page's origin)."""
    port: int
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)

    @property
    def cookie_name(self) -> str:
        """Cookies are shared between the ports of a host: one name per port."""
        return f"kyso_web_{self.port}"

    @property
    def secure(self) -> bool:
        """The browser reaches the page over HTTPS (TLS here or at a proxy)."""
        return self.public_url.lower().startswith("https:")

    def url(self) -> str:
        """The address to print once, for the launching user only."""
        return f"{self.public_url.rstrip('/')}/?{QUERY_KEY}={self.secret}"

    def matches(self, presented: str | None) -> bool:
        """Constant-time comparison; bytes, so non-ASCII input is a mismatch, not an error."""
        if not presented:
            return False
        return secrets.compare_digest(presented.encode(), self.secret.encode())

    def _origin_allowed(self, request: Any) -> bool:
        """A browser's websocket must come from this page, not another port of the host.

        SameSite counts every port of 127.0.0.1 as the same site, so a page served by
        another local account on another port would get the cookie sent along; the
        Origin header tells them apart. Clients that send no Origin (not a browser) pass.
        """
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        allowed = {_origin(self.public_url), f"{request.scheme}://{request.host}".lower()}
        return origin.lower() in allowed

    def middleware(self) -> Any:
        """An aiohttp middleware that answers 403 unless the request carries the secret."""
        from aiohttp import hdrs, web

        @web.middleware
        async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
            by_cookie = self.matches(request.cookies.get(self.cookie_name))
            by_query = not by_cookie and self.matches(request.query.get(QUERY_KEY))
            if not (by_cookie or by_query):
                raise web.HTTPForbidden(text=_FORBIDDEN)
            upgrade = request.headers.get(hdrs.UPGRADE, "").lower() == "websocket"
            if upgrade and not self._origin_allowed(request):
                raise web.HTTPForbidden(text=_FOREIGN_ORIGIN)
            if by_query and request.method in ("GET", "HEAD") and not upgrade:
                # the address with the secret stays out of the history: the browser
                # replaces it with the redirect's target, which carries the cookie instead
                response = web.HTTPSeeOther(request.rel_url.without_query_params(QUERY_KEY))
                self._hand_over(response)
                return response
            response = await handler(request)
            if response.prepared:  # a websocket or a download: its headers are gone
                return response
            # the page links a web font: the address with the secret must not leak
            response.headers["Referrer-Policy"] = "no-referrer"
            if by_query:
                self._hand_over(response)
            return response

        return guard

    def _hand_over(self, response: Any) -> None:
        """Give the browser the cookie that stands for the secret from now on."""
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        response.set_cookie(
            self.cookie_name,
            self.secret,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=self.secure,
        )


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A server TLS context from PEM files; one Vietnamese line if they do not load."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile=str(cert), keyfile=str(key))
    except (OSError, ssl.SSLError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise KysoError(
            f"Không nạp được chứng thư TLS {cert} với khóa {key} ({reason}).",
            title="Web",
        ) from None
    return context
