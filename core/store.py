"""The local cache: one SQLite file per (server, user), the only state the UI and CLI read.

Documents arrive from the server's changes feed (:mod:`kyso.core.sync`) and are kept as
their full JSON plus denormalized columns for the inbox list, so listing 10,000 documents
never parses JSON. Attachment files live beside the database in a content-addressed blob
folder (``blobs/ab/abcdef…``), written atomically.

Every user action (transition, opinion, mark, signed upload) is applied optimistically to
the local copy and written to the ``outbox`` **in the same transaction**, with a uuid
idempotency key and the document version it was based on. The sync pushes the outbox in
order; a server copy that arrives while actions are still queued gets those actions
re-applied on top, so the user never sees their own work vanish before it is sent.

A :class:`Store` may be shared between threads (one connection, guarded by a lock); a
second process or a second :class:`Store` on the same file is also fine (WAL).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kyso.core.atomic import write_atomic
from kyso.core.errors import DocumentError, KysoError, StoreError, WorkflowError
from kyso.core.notices import add_notice
from kyso.core.store_check import check_on_open, remember
from kyso.core.store_schema import LIST_INDEXES, ensure_list_indexes, migrate

if TYPE_CHECKING:
    from kyso.core.placements import PlacementBook
    from kyso.core.store_rows import (
        Attachment,
        AttachmentVersion,
        Conflict,
        DocumentDetail,
        FlowEntry,
        InboxRow,
        Opinion,
        OutboxItem,
        SyncStatus,
    )

# The row classes live in kyso.core.store_rows and are imported on first use, so a
# process that only prints ``inbox --json`` does not pay for building them.
_ROW_NAMES = frozenset(
    {
        "Attachment",
        "AttachmentVersion",
        "Conflict",
        "DocumentDetail",
        "FlowEntry",
        "InboxRow",
        "Opinion",
        "OutboxItem",
        "SyncStatus",
    }
)


def __getattr__(name: str) -> Any:
    """Row classes from :mod:`kyso.core.store_rows`, imported on first use."""
    if name in _ROW_NAMES:
        from kyso.core import store_rows

        return getattr(store_rows, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ActionKind",
    "Attachment",
    "AttachmentVersion",
    "Conflict",
    "DocumentDetail",
    "FlowEntry",
    "InboxRow",
    "Opinion",
    "OutboxItem",
    "Scope",
    "Store",
    "SyncStatus",
    "now_iso",
    "store_path",
]

Scope = Literal["inbox", "all", "signed_by_me", "signed"]
"""List views: my inbox, everything cached, what I signed (``signed`` is an alias)."""
ActionKind = Literal["transition", "opinion", "mark", "upload"]

_VN = timezone(timedelta(hours=7))
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""A stored document's JSON (one encoder for all: json.dumps with options makes one per call)."""


def now_iso() -> str:
    """The current time as ISO 8601 with the +07:00 offset, to the second."""
    return datetime.now(_VN).replace(microsecond=0).isoformat()


def store_path(data: Path, server: str, username: str) -> Path:
    """The database file for ``username`` on ``server`` inside the data folder ``data``."""
    host = re.sub(r"^[a-z]+://", "", server.strip().rstrip("/").lower())
    slug = re.sub(r"[^a-z0-9.-]+", "_", host)[:40]
    user = re.sub(r"[^A-Za-z0-9._-]+", "_", username)[:40]
    digest = hashlib.sha256(f"{server.rstrip('/')}\n{username}".encode()).hexdigest()[:10]
    return data / "stores" / f"{slug}-{user}-{digest}.sqlite"


# ------------------------------------------------------------------- the store

_INBOX_NAMES = (
    "id",
    "so_ky_hieu",
    "trich_yeu",
    "loai",
    "don_vi_soan_thao",
    "state",
    "holder",
    "marked",
    "version",
    "updated_at",
    "received_at",
    "pending",
    "sender",
    "signed",
    "signed_by_me",
)
_BOOL_NAMES = frozenset({"marked", "signed", "signed_by_me"})
_SHARED_NAMES = ("loai", "don_vi_soan_thao", "state", "holder", "sender", "received_at")
"""Inbox columns whose values repeat from row to row (one string object each)."""
_INBOX_COLUMNS = ", ".join(_INBOX_NAMES)


class Store:
    """The local cache for one user on one server.

    Open with ``Store(path, username)``; the file and its folder are created and
    migrated as needed. Blobs go to ``blob_dir`` (default: ``blobs/`` beside the
    ``stores/`` folder). Use as a context manager or call :meth:`close`.
    """

    def __init__(self, path: Path, username: str, *, blob_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.username = username
        self.blob_dir = Path(blob_dir) if blob_dir else self.path.parent.parent / "blobs"
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            salvage = check_on_open(self.path)  # a file changed outside kyso is checked
            self._conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            migrate(self._conn)
            ensure_list_indexes(self._conn)  # a bulk load may have stopped before its end
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"Không mở được bộ nhớ đệm {self.path}: {exc}") from None
        except OSError as exc:
            raise StoreError(f"Không tạo được bộ nhớ đệm {self.path}: {exc.strerror}") from None
        if salvage is not None:
            self._requeue(salvage.outbox)
            add_notice(salvage.notice())

    def _requeue(self, rows: list[dict[str, Any]]) -> None:
        """Put the unsent actions read from a damaged file into this fresh store."""
        columns = {r[1] for r in self._conn.execute("PRAGMA table_info(outbox)")}
        with self.transaction() as conn:
            for row in rows:
                kept = {k: v for k, v in row.items() if k in columns}
                names = ", ".join(kept)
                marks = ", ".join("?" * len(kept))
                conn.execute(
                    f"INSERT OR IGNORE INTO outbox ({names}) VALUES ({marks})", list(kept.values())
                )

    # -- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        """Close the connection (and note the file as kyso leaves it)."""
        with self._lock:
            self._conn.close()
        remember(self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), rolled back on any error."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(f"Bộ nhớ đệm đang bận: {exc}") from None
            try:
                yield conn
            except sqlite3.DatabaseError as exc:
                with contextlib.suppress(sqlite3.DatabaseError):
                    conn.execute("ROLLBACK")
                raise StoreError(
                    f"Không ghi được bộ nhớ đệm ({exc}); thay đổi chưa được lưu."
                ) from None
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                with contextlib.suppress(sqlite3.DatabaseError):
                    conn.execute("ROLLBACK")
                raise StoreError(
                    f"Không ghi được bộ nhớ đệm ({exc}); thay đổi chưa được lưu."
                ) from None

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"Không đọc được bộ nhớ đệm: {exc}") from None

    # -- meta ----------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A small stored value (e.g. ``me`` = my User JSON)."""
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a small value."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    @property
    def placements(self) -> PlacementBook:
        """My remembered signature positions (:mod:`kyso.core.placements`)."""
        from kyso.core.placements import PlacementBook

        return PlacementBook(self._conn, self._lock)

    def me(self) -> dict[str, Any] | None:
        """My User (``username``, ``full_name``, ``role``, ``title``, ``org``) if known."""
        value = self.get_meta("me")
        return json.loads(value) if value else None

    def users(self) -> list[dict[str, Any]]:
        """The users of my organization as last fetched (recipient choice)."""
        value = self.get_meta("users")
        return json.loads(value) if value else []

    def allowed_actions(self, document_id: int) -> list[str]:
        """Workflow actions I may take on a cached document (empty when my role is unknown)."""
        from kyso.core import workflow as wf

        doc = self.document_json(document_id)
        role = (self.me() or {}).get("role")
        if doc is None or not role or not doc.get("state"):
            return []
        try:
            actions = wf.allowed_actions(
                role, doc["state"], is_holder=doc.get("holder") == self.username
            )
        except ValueError:
            return []
        return [a.value for a in actions]

    def _context(self) -> _Context:
        me = self.me() or {}
        return _Context(self.username, me.get("role"), tuple(self.users()))

    # -- reads ---------------------------------------------------------------

    def _inbox_where(self, scope: Scope) -> tuple[str, tuple]:
        if scope == "inbox":
            where, params = "WHERE holder = ? AND state != 'ket_thuc'", (self.username,)
        elif scope == "all":
            where, params = "", ()
        elif scope in ("signed_by_me", "signed"):
            where, params = "WHERE signed_by_me = 1", ()
        else:
            raise StoreError(f"Phạm vi không hợp lệ: {scope}")
        return where, params

    def _inbox_rows(self, scope: Scope, limit: int | None = None) -> list[tuple]:
        where, params = self._inbox_where(scope)
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        return self._query(
            f"SELECT {_INBOX_COLUMNS} FROM documents {where} "
            f"ORDER BY updated_at DESC, id DESC{tail}",
            params,
        )

    def inbox_json(self, scope: Scope = "inbox") -> str:
        """:meth:`inbox_dicts` as one JSON array, built by SQLite."""
        return self.inbox_json_bytes(scope).decode()

    def inbox_json_bytes(self, scope: Scope = "inbox") -> bytes:
        """:meth:`inbox_json` as UTF-8, straight from SQLite (what ``--json`` prints): at
        100,000 documents a 39 MB text not decoded into a str only to be encoded again."""
        where, params = self._inbox_where(scope)
        fields = ", ".join(
            f"'{name}', json(CASE WHEN {name} THEN 'true' ELSE 'false' END)"
            if name in _BOOL_NAMES
            else f"'{name}', coalesce({name}, 0)"
            if name == "pending"
            else f"'{name}', {name}"
            for name in _INBOX_NAMES
        )
        with self._lock:
            self._conn.text_factory = bytes
            try:
                rows = self._query(
                    f"SELECT json_group_array(json_object({fields})) FROM "
                    f"(SELECT {_INBOX_COLUMNS} FROM documents {where} "
                    "ORDER BY updated_at DESC, id DESC)",
                    params,
                )
            finally:
                self._conn.text_factory = str
        return rows[0][0] or b"[]"

    def inbox(self, scope: Scope = "inbox") -> list[InboxRow]:
        """Documents for the list view, newest change first.

        ``inbox``: I am the holder and it is not finished; ``all``: everything cached;
        ``signed_by_me``: a signed version was uploaded by me.
        """
        from kyso.core.store_rows import InboxRow

        return [
            InboxRow(
                r[0],
                r[1],
                r[2] or "",
                r[3] or "",
                r[4] or "",
                r[5] or "",
                r[6],
                bool(r[7]),
                r[8],
                r[9],
                r[10],
                r[11] or 0,
                r[12],
                bool(r[13]),
                bool(r[14]),
            )
            for r in self._inbox_rows(scope)
        ]

    def inbox_dicts(
        self, scope: Scope = "inbox", *, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """:meth:`inbox` as JSON-ready dicts (built straight from the rows: the fast path).

        With ``limit``, only the first ``limit`` of them (a list's first screenful).
        """
        names = _INBOX_NAMES
        where, params = self._inbox_where(scope)
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        sql = f"SELECT {_INBOX_COLUMNS} FROM documents {where} ORDER BY updated_at DESC, id DESC"
        # 100,000 rows must fit in memory twice over at most: rows are read in chunks (not
        # fetchall, then dicts) and the values most rows repeat (loai, state, holder, the
        # page's received_at…) are kept once instead of once per row.
        shared: dict[Any, Any] = {}
        once = shared.setdefault
        out = []
        with self._lock:
            try:
                cursor = self._conn.execute(sql + tail, params)
                while chunk := cursor.fetchmany(2000):
                    for r in chunk:
                        d = dict(zip(names, r, strict=True))
                        for name in _SHARED_NAMES:
                            d[name] = once(d[name], d[name])
                        d["marked"] = bool(d["marked"])
                        d["pending"] = d["pending"] or 0
                        d["signed"] = bool(d["signed"])
                        d["signed_by_me"] = bool(d["signed_by_me"])
                        out.append(d)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"Không đọc được bộ nhớ đệm: {exc}") from None
        return out

    def count(self, scope: Scope = "all") -> int:
        """How many documents :meth:`inbox` would list."""
        return (
            len(self.inbox(scope))
            if scope != "all"
            else self._query("SELECT count(*) FROM documents")[0][0]
        )

    def document_json(self, document_id: int) -> dict[str, Any] | None:
        """The cached Document (server shape, my queued actions applied), or ``None``.

        Adds ``pending``: how many of my actions on it wait in the outbox.
        """
        rows = self._query("SELECT json, pending FROM documents WHERE id = ?", (document_id,))
        if not rows:
            return None
        doc = json.loads(rows[0][0])
        doc["pending"] = rows[0][1] or 0
        return doc

    def documents(self, scope: Scope = "inbox") -> list[dict[str, Any]]:
        """Whole Documents (as :meth:`document_json`) of one view, newest change first.

        Parses every document's JSON: for long lists prefer :meth:`inbox`.
        """
        where, params = self._inbox_where(scope)
        rows = self._query(
            f"SELECT json, pending FROM documents {where} ORDER BY updated_at DESC, id DESC",
            params,
        )
        out = []
        for raw, pending in rows:
            doc = json.loads(raw)
            doc["pending"] = pending or 0
            out.append(doc)
        return out

    def document(self, document_id: int) -> DocumentDetail:
        """One document with attachments, opinions and flow; :class:`DocumentError` if absent."""
        from kyso.core.store_rows import detail_from_json

        rows = self._query("SELECT json, pending FROM documents WHERE id = ?", (document_id,))
        if not rows:
            raise DocumentError(
                f"Không có văn bản {document_id} trong bộ nhớ đệm (hãy chạy `kyso sync`)."
            )
        return detail_from_json(json.loads(rows[0][0]), rows[0][1] or 0)

    def attachment_version(
        self, document_id: int, attachment_id: int, n: int | None = None
    ) -> AttachmentVersion:
        """Version ``n`` (default: the newest) of an attachment."""
        from kyso.core.store_rows import AttachmentVersion

        sql = (
            "SELECT n, sha256, size, uploaded_by, uploaded_at, signed, note, pending "
            "FROM versions WHERE document_id = ? AND attachment_id = ?"
        )
        params: tuple = (document_id, attachment_id)
        if n is not None:
            sql += " AND n = ?"
            params += (n,)
        rows = self._query(sql + " ORDER BY n DESC LIMIT 1", params)
        if not rows:
            raise DocumentError(f"Không có tệp đính kèm {attachment_id} của văn bản {document_id}.")
        r = rows[0]
        return AttachmentVersion(
            r[0], r[1] or "", r[2] or 0, r[3] or "", r[4] or "", bool(r[5]), r[6] or "", bool(r[7])
        )

    def blob_path(self, sha256: str) -> Path:
        """Where the blob with this digest lives (it may not exist yet)."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
            raise StoreError("Mã băm tệp không hợp lệ.")
        return self.blob_dir / sha256[:2] / sha256

    def attachment_path(
        self, document_id: int, attachment_id: int, n: int | None = None
    ) -> Path | None:
        """The cached file of an attachment version, or ``None`` when not downloaded yet."""
        version = self.attachment_version(document_id, attachment_id, n)
        path = self.blob_path(version.sha256)
        return path if path.exists() else None

    def put_blob(self, data: bytes, *, expected_sha256: str | None = None) -> str:
        """Store bytes content-addressed (atomic write); return their sha256."""
        digest = hashlib.sha256(data).hexdigest()
        if expected_sha256 is not None and digest != expected_sha256.lower():
            raise StoreError("Tệp tải về không khớp mã băm; đã bỏ qua.")
        path = self.blob_path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(path, data, mode=0o600)
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO blobs(sha256, size, added_at) VALUES (?, ?, ?)",
                (digest, len(data), now_iso()),
            )
        return digest

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

    # -- writes from the server ---------------------------------------------

    def apply_page(self, documents: list[dict[str, Any]], cursor: str) -> None:
        """Store one page of the changes feed and its cursor in one transaction."""
        with self.transaction() as conn:
            self._put_documents(conn, documents)
            conn.execute("UPDATE sync_state SET cursor = ? WHERE id = 1", (str(cursor),))

    def apply_page_json(self, page: str, cursor: str) -> int:
        """:meth:`apply_page` for a page as the feed sent it (JSON text), taken apart by
        SQLite (:mod:`kyso.core.store_bulk`); return how many documents it held. While
        actions are queued, the page is parsed here so they can be re-applied on top."""
        from kyso.core.store_bulk import put_page_json

        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM outbox LIMIT 1").fetchone():
                documents = [change["document"] for change in json.loads(page)["changes"]]
                self._put_documents(conn, documents)
                count = len(documents)
            else:
                count = put_page_json(conn, page, self.username, now_iso())
            conn.execute("UPDATE sync_state SET cursor = ? WHERE id = 1", (str(cursor),))
        return count

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Around the pages of a first sync: while the cache is empty, its list indexes are
        dropped and built once at the end, not grown row by row (at 100,000 documents
        that is most of the cost of storing them). Reads stay correct meanwhile."""
        empty = not self._query("SELECT 1 FROM documents LIMIT 1")
        if empty:
            with self.transaction() as conn:
                for name in LIST_INDEXES:
                    conn.execute(f"DROP INDEX IF EXISTS {name}")
        try:
            yield
        finally:
            if empty:
                with self.transaction() as conn:
                    ensure_list_indexes(conn)

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
        """Write documents and their parts; with ``replay``, my queued actions go on top."""
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
        doc_rows, att_rows, ver_rows, op_rows, flow_rows = [], [], [], [], []
        for doc in documents:
            doc_id = int(doc["id"])
            for kind, payload, created in pending.get(doc_id, ()):
                doc = _apply_action(doc, kind, json.loads(payload), context, created)
            signed_by_me = 0
            for position, att in enumerate(doc.get("attachments") or ()):
                att_rows.append(
                    (
                        att["id"],
                        doc_id,
                        att.get("name") or "",
                        int(bool(att.get("is_main"))),
                        position,
                    )
                )
                for v in att.get("versions") or ():
                    signed = int(bool(v.get("signed")))
                    if signed and v.get("uploaded_by") == self.username:
                        signed_by_me = 1
                    ver_rows.append(
                        (
                            att["id"],
                            doc_id,
                            v["n"],
                            v.get("sha256"),
                            v.get("size") or 0,
                            v.get("uploaded_by"),
                            v.get("uploaded_at"),
                            signed,
                            v.get("note") or "",
                            int(bool(v.get("pending"))),
                        )
                    )
            for op in doc.get("opinions") or ():
                op_rows.append(
                    (
                        op.get("id"),
                        doc_id,
                        op.get("author"),
                        op.get("text") or "",
                        op.get("at"),
                        int(bool(op.get("pending"))),
                    )
                )
            for f in doc.get("flow") or ():
                flow_rows.append(
                    (
                        doc_id,
                        f.get("from"),
                        f.get("to"),
                        f.get("action") or "",
                        f.get("note") or "",
                        f.get("at"),
                        int(bool(f.get("pending"))),
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
        conn.executemany(
            "INSERT OR REPLACE INTO attachments(id, document_id, name, is_main, position) "
            "VALUES (?,?,?,?,?)",
            att_rows,
        )
        conn.executemany(
            "INSERT OR REPLACE INTO versions(attachment_id, document_id, n, sha256, size, "
            "uploaded_by, uploaded_at, signed, note, pending) VALUES (?,?,?,?,?,?,?,?,?,?)",
            ver_rows,
        )
        conn.executemany(
            "INSERT INTO opinions(id, document_id, author, text, at, pending) VALUES (?,?,?,?,?,?)",
            op_rows,
        )
        conn.executemany(
            "INSERT INTO flow(document_id, from_user, to_user, action, note, at, pending) "
            "VALUES (?,?,?,?,?,?,?)",
            flow_rows,
        )

    # -- user actions (optimistic change + outbox, one transaction) -----------

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


def _missing(document_id: int) -> DocumentError:
    return DocumentError(f"Không có văn bản {document_id} trong bộ nhớ đệm (hãy chạy `kyso sync`).")


def _next_state(
    doc: dict[str, Any], action: str, to: str | None, context: _Context
) -> tuple[str, str | None]:
    """The state and holder an action leads to, as far as the client can tell.

    Uses the shared table in :mod:`kyso.core.workflow`; the server has the last word
    (its answer replaces this guess on the next push or pull).
    """
    from kyso.core import workflow as wf

    state, holder = doc.get("state") or "", doc.get("holder")
    rules = [r for r in wf.RULES if r.action == action and state in r.from_states]
    if context.role:
        rules = [r for r in rules if r.role == context.role] or rules
    if not rules:
        return state, to or holder
    rule = rules[0]
    new_state = rule.to_state.value if rule.to_state is not None else state
    if rule.recipient in (wf.Recipient.KEEP, wf.Recipient.NAMED):
        return new_state, holder
    if to:
        return new_state, to
    if rule.recipient == wf.Recipient.DRAFTER:
        return new_state, doc.get("nguoi_soan")
    for user in context.users:
        if rule.recipient_role is not None and user.get("role") == rule.recipient_role.value:
            return new_state, user.get("username")
    return new_state, None


@dataclass(frozen=True)
class _Context:
    """What the optimistic guesses need to know about me and my organization."""

    username: str
    role: str | None = None
    users: tuple[dict[str, Any], ...] = ()


def _apply_action(
    doc: dict[str, Any], kind: str, payload: dict[str, Any], context: _Context, at: str
) -> dict[str, Any]:
    """``doc`` with one of my queued actions applied (a new dict; ``doc`` is untouched)."""
    doc = dict(doc)
    username = context.username
    if kind == "transition":
        action, to = payload.get("action", ""), payload.get("to")
        doc["state"], doc["holder"] = _next_state(doc, action, to, context)
        note = payload.get("note") or ""
        if note:
            doc["opinions"] = [
                *(doc.get("opinions") or ()),
                {"id": None, "author": username, "text": note, "at": at, "pending": True},
            ]
        doc["flow"] = [
            *(doc.get("flow") or ()),
            {
                "from": username,
                "to": to,
                "action": action,
                "note": payload.get("note") or "",
                "at": at,
                "pending": True,
            },
        ]
    elif kind == "opinion":
        doc["opinions"] = [
            *(doc.get("opinions") or ()),
            {
                "id": None,
                "author": username,
                "text": payload.get("text") or "",
                "at": at,
                "pending": True,
            },
        ]
    elif kind == "mark":
        doc["marked"] = bool(payload.get("marked"))
    elif kind == "upload":
        atts = []
        for att in doc.get("attachments") or ():
            if att.get("id") == payload.get("attachment_id"):
                versions = list(att.get("versions") or ())
                n = max((v.get("n", 0) for v in versions), default=0) + 1
                versions.append(
                    {
                        "n": n,
                        "sha256": payload.get("sha256"),
                        "size": payload.get("size") or 0,
                        "uploaded_by": username,
                        "uploaded_at": at,
                        "signed": True,
                        "note": payload.get("note") or "",
                        "pending": True,
                    }
                )
                att = {**att, "versions": versions}
            atts.append(att)
        doc["attachments"] = atts
    return doc
