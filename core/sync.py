"""Sync between the local cache (:mod:`kyso.core.store`) and the e-office server.

* :func:`login` posts the user name and password, keeps the session (server URL, user
  name, bearer token) in a 0600 file in the data folder, and fills the store with "me"
  and the organization's users. The token is never logged, printed or put in an
  exception message.
* :meth:`SyncClient.push` sends the outbox oldest first, each action with its
  ``Idempotency-Key`` (so a retry after a lost answer never applies it twice) and, for
  transitions and signed uploads, ``If-Match`` on the version it was taken on. Network
  errors and 5xx are retried with a bounded backoff, then the push stops and everything
  stays queued. 409/412 turn the action into a visible *conflict*, other 4xx into a
  visible *rejected* action; either way the document is fetched again so the local
  optimistic change is replaced by the server's state.
* :meth:`SyncClient.pull` reads the changes feed from the saved cursor, one store
  transaction per page (the cursor is saved with its page).
* :meth:`SyncClient.fetch_attachment` downloads a file version on demand into the
  content-addressed blob folder.

The TUI uses a :class:`SyncClient` from a worker thread; the CLI uses the plain
functions (:func:`login`, :func:`sync`, :func:`push_quietly`, :func:`open_store`).

The session file lives in :mod:`kyso.core.sync_session`, the client in
:mod:`kyso.core.sync_client`; both are re-exported here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kyso.core.errors import AuthError, SyncError
from kyso.core.store import Store
from kyso.core.sync_client import (
    PushReport,
    SyncClient,
    SyncReport,
    _offline_message,
    response_detail,
)
from kyso.core.sync_session import (
    API,
    SESSION_FILE,
    Session,
    _default_verify,
    _normalize_server,
    load_session,
    logout,
    save_session,
    session_file,
)

if TYPE_CHECKING:
    import httpx

    from kyso.core.store_rows import OutboxItem

__all__ = [
    "API",
    "SESSION_FILE",
    "PushNote",
    "PushReport",
    "Session",
    "SyncClient",
    "SyncReport",
    "enqueue_signed",
    "load_session",
    "login",
    "logout",
    "open_store",
    "push_quietly",
    "response_detail",
    "save_session",
    "session_file",
    "sync",
]

# ---------------------------------------------------------------- plain functions


def login(
    server: str,
    username: str,
    password: str,
    *,
    verify_tls: bool | None = None,
    transport: httpx.BaseTransport | None = None,
    kiosk: bool = False,
) -> Session:
    """Log in, save the session (0600 file) and fetch my profile into the store.

    ``kiosk`` asks for a shared station's shorter session."""
    import httpx

    server = _normalize_server(server)
    verify = _default_verify() if verify_tls is None else verify_tls
    try:
        with httpx.Client(
            base_url=server + API,
            timeout=httpx.Timeout(15.0, connect=5.0),
            verify=verify,
            transport=transport,
        ) as http:
            body = {"username": username, "password": password}
            response = http.post("/auth/login", json={**body, "kiosk": True} if kiosk else body)
    except httpx.TransportError as exc:
        raise SyncError(_offline_message(server, exc).split(";")[0] + ".") from None
    if response.status_code in (400, 401, 403):
        raise AuthError("Sai tên đăng nhập hoặc mật khẩu.")
    if response.status_code == 429:
        wait = response.headers.get("retry-after", "?")
        raise SyncError(f"Đăng nhập sai quá nhiều lần; hãy thử lại sau {wait} giây.")
    if response.status_code != 200:
        detail = response_detail(response)
        raise SyncError(f"Đăng nhập thất bại (HTTP {response.status_code}): {detail}")
    try:
        body = response.json()
        token = str(body["token"])
        user = body.get("user") or {}
    except (ValueError, KeyError, TypeError):
        raise SyncError("Máy chủ trả lời đăng nhập không hợp lệ.") from None
    session = Session(server, username, token, verify)
    save_session(session)
    from kyso.core.sessions import protect, retry_pending_revokes

    protect()
    retry_pending_revokes(transport)
    with session.store() as store:
        if user:
            store.set_meta("me", json.dumps(user, ensure_ascii=False))
        with SyncClient(session, store, transport=transport) as client:
            users = client.request("GET", "/users")
            if users.status_code == 200:
                store.set_meta("users", json.dumps(users.json(), ensure_ascii=False))
    return session


def open_store(session: Session | None = None) -> Store:
    """The local cache of the saved (or given) session."""
    return (session or load_session()).store()


def sync(session: Session | None = None, *, retries: int = 3) -> SyncReport:
    """Push then pull for the saved (or given) session."""
    from kyso.core.sessions import retry_pending_revokes

    session = session or load_session()
    retry_pending_revokes()
    with SyncClient(session, retries=retries) as client:
        return client.sync()


@dataclass(frozen=True)
class PushNote:
    """What :func:`push_quietly` tells the user when not everything was sent."""

    message: str
    """A short Vietnamese note (never the session token)."""
    queued: bool
    """True: the server was not reached (or the session ended) and the actions wait in
    the outbox; False: the server refused some of them (the message says why)."""


def push_quietly(
    store: Store, session: Session | None = None, *, retries: int = 1
) -> PushNote | None:
    """Try to push right after a local action.

    Returns ``None`` when everything was sent, else a :class:`PushNote`. Never raises
    :class:`SyncError`.
    """
    session = session or load_session()
    try:
        with SyncClient(session, store, retries=retries) as client:
            report = client.push()
    except SyncError as exc:
        store.record_sync(error=exc.message)
        return PushNote("Đã xếp hàng, sẽ đồng bộ sau: " + exc.message, queued=True)
    problems = [*report.conflicts, *report.rejected]
    if problems:
        message = "; ".join(f"Máy chủ từ chối ({c.status}): {c.message}" for c in problems)
        return PushNote(message, queued=False)
    return None


def enqueue_signed(
    document_id: int,
    attachment_id: int,
    signed_pdf_path: Path,
    *,
    note: str = "",
    store: Store | None = None,
) -> OutboxItem:
    """Copy a signed PDF into the blob store and queue its upload (``signed=true``)."""
    if store is not None:
        return store.add_signed_version(document_id, attachment_id, signed_pdf_path, note=note)
    with open_store() as own:
        return own.add_signed_version(document_id, attachment_id, signed_pdf_path, note=note)
