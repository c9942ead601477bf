"""Reading the local cache: the list views (inbox, all, signed by me) and one document."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kyso.core.errors import DocumentError, StoreError
from kyso.core.store_base import BULK_MARK, Scope, StoreBase

if TYPE_CHECKING:
    from kyso.core.store_rows import AttachmentVersion, DocumentDetail, InboxRow

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
_INDEX_WAIT_MS = 250
"""How long ``--json`` waits for another writer before reading without its index."""


class StoreReads(StoreBase):
    """The read side of :class:`kyso.core.store.Store`."""

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
        """:meth:`inbox_dicts` as one JSON array (compact, UTF-8 text kept readable)."""
        return self.inbox_json_bytes(scope).decode()

    def inbox_json_bytes(self, scope: Scope = "inbox") -> bytes:
        """:meth:`inbox_json` as UTF-8 bytes (see :meth:`write_inbox_json`)."""
        parts: list[bytes] = []
        self.write_inbox_json(parts.append, scope)
        return b"".join(parts)

    def write_inbox_json(
        self, write: Callable[[bytes], object], scope: Scope = "inbox", *, rows: int = 128
    ) -> None:
        """Hand :meth:`inbox_json` to ``write`` as UTF-8 pieces of whole rows (what
        ``--json`` prints).

        Each row's JSON is kept ready in the ``list_json`` column's index (schema 5), so
        this only reads them in the list's order and joins them: at 100,000 documents no
        JSON is built or parsed, the 40 MB are never held at once, nor decoded into a str
        only to be encoded again. One statement, so one consistent snapshot. Pieces of
        ``rows`` rows (~50 kB) stay small enough to reuse the same memory: larger ones are
        fresh allocations whose page faults cost more than the copying.

        A first sync leaves that index to this read: the first one makes it (~1 s at
        100,000 documents), quietly; a file it cannot write now (read-only, or busy with
        another writer) is read without it, each row's JSON built as it is read.
        """
        self._ensure_json_index()
        where, params = self._inbox_where(scope)
        sql = (
            f"SELECT CAST(list_json AS BLOB) FROM documents {where} "
            "ORDER BY updated_at DESC, id DESC"
        )
        with self._lock:
            try:
                cursor = self._conn.execute(sql, params)
                write(b"[")
                comma = b""
                while chunk := cursor.fetchmany(rows):
                    write(comma + b",".join([r[0] for r in chunk]))
                    comma = b","
                write(b"]")
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"Không đọc được bộ nhớ đệm: {exc}") from None

    def _ensure_json_index(self) -> None:
        """Make the missing :data:`~kyso.core.store_schema.JSON_INDEXES` if the file can be
        written now, unless a first sync is under way (it would grow them row by row)."""
        from kyso.core.store_schema import JSON_INDEXES, ensure_list_indexes

        marks = ", ".join("?" * len(JSON_INDEXES))
        with self._lock:
            conn = self._conn
            try:
                present = conn.execute(
                    "SELECT count(*) FROM sqlite_master "
                    f"WHERE type = 'index' AND name IN ({marks})",
                    tuple(JSON_INDEXES),
                ).fetchone()[0]
                if present == len(JSON_INDEXES) or conn.in_transaction:
                    return
                if conn.execute("SELECT 1 FROM meta WHERE key = ?", (BULK_MARK,)).fetchone():
                    return
                timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
                conn.execute(f"PRAGMA busy_timeout = {_INDEX_WAIT_MS}")
            except sqlite3.DatabaseError:
                return  # the read says what is wrong with the file
            try:
                with self.transaction() as writing:
                    ensure_list_indexes(writing, JSON_INDEXES)
            except StoreError:
                pass  # read-only or busy: read without it this time (rolled back)
            finally:
                conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")

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

        # From the document's JSON (my queued uploads included): the cache keeps no
        # separate rows of attachments and versions.
        sql = (
            "SELECT v.value ->> 'n', v.value ->> 'sha256', v.value ->> 'size', "
            "v.value ->> 'uploaded_by', v.value ->> 'uploaded_at', v.value ->> 'signed', "
            "v.value ->> 'note', v.value ->> 'pending' "
            "FROM documents AS d, json_each(d.json, '$.attachments') AS a, "
            "json_each(a.value, '$.versions') AS v WHERE d.id = ? AND a.value ->> 'id' = ?"
        )
        params: tuple = (document_id, attachment_id)
        if n is not None:
            sql += " AND v.value ->> 'n' = ?"
            params += (n,)
        rows = self._query(sql + " ORDER BY v.value ->> 'n' DESC LIMIT 1", params)
        if not rows:
            raise DocumentError(f"Không có tệp đính kèm {attachment_id} của văn bản {document_id}.")
        r = rows[0]
        return AttachmentVersion(
            r[0], r[1] or "", r[2] or 0, r[3] or "", r[4] or "", bool(r[5]), r[6] or "", bool(r[7])
        )
