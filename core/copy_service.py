"""Electronic copies through the server: number from the copies book, sign, upload.

:func:`copy_and_upload` holds the next number of the organisation's copies book
(``POST /documents/{id}/copies/number``: one sequence for sao y, sao lục and trích sao,
``01/SY-STTTT``), makes the copy with that number on it
(:func:`kyso.core.docs.copy.make_copy`, which checks its own output), and uploads it
(``POST /documents/{id}/copies``); the server checks it again and stores it as a new
document of type "Bản sao" related to the original. When anything fails after the number
was taken, the number is recorded as cancelled with the reason (the issuance rule); when
even that cannot reach the server, it stays held and the next copy of the same document
and form by this clerk reuses it.

Plain Python: no click, no Textual. Everything here blocks.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyso.core.errors import KysoError
from kyso.core.server_calls import call, call_json, refused

if TYPE_CHECKING:
    from kyso.core.docs.copy import CopyResult
    from kyso.core.sync import SyncClient

__all__ = [
    "CopyUpload",
    "allocate_copy_number",
    "cancel_copy_number",
    "copies_book",
    "copy_and_upload",
    "upload_copy",
]


@dataclass(frozen=True)
class CopyUpload:
    """A copy numbered, signed and stored on the server."""

    result: CopyResult
    so_ky_hieu: str
    """The copy's number in the copies book: ``01/SY-STTTT``."""
    document: dict[str, Any]
    """The new "Bản sao" document as the server returned it."""
    reused: bool
    """The number was already held (an earlier attempt that could not finish)."""


def allocate_copy_number(
    client: SyncClient, document_id: int, form: str, pages: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Hold the next copies-book number for ``document_id`` in ``form`` (or get back the
    one held). Returns ``(entry, created)``. Online only."""
    response = call(
        client,
        "POST",
        f"/documents/{document_id}/copies/number",
        what="cấp số bản sao",
        json={"form": form, "pages": pages or ""},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    if response.status_code not in (200, 201):
        raise refused(response, "cấp số bản sao")
    return response.json(), response.status_code == 201


def cancel_copy_number(
    client: SyncClient, document_id: int, so_ky_hieu: str, reason: str
) -> dict[str, Any]:
    """Record a held copy number as cancelled (bị huỷ) with ``reason``."""
    return call_json(
        client,
        "POST",
        f"/documents/{document_id}/copies/number/cancel",
        what="huỷ số bản sao",
        json={"so_ky_hieu": so_ky_hieu, "reason": reason[:2000] or "Không nêu lý do."},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


def upload_copy(client: SyncClient, document_id: int, so_ky_hieu: str, path: Path) -> dict:
    """Send the signed copy; returns the new "Bản sao" document."""
    response = call(
        client,
        "POST",
        f"/documents/{document_id}/copies",
        what="gửi bản sao",
        files={"file": (Path(path).name, Path(path).read_bytes(), "application/pdf")},
        data={"so_ky_hieu": so_ky_hieu},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    if response.status_code != 201:
        raise refused(response, "gửi bản sao")
    return response.json()


def copies_book(client: SyncClient, year: int) -> list[dict[str, Any]]:
    """The organisation's copies book for ``year``, by number."""
    return list(call_json(client, "GET", f"/copies/{year}", what="đọc sổ bản sao")["entries"])


def copy_and_upload(
    client: SyncClient,
    document_id: int,
    source: Path,
    output: Path,
    key,
    *,
    form: str,
    organization: str,
    pages: str | None = None,
) -> CopyUpload:
    """Number, make and upload the ``form`` copy of the issued ``source`` (the document's
    main file) into ``output``; see the module docstring."""
    from kyso.core.docs.copy import make_copy

    entry, created = allocate_copy_number(client, document_id, form, pages)
    number = str(entry["so_ky_hieu"])
    try:
        result = make_copy(
            source, output, key, form=form, organization=organization, pages=pages, number=number
        )
        document = upload_copy(client, document_id, number, result.output)
    except BaseException as exc:
        reason = exc.message if isinstance(exc, KysoError) else (str(exc) or type(exc).__name__)
        with contextlib.suppress(KysoError):
            cancel_copy_number(
                client, document_id, number, f"Làm bản sao không thành công: {reason}"
            )
        raise
    client.store.put_document(document)
    with contextlib.suppress(KysoError):
        client.sync()
    return CopyUpload(result, number, document, not created)
