"""My actions on the local cache: each is applied optimistically to the local copy and
written to the outbox in the same transaction, with a uuid idempotency key and the
document version it was based on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyso.core.errors import DocumentError, KysoError, WorkflowError
from kyso.core.store_apply import _apply_action
from kyso.core.store_base import StoreBase, now_iso

if TYPE_CHECKING:
    from kyso.core.store_rows import OutboxItem


class StoreActions(StoreBase):
    """The user-actions side of :class:`kyso.core.store.Store`."""

    def transition(
        self, document_id: int, action: str, *, to: str | None = None, note: str = ""
    ) -> OutboxItem:
        """Queue a workflow transition (``trinh_lanh_dao_so``…) to user ``to``."""
        from kyso.core import workflow as wf

        try:
            wf.Action(action)
        except ValueError:
            names = ", ".join(a.value for a in wf.Action)
            raise WorkflowError(
                f"Thao tác không hợp lệ: {action!r}. Chọn một trong: {names}"
            ) from None
        if action == wf.Action.LUAN_CHUYEN and not to:
            raise WorkflowError("Luân chuyển cần người nhận (--to).")
        doc = self.document_json(document_id)
        if doc is None:
            raise _missing(document_id)
        role = (self.me() or {}).get("role")
        if role and doc.get("state"):
            # What the user sees locally must allow it; the server checks again.
            wf.check_transition(
                role, doc["state"], action, is_holder=doc.get("holder") == self.username
            )
        return self._enqueue(document_id, "transition", {"action": action, "to": to, "note": note})

    def add_opinion(self, document_id: int, text: str) -> OutboxItem:
        """Queue a processing opinion."""
        if not text.strip():
            raise KysoError("Ý kiến không được để trống.")
        return self._enqueue(document_id, "opinion", {"text": text})

    def set_mark(self, document_id: int, marked: bool) -> OutboxItem:
        """Queue setting or clearing my mark (Đánh dấu)."""
        return self._enqueue(document_id, "mark", {"marked": bool(marked)})

    def toggle_mark(self, document_id: int) -> OutboxItem:
        """Queue flipping my mark; the new value is in ``item.payload['marked']``."""
        current = self.document_json(document_id)
        if current is None:
            raise _missing(document_id)
        return self.set_mark(document_id, not current.get("marked"))

    def add_signed_version(
        self, document_id: int, attachment_id: int, signed_pdf: Path, *, note: str = ""
    ) -> OutboxItem:
        """Copy a signed PDF into the blob store and queue its upload as a new version."""
        try:
            data = Path(signed_pdf).read_bytes()
        except OSError as exc:
            raise DocumentError(f"Không đọc được tệp {signed_pdf}: {exc.strerror}") from None
        if not data.startswith(b"%PDF"):
            raise DocumentError(f"{Path(signed_pdf).name} không phải tệp PDF.")
        doc = self.document_json(document_id)
        if doc is None:
            raise _missing(document_id)
        atts = {a["id"]: a for a in doc.get("attachments") or ()}
        if attachment_id not in atts:
            raise DocumentError(f"Không có tệp đính kèm {attachment_id} của văn bản {document_id}.")
        digest = self.put_blob(data)
        return self._enqueue(
            document_id,
            "upload",
            {
                "attachment_id": attachment_id,
                "sha256": digest,
                "size": len(data),
                "name": atts[attachment_id].get("name") or "signed.pdf",
                "note": note,
                "signed": True,
            },
        )

    def _enqueue(self, document_id: int, kind: str, payload: dict[str, Any]) -> OutboxItem:
        import uuid  # not at import: it loads platform, and reading the cache needs neither

        from kyso.core.store_rows import OutboxItem

        key = str(uuid.uuid4())
        created = now_iso()
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT json, version FROM documents WHERE id = ?", (document_id,)
            ).fetchone()
            if row is None:
                raise _missing(document_id)
            doc = json.loads(row[0])
            base = row[1]
            cur = conn.execute(
                "INSERT INTO outbox(key, kind, document_id, base_version, payload, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (key, kind, document_id, base, json.dumps(payload, ensure_ascii=False), created),
            )
            seq = cur.lastrowid
            # The stored copy already has my earlier queued actions applied.
            doc = _apply_action(doc, kind, payload, self._context(), created)
            self._put_documents(conn, [doc], replay=False)
            self._refresh_pending(conn, document_id)
        return OutboxItem(seq, key, kind, document_id, base, payload, created, 0, None)


def _missing(document_id: int) -> DocumentError:
    return DocumentError(f"Không có văn bản {document_id} trong bộ nhớ đệm (hãy chạy `kyso sync`).")
