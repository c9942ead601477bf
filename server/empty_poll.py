"""The changes feed's empty answer, given before FastAPI's routing and dependencies.

Every client polls ``GET /api/v1/changes?since=<newest cursor>`` and nearly always hears
that nothing changed. The answer itself is two indexed reads and a token lookup, but
FastAPI's routing, dependency solving and parameter validation around them cost about
as much again as the whole uvicorn request cycle. :class:`EmptyPollMiddleware` answers
that one request itself when it is plain: ``since`` (and ``limit``) as FastAPI would
accept them, a bearer token that is valid now, a cursor not past the newest change and
nothing new for the user. The checks and the body are the route's own
(:func:`kyso.server.auth.token_user`, :func:`kyso.server.routes_changes.cursor_ahead`,
:func:`kyso.server.routes_changes.empty_page`); anything else — a page with documents,
an odd query, a missing or expired token, a cursor ahead (410) — goes on to the route,
which answers exactly as before.
"""

from __future__ import annotations

import re

from fastapi.security.utils import get_authorization_scheme_param
from starlette.types import ASGIApp, Receive, Scope, Send

from kyso.server.auth import token_user
from kyso.server.db import Database
from kyso.server.routes_changes import MAX_LIMIT, cursor_ahead, empty_page
from kyso.server.writes import json_response

__all__ = ["EmptyPollMiddleware"]

_SINCE = re.compile(rb"[0-9]{1,18}")
_LIMIT = re.compile(rb"[1-9][0-9]{0,3}")


def _cursor(query: bytes) -> int | None:
    """``since`` of a query made only of ``since=DIGITS`` and ``limit=N`` within bounds
    (each at most once, either left out: the route's defaults); ``None`` for any other
    query, which the route judges (percent-escapes, other keys, values it refuses)."""
    since: int | None = None
    limit = False
    for part in query.split(b"&") if query else ():
        key, _, value = part.partition(b"=")
        if key == b"since" and since is None and _SINCE.fullmatch(value):
            since = int(value)
        elif key == b"limit" and not limit and _LIMIT.fullmatch(value):
            if int(value) > MAX_LIMIT:
                return None
            limit = True
        else:
            return None
    return since or 0


def _bearer(scope: Scope) -> str | None:
    """The bearer token as the route's ``HTTPBearer`` reads it (the first Authorization
    header), or ``None`` where it would find none."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            header = value.decode("latin-1")
            scheme, token = get_authorization_scheme_param(header)
            if header and scheme and token and scheme.lower() == "bearer":
                return token
            return None
    return None


class EmptyPollMiddleware:
    """Pure ASGI middleware answering the plain empty poll of ``path`` (see the module)."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"] == self.path
            and not scope.get("root_path")
        ):
            body = self._empty(scope)
            if body is not None:
                await json_response(200, body)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _empty(scope: Scope) -> bytes | None:
        cursor = _cursor(scope["query_string"])
        token = _bearer(scope) if cursor is not None else None
        if token is None:
            return None
        db: Database = scope["app"].state.db
        with db.connect() as conn:
            user = token_user(conn, token)
            if user is None or cursor_ahead(conn, cursor):
                return None
            return empty_page(conn, user.username, user.org_id, cursor)
