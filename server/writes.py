"""Writes: one transaction per request, ``Idempotency-Key`` replay and ``If-Match``.

:func:`idempotent_write` runs a route's effect inside ``BEGIN IMMEDIATE``. With an
``Idempotency-Key`` header, the key, the user and the response (status, body, ETag) are
stored in the same transaction as the effect, so a replay — after a lost response or a
server crash — returns exactly the first response and never repeats the effect. A
workflow refusal (403/404/409/412/422) is stored too: the first answer is the answer.
The key is bound to the request's method, path, query and body digest
(:mod:`kyso.server.body_digest`): the same key with anything else is a 422, never a
silent replay that would lose the second body.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, Request, Response

from kyso.server.auth import CurrentUser
from kyso.server.db import Database, now_iso

__all__ = ["Result", "check_if_match", "document_response", "idempotent_write", "json_response"]

Result = tuple[int, Any, str | None]
"""What an effect returns: status code, JSON body, ETag (or ``None``)."""

_KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")
_STORED_ERRORS = {403, 404, 409, 412, 422}


def json_response(status: int, body: Any, etag: str | None = None) -> Response:
    """A JSON response (UTF-8, Vietnamese left readable) with an optional ETag."""
    content = body if isinstance(body, bytes) else _dumps(body)
    headers = {"ETag": etag} if etag else None
    return Response(content, status_code=status, media_type="application/json", headers=headers)


def _dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def document_response(document: dict[str, Any], status: int = 200) -> Result:
    """A ``Result`` for a ``Document`` body, with its version as the ETag."""
    return status, document, f'"{document["version"]}"'


def check_if_match(request: Request, version: int) -> None:
    """412 when the request's ``If-Match`` names another version than ``version``."""
    header = request.headers.get("if-match")
    if header is None:
        return
    wanted: list[str] = []
    for part in header.split(","):
        tag = part.strip()
        if tag == "*":
            return
        tag = tag.removeprefix("W/").strip().strip('"')
        if not tag.isdigit():
            raise HTTPException(400, "Tiêu đề If-Match không hợp lệ.")
        wanted.append(tag)
    if str(version) not in {w.lstrip("0") or "0" for w in wanted}:
        raise HTTPException(
            412, f"Văn bản đã được thay đổi (phiên bản hiện tại: {version}). Hãy tải lại."
        )


def _fingerprint(request: Request) -> str:
    """``METHOD path?query sha256-of-body`` (the body digest left out when not measured)."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    digest = getattr(request.state, "body_digest", None)
    body = digest.hexdigest() if digest is not None else "-"
    return f"{request.method} {target} {body}"


def _same_request(stored: str, current: str) -> bool:
    # Keys stored before bodies were fingerprinted hold only "METHOD path".
    if stored.count(" ") == 1:
        return current.split(" ")[:2] == stored.split(" ")
    return stored == current


def idempotent_write(
    request: Request, user: CurrentUser, effect: Callable[[sqlite3.Connection], Result]
) -> Response:
    """Run ``effect`` in one write transaction, honouring ``Idempotency-Key``."""
    key = request.headers.get("idempotency-key")
    if key is not None and not _KEY_RE.match(key):
        raise HTTPException(400, "Idempotency-Key không hợp lệ (tối đa 200 ký tự ASCII).")
    fingerprint = _fingerprint(request)
    db: Database = request.app.state.db
    with db.write() as conn:
        if key is not None:
            row = conn.execute(
                "SELECT fingerprint, status, body, etag FROM idempotency"
                " WHERE user_id = ? AND key = ?",
                (user.id, key),
            ).fetchone()
            if row is not None:
                if not _same_request(row["fingerprint"], fingerprint):
                    raise HTTPException(422, "Idempotency-Key này đã dùng cho một yêu cầu khác.")
                return json_response(row["status"], bytes(row["body"]), row["etag"])
        conn.execute("SAVEPOINT effect")
        headers: dict[str, str] | None = None
        try:
            status, body, etag = effect(conn)
        except HTTPException as exc:
            conn.execute("ROLLBACK TO effect")
            conn.execute("RELEASE effect")
            if key is None or exc.status_code not in _STORED_ERRORS:
                raise
            status, body, etag = exc.status_code, {"detail": exc.detail}, None
            headers = exc.headers
        else:
            conn.execute("RELEASE effect")
        payload = _dumps(body)
        if key is not None:
            conn.execute(
                "INSERT INTO idempotency (user_id, key, fingerprint, status, body, etag,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user.id, key, fingerprint, status, payload, etag, now_iso()),
            )
    response = json_response(status, payload, etag)
    if headers:
        response.headers.update(headers)
    return response
