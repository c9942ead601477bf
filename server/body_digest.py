"""A digest of each request's body, so a reused ``Idempotency-Key`` can be told apart.

:class:`BodyDigestMiddleware` hashes the body as it streams past (nothing is buffered)
and leaves the hash object in ``request.state.body_digest``. A multipart body carries a
random boundary that a client makes anew on every retry; the boundary is left out of the
hash so the same form and files give the same digest however often they are sent.
"""

from __future__ import annotations

import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyDigest", "BodyDigestMiddleware"]

_BOUNDARY = re.compile(rb'boundary="?([^";,\s]+)"?', re.IGNORECASE)


class BodyDigest:
    """SHA-256 of a body with every occurrence of ``drop`` (the multipart boundary) removed."""

    def __init__(self, drop: bytes = b"") -> None:
        self._hash = hashlib.sha256()
        self._drop = drop
        self._held = b""

    def update(self, chunk: bytes) -> None:
        """Feed the next piece of the body."""
        if not self._drop:
            self._hash.update(chunk)
            return
        data = (self._held + chunk).replace(self._drop, b"")
        keep = len(self._drop) - 1  # an occurrence may still be completed by the next chunk
        self._hash.update(data[: len(data) - keep] if len(data) > keep else b"")
        self._held = data[len(data) - keep :] if len(data) > keep else data

    def hexdigest(self) -> str:
        """The digest of everything fed so far."""
        final = self._hash.copy()
        final.update(self._held)
        return final.hexdigest()


class BodyDigestMiddleware:
    """Pure ASGI middleware putting a :class:`BodyDigest` in ``scope["state"]``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        drop = b""
        for name, value in scope.get("headers", []):
            if name == b"content-type" and value.lower().startswith(b"multipart/"):
                match = _BOUNDARY.search(value)
                drop = match.group(1) if match else b""
        digest = BodyDigest(drop)
        scope.setdefault("state", {})["body_digest"] = digest

        async def hashing_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                digest.update(message.get("body", b""))
            return message

        await self.app(scope, hashing_receive, send)
