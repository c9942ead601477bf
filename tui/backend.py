"""What the screens may ask for: the local store's data and the core use cases.

Screens never talk to the server or the token. They hold a :class:`Backend` and call it
from worker threads (every method may block). Documents are the API's ``Document``
dictionaries (see docs/api.md), as the local store keeps them.

:class:`StaticBackend` serves a fixed list of documents from memory: used by tests,
snapshots and the screens' first frame before a store exists. The real backend
(:mod:`kyso.tui.store_backend`) wraps ``kyso.core.store`` and ``kyso.core.sync``.
"""

from __future__ import annotations

import copy
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kyso.core import workflow
from kyso.core.errors import DocumentError, WorkflowError

__all__ = [
    "ACTION_LABELS",
    "ROLE_LABELS",
    "SCOPES",
    "STATE_LABELS",
    "Backend",
    "Document",
    "StaticBackend",
    "SyncStatus",
    "TokenStatus",
    "UserInfo",
    "main_attachment",
    "signed_by",
]

Document = dict[str, Any]
"""A document as the API and the local store describe it."""

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

    @property
    def label(self) -> str:
        """One short Vietnamese phrase."""
        if self.state == "syncing":
            return "đang đồng bộ…"
        if self.state == "offline":
            return f"ngoại tuyến, {self.queued} chờ gửi"
        if self.state == "conflict":
            return f"xung đột: {self.conflicts}"
        if self.state == "never":
            return "chưa đồng bộ"
        if self.queued:
            return f"đã đồng bộ, {self.queued} chờ gửi"
        return "đã đồng bộ"


@dataclass(frozen=True)
class TokenStatus:
    """What the status bar says about the token."""

    present: bool = False
    label: str = ""
    holder: str = ""
    valid_until: str = ""
    """dd/mm/yyyy."""
    message: str = ""
    """Why no token was found (or cannot sign), when so."""
    pin_state: str = ""
    """``ok``, ``count_low``, ``final_try`` or ``locked``, as the token reports."""

    @property
    def text(self) -> str:
        """One short Vietnamese phrase."""
        if not self.present:
            return "không có token"
        parts = [self.label or "token"]
        if self.holder:
            parts.append(self.holder)
        if self.valid_until:
            parts.append(f"đến {self.valid_until}")
        return " · ".join(parts)


@dataclass
class SignRequest:
    """One attachment version to sign."""

    document_id: int
    attachment_id: int
    name: str = ""


@dataclass
class SignResult:
    """How signing one attachment went."""

    request: SignRequest
    ok: bool
    message: str = ""
    verified: bool = False


def main_attachment(doc: Document) -> dict[str, Any] | None:
    """The document's main attachment (or its first one)."""
    attachments = doc.get("attachments") or []
    for att in attachments:
        if att.get("is_main"):
            return att
    return attachments[0] if attachments else None


def signed_by(doc: Document, username: str) -> bool:
    """True when a signed version of an attachment was uploaded by ``username``."""
    for att in doc.get("attachments") or []:
        for version in att.get("versions") or []:
            if version.get("signed") and version.get("uploaded_by") == username:
                return True
    return False


class Backend(ABC):
    """The app's view of the local store plus the use cases it may run.

    Every method may block (disk, network through sync, token): call them from workers.
    """

    user: UserInfo

    @abstractmethod
    def documents(self, scope: str = "inbox") -> list[Document]:
        """Documents of one inbox view (``inbox``, ``signed``, ``all``), newest first."""

    @abstractmethod
    def document(self, doc_id: int) -> Document:
        """One document; :class:`KysoError` when it is not in the store."""

    @abstractmethod
    def attachment_file(self, doc_id: int, att_id: int, n: int | None = None) -> Path:
        """A local path of an attachment version's bytes (the newest when ``n`` is None)."""

    def users(self) -> list[dict[str, Any]]:
        """Users of my organization (recipient choice)."""
        return []

    def allowed_actions(self, doc: Document) -> list[str]:
        """The workflow actions my role may take on ``doc`` now."""
        return []

    def transition(self, doc_id: int, action: str, to: str | None, note: str) -> Document:
        """Record a transition (queued for the server)."""
        raise WorkflowError("Chưa hỗ trợ chuyển văn bản ở chế độ này")

    def add_opinion(self, doc_id: int, text: str) -> Document:
        """Record an opinion (queued for the server)."""
        raise WorkflowError("Chưa hỗ trợ thêm ý kiến ở chế độ này")

    def set_marked(self, doc_id: int, marked: bool) -> Document:
        """Mark or unmark a document (★)."""
        raise WorkflowError("Chưa hỗ trợ đánh dấu ở chế độ này")

    def sync(self) -> SyncStatus:
        """Push the outbox and pull changes; returns the new status."""
        return self.sync_status()

    def sync_status(self) -> SyncStatus:
        """The store's sync state without touching the network."""
        return SyncStatus()

    def token_status(self) -> TokenStatus:
        """The token the station would sign with (no PIN asked)."""
        return TokenStatus()

    def add_signed_version(self, doc_id: int, att_id: int, path: Path, note: str) -> Document:
        """Record a signed version of an attachment (uploaded through the outbox)."""
        raise WorkflowError("Chưa hỗ trợ tải lên bản đã ký ở chế độ này")

    def conflicts(self) -> list[dict[str, Any]]:
        """Actions the server refused (``id``, ``kind``, ``document_id``, ``reason``,
        ``status``, ``message``, ``at``), newest first, until dismissed."""
        return []

    def dismiss_conflict(self, conflict_id: int) -> None:  # noqa: B027 - optional hook
        """Hide a refused action the user has seen."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files and connections."""


@dataclass
class StaticBackend(Backend):
    """Documents held in memory; changes stay in memory (tests, snapshots)."""

    user: UserInfo
    docs: list[Document] = field(default_factory=list)
    files: dict[tuple[int, int], Path] = field(default_factory=dict)
    """(document id, attachment id) → a local PDF."""
    people: list[dict[str, Any]] = field(default_factory=list)
    actions: Callable[[Document, UserInfo], list[str]] | None = None
    status: SyncStatus = field(default_factory=SyncStatus)
    token: TokenStatus = field(default_factory=TokenStatus)
    log: list[tuple[str, Any]] = field(default_factory=list)
    """Every change asked for, in order (for tests)."""
    refused: list[dict[str, Any]] = field(default_factory=list)
    """Conflicts to show (for tests and snapshots)."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def _find(self, doc_id: int) -> Document:
        for doc in self.docs:
            if doc["id"] == doc_id:
                return doc
        raise DocumentError(f"Không có văn bản số {doc_id} trong bộ nhớ đệm")

    def documents(self, scope: str = "inbox") -> list[Document]:
        with self._lock:
            docs: Iterable[Document] = self.docs
            if scope == "inbox":
                docs = [d for d in docs if d.get("holder") == self.user.username]
            elif scope == "signed":
                docs = [d for d in docs if signed_by(d, self.user.username)]
            return [copy.deepcopy(d) for d in docs]

    def document(self, doc_id: int) -> Document:
        with self._lock:
            return copy.deepcopy(self._find(doc_id))

    def attachment_file(self, doc_id: int, att_id: int, n: int | None = None) -> Path:
        try:
            return self.files[(doc_id, att_id)]
        except KeyError:
            raise DocumentError("Tệp đính kèm chưa được tải về máy") from None

    def users(self) -> list[dict[str, Any]]:
        return list(self.people)

    def allowed_actions(self, doc: Document) -> list[str]:
        if self.actions is not None:
            return self.actions(doc, self.user)
        try:
            found = workflow.allowed_actions(
                self.user.role,
                doc.get("state", ""),
                is_holder=doc.get("holder") == self.user.username,
            )
        except Exception:
            return []
        return [str(a.value) for a in found]

    def transition(self, doc_id: int, action: str, to: str | None, note: str) -> Document:
        with self._lock:
            doc = self._find(doc_id)
            doc.setdefault("flow", []).append(
                {"from": self.user.username, "to": to, "action": action, "note": note, "at": ""}
            )
            doc["holder"] = to or ""
            self.log.append(("transition", (doc_id, action, to, note)))
            return copy.deepcopy(doc)

    def add_opinion(self, doc_id: int, text: str) -> Document:
        with self._lock:
            doc = self._find(doc_id)
            doc.setdefault("opinions", []).append(
                {"id": 0, "author": self.user.username, "text": text, "at": ""}
            )
            self.log.append(("opinion", (doc_id, text)))
            return copy.deepcopy(doc)

    def set_marked(self, doc_id: int, marked: bool) -> Document:
        with self._lock:
            doc = self._find(doc_id)
            doc["marked"] = marked
            self.log.append(("mark", (doc_id, marked)))
            return copy.deepcopy(doc)

    def sync_status(self) -> SyncStatus:
        return self.status

    def conflicts(self) -> list[dict[str, Any]]:
        return [dict(c) for c in self.refused]

    def dismiss_conflict(self, conflict_id: int) -> None:
        self.refused = [c for c in self.refused if c["id"] != conflict_id]

    def token_status(self) -> TokenStatus:
        return self.token

    def add_signed_version(self, doc_id: int, att_id: int, path: Path, note: str) -> Document:
        with self._lock:
            doc = self._find(doc_id)
            for att in doc.get("attachments") or []:
                if att["id"] == att_id:
                    versions = att.setdefault("versions", [])
                    versions.append(
                        {
                            "n": len(versions) + 1,
                            "sha256": "",
                            "size": path.stat().st_size,
                            "uploaded_by": self.user.username,
                            "uploaded_at": "",
                            "signed": True,
                            "note": note,
                        }
                    )
            self.files[(doc_id, att_id)] = path
            self.log.append(("signed", (doc_id, att_id, str(path))))
            return copy.deepcopy(doc)
