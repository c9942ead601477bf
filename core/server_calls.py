"""Online-only calls to the server for the clerk's books (issuance numbers, copies).

The registry book and the copies book live on the server, so these calls have no offline
queue: :func:`call` turns "the server cannot be reached" into a message saying the number
cannot be taken offline, and :func:`refused` turns a refusal into the typed error a caller
(the app, the CLI) can branch on: :class:`WorkflowError` (403: not this role),
:class:`ConflictError` (409/412: the document changed first), :class:`DocumentError`
(422: the files), :class:`SyncError` otherwise. An expired session stays an
:class:`AuthError` (the way out is logging in again, not going online).

Plain Python: no click, no Textual. Everything here blocks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyso.core.errors import (
    AuthError,
    ConflictError,
    DocumentError,
    KysoError,
    SyncError,
    WorkflowError,
)

if TYPE_CHECKING:
    import httpx

    from kyso.core.sync import SyncClient

__all__ = ["call", "call_json", "fetch_file", "refused"]


def call(client: SyncClient, method: str, url: str, *, what: str, **kwargs: Any) -> httpx.Response:
    """One request through ``client`` (any answer below 500). An unreachable server
    becomes a :class:`SyncError` saying ``what`` needs it; :class:`AuthError` passes."""
    try:
        return client.request(method, url, **kwargs)
    except AuthError:
        raise
    except SyncError as exc:
        raise SyncError(
            f"Không {what} được khi không kết nối được máy chủ {client.session.server}: "
            "số văn bản do sổ đăng ký văn bản đi trên máy chủ cấp, không cấp được ngoại tuyến. "
            f"({exc.message.split(';')[0]})"
        ) from None


def refused(response: httpx.Response, what: str) -> KysoError:
    """The typed error for a refused ``response`` to a request for ``what``."""
    from kyso.core.sync import response_detail

    detail = response_detail(response)
    status = response.status_code
    if status == 403:
        return WorkflowError(f"Không {what} được: {detail}")
    if status in (409, 412):
        return ConflictError(f"Không {what} được: {detail}")
    if status == 422:
        return DocumentError(detail)
    return SyncError(f"Không {what} được (HTTP {status}): {detail}")


def call_json(client: SyncClient, method: str, url: str, *, what: str, **kwargs: Any) -> Any:
    """:func:`call`, then the JSON body of a 2xx answer; :func:`refused` otherwise."""
    response = call(client, method, url, what=what, **kwargs)
    if not 200 <= response.status_code < 300:
        raise refused(response, what)
    try:
        return response.json()
    except ValueError:
        raise SyncError(f"Máy chủ trả lời không hợp lệ khi {what}.") from None


def fetch_file(client: SyncClient, document_id: int, attachment_id: int) -> Path:
    """A file of a document in the local cache, downloaded when missing; the
    :class:`SyncError` names the document (an :class:`AuthError` passes unchanged)."""
    try:
        return client.fetch_attachment(document_id, attachment_id)
    except AuthError:
        raise
    except SyncError as exc:
        raise SyncError(f"Không tải được tệp của văn bản {document_id}: {exc.message}") from None
