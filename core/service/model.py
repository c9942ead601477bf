"""What front ends see: documents and inbox rows (:mod:`.documents`), people, conflicts
and statuses, as frozen dataclasses built from the API's JSON (docs/api.md).

Labels (states, actions, roles) are the workflow's own; formatting for a screen (dates,
column widths) stays with the front end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kyso.core import workflow
from kyso.core.service.documents import (
    Attachment,
    Document,
    FlowStep,
    InboxRow,
    Opinion,
    Version,
)
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
    "InboxRow",
    "IssueOrder",
    "Opinion",
    "Person",
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
class IssueOrder:
    """What the clerk asked to issue (phát hành); the PIN is never part of it."""

    doc_id: int
    date: dt.date | None = None
    """The issuance date; None: today on the server."""
    only_number: bool = False
    """Only fill the number and date ("Chỉ điền số KH, ngày tháng năm"): no token."""
    seal_png: bytes | None = field(default=None, repr=False)
    """The organisation's seal image, required unless ``only_number``."""
    note: str = ""
    """Written to the registry book and the document's flow."""
    token_options: Any = None
    """The organisation's token and key (``TokenOptions``); None: the service's own."""
    presigned: Any = None
    """The organisation's certificate checked before the PIN (``presign_issuance``)."""
