"""The sync client: one server, one session, one store kept up to date.

* :meth:`SyncClient.push` sends the outbox oldest first (see :mod:`kyso.core.sync`).
* :meth:`SyncClient.pull` reads the changes feed from the saved cursor, one store
  transaction per page (the cursor is saved with its page).
* :meth:`SyncClient.fetch_attachment` downloads a file version on demand into the
  content-addressed blob folder.

Part of :mod:`kyso.core.sync`, which re-exports it.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyso.core.errors import AuthError, SyncError
from kyso.core.store import Store
from kyso.core.sync_session import API, Session, load_session

if TYPE_CHECKING:
    import httpx

    from kyso.core.store_rows import Conflict, OutboxItem

__all__ = ["PushReport", "SyncClient", "SyncReport", "response_detail"]


class _CursorAhead(Exception):
    """The changes feed answered 410: our cursor is beyond its newest change."""


# ---------------------------------------------------------------- reports


@dataclass(frozen=True)
class PushReport:
    """What one push did."""

    pushed: int
    """Actions the server accepted (or had already accepted: a replay)."""
    conflicts: tuple[Conflict, ...] = ()
    """Actions refused because someone else changed the document (409/412)."""
    rejected: tuple[Conflict, ...] = ()
    """Actions refused for another reason (403, 422…), with the server's message."""


@dataclass(frozen=True)
class SyncReport:
    """What one sync (push, then pull) did."""

    pushed: int
    pulled: int
    """Documents received from the changes feed."""
    conflicts: tuple[Conflict, ...] = ()
    rejected: tuple[Conflict, ...] = ()
    outbox: int = 0
    """Actions still queued afterwards."""


# ---------------------------------------------------------------- client

_RETRY_STATUS = {500, 502, 503, 504}

PAGE_SIZE = 500
"""Documents per changes page."""
FIRST_SYNC_PAGE = 2000
"""Documents per changes page in a first sync, unless the client was given a page size
(fewer round trips and transactions)."""
MAX_PAGE = 5000
"""The server's largest page (an older server refuses more than :data:`PAGE_SIZE`)."""

# A changes page's shape: "changes" is an array, and its cursor and has_more (one
# parse of the page for those two). Each change's document id is checked where the page
# is taken apart (kyso.core.store_bulk), not here: a second walk over every change was a
# sixth of a first sync's CPU.
_PAGE_SHAPE = """
SELECT json_type(:p, '$.changes') IS 'array', json_extract(:p, '$.cursor', '$.has_more')
"""
_HEAD, _TAIL = b'{"changes":[', re.compile(rb',"cursor":"([^"\\]*)","has_more":(true|false)}\s*\Z')
"""A page as the server writes it begins with the changes array and ends with cursor and
has_more: of a text that is JSON these are the page's own (the last ``}`` closes it), so
it needs no parse here; the store's parse refuses one that is not JSON."""


class SyncClient:
    """Talks to one server for one session and keeps one store up to date.

    Safe to use from a worker thread (the store serializes its own access). Use as a
    context manager or call :meth:`close`.
    """

    def __init__(
        self,
        session: Session,
        store: Store | None = None,
        *,
        timeout: float = 15.0,
        retries: int = 3,
        backoff: float = 0.2,
        page_size: int | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import httpx

        self.session = session
        self._own_store = store is None
        self.store = store if store is not None else session.store()
        self.retries = retries
        self.backoff = backoff
        self.page_size = page_size or PAGE_SIZE
        self.first_page_size = page_size or FIRST_SYNC_PAGE
        self._max_limit = MAX_PAGE
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=session.server + API,
            headers={"Authorization": f"Bearer {session.token}", "User-Agent": "kyso"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            verify=session.verify_tls,
            transport=transport,
        )

    @classmethod
    def from_saved(cls, **kwargs: Any) -> SyncClient:
        """A client for the saved session (what the app's sync worker uses)."""
        return cls(load_session(), **kwargs)

    def close(self) -> None:
        """Close the HTTP client (and the store if this client opened it)."""
        self._http.close()
        if self._own_store:
            self.store.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ---------------------------------------------------------

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request with bounded retries on network errors and 5xx.

        Returns any response below 500; raises :class:`SyncError` when the server stays
        unreachable or failing, and :class:`AuthError` on 401.
        """
        import httpx

        last: str = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(min(self.backoff * 2 ** (attempt - 1), 5.0))
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                last = _offline_message(self.session.server, exc)
                continue
            if response.status_code in _RETRY_STATUS:
                last = f"Máy chủ lỗi (HTTP {response.status_code}): {response_detail(response)}"
                continue
            if response.status_code == 401:
                raise AuthError(
                    "Phiên đăng nhập đã hết hạn hoặc không hợp lệ; hãy `kyso login` lại."
                )
            return response
        raise SyncError(last)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One API call for the use cases beyond sync (issuance, copies), with the same
        retries and errors as the client's own (see :mod:`kyso.core.server_calls`)."""
        return self._request(method, url, **kwargs)

    # -- pull --------------------------------------------------------------

    def pull(self) -> int:
        """Read the changes feed from the saved cursor; return how many documents arrived.

        The server's work and the store's overlap (:mod:`kyso.core.sync_pull`); pages are
        still stored one by one in order, each with its cursor.
        """
        try:
            return self._pull_pages()
        except _CursorAhead:
            # The server is behind our cursor (restored from a backup): read it all again.
            self.store.reset_cursor()
            return self._pull_pages()

    def _pull_pages(self) -> int:
        from kyso.core.sync_pull import pull_pages

        with self.store.bulk_load() as first:
            limit = self.first_page_size if first else self.page_size
            return pull_pages(
                self.store,
                lambda cursor: self._changes_page(cursor, limit),
                self.store.cursor,
                stage=first,
            )

    def _changes_page(self, cursor: str, limit: int) -> tuple[bytes, str, bool]:
        """One page of the changes feed after ``cursor``: its JSON text as it came
        (UTF-8), the next cursor, more?

        The page goes to the store as it is (SQLite takes it apart and checks each
        change, and its text); only its outer shape is checked here (:data:`_TAIL`; by
        SQLite when it is written another way), so no page is parsed into Python objects
        nor decoded into a str only to be encoded again."""
        import sqlite3

        limit = min(limit, self._max_limit)
        response = self._request("GET", "/changes", params={"since": cursor, "limit": limit})
        if response.status_code == 400 and limit > PAGE_SIZE:
            # A server from before big first-sync pages (its limit is 500).
            self._max_limit = PAGE_SIZE
            return self._changes_page(cursor, PAGE_SIZE)
        if response.status_code == 410:
            raise _CursorAhead
        if response.status_code != 200:
            detail = response_detail(response)
            raise SyncError(f"Không đọc được thay đổi (HTTP {response.status_code}): {detail}")
        from kyso.core.store_bulk import BAD_PAGE, page_text

        body = response.content
        tail = _TAIL.search(body, max(0, len(body) - 256)) if body.startswith(_HEAD) else None
        if tail is not None:
            return body, tail[1].decode("utf-8", "replace"), tail[2] == b"true"
        try:  # written another way (spaces, another key order): SQLite reads it
            with contextlib.closing(sqlite3.connect(":memory:")) as check:
                array, fields = check.execute(_PAGE_SHAPE, {"p": page_text(body)}).fetchone()
            next_cursor, has_more = json.loads(fields)
        except (sqlite3.DatabaseError, ValueError, TypeError, SyncError):
            array, next_cursor, has_more = False, None, False
        if not array or next_cursor is None:
            raise SyncError(BAD_PAGE)
        return body, str(next_cursor), bool(has_more)

    def refresh_profile(self) -> None:
        """Fetch "me" and my organization's users into the store."""
        me = self._request("GET", "/me")
        users = self._request("GET", "/users")
        if me.status_code == 200:
            self.store.set_meta("me", json.dumps(me.json(), ensure_ascii=False))
        if users.status_code == 200:
            self.store.set_meta("users", json.dumps(users.json(), ensure_ascii=False))

    def refresh_document(self, document_id: int) -> None:
        """Replace the cached copy with the server's (or drop it when it answers 404)."""
        response = self._request("GET", f"/documents/{document_id}")
        if response.status_code == 200:
            self.store.put_document(response.json())
        elif response.status_code == 404:
            self.store.delete_document(document_id)

    # -- push --------------------------------------------------------------

    def push(self) -> PushReport:
        """Send the outbox in order; see the module docstring for what happens on errors."""
        pushed = 0
        conflicts: list[Conflict] = []
        rejected: list[Conflict] = []
        while True:
            items = self.store.outbox(limit=1)
            if not items:
                break
            item = items[0]
            try:
                response = self._send(item)
            except SyncError as exc:
                self.store.note_attempt(item, exc.message)
                raise
            status = response.status_code
            if 200 <= status < 300:
                try:
                    document = response.json()
                except ValueError:
                    document = None
                self.store.complete(item, document if isinstance(document, dict) else None)
                pushed += 1
                continue
            conflict = status in (409, 412)
            refused = self.store.refuse(
                item, status=status, message=response_detail(response), conflict=conflict
            )
            (conflicts if conflict else rejected).append(refused)
            self.refresh_document(item.document_id)
        return PushReport(pushed, tuple(conflicts), tuple(rejected))

    def _send(self, item: OutboxItem) -> httpx.Response:
        headers = {"Idempotency-Key": item.key}
        doc = f"/documents/{item.document_id}"
        p = item.payload
        if item.kind == "transition":
            headers["If-Match"] = f'"{item.base_version}"'
            body = {"action": p["action"], "to": p.get("to"), "note": p.get("note") or ""}
            return self._request("POST", f"{doc}/transitions", json=body, headers=headers)
        if item.kind == "opinion":
            return self._request(
                "POST", f"{doc}/opinions", json={"text": p["text"]}, headers=headers
            )
        if item.kind == "mark":
            return self._request(
                "PUT", f"{doc}/mark", json={"marked": bool(p["marked"])}, headers=headers
            )
        if item.kind == "upload":
            headers["If-Match"] = f'"{item.base_version}"'
            blob = self.store.blob_path(p["sha256"])
            try:
                data = blob.read_bytes()
            except OSError:
                raise SyncError(f"Mất tệp đã ký trong bộ nhớ đệm ({blob.name[:12]}…).") from None
            return self._request(
                "POST",
                f"{doc}/attachments/{p['attachment_id']}/versions",
                files={"file": (p.get("name") or "signed.pdf", data, "application/pdf")},
                data={"note": p.get("note") or "", "signed": "true"},
                headers=headers,
            )
        raise SyncError(f"Thao tác không rõ trong hàng đợi: {item.kind}")

    # -- both --------------------------------------------------------------

    def sync(self) -> SyncReport:
        """Push the outbox, then pull the changes feed; the outcome goes into the store."""
        try:
            if self.store.me() is None:
                self.refresh_profile()
            report = self.push()
            pulled = self.pull()
        except SyncError as exc:
            self.store.record_sync(error=exc.message)
            raise
        self.store.record_sync()
        return SyncReport(
            report.pushed, pulled, report.conflicts, report.rejected, self.store.outbox_size()
        )

    def fetch_attachment(self, document_id: int, attachment_id: int, n: int | None = None) -> Path:
        """The local file of an attachment version, downloading it when not cached."""
        version = self.store.attachment_version(document_id, attachment_id, n)
        path = self.store.blob_path(version.sha256)
        if path.exists():
            return path
        response = self._request(
            "GET",
            f"/documents/{document_id}/attachments/{attachment_id}/versions/{version.n}/content",
        )
        if response.status_code != 200:
            detail = response_detail(response)
            raise SyncError(f"Không tải được tệp đính kèm (HTTP {response.status_code}): {detail}")
        self.store.put_blob(response.content, expected_sha256=version.sha256)
        return path


def response_detail(response: httpx.Response) -> str:
    """The server's one-line ``detail`` of ``response``, or the status text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "detail" in body:
        detail = body["detail"]
        if isinstance(detail, str):
            return detail[:300]
        return json.dumps(detail, ensure_ascii=False)[:300]
    return response.reason_phrase or f"HTTP {response.status_code}"


def _offline_message(server: str, exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        why = "hết thời gian chờ"
    elif isinstance(exc, httpx.ConnectError):
        why = "kết nối bị từ chối hoặc không tìm thấy máy chủ"
    else:
        why = "kết nối bị ngắt"
    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
        why = "chứng chỉ TLS của máy chủ không hợp lệ"
    return f"Không kết nối được máy chủ {server} ({why}); các thao tác vẫn được giữ để đồng bộ sau."
