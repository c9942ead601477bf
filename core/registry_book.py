"""The organization's registry book of outgoing documents (sổ đăng ký văn bản đi).

The book lives on the server: :func:`allocate_number` takes the next number for a
document (or gets back the one it holds), :func:`cancel_number` records a held number as
cancelled (bị huỷ), :func:`number_info` is what the issuance screen shows before the clerk
applies, :func:`registry_book` and :func:`download_registry` read the book. Online only
(:mod:`kyso.core.server_calls`); :func:`kyso.core.issue_service.issue` uses these.

Plain Python: no click, no Textual. Everything here blocks.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kyso.core.atomic import write_atomic
from kyso.core.errors import KysoError
from kyso.core.server_calls import call, call_json, refused

if TYPE_CHECKING:
    from kyso.core.sync import SyncClient

__all__ = [
    "NumberInfo",
    "RegistryEntry",
    "allocate_number",
    "cancel_number",
    "download_registry",
    "number_info",
    "registry_book",
]


@dataclass(frozen=True)
class RegistryEntry:
    """One number of the registry book (the server's ``RegistryEntry``)."""

    id: int
    doc_id: int
    year: int
    so: int
    so_ky_hieu: str
    ngay: dt.date
    status: str
    """``pending`` (held for the document), ``issued`` or ``cancelled``."""
    raw: dict[str, Any]
    """Every field as the server sent it (the ten book columns included)."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RegistryEntry:
        """Build from the server's JSON."""
        return cls(
            int(data["id"]),
            int(data["doc_id"]),
            int(data["year"]),
            int(data["so"]),
            str(data["so_ky_hieu"]),
            dt.date.fromisoformat(str(data["ngay"])),
            str(data["status"]),
            dict(data),
        )


@dataclass(frozen=True)
class NumberInfo:
    """What the issuance screen shows before the clerk applies."""

    pending: RegistryEntry | None
    """The number held for this document, if any (it will be used)."""
    preview: str | None
    """The số/ký hiệu the next allocation would give (not reserved; may change)."""
    history: tuple[RegistryEntry, ...]
    """Every number this document ever got (cancelled ones included)."""


def number_info(client: SyncClient, document_id: int) -> NumberInfo:
    """The held number, the number the next allocation would give, and the history."""
    body = call_json(client, "GET", f"/documents/{document_id}/number", what="xem số văn bản")
    pending = body.get("pending")
    preview = body.get("preview")
    return NumberInfo(
        RegistryEntry.from_json(pending) if pending else None,
        str(preview["so_ky_hieu"]) if preview else None,
        tuple(RegistryEntry.from_json(e) for e in body.get("entries") or ()),
    )


def allocate_number(
    client: SyncClient, document_id: int, date: dt.date | None = None
) -> tuple[RegistryEntry, bool]:
    """Take the next number of the book for the document (or get back the one it holds).

    Returns ``(entry, created)``. Online only.
    """
    body = {"date": date.isoformat()} if date else {}
    response = call(
        client,
        "POST",
        f"/documents/{document_id}/number",
        what="cấp số",
        json=body,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    if response.status_code not in (200, 201):
        raise refused(response, "cấp số")
    return RegistryEntry.from_json(response.json()), response.status_code == 201


def cancel_number(client: SyncClient, document_id: int, reason: str) -> RegistryEntry:
    """Record the document's held number as cancelled (bị huỷ) with ``reason``."""
    body = call_json(
        client,
        "POST",
        f"/documents/{document_id}/number/cancel",
        what="huỷ số",
        json={"reason": reason[:2000] or "Không nêu lý do."},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    return RegistryEntry.from_json(body)


def registry_book(client: SyncClient, year: int) -> list[RegistryEntry]:
    """The organization's registry book for ``year`` (issued, cancelled, held numbers)."""
    body = call_json(client, "GET", f"/registry/{year}", what="đọc sổ đăng ký")
    return [RegistryEntry.from_json(e) for e in body.get("entries") or ()]


def download_registry(
    client: SyncClient, year: int, fmt: Literal["csv", "pdf"], out_path: Path
) -> Path:
    """Save the book as CSV or printable PDF (written atomically)."""
    if fmt not in ("csv", "pdf"):
        raise KysoError(f"Định dạng sổ không hỗ trợ: {fmt} (chọn csv hoặc pdf).")
    response = call(client, "GET", f"/registry/{year}/book.{fmt}", what="tải sổ đăng ký")
    if response.status_code != 200:
        raise refused(response, "tải sổ đăng ký")
    write_atomic(Path(out_path), response.content)
    return Path(out_path)
