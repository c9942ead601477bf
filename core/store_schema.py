"""The local cache's schema and its migrations.

The schema version lives in SQLite's ``PRAGMA user_version``. :data:`MIGRATIONS` is an
ordered list; migration *n* (1-based) brings a file from version *n − 1* to *n*. A new
release appends a function, never edits an old one. Migrations run in one transaction
each, through sqlite-utils (imported only when a file actually needs migrating, so the
read path stays fast).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from kyso.core.errors import StoreError

__all__ = [
    "JSON_INDEXES",
    "LIST_INDEXES",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "ensure_list_indexes",
    "migrate",
]


def _v1(db) -> None:  # db: sqlite_utils.Database
    """The first schema: documents and their parts, outbox, sync state, conflicts, blobs."""
    db["documents"].create(
        {
            "id": int,
            "version": int,
            "so_ky_hieu": str,
            "trich_yeu": str,
            "loai": str,
            "loai_ky_hieu": str,
            "don_vi_soan_thao": str,
            "nguoi_soan": str,
            "state": str,
            "holder": str,
            "marked": int,
            "signed_by_me": int,
            "pending": int,
            "ngay_ban_hanh": str,
            "created_at": str,
            "updated_at": str,
            "received_at": str,
            "json": str,
        },
        pk="id",
        not_null={"version", "json"},
        defaults={"marked": 0, "signed_by_me": 0, "pending": 0},
    )
    db["documents"].create_index(["holder", "updated_at"], index_name="ix_documents_holder")
    db["documents"].create_index(["updated_at"], index_name="ix_documents_updated")
    db["documents"].create_index(["signed_by_me"], index_name="ix_documents_signed")

    db["attachments"].create(
        {"id": int, "document_id": int, "name": str, "is_main": int, "position": int},
        pk="id",
    )
    db["attachments"].create_index(["document_id"], index_name="ix_attachments_document")
    db["versions"].create(
        {
            "attachment_id": int,
            "document_id": int,
            "n": int,
            "sha256": str,
            "size": int,
            "uploaded_by": str,
            "uploaded_at": str,
            "signed": int,
            "note": str,
            "pending": int,
        },
        pk=("attachment_id", "n"),
        defaults={"pending": 0},
    )
    db["versions"].create_index(["document_id"], index_name="ix_versions_document")
    db["opinions"].create(
        {
            "rowid_": int,
            "id": int,
            "document_id": int,
            "author": str,
            "text": str,
            "at": str,
            "pending": int,
        },
        pk="rowid_",
        defaults={"pending": 0},
    )
    db["opinions"].create_index(["document_id"], index_name="ix_opinions_document")
    db["flow"].create(
        {
            "rowid_": int,
            "document_id": int,
            "from_user": str,
            "to_user": str,
            "action": str,
            "note": str,
            "at": str,
            "pending": int,
        },
        pk="rowid_",
        defaults={"pending": 0},
    )
    db["flow"].create_index(["document_id"], index_name="ix_flow_document")
    db.execute(
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            document_id INTEGER NOT NULL,
            base_version INTEGER NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )"""
    )
    db["outbox"].create_index(["document_id"], index_name="ix_outbox_document")
    db["sync_state"].create(
        {
            "id": int,
            "cursor": str,
            "last_sync_at": str,
            "last_error": str,
            "last_error_at": str,
        },
        pk="id",
    )
    db["sync_state"].insert({"id": 1, "cursor": "0"})
    db["conflicts"].create(
        {
            "id": int,
            "key": str,
            "kind": str,
            "document_id": int,
            "payload": str,
            "reason": str,
            "status": int,
            "message": str,
            "at": str,
            "dismissed": int,
        },
        pk="id",
        defaults={"dismissed": 0},
    )
    db["conflicts"].create_index(["dismissed"], index_name="ix_conflicts_dismissed")
    db["blobs"].create({"sha256": str, "size": int, "added_at": str}, pk="sha256")
    db["meta"].create({"key": str, "value": str}, pk="key")


def _v2(db) -> None:  # db: sqlite_utils.Database
    """Inbox columns: ``sender`` (who sent it to the holder) and ``signed`` (the main
    attachment's newest version is signed), filled from each stored document's JSON."""
    db.execute("ALTER TABLE documents ADD COLUMN sender TEXT")
    db.execute("ALTER TABLE documents ADD COLUMN signed INTEGER NOT NULL DEFAULT 0")
    # The stored JSON already has my queued actions applied, so it is the right source.
    # sender: the `from` of the newest flow entry whose `to` is the holder.
    # signed: the first attachment marked is_main (else the first one), newest version.
    db.execute(
        """UPDATE documents SET
            sender = (
                SELECT json_extract(f.value, '$.from') FROM json_each(documents.json, '$.flow') f
                WHERE json_extract(f.value, '$.to') = documents.holder
                ORDER BY f.key DESC LIMIT 1
            ),
            signed = coalesce((
                SELECT json_extract(a.value, '$.versions[#-1].signed')
                FROM json_each(documents.json, '$.attachments') a
                ORDER BY coalesce(json_extract(a.value, '$.is_main'), 0) = 0, a.key LIMIT 1
            ), 0) != 0"""
    )


_LIST_COLUMNS = [
    "updated_at",
    "id",
    "so_ky_hieu",
    "trich_yeu",
    "loai",
    "don_vi_soan_thao",
    "state",
    "holder",
    "marked",
    "version",
    "received_at",
    "pending",
    "sender",
    "signed",
    "signed_by_me",
]
"""What the inbox list reads (kyso.core.store._INBOX_NAMES), in its order (newest first)."""


_V3_INDEXES = {
    "ix_documents_list": _LIST_COLUMNS,
    "ix_documents_holder": ["holder", *_LIST_COLUMNS],
}

_V5_INDEXES = {"ix_documents_json": ["updated_at", "id", "list_json"]}

LIST_INDEXES = dict(_V3_INDEXES)
"""The covering indexes of the list views (schema 3), by name: grown by a first sync while
its pages come in their order, else built at its end
(:class:`kyso.core.store_bulk.ListOrder`), and when a cache is opened without them."""

JSON_INDEXES = dict(_V5_INDEXES)
"""The index of ``--json``'s rows (schema 5), by name: only ``kyso inbox --json`` reads it,
so a first sync drops it and the first such read makes it again
(:meth:`kyso.core.store_reads.StoreReads.write_inbox_json`): a second of a first sync at
100,000 documents that the app never used."""


def ensure_list_indexes(conn: sqlite3.Connection, indexes: dict | None = None) -> None:
    """Create the :data:`LIST_INDEXES` (or ``indexes``) that are missing (after a bulk
    load dropped them, or one that was interrupted)."""
    present = {
        row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    for name, columns in (LIST_INDEXES if indexes is None else indexes).items():
        if name not in present:
            conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON documents({', '.join(columns)})")


def _v3(db) -> None:  # db: sqlite_utils.Database
    """Covering indexes for the list views: "all" and "my inbox" are read from an index
    alone, already in order, without visiting the table rows (each holds the document's
    whole JSON, so a 100,000-document list read ~170 MB of pages; ~25 MB now)."""
    db.execute("DROP INDEX IF EXISTS ix_documents_updated")
    db.execute("DROP INDEX IF EXISTS ix_documents_holder")
    ensure_list_indexes(db.conn, _V3_INDEXES)


def _v4(db) -> None:  # db: sqlite_utils.Database
    """The signer's remembered signature positions, one per document type and page-count
    bucket (:mod:`kyso.core.placements`); the box is in the reader frame."""
    db.execute(
        """CREATE TABLE placements (
            loai TEXT NOT NULL,
            bucket TEXT NOT NULL,
            page INTEGER NOT NULL,
            x0 REAL NOT NULL,
            y0 REAL NOT NULL,
            x1 REAL NOT NULL,
            y1 REAL NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (loai, bucket)
        )"""
    )


_LIST_JSON = (
    "json_object('id', id, 'so_ky_hieu', so_ky_hieu, 'trich_yeu', trich_yeu, 'loai', loai, "
    "'don_vi_soan_thao', don_vi_soan_thao, 'state', state, 'holder', holder, "
    "'marked', json(CASE WHEN marked THEN 'true' ELSE 'false' END), 'version', version, "
    "'updated_at', updated_at, 'received_at', received_at, 'pending', coalesce(pending, 0), "
    "'sender', sender, 'signed', json(CASE WHEN signed THEN 'true' ELSE 'false' END), "
    "'signed_by_me', json(CASE WHEN signed_by_me THEN 'true' ELSE 'false' END))"
)
"""One list row as ``kyso inbox --json`` prints it (kyso.core.store_reads._INBOX_NAMES)."""


def _v5(db) -> None:  # db: sqlite_utils.Database
    """Each document's list row as JSON, kept ready in an index: ``list_json`` is a virtual
    column computed from the list columns, so every write of them (a pulled page, an
    action, the outbox count) keeps it right with no code of its own, and the index
    stores it in the list's order: ``inbox --all --json`` reads that index alone and
    joins the rows, instead of SQLite building 100,000 JSON objects per call. Creating
    the index fills it for the documents already cached."""
    db.execute(
        f"ALTER TABLE documents ADD COLUMN list_json TEXT GENERATED ALWAYS AS ({_LIST_JSON}) "
        "VIRTUAL"
    )
    ensure_list_indexes(db.conn, _V5_INDEXES)


MIGRATIONS: list[Callable] = [_v1, _v2, _v3, _v4, _v5]
"""Migration functions; index *i* brings version *i* to *i + 1*."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this release writes."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the file behind ``conn`` to :data:`SCHEMA_VERSION`; return the old version.

    Raises :class:`StoreError` for a file written by a newer kyso.
    """
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"Bộ nhớ đệm được tạo bởi phiên bản kyso mới hơn (lược đồ {current}); "
            "hãy cập nhật kyso."
        )
    if current == SCHEMA_VERSION:
        return current
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have migrated meanwhile.
            number = conn.execute("PRAGMA user_version").fetchone()[0]
            if number >= SCHEMA_VERSION:
                conn.execute("COMMIT")
                return current
            MIGRATIONS[number](db)
            conn.execute(f"PRAGMA user_version = {number + 1}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
