"""Upload guards: the body size limit and safe file names.

:class:`BodyLimitMiddleware` answers 413 before reading anything when ``Content-Length``
says the body is too big, and stops a body that grows past the limit while it streams
(chunked uploads have no length). The per-file limit is checked again when the file is
stored (:mod:`kyso.server.blobs`).
"""

from __future__ import annotations

import json
import unicodedata

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kyso.server.blobs import MAX_FILE_SIZE

__all__ = ["MAX_BODY_SIZE", "BodyLimitMiddleware", "BodyTooLarge", "safe_name"]

MAX_BODY_SIZE = MAX_FILE_SIZE + 1024 * 1024
"""One file of 50 MB plus room for the multipart envelope and form fields."""

TOO_LARGE = "Tệp vượt quá 50 MB."


class BodyTooLarge(HTTPException):
    """The request body passed :data:`MAX_BODY_SIZE` while it was read."""

    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE)


class BodyLimitMiddleware:
    """Pure ASGI middleware limiting every request body to ``limit`` bytes."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_SIZE) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = None
                break
        if length is not None and length > self.limit:
            await _send_413(send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, limited_receive, send)


async def _send_413(send: Send) -> None:
    body = json.dumps({"detail": TOO_LARGE}, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def safe_name(name: str | None) -> str:
    """``name`` when it is a plain file name; 400 for separators, ``..``, control chars."""
    if name is None:
        raise HTTPException(400, "Thiếu tên tệp.")
    name = unicodedata.normalize("NFC", name).strip()
    if not name or name in {".", ".."}:
        raise HTTPException(400, "Tên tệp không hợp lệ.")
    if "/" in name or "\\" in name or ".." in name:
        raise HTTPException(400, "Tên tệp không được chứa “/”, “\\” hoặc “..”.")
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in name):
        raise HTTPException(400, "Tên tệp chứa ký tự không hợp lệ.")
    if len(name.encode("utf-8")) > 255:
        raise HTTPException(400, "Tên tệp quá dài (tối đa 255 byte).")
    return name
