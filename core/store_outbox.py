"""The outbox (my queued actions) and the conflicts (actions the server refused), and
the bookkeeping the sync does on them."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from kyso.core.store_base import StoreBase, now_iso

if TYPE_CHECKING:
    from kyso.core.store_rows import Conflict, OutboxItem, SyncStatus


class StoreOutbox(StoreBase):
    """The outbox and conflicts side of :class:`kyso.core.store.Store`."""

    def outbox(self, *, limit: int | None = None) -> list[OutboxItem]:
        """Queued actions, oldest first (at most ``limit``)."""
        from kyso.core.store_rows import OutboxItem

        rows = self._query(
            "SELECT seq, key, kind, document_id, base_version, payload, created_at, attempts, "
            "last_error FROM outbox ORDER BY seq" + (f" LIMIT {int(limit)}" if limit else "")
        )
        return [
            OutboxItem(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7], r[8])
            for r in rows
        ]

    def outbox_size(self) -> int:
        """How many actions wait to be pushed."""
        return self._query("SELECT count(*) FROM outbox")[0][0]

    def conflicts(self, *, include_dismissed: bool = False) -> list[Conflict]:
        """Refused actions, newest first."""
        from kyso.core.store_rows import Conflict

        where = "" if include_dismissed else "WHERE dismissed = 0"
        rows = self._query(
            "SELECT id, key, kind, document_id, payload, reason, status, message, at "
            f"FROM conflicts {where} ORDER BY id DESC"
        )
        return [
            Conflict(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7], r[8]) for r in rows
        ]

    def dismiss_conflict(self, conflict_id: int) -> None:
        """Hide a conflict the user has seen."""
        with self.transaction() as conn:
            conn.execute("UPDATE conflicts SET dismissed = 1 WHERE id = ?", (conflict_id,))

    def sync_status(self) -> SyncStatus:
        """Cursor, last sync, last error, outbox and conflict counts."""
        from kyso.core.store_rows import SyncStatus

        row = self._query(
            "SELECT cursor, last_sync_at, last_error, last_error_at FROM sync_state WHERE id = 1"
        )[0]
        conflicts = self._query("SELECT count(*) FROM conflicts WHERE dismissed = 0")[0][0]
        return SyncStatus(row[0] or "0", row[1], row[2], row[3], self.outbox_size(), conflicts)

    @property
    def cursor(self) -> str:
        """The changes-feed cursor of the last stored page."""
        return self.sync_status().cursor

    # -- outbox bookkeeping for the sync ------------------------------------

    def complete(self, item: OutboxItem, server_document: dict[str, Any] | None) -> None:
        """The server accepted ``item``: drop it and store the server's copy.

        Later queued actions on the same document that were based on the same version
        are re-based on the new version (they were taken on top of this one).
        """
        with self.transaction() as conn:
            conn.execute("DELETE FROM outbox WHERE seq = ?", (item.seq,))
            if server_document is not None:
                new_version = int(server_document.get("version") or 0)
                conn.execute(
                    "UPDATE outbox SET base_version = ? WHERE document_id = ? AND base_version = ?",
                    (new_version, item.document_id, item.base_version),
                )
                self._put_documents(conn, [server_document])
            else:
                self._refresh_pending(conn, item.document_id)

    def refuse(self, item: OutboxItem, *, status: int, message: str, conflict: bool) -> Conflict:
        """The server refused ``item``: move it from the outbox to the visible conflicts.

        The local optimistic change is undone by storing the server's copy afterwards
        (the sync re-fetches the document right after).
        """
        from kyso.core.store_rows import Conflict

        at = now_iso()
        reason = "conflict" if conflict else "rejected"
        with self.transaction() as conn:
            conn.execute("DELETE FROM outbox WHERE seq = ?", (item.seq,))
            cur = conn.execute(
                "INSERT INTO conflicts(key, kind, document_id, payload, reason, status, "
                "message, at) VALUES (?,?,?,?,?,?,?,?)",
                (
                    item.key,
                    item.kind,
                    item.document_id,
                    json.dumps(item.payload, ensure_ascii=False),
                    reason,
                    status,
                    message,
                    at,
                ),
            )
            self._refresh_pending(conn, item.document_id)
        return Conflict(
            cur.lastrowid,
            item.key,
            item.kind,
            item.document_id,
            item.payload,
            reason,
            status,
            message,
            at,
        )

    def note_attempt(self, item: OutboxItem, error: str) -> None:
        """Count a failed attempt to push ``item`` (it stays queued)."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?",
                (error, item.seq),
            )

    def _refresh_pending(self, conn: sqlite3.Connection, document_id: int) -> None:
        conn.execute(
            "UPDATE documents SET pending = (SELECT count(*) FROM outbox WHERE document_id = ?) "
            "WHERE id = ?",
            (document_id, document_id),
        )
