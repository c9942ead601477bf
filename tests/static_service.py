"""An in-memory :class:`~kyso.core.service.api.Service` for the app's tests and
snapshots: a fixed list of documents (the API's JSON), changes kept in memory and logged.
It ships nowhere: only tests import it."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyso.core import workflow
from kyso.core.errors import DocumentError, WorkflowError
from kyso.core.service.api import Service
from kyso.core.service.model import (
    ConflictInfo,
    Document,
    InboxRow,
    IssueOrder,
    Person,
    SyncStatus,
    TokenStatus,
    UserInfo,
)

if TYPE_CHECKING:  # pragma: no cover
    from kyso.core.issue_service import IssueResult, NumberInfo, RegistryEntry, SealPreview
    from kyso.core.placements import PlacementBook

__all__ = ["StaticService"]


@dataclass
class StaticService(Service):
    """Documents held in memory as the API's JSON (like a server would send them);
    changes stay in memory. Every answer is a :class:`Document`."""

    user: UserInfo
    docs: list[dict[str, Any]] = field(default_factory=list)
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

    def _find(self, doc_id: int) -> dict[str, Any]:
        for doc in self.docs:
            if doc["id"] == doc_id:
                return doc
        raise DocumentError(f"Không có văn bản số {doc_id} trong bộ nhớ đệm")

    def documents(self, scope: str = "inbox") -> list[InboxRow]:
        with self._lock:
            docs: Iterable[Document] = [Document.from_api(d) for d in self.docs]
            me = self.user.username
            if scope == "inbox":
                docs = [d for d in docs if d.holder == me]
            elif scope == "signed":
                docs = [d for d in docs if d.signed_by(me)]
            names = {p["username"]: p.get("full_name") or p["username"] for p in self.people}
            names.setdefault(me, self.user.full_name)
            return [d.as_row(me, names) for d in docs]

    def document(self, doc_id: int) -> Document:
        with self._lock:
            return Document.from_api(self._find(doc_id))

    def attachment_file(self, doc_id: int, att_id: int, n: int | None = None) -> Path:
        try:
            return self.files[(doc_id, att_id)]
        except KeyError:
            raise DocumentError("Tệp đính kèm chưa được tải về máy") from None

    def users(self) -> list[Person]:
        return [Person.from_api(p) for p in self.people]

    def allowed_actions(self, doc: Document | InboxRow) -> list[str]:
        if self.actions is not None:
            return self.actions(doc, self.user)
        try:
            found = workflow.allowed_actions(
                self.user.role,
                doc.state,
                is_holder=doc.holder == self.user.username,
            )
        except Exception:
            return []
        return [str(a.value) for a in found]

    def transition(self, doc_id: int, action: str, to: str | None, note: str = "") -> Document:
        with self._lock:
            doc = self._find(doc_id)
            doc.setdefault("flow", []).append(
                {"from": self.user.username, "to": to, "action": action, "note": note, "at": ""}
            )
            if note:  # the note is the transition's opinion, as the server records it
                doc.setdefault("opinions", []).append(
                    {"id": 0, "author": self.user.username, "text": note, "at": ""}
                )
            doc["holder"] = to or ""
            self.log.append(("transition", (doc_id, action, to, note)))
            return Document.from_api(doc)

    def add_opinion(self, doc_id: int, text: str) -> Document:
        with self._lock:
            doc = self._find(doc_id)
            doc.setdefault("opinions", []).append(
                {"id": 0, "author": self.user.username, "text": text, "at": ""}
            )
            self.log.append(("opinion", (doc_id, text)))
            return Document.from_api(doc)

    def set_marked(self, doc_id: int, marked: bool) -> Document:
        with self._lock:
            doc = self._find(doc_id)
            doc["marked"] = marked
            self.log.append(("mark", (doc_id, marked)))
            return Document.from_api(doc)

    def sync_status(self) -> SyncStatus:
        return self.status

    def conflicts(self) -> list[ConflictInfo]:
        return [
            ConflictInfo(
                c["id"],
                c["kind"],
                c["document_id"],
                c["reason"],
                c.get("status"),
                c["message"],
                c["at"],
                c.get("payload") or {},
            )
            for c in self.refused
        ]

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
            return Document.from_api(doc)

    # -- issuance ----------------------------------------------------------------------

    def _entries(self, **match: Any) -> list[RegistryEntry]:
        from kyso.core.issue_service import RegistryEntry

        rows = [r for r in self.book if all(r.get(k) == v for k, v in match.items())]
        return [RegistryEntry.from_json(r) for r in sorted(rows, key=lambda r: r["so"])]

    def _next(self, doc: dict[str, Any], year: int) -> tuple[int, str]:
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
        order: IssueOrder,
        *,
        pin: str | None = None,
        on_step: Callable[[str, str], None] | None = None,
    ) -> IssueResult:
        from kyso.core.issue_service import IssueResult, RegistryEntry

        doc_id, only_number = order.doc_id, order.only_number

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
        day = order.date or self.local_today()
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
        main = Document.from_api(issued).main_attachment
        step("sync", "Đồng bộ")
        preview = self.previews.get(doc_id)
        return IssueResult(
            doc_id,
            row["so_ky_hieu"],
            RegistryEntry.from_json(row).ngay,
            not only_number,
            reused,
            self.files.get((doc_id, main.id if main else 0), Path()),
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
