"""A document as front ends see it: a whole :class:`Document` (attachments and their
versions, opinions, flow) and an :class:`InboxRow` of a list, built from the API's JSON
or the store's rows in one place (:meth:`Document.from_api`, :meth:`InboxRow.from_store`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Attachment", "Document", "FlowStep", "InboxRow", "Opinion", "Version"]


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
    """A whole document as a front end shows it (:meth:`Service.document`): its fields,
    attachments with their versions, opinions and flow. An inbox list shows
    :class:`InboxRow` instead (:meth:`as_row`)."""

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
        """Who sent it to its holder: the newest flow step to the holder."""
        for step in reversed(self.flow):
            if step.to_user == self.holder:
                return step.from_user
        return None

    @property
    def reached_holder_at(self) -> str:
        """When it reached its holder: the newest flow step to the holder, else its
        creation. Never the last change (signing or an opinion must not move it)."""
        for step in reversed(self.flow):
            if step.to_user == self.holder:
                return step.at or self.created_at or ""
        return self.created_at or ""

    def as_row(self, username: str, names: Mapping[str, str]) -> InboxRow:
        """This document as an inbox row, with the derived fields the local store fills
        (``names``: username → full name)."""
        who = self.last_sender
        return InboxRow(
            self.id,
            self.so_ky_hieu,
            self.trich_yeu,
            self.loai,
            self.don_vi_soan_thao,
            self.state,
            self.holder,
            self.marked,
            self.version,
            self.updated_at,
            self.reached_holder_at,
            self.pending,
            who,
            self.main_signed,
            self.signed_by(username),
            names.get(who, who) if who else None,
            self.nguoi_soan,
        )

    @property
    def title(self) -> str:
        """What a list or batch names it by: số/ký hiệu, else trích yếu, else ``#id``."""
        return self.so_ky_hieu or self.trich_yeu or f"#{self.id}"


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One line of an inbox view, as the local store lists it (``kyso inbox --json``)
    plus the sender's full name."""

    id: int
    so_ky_hieu: str | None = None
    trich_yeu: str = ""
    loai: str = ""
    don_vi_soan_thao: str = ""
    state: str = ""
    holder: str | None = None
    marked: bool = False
    version: int = 0
    updated_at: str | None = None
    received_at: str | None = None
    """When it reached its holder (never the last change)."""
    pending: int = 0
    sender: str | None = None
    """Who sent it to its holder (see :func:`kyso.core.store_rows.inbox_sender`)."""
    signed: bool = False
    """The main attachment's newest version is signed."""
    signed_by_me: bool = False
    sender_name: str | None = None
    nguoi_soan: str | None = None

    @classmethod
    def from_store(cls, row: Mapping[str, Any], sender_name: str | None) -> InboxRow:
        """From one of the store's inbox dicts (:meth:`kyso.core.store.Store.inbox_dicts`,
        already typed); positional, as 100,000 of them are built at once."""
        return cls(
            row["id"],
            row["so_ky_hieu"],
            row["trich_yeu"] or "",
            row["loai"] or "",
            row["don_vi_soan_thao"] or "",
            row["state"] or "",
            row["holder"],
            row["marked"],
            row["version"] or 0,
            row["updated_at"],
            row["received_at"],
            row["pending"],
            row["sender"],
            row["signed"],
            row["signed_by_me"],
            sender_name,
        )

    @property
    def title(self) -> str:
        """What a list names it by: số/ký hiệu, else trích yếu, else ``#id``."""
        return self.so_ky_hieu or self.trich_yeu or f"#{self.id}"
