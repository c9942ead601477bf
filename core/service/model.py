"""What front ends see: documents, inbox rows, people, conflicts and statuses as frozen
dataclasses, built from the API's JSON (docs/api.md) in one place (:meth:`Document.from_api`).

Labels (states, actions, roles) are the workflow's own; formatting for a screen (dates,
column widths) stays with the front end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kyso.core import workflow
from kyso.core.service.tokens import TokenStatus

__all__ = [
    "ACTION_LABELS",
    "ROLE_LABELS",
    "SCOPES",
    "STATE_LABELS",
    "Attachment",
    "ConflictInfo",
    "Document",
    "FlowStep",
    "Opinion",
    "Person",
    "SignRequest",
    "SignResult",
    "SyncStatus",
    "TokenStatus",
    "UserInfo",
    "Version",
]

SCOPES: dict[str, str] = {
    "inbox": "Chờ xử lý",
    "signed": "Tôi đã ký",
    "all": "Tất cả",
}
"""Inbox views: key → label."""

STATE_LABELS: dict[str, str] = {s.value: label for s, label in workflow.STATE_LABELS.items()}
"""Document state → Vietnamese label."""
ACTION_LABELS: dict[str, str] = {a.value: label for a, label in workflow.ACTION_LABELS.items()}
"""Workflow action → Vietnamese label (as the e-office guide names it)."""
ROLE_LABELS: dict[str, str] = {r.value: label for r, label in workflow.ROLE_LABELS.items()}
"""Role → Vietnamese label."""


@dataclass(frozen=True, slots=True)
class Version:
    """One version in an attachment's history (Lịch sử)."""

    n: int
    sha256: str = ""
    size: int = 0
    uploaded_by: str = ""
    uploaded_at: str = ""
    signed: bool = False
    note: str = ""
    pending: bool = False
    """Uploaded here, not yet accepted by the server."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Version:
        """From the API's ``AttachmentVersion`` JSON."""
        return cls(
            int(data.get("n") or 0),
            data.get("sha256") or "",
            int(data.get("size") or 0),
            data.get("uploaded_by") or "",
            data.get("uploaded_at") or "",
            bool(data.get("signed")),
            data.get("note") or "",
            bool(data.get("pending")),
        )


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a document, with its versions oldest first."""

    id: int
    name: str
    is_main: bool = False
    versions: tuple[Version, ...] = ()

    @property
    def latest(self) -> Version | None:
        """The newest version, if any."""
        return self.versions[-1] if self.versions else None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Attachment:
        """From the API's ``Attachment`` JSON."""
        versions = tuple(Version.from_api(v) for v in data.get("versions") or ())
        return cls(
            int(data["id"]), str(data.get("name") or ""), bool(data.get("is_main")), versions
        )


@dataclass(frozen=True, slots=True)
class Opinion:
    """A processing opinion (ý kiến xử lý)."""

    author: str
    text: str
    at: str = ""
    id: int | None = None
    pending: bool = False

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Opinion:
        """From the API's ``Opinion`` JSON."""
        return cls(
            data.get("author") or "",
            data.get("text") or "",
            data.get("at") or "",
            data.get("id"),
            bool(data.get("pending")),
        )


@dataclass(frozen=True, slots=True)
class FlowStep:
    """One step of the flow history: who sent it to whom, with which action and note."""

    from_user: str | None
    to_user: str | None
    action: str
    note: str = ""
    at: str = ""
    pending: bool = False

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> FlowStep:
        """From the API's ``FlowEntry`` JSON (``from``/``to``)."""
        return cls(
            data.get("from"),
            data.get("to"),
            data.get("action") or "",
            data.get("note") or "",
            data.get("at") or "",
            bool(data.get("pending")),
        )


@dataclass(frozen=True, slots=True)
class Document:
    """A document as a front end shows it.

    An inbox row is a Document built from the store's inbox columns: it has the row
    fields (``sender``, ``sender_name``, ``received_at``, ``signed``, ``signed_by_me``)
    and no attachments, opinions or flow. A whole document (:meth:`Service.document`)
    has those and leaves the row fields at their defaults unless a view filled them.
    """

    id: int
    trich_yeu: str = ""
    loai: str = ""
    loai_ky_hieu: str | None = None
    don_vi_soan_thao: str = ""
    nguoi_soan: str | None = None
    holder: str | None = None
    state: str = ""
    so: int | None = None
    so_ky_hieu: str | None = None
    ngay_ban_hanh: str | None = None
    marked: bool = False
    version: int = 0
    related: tuple[int, ...] = ()
    created_at: str | None = None
    updated_at: str | None = None
    pending: int = 0
    """My actions on it still waiting in the outbox."""
    attachments: tuple[Attachment, ...] = ()
    opinions: tuple[Opinion, ...] = ()
    flow: tuple[FlowStep, ...] = ()
    sender: str | None = None
    """Who sent it to its holder (inbox rows; see :func:`kyso.core.store_rows.inbox_sender`)."""
    sender_name: str | None = None
    received_at: str | None = None
    signed: bool = False
    """The main attachment's newest version is signed (inbox rows)."""
    signed_by_me: bool = False

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Document:
        """From the API's ``Document`` JSON, the store's detail dict or an inbox row."""
        get = data.get
        return cls(
            id=int(data["id"]),
            trich_yeu=get("trich_yeu") or "",
            loai=get("loai") or "",
            loai_ky_hieu=get("loai_ky_hieu"),
            don_vi_soan_thao=get("don_vi_soan_thao") or "",
            nguoi_soan=get("nguoi_soan"),
            holder=get("holder"),
            state=get("state") or "",
            so=get("so"),
            so_ky_hieu=get("so_ky_hieu"),
            ngay_ban_hanh=get("ngay_ban_hanh"),
            marked=bool(get("marked")),
            version=int(get("version") or 0),
            related=tuple(get("related") or ()),
            created_at=get("created_at"),
            updated_at=get("updated_at"),
            pending=int(get("pending") or 0),
            attachments=tuple(Attachment.from_api(a) for a in get("attachments") or ()),
            opinions=tuple(Opinion.from_api(o) for o in get("opinions") or ()),
            flow=tuple(FlowStep.from_api(f) for f in get("flow") or ()),
            sender=get("sender"),
            sender_name=get("sender_name"),
            received_at=get("received_at"),
            signed=bool(get("signed")),
            signed_by_me=bool(get("signed_by_me")),
        )

    @property
    def main_attachment(self) -> Attachment | None:
        """The main attachment (or the first one)."""
        for att in self.attachments:
            if att.is_main:
                return att
        return self.attachments[0] if self.attachments else None

    def signed_by(self, username: str) -> bool:
        """True when a signed version of an attachment was uploaded by ``username``."""
        return any(
            v.signed and v.uploaded_by == username for a in self.attachments for v in a.versions
        )

    @property
    def main_signed(self) -> bool:
        """The main attachment's newest version is signed."""
        main = self.main_attachment
        return bool(main and main.latest and main.latest.signed)

    @property
    def last_sender(self) -> str | None:
        """Who sent it to its holder: the row's ``sender``, else the newest flow step to
        the holder."""
        if self.sender is not None or not self.flow:
            return self.sender
        for step in reversed(self.flow):
            if step.to_user == self.holder:
                return step.from_user
        return None

    @property
    def reached_holder_at(self) -> str:
        """When it reached its holder: the row's ``received_at``, else the newest flow step
        to the holder, else its creation. Never the last change."""
        if self.received_at:
            return self.received_at
        for step in reversed(self.flow):
            if step.to_user == self.holder:
                return step.at or self.created_at or ""
        return self.created_at or ""

    def with_inbox_fields(self, username: str, names: Mapping[str, str]) -> Document:
        """This document with the inbox row's derived fields filled, as the local store
        fills them (``names``: username → full name)."""
        who = self.last_sender
        return replace(
            self,
            sender=who,
            sender_name=names.get(who, who) if who else None,
            signed=self.main_signed,
            signed_by_me=self.signed_by(username),
        )

    @property
    def title(self) -> str:
        """What a list or batch names it by: số/ký hiệu, else trích yếu, else ``#id``."""
        return self.so_ky_hieu or self.trich_yeu or f"#{self.id}"


@dataclass(frozen=True, slots=True)
class Person:
    """A user of my organization (recipient choice, names)."""

    username: str
    full_name: str = ""
    role: str = ""
    title: str = ""

    @property
    def name(self) -> str:
        """The full name, else the username."""
        return self.full_name or self.username

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Person:
        """From the API's ``User`` JSON."""
        return cls(
            str(data["username"]),
            data.get("full_name") or "",
            data.get("role") or "",
            data.get("title") or "",
        )


@dataclass(frozen=True, slots=True)
class ConflictInfo:
    """An action the server refused, shown until dismissed."""

    id: int
    kind: str
    document_id: int
    reason: str
    """``conflict`` or ``rejected``."""
    status: int | None
    message: str
    at: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UserInfo:
    """The signed-in user."""

    username: str
    full_name: str
    role: str
    title: str = ""
    org_name: str = ""

    @property
    def role_label(self) -> str:
        """The role in Vietnamese."""
        return ROLE_LABELS.get(self.role, self.role)


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar says about the store and the server."""

    state: str = "synced"
    """``synced``, ``syncing``, ``offline``, ``conflict`` or ``never``."""
    queued: int = 0
    """Actions waiting in the outbox."""
    conflicts: int = 0
    last_sync: str = ""
    """ISO time of the last successful sync, empty when never."""
    message: str = ""
    """Why the last sync failed, when it did."""


@dataclass(frozen=True)
class SignRequest:
    """One attachment version to sign."""

    document_id: int
    attachment_id: int
    name: str = ""


@dataclass(frozen=True)
class SignResult:
    """How signing one attachment went."""

    request: SignRequest
    ok: bool
    message: str = ""
    verified: bool = False
    path: Path | None = None
