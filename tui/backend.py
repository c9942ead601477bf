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
import datetime as dt
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyso.core import workflow
from kyso.core.errors import DocumentError, WorkflowError
from kyso.core.service.tokens import TokenStatus

if TYPE_CHECKING:  # pragma: no cover
    from kyso.core.issue_service import IssueResult, NumberInfo, RegistryEntry, SealPreview
    from kyso.core.placements import PlacementBook

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
    "with_inbox_fields",
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
        when = self.last_sync_text
        done = f"đồng bộ lúc {when}" if when else "đã đồng bộ"
        if self.queued:
            return f"{done}, {self.queued} chờ gửi"
        return done

    @property
    def last_sync_text(self) -> str:
        """When the last sync succeeded, Vietnam time: ``HH:MM`` today, else
        ``HH:MM dd/mm/yyyy``; empty when never."""
        from kyso.core.clock import vn_today
        from kyso.tui.format import date_vn, time_vn

        when = time_vn(self.last_sync)
        if not when:
            return ""
        day = date_vn(self.last_sync)
        return when if day == f"{vn_today():%d/%m/%Y}" else f"{when} {day}"


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


def with_inbox_fields(doc: Document, username: str, names: dict[str, str]) -> Document:
    """``doc`` with the inbox list's derived fields, as the local store fills them:
    ``sender``, ``sender_name`` (from ``names``: username → full name), ``signed`` and
    ``signed_by_me``."""
    from kyso.core.store_rows import inbox_sender, main_signed

    who = inbox_sender(doc)
    doc["sender"] = who
    doc["sender_name"] = names.get(who, who) if who else None
    doc["signed"] = main_signed(doc)
    doc["signed_by_me"] = signed_by(doc, username)
    return doc


class Backend(ABC):
    """The app's view of the local store plus the use cases it may run.

    Every method may block (disk, network through sync, token): call them from workers.
    """

    user: UserInfo

    @abstractmethod
    def documents(self, scope: str = "inbox") -> list[Document]:
        """Documents of one inbox view (``inbox``, ``signed``, ``all``), newest first.

        Besides the Document fields each has ``sender`` (who sent it to the holder),
        ``sender_name`` (their full name), ``signed`` (the main attachment's newest
        version is signed) and ``signed_by_me``; see :func:`with_inbox_fields`.
        """

    def first_documents(self, scope: str, count: int) -> list[Document] | None:
        """The first ``count`` of :meth:`documents`, in order, when the backend can read
        them faster than the whole view (the inbox's first screenful); else ``None``."""
        return None

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

    # -- issuance (văn thư): see kyso.core.issue_service ------------------------------

    def clerk_inbox(self) -> list[Document]:
        """Documents waiting for me to issue (``cho_van_thu``, held by me)."""
        return [d for d in self.documents("inbox") if d.get("state") == "cho_van_thu"]

    def number_info(self, doc_id: int) -> NumberInfo:
        """The number held for the document, the one the next allocation would give
        (not reserved), and every number it ever got."""
        raise WorkflowError(_NO_ISSUANCE)

    def seal_preview(self, doc_id: int) -> SealPreview:
        """Where the number, the date and the seal will go on the leader-signed file."""
        raise WorkflowError(_NO_ISSUANCE)

    def seal_image(self, configured: str = "") -> tuple[bytes, str]:
        """The seal PNG (``configured`` file, else the demo seal) and where it came from."""
        raise WorkflowError(_NO_ISSUANCE)

    def presign_issuance(
        self, token_options: Any, signing: Any, audit: Callable[..., Any] | None = None
    ) -> Any:
        """Check the organisation's certificate before the PIN (``signing``: the
        ``SigningSettings``; a
        :class:`~kyso.core.errors.CertificateError` when it may not sign) and plan the
        level; None when this backend signs no issuance with a token."""
        return None

    def issue(
        self,
        doc_id: int,
        *,
        pin: str | None = None,
        token_options: Any = None,
        seal_png: bytes | None = None,
        date: dt.date | None = None,
        only_number: bool = False,
        on_step: Callable[[str, str], None] | None = None,
        presigned: Any = None,
    ) -> IssueResult:
        """Phát hành: take the number, fill number and date, sign as the organization
        with the seal (the token opened with ``pin``; no token with ``only_number``),
        upload, sync. ``on_step(step, message)`` reports download/allocate/sign/upload/sync."""
        raise WorkflowError(_NO_ISSUANCE)

    def registry(self, year: int) -> list[RegistryEntry]:
        """The registry book (sổ đăng ký văn bản đi) of ``year``, by number."""
        raise WorkflowError(_NO_ISSUANCE)

    def export_registry(self, year: int, fmt: str, path: Path) -> Path:
        """Write the book of ``year`` as ``csv`` or ``pdf`` to ``path``."""
        raise WorkflowError(_NO_ISSUANCE)

    def cancel_number(self, doc_id: int, reason: str) -> RegistryEntry:
        """Record the number held for the document as cancelled (bị huỷ)."""
        raise WorkflowError(_NO_ISSUANCE)

    def export_edxml(self, doc_id: int, path: Path) -> Path:
        """Write an issued document as an edXML-style package to ``path``."""
        raise WorkflowError(_NO_ISSUANCE)

    def local_today(self) -> dt.date:
        """The clerk's calendar day (Vietnam); a test backend may fix it."""
        from kyso.core.clock import vn_today

        return vn_today()

    def placements(self) -> PlacementBook:
        """The signer's remembered signature positions (per document type and page-count
        bucket). A backend without a local store keeps them in memory."""
        book = getattr(self, "_placement_book", None)
        if book is None:
            from kyso.core.placements import PlacementBook

            book = self._placement_book = PlacementBook.in_memory()
        return book

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files and connections."""


_NO_ISSUANCE = "Chưa hỗ trợ phát hành văn bản ở chế độ này"


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
    book: list[dict[str, Any]] = field(default_factory=list)
    """Registry book rows (the server's ``RegistryEntry`` JSON), every year."""
    previews: dict[int, Any] = field(default_factory=dict)
    """Document id → :class:`~kyso.core.issue_service.SealPreview` (for tests)."""
    refuse_issue: str = ""
    """When set, issuing fails at upload with this reason and cancels the number."""
    today: dt.date | None = None
    """The issuance date when none is given (default: today)."""
    store: Any = None
    """A real :class:`~kyso.core.store.Store` whose remembered positions are used
    (restart tests); None keeps them in memory."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def local_today(self) -> dt.date:
        return self.today or super().local_today()

    def placements(self) -> PlacementBook:
        return self.store.placements if self.store is not None else super().placements()

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
            names = {p["username"]: p.get("full_name") or p["username"] for p in self.people}
            names.setdefault(self.user.username, self.user.full_name)
            return [with_inbox_fields(copy.deepcopy(d), self.user.username, names) for d in docs]

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
            if note:  # as the store and the server do: the note is the opinion
                doc.setdefault("opinions", []).append(
                    {"id": 0, "author": self.user.username, "text": note, "at": ""}
                )
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

    # -- issuance ----------------------------------------------------------------------

    def _entries(self, **match: Any) -> list[RegistryEntry]:
        from kyso.core.issue_service import RegistryEntry

        rows = [r for r in self.book if all(r.get(k) == v for k, v in match.items())]
        return [RegistryEntry.from_json(r) for r in sorted(rows, key=lambda r: r["so"])]

    def _next(self, doc: Document, year: int) -> tuple[int, str]:
        so = 1 + max((r["so"] for r in self.book if r["year"] == year), default=0)
        return so, f"{so:02d}/{doc.get('loai_ky_hieu') or 'CV'}-STTTT"

    def number_info(self, doc_id: int) -> NumberInfo:
        from kyso.core.issue_service import NumberInfo

        with self._lock:
            doc = self._find(doc_id)
            history = self._entries(doc_id=doc_id)
            pending = next((e for e in history if e.status == "pending"), None)
            year = self.local_today().year
            preview = None
            if pending is None and doc.get("state") == "cho_van_thu":
                preview = self._next(doc, year)[1]
            return NumberInfo(pending, preview, tuple(history))

    def seal_preview(self, doc_id: int) -> SealPreview:
        try:
            return self.previews[doc_id]
        except KeyError:
            raise DocumentError("Tệp chính chưa có chữ ký (hiển thị) của lãnh đạo.") from None

    def seal_image(self, configured: str = "") -> tuple[bytes, str]:
        from kyso.core.docs.seal import make_seal_png

        if configured:
            try:
                return Path(configured).read_bytes(), f"con dấu trong cấu hình ({configured})"
            except OSError as exc:
                raise DocumentError(f"Không đọc được ảnh con dấu {configured}: {exc}") from None
        org = self.user.org_name or "Cơ quan"
        return make_seal_png(org), f"con dấu mẫu (demo) vẽ theo tên “{org}”"

    def issue(
        self,
        doc_id: int,
        *,
        pin: str | None = None,
        token_options: Any = None,
        seal_png: bytes | None = None,
        date: dt.date | None = None,
        only_number: bool = False,
        on_step: Callable[[str, str], None] | None = None,
        presigned: Any = None,
    ) -> IssueResult:
        from kyso.core.issue_service import IssueResult, RegistryEntry

        def step(name: str, message: str) -> None:
            if on_step is not None:
                on_step(name, message)

        step("download", "Tải văn bản và tệp đã ký về máy")
        with self._lock:
            doc = self._find(doc_id)
            if self.user.role != "van_thu":
                raise WorkflowError("Chỉ văn thư được cấp số và phát hành văn bản.")
            if doc.get("state") != "cho_van_thu" or doc.get("holder") != self.user.username:
                raise WorkflowError(f"Văn bản {doc_id} không chờ bạn phát hành.")
        step("allocate", "Lấy số từ sổ đăng ký văn bản đi")
        day = date or self.local_today()
        with self._lock:
            row = next(
                (r for r in self.book if r["doc_id"] == doc_id and r["status"] == "pending"), None
            )
            reused = row is not None
            if row is None:
                so, so_ky_hieu = self._next(doc, day.year)
                row = {
                    "id": len(self.book) + 1,
                    "doc_id": doc_id,
                    "year": day.year,
                    "so": so,
                    "so_ky_hieu": so_ky_hieu,
                    "ngay": day.isoformat(),
                    "status": "pending",
                    "ten_loai_trich_yeu": doc.get("trich_yeu", ""),
                    "nguoi_ky": "",
                    "noi_nhan": "",
                    "noi_luu": "VT",
                    "so_luong_ban": 1,
                    "ngay_chuyen": "",
                    "ky_nhan": "",
                    "ghi_chu": "",
                }
                self.book.append(row)
            self.log.append(("allocate", (doc_id, row["so_ky_hieu"])))
        step("sign", f"Điền số {row['so_ky_hieu']}, ngày và ký số cơ quan")
        step("upload", "Gửi bản phát hành lên máy chủ")
        with self._lock:
            if self.refuse_issue:
                row["status"] = "cancelled"
                row["ghi_chu"] = f"Số bị huỷ: Phát hành không thành công: {self.refuse_issue}"
                raise DocumentError(self.refuse_issue)
            row["status"] = "issued"
            row["ngay_chuyen"] = f"{row['ngay']}T10:00:00+07:00"
            doc.update(
                state="da_ban_hanh",
                holder="",
                so=row["so"],
                so_ky_hieu=row["so_ky_hieu"],
                ngay_ban_hanh=row["ngay"],
            )
            self.log.append(("issue", (doc_id, row["so_ky_hieu"], only_number)))
            issued = copy.deepcopy(doc)
        step("sync", "Đồng bộ")
        main = main_attachment(issued)
        preview = self.previews.get(doc_id)
        return IssueResult(
            doc_id,
            row["so_ky_hieu"],
            RegistryEntry.from_json(row).ngay,
            not only_number,
            reused,
            self.files.get((doc_id, main["id"] if main else 0), Path()),
            (),
            None if only_number or preview is None else preview.seal_box,
            None if preview is None else preview.leader_box,
            issued,
        )

    def registry(self, year: int) -> list[RegistryEntry]:
        with self._lock:
            return self._entries(year=year)

    def export_registry(self, year: int, fmt: str, path: Path) -> Path:
        import csv
        import io

        from kyso.core.atomic import write_atomic

        if fmt != "csv":
            raise DocumentError("Bộ nhớ tạm chỉ xuất được CSV")
        out = io.StringIO()
        writer = csv.writer(out)
        for entry in self.registry(year):
            writer.writerow([entry.so_ky_hieu, entry.ngay.isoformat(), entry.raw.get("ghi_chu")])
        write_atomic(Path(path), ("\ufeff" + out.getvalue()).encode("utf-8"))
        self.log.append(("export", (year, fmt, str(path))))
        return Path(path)

    def cancel_number(self, doc_id: int, reason: str) -> RegistryEntry:
        from kyso.core.issue_service import RegistryEntry

        with self._lock:
            for row in self.book:
                if row["doc_id"] == doc_id and row["status"] == "pending":
                    row["status"] = "cancelled"
                    row["ghi_chu"] = f"Số bị huỷ: {reason}"
                    self.log.append(("cancel", (doc_id, reason)))
                    return RegistryEntry.from_json(row)
        raise WorkflowError("Văn bản không giữ số nào để huỷ.")
