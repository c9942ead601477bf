"""Rows the local cache returns to the UI and the CLI: frozen dataclasses.

Kept apart from :mod:`kyso.core.store` so the store module stays about storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "Attachment",
    "AttachmentVersion",
    "Conflict",
    "DocumentDetail",
    "FlowEntry",
    "InboxRow",
    "Opinion",
    "OutboxItem",
    "SyncStatus",
    "detail_from_json",
    "inbox_sender",
    "main_signed",
]


@dataclass(frozen=True)
class InboxRow:
    """One line of the inbox list (read from denormalized columns, no JSON)."""

    id: int
    """Server document id."""
    so_ky_hieu: str | None
    """Số/ký hiệu once issued (``05/KH-STTTT``), else ``None``."""
    trich_yeu: str
    """Summary (trích yếu)."""
    loai: str
    """Document type (Kế hoạch, Công văn…)."""
    don_vi_soan_thao: str
    """Drafting unit."""
    state: str
    """Workflow state (``cho_lanh_dao_so``…)."""
    holder: str | None
    """User name of the current holder."""
    marked: bool
    """Starred (Đánh dấu) by me."""
    version: int
    """Document version this copy reflects."""
    updated_at: str | None
    """Server time of the last change."""
    received_at: str | None
    """When it reached its holder (:func:`inbox_received`); else when it first arrived
    here."""
    pending: int
    """Number of my actions on it still waiting in the outbox."""
    sender: str | None = None
    """User name of who sent it to the holder (Từ): see :func:`inbox_sender`."""
    signed: bool = False
    """The main attachment's newest version is signed: see :func:`main_signed`."""
    signed_by_me: bool = False
    """A signed version of one of its attachments was uploaded by me."""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what ``kyso inbox --json`` prints)."""
        return {
            "id": self.id,
            "so_ky_hieu": self.so_ky_hieu,
            "trich_yeu": self.trich_yeu,
            "loai": self.loai,
            "don_vi_soan_thao": self.don_vi_soan_thao,
            "state": self.state,
            "holder": self.holder,
            "marked": self.marked,
            "version": self.version,
            "updated_at": self.updated_at,
            "received_at": self.received_at,
            "pending": self.pending,
            "sender": self.sender,
            "signed": self.signed,
            "signed_by_me": self.signed_by_me,
        }


def inbox_sender(doc: dict[str, Any]) -> str | None:
    """Who sent ``doc`` to its holder: the ``from`` of the newest flow entry to the holder.

    ``None`` when no flow entry names the holder (a draft still with its drafter).
    """
    holder = doc.get("holder")
    for entry in reversed(doc.get("flow") or ()):
        if entry.get("to") == holder:
            return entry.get("from")
    return None


def inbox_received(doc: dict[str, Any]) -> str | None:
    """When ``doc`` reached its holder: the ``at`` of the newest flow entry to the holder.

    Signing, opinions and marks add no flow entry, so they leave it alone. ``None`` when
    no flow entry names the holder (a draft still with its drafter).
    """
    holder = doc.get("holder")
    for entry in reversed(doc.get("flow") or ()):
        if entry.get("to") == holder:
            return entry.get("at") or None
    return None


def main_signed(doc: dict[str, Any]) -> bool:
    """True when the newest version of the main attachment (else the first) is signed."""
    attachments = doc.get("attachments") or ()
    main = next((a for a in attachments if a.get("is_main")), None)
    if main is None and attachments:
        main = attachments[0]
    versions = (main or {}).get("versions") or ()
    return bool(versions and versions[-1].get("signed"))


@dataclass(frozen=True)
class AttachmentVersion:
    """One version in an attachment's history (Lịch sử)."""

    n: int
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: str
    signed: bool
    note: str
    pending: bool
    """Uploaded here, not yet accepted by the server."""


@dataclass(frozen=True)
class Attachment:
    """A file attached to a document, with its versions oldest first."""

    id: int
    name: str
    is_main: bool
    versions: tuple[AttachmentVersion, ...]

    @property
    def latest(self) -> AttachmentVersion | None:
        """The newest version, if any."""
        return self.versions[-1] if self.versions else None


@dataclass(frozen=True)
class Opinion:
    """A processing opinion (ý kiến xử lý)."""

    id: int | None
    author: str
    text: str
    at: str
    pending: bool


@dataclass(frozen=True)
class FlowEntry:
    """One step of the flow history: who sent it to whom, with which action and note."""

    from_user: str | None
    to_user: str | None
    action: str
    note: str
    at: str
    pending: bool


@dataclass(frozen=True)
class DocumentDetail:
    """Everything the detail screen and ``kyso show`` need about one document."""

    id: int
    version: int
    trich_yeu: str
    loai: str
    loai_ky_hieu: str | None
    don_vi_soan_thao: str
    nguoi_soan: str | None
    holder: str | None
    state: str
    so_ky_hieu: str | None
    ngay_ban_hanh: str | None
    marked: bool
    related: tuple[int, ...]
    created_at: str | None
    updated_at: str | None
    attachments: tuple[Attachment, ...]
    opinions: tuple[Opinion, ...]
    flow: tuple[FlowEntry, ...]
    pending: int
    """My actions on it still waiting in the outbox."""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict in the server's Document shape plus ``pending``."""
        return {
            "id": self.id,
            "version": self.version,
            "trich_yeu": self.trich_yeu,
            "loai": self.loai,
            "loai_ky_hieu": self.loai_ky_hieu,
            "don_vi_soan_thao": self.don_vi_soan_thao,
            "nguoi_soan": self.nguoi_soan,
            "holder": self.holder,
            "state": self.state,
            "so_ky_hieu": self.so_ky_hieu,
            "ngay_ban_hanh": self.ngay_ban_hanh,
            "marked": self.marked,
            "related": list(self.related),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "pending": self.pending,
            "attachments": [
                {
                    "id": a.id,
                    "name": a.name,
                    "is_main": a.is_main,
                    "versions": [v.__dict__.copy() for v in a.versions],
                }
                for a in self.attachments
            ],
            "opinions": [o.__dict__.copy() for o in self.opinions],
            "flow": [
                {
                    "from": f.from_user,
                    "to": f.to_user,
                    "action": f.action,
                    "note": f.note,
                    "at": f.at,
                    "pending": f.pending,
                }
                for f in self.flow
            ],
        }


@dataclass(frozen=True)
class OutboxItem:
    """A user action waiting to be pushed."""

    seq: int
    key: str
    """Idempotency key (uuid4) sent as ``Idempotency-Key``."""
    kind: str
    """``transition``, ``opinion``, ``mark`` or ``upload``."""
    document_id: int
    base_version: int
    """The document version the action was taken on (sent as ``If-Match``)."""
    payload: dict[str, Any]
    created_at: str
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class Conflict:
    """An action the server refused; stays visible until dismissed."""

    id: int
    key: str
    kind: str
    document_id: int
    payload: dict[str, Any]
    reason: str
    """``conflict`` (someone else changed the document: 409/412) or ``rejected``."""
    status: int
    message: str
    at: str


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows about synchronisation."""

    cursor: str
    last_sync_at: str | None
    last_error: str | None
    last_error_at: str | None
    outbox: int
    conflicts: int


def detail_from_json(doc: dict[str, Any], pending: int) -> DocumentDetail:
    """A :class:`DocumentDetail` from a Document in the server's JSON shape."""
    attachments = tuple(
        Attachment(
            id=a["id"],
            name=a.get("name") or "",
            is_main=bool(a.get("is_main")),
            versions=tuple(
                AttachmentVersion(
                    n=v["n"],
                    sha256=v.get("sha256") or "",
                    size=v.get("size") or 0,
                    uploaded_by=v.get("uploaded_by") or "",
                    uploaded_at=v.get("uploaded_at") or "",
                    signed=bool(v.get("signed")),
                    note=v.get("note") or "",
                    pending=bool(v.get("pending")),
                )
                for v in a.get("versions") or ()
            ),
        )
        for a in doc.get("attachments") or ()
    )
    return DocumentDetail(
        id=int(doc["id"]),
        version=int(doc.get("version") or 0),
        trich_yeu=doc.get("trich_yeu") or "",
        loai=doc.get("loai") or "",
        loai_ky_hieu=doc.get("loai_ky_hieu"),
        don_vi_soan_thao=doc.get("don_vi_soan_thao") or "",
        nguoi_soan=doc.get("nguoi_soan"),
        holder=doc.get("holder"),
        state=doc.get("state") or "",
        so_ky_hieu=doc.get("so_ky_hieu"),
        ngay_ban_hanh=doc.get("ngay_ban_hanh"),
        marked=bool(doc.get("marked")),
        related=tuple(doc.get("related") or ()),
        created_at=doc.get("created_at"),
        updated_at=doc.get("updated_at"),
        attachments=attachments,
        opinions=tuple(
            Opinion(
                o.get("id"),
                o.get("author") or "",
                o.get("text") or "",
                o.get("at") or "",
                bool(o.get("pending")),
            )
            for o in doc.get("opinions") or ()
        ),
        flow=tuple(
            FlowEntry(
                f.get("from"),
                f.get("to"),
                f.get("action") or "",
                f.get("note") or "",
                f.get("at") or "",
                bool(f.get("pending")),
            )
            for f in doc.get("flow") or ()
        ),
        pending=pending,
    )
