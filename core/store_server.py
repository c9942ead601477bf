"""Writing what the server sent into the local cache: pages of the changes feed, single
documents, deletions and the sync state; my queued actions are re-applied on top."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator
from typing import Any

from kyso.core.errors import SyncError
from kyso.core.store_apply import _apply_action, _Context
from kyso.core.store_base import BULK_MARK, StoreBase, now_iso
from kyso.core.store_schema import JSON_INDEXES, ensure_list_indexes

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""A stored document's JSON (one encoder for all: json.dumps with options makes one per call)."""


class StoreServerWrites(StoreBase):
    """The server-writes side of :class:`kyso.core.store.Store`."""

    def apply_page(self, documents: list[dict[str, Any]], cursor: str) -> None:
        """Store one page of the changes feed and its cursor in one transaction."""
        with self.transaction() as conn:
            self._put_documents(conn, documents)
            conn.execute("UPDATE sync_state SET cursor = ? WHERE id = 1", (str(cursor),))

    def apply_page_json(
        self, page: str | bytes, cursor: str, *, staged: bytes | None = None
    ) -> int:
        """:meth:`apply_page` for a page as the feed sent it (JSON text, or its UTF-8
        bytes), taken apart by SQLite (:mod:`kyso.core.store_bulk`); return how many
        documents it held. While actions are queued, the page is parsed here so they can
        be re-applied on top. ``staged``: its rows already made
        (:func:`kyso.core.store_bulk.stage_page`)."""
        from kyso.core import store_bulk

        if getattr(self, "_quiet", False) and self._query("SELECT 1 FROM outbox LIMIT 1"):
            self._end_quiet()  # an action queued during a first sync: back to waiting
        with self._lock:
            if staged is not None:
                store_bulk.load_staged(self._conn, staged)
            with self.transaction() as conn:
                order = getattr(self, "_order", None)
                text = None if staged is not None else store_bulk.page_text(page)
                if order is not None:
                    order.before(conn, text)
                if conn.execute("SELECT 1 FROM outbox LIMIT 1").fetchone():
                    count = self._put_parsed(conn, text or store_bulk.page_text(page))
                elif text is None:
                    count = store_bulk.put_staged(conn)
                else:
                    count = store_bulk.put_page_json(conn, text, self.username, now_iso())
                if order is not None:
                    order.after(conn)
                conn.execute("UPDATE sync_state SET cursor = ? WHERE id = 1", (str(cursor),))
        return count

    def _put_parsed(self, conn: sqlite3.Connection, page: str) -> int:
        """Store a page's documents parsed in Python, queued actions re-applied on top."""
        from kyso.core.store_bulk import BAD_PAGE

        try:
            documents = [change["document"] for change in json.loads(page)["changes"]]
            bad = any(type(d["id"]) is not int for d in documents)
        except (ValueError, KeyError, TypeError):
            bad = True
        if bad:
            raise SyncError(BAD_PAGE)
        self._put_documents(conn, documents)
        return len(documents)

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[bool]:
        """Around the pages of a pull; yields whether it is a first sync (bulk load).

        A first sync fills an empty cache (or goes on with one that was interrupted: a
        mark in ``meta`` says so). Its list indexes grow at their end while the pages come
        in their order, else they are built once at the end
        (:class:`kyso.core.store_bulk.ListOrder`); ``--json``'s index is dropped and left
        to the first read that wants it. While no
        action is queued SQLite does not wait for the disk after each page: the files are
        flushed once at the end, before the mark is removed. Each page is still committed
        with its cursor, so an interrupted first sync goes on from its
        last page; reads stay correct meanwhile."""
        resumed = self.get_meta(BULK_MARK) is not None
        bulk = resumed or not self._query("SELECT 1 FROM documents LIMIT 1")
        if not bulk:
            yield False
            return
        quiet = not self._query("SELECT 1 FROM outbox LIMIT 1")
        from kyso.core.store_bulk import ListOrder

        with self.transaction() as conn:
            for name in JSON_INDEXES:
                conn.execute(f"DROP INDEX IF EXISTS {name}")
            conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (BULK_MARK, now_iso())
            )
            self._order = ListOrder(conn)
        if quiet:
            with self._lock:
                self._conn.execute("PRAGMA synchronous=OFF")
                self._quiet = True
        done = False
        try:
            yield True
            done = True
        finally:
            from kyso.core.store_bulk import drop_staged

            self._end_quiet()
            self._order = None
            with self._lock:
                drop_staged(self._conn)
            with self.transaction() as conn:
                # Sorted with a second thread: the feed's threads are done by now.
                conn.execute("PRAGMA threads = 2")
                try:
                    ensure_list_indexes(conn)
                finally:
                    conn.execute("PRAGMA threads = 0")
                if done:
                    conn.execute("DELETE FROM meta WHERE key = ?", (BULK_MARK,))

    def _end_quiet(self) -> None:
        """Wait for the disk again (after a first sync, or once an action is queued), and
        make what was written without waiting reach it first (fsync)."""
        with self._lock:
            if not getattr(self, "_quiet", False):
                return
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._quiet = False
            self._flush()

    def _flush(self) -> None:
        """Make what was written without waiting for the disk reach it (fsync)."""
        for suffix in ("", "-wal"):
            try:
                fd = os.open(f"{self.path}{suffix}", os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            except OSError:
                pass
            finally:
                os.close(fd)

    def put_document(self, document: dict[str, Any]) -> None:
        """Store one server copy (e.g. the answer to a push), queued actions re-applied."""
        with self.transaction() as conn:
            self._put_documents(conn, [document])

    def delete_document(self, document_id: int) -> None:
        """Forget a document (the server no longer shows it to me)."""
        with self.transaction() as conn:
            self._delete_children(conn, [document_id])
            conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))

    def record_sync(self, *, error: str | None = None) -> None:
        """Remember the outcome of a sync run for the status bar."""
        with self.transaction() as conn:
            if error is None:
                conn.execute(
                    "UPDATE sync_state SET last_sync_at = ?, last_error = NULL, "
                    "last_error_at = NULL WHERE id = 1",
                    (now_iso(),),
                )
            else:
                conn.execute(
                    "UPDATE sync_state SET last_error = ?, last_error_at = ? WHERE id = 1",
                    (error, now_iso()),
                )

    def reset_cursor(self) -> None:
        """Start the next pull from the beginning of the feed."""
        with self.transaction() as conn:
            conn.execute("UPDATE sync_state SET cursor = '0' WHERE id = 1")

    def _delete_children(self, conn: sqlite3.Connection, ids: list[int]) -> None:
        marks = ",".join("?" * len(ids))
        for table in ("attachments", "versions", "opinions", "flow"):
            conn.execute(f"DELETE FROM {table} WHERE document_id IN ({marks})", ids)

    def _put_documents(
        self, conn: sqlite3.Connection, documents: list[dict[str, Any]], *, replay: bool = True
    ) -> None:
        """Write documents (their parts live in each one's JSON); with ``replay``, my queued
        actions go on top."""
        if not documents:
            return
        ids = [int(d["id"]) for d in documents]
        for start in range(0, len(ids), 500):
            self._delete_children(conn, ids[start : start + 500])
        pending: dict[int, list[tuple]] = {}
        for start in range(0, len(ids) if replay else 0, 500):
            chunk = ids[start : start + 500]
            for row in conn.execute(
                "SELECT document_id, kind, payload, created_at FROM outbox "
                f"WHERE document_id IN ({','.join('?' * len(chunk))}) ORDER BY seq",
                chunk,
            ):
                pending.setdefault(row[0], []).append(row[1:])
        from kyso.core.store_rows import inbox_received, inbox_sender, main_signed

        received = now_iso()
        context = self._context() if pending else _Context(self.username)
        doc_rows = []
        for doc in documents:
            doc_id = int(doc["id"])
            for kind, payload, created in pending.get(doc_id, ()):
                doc = _apply_action(doc, kind, json.loads(payload), context, created)
            signed_by_me = int(
                any(
                    v.get("signed") and v.get("uploaded_by") == self.username
                    for att in doc.get("attachments") or ()
                    for v in att.get("versions") or ()
                )
            )
            reached = inbox_received(doc)
            doc_rows.append(
                (
                    doc_id,
                    int(doc.get("version") or 0),
                    doc.get("so_ky_hieu"),
                    doc.get("trich_yeu") or "",
                    doc.get("loai") or "",
                    doc.get("loai_ky_hieu"),
                    doc.get("don_vi_soan_thao") or "",
                    doc.get("nguoi_soan"),
                    doc.get("state") or "",
                    doc.get("holder"),
                    int(bool(doc.get("marked"))),
                    signed_by_me,
                    len(pending.get(doc_id, ())),
                    doc.get("ngay_ban_hanh"),
                    doc.get("created_at"),
                    doc.get("updated_at"),
                    reached,
                    received,
                    _encode(doc),
                    inbox_sender(doc),
                    int(main_signed(doc)),
                    reached,
                )
            )
        conn.executemany(
            "INSERT INTO documents(id, version, so_ky_hieu, trich_yeu, loai, loai_ky_hieu, "
            "don_vi_soan_thao, nguoi_soan, state, holder, marked, signed_by_me, pending, "
            "ngay_ban_hanh, created_at, updated_at, received_at, json, sender, signed) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,coalesce(?, ?),?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET version=excluded.version, "
            "so_ky_hieu=excluded.so_ky_hieu, trich_yeu=excluded.trich_yeu, loai=excluded.loai, "
            "loai_ky_hieu=excluded.loai_ky_hieu, don_vi_soan_thao=excluded.don_vi_soan_thao, "
            "nguoi_soan=excluded.nguoi_soan, state=excluded.state, holder=excluded.holder, "
            "marked=excluded.marked, signed_by_me=excluded.signed_by_me, "
            "pending=excluded.pending, ngay_ban_hanh=excluded.ngay_ban_hanh, "
            "created_at=excluded.created_at, updated_at=excluded.updated_at, json=excluded.json, "
            "sender=excluded.sender, signed=excluded.signed, "
            # When it reached its holder, from the flow; a document with no flow entry to
            # its holder keeps the time it first arrived here.
            "received_at=coalesce(?, documents.received_at)",
            doc_rows,
        )
