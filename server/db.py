"""The server's SQLite database: schema, connections and the queries the routes share.

One file ``kyso-server.sqlite3`` in the data folder, WAL mode. Connections are kept one
per worker thread (FastAPI runs the sync routes in a thread pool). Every write runs in
``BEGIN IMMEDIATE`` so writers are serialized and the change sequence grows in commit
order; each document change inserts a row in ``changes`` and stores its ``seq`` on the
document (:func:`touch`), which is what the changes feed reads. The documents a write
touched get their feed text rebuilt just before its COMMIT (:mod:`kyso.server.feed_cache`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from kyso.server.feed_cache import refresh as refresh_feed

__all__ = [
    "DB_NAME",
    "Connection",
    "Database",
    "add_version_row",
    "load_documents",
    "now_iso",
    "touch",
]

DB_NAME = "kyso-server.sqlite3"
VN_TZ = dt.timezone(dt.timedelta(hours=7), "+07:00")

SCHEMA = """
CREATE TABLE IF NOT EXISTS orgs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    ky_hieu TEXT NOT NULL UNIQUE,
    parent TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    cert_der BLOB
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    version INTEGER NOT NULL DEFAULT 1,
    trich_yeu TEXT NOT NULL,
    loai TEXT NOT NULL,
    loai_ky_hieu TEXT NOT NULL,
    don_vi_soan_thao TEXT NOT NULL DEFAULT '',
    nguoi_soan TEXT NOT NULL,
    holder TEXT NOT NULL,
    state TEXT NOT NULL,
    nam INTEGER,
    so INTEGER,
    ky_hieu TEXT,
    so_ky_hieu TEXT,
    ngay_ban_hanh TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    change_seq INTEGER NOT NULL DEFAULT 0,
    UNIQUE (org_id, nam, so)
);
CREATE INDEX IF NOT EXISTS documents_change_seq ON documents(change_seq);
CREATE INDEX IF NOT EXISTS documents_holder ON documents(holder);
CREATE TABLE IF NOT EXISTS doc_access (
    username TEXT NOT NULL,
    doc_id INTEGER NOT NULL REFERENCES documents(id),
    PRIMARY KEY (username, doc_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS related (
    doc_id INTEGER NOT NULL REFERENCES documents(id),
    related_id INTEGER NOT NULL REFERENCES documents(id),
    PRIMARY KEY (doc_id, related_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS marks (
    username TEXT NOT NULL,
    doc_id INTEGER NOT NULL REFERENCES documents(id),
    PRIMARY KEY (username, doc_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents(id),
    name TEXT NOT NULL,
    is_main INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS attachments_doc ON attachments(doc_id);
CREATE TABLE IF NOT EXISTS versions (
    attachment_id INTEGER NOT NULL REFERENCES attachments(id),
    n INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    signed INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (attachment_id, n)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS opinions (
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents(id),
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS opinions_doc ON opinions(doc_id);
CREATE TABLE IF NOT EXISTS flow (
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents(id),
    from_user TEXT NOT NULL,
    to_user TEXT NOT NULL,
    action TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS flow_doc ON flow(doc_id);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id INTEGER NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    user_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body BLOB NOT NULL,
    etag TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
"""


def now_iso() -> str:
    """The current time, ISO 8601 with the +07:00 offset, to the second."""
    return dt.datetime.now(VN_TZ).isoformat(timespec="seconds")


class Connection(sqlite3.Connection):
    """A server connection; ``touched`` holds the documents its write transaction changed
    (:func:`touch`), whose feed text :meth:`Database.write` rebuilds before COMMIT."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.touched: set[int] = set()


class Database:
    """The server's SQLite file and its per-thread connections."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        with self.connect() as conn:
            conn.executescript(SCHEMA)

    def _open(self) -> Connection:
        conn = sqlite3.connect(
            self.path,
            isolation_level=None,
            check_same_thread=False,
            timeout=30,
            factory=Connection,
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """This thread's connection (opened on first use, autocommit mode)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A ``BEGIN IMMEDIATE`` transaction, committed on success, rolled back on error.

        The documents it touched get their feed text rebuilt last, as the transaction
        leaves them (:func:`kyso.server.feed_cache.refresh`)."""
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.touched.clear()
            try:
                yield conn
                refresh_feed(conn, conn.touched)
            except BaseException:
                conn.touched.clear()
                conn.execute("ROLLBACK")
                raise
            conn.touched.clear()
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close every connection this database opened (at server shutdown)."""
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            with suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()


def add_version_row(
    conn: sqlite3.Connection,
    attachment_id: int,
    *,
    sha256: str,
    size: int,
    uploaded_by: str,
    signed: bool,
    note: str,
) -> int:
    """Append a version to an attachment's history; return its number."""
    n = conn.execute(
        "SELECT COALESCE(MAX(n), 0) + 1 FROM versions WHERE attachment_id = ?", (attachment_id,)
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO versions (attachment_id, n, sha256, size, uploaded_by, uploaded_at, signed,"
        " note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (attachment_id, n, sha256, size, uploaded_by, now_iso(), int(signed), note),
    )
    return int(n)


def touch(
    conn: sqlite3.Connection, doc_id: int, *, bump_version: bool = True, at: str | None = None
) -> int:
    """Record a change of ``doc_id`` in the feed (and bump its version); return the seq.

    On a server connection the document's feed text is rebuilt when the transaction
    commits (:meth:`Database.write`), so ``touch`` may come before the other writes."""
    touched = getattr(conn, "touched", None)
    if touched is not None:
        touched.add(doc_id)
    at = at or now_iso()
    seq = conn.execute("INSERT INTO changes (doc_id, at) VALUES (?, ?)", (doc_id, at)).lastrowid
    if bump_version:
        conn.execute(
            "UPDATE documents SET change_seq = ?, version = version + 1, updated_at = ?"
            " WHERE id = ?",
            (seq, at, doc_id),
        )
    else:
        conn.execute("UPDATE documents SET change_seq = ? WHERE id = ?", (seq, doc_id))
    return int(seq)


def _chunks(items: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _in(ids: list[int]) -> str:
    return ",".join("?" * len(ids))


def load_documents(
    conn: sqlite3.Connection, ids: list[int], username: str
) -> dict[int, dict[str, Any]]:
    """The API's ``Document`` objects for ``ids``, as seen by ``username`` (marks)."""
    docs: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(list(dict.fromkeys(ids))):
        marks_q = "SELECT doc_id FROM marks WHERE username = ? AND doc_id IN (" + _in(chunk) + ")"
        marked = {r[0] for r in conn.execute(marks_q, (username, *chunk))}
        docs_q = "SELECT * FROM documents WHERE id IN (" + _in(chunk) + ")"
        for r in conn.execute(docs_q, chunk):
            docs[r["id"]] = {
                "id": r["id"],
                "version": r["version"],
                "trich_yeu": r["trich_yeu"],
                "loai": r["loai"],
                "loai_ky_hieu": r["loai_ky_hieu"],
                "don_vi_soan_thao": r["don_vi_soan_thao"],
                "nguoi_soan": r["nguoi_soan"],
                "holder": r["holder"],
                "state": r["state"],
                "so": r["so"],
                "ky_hieu": r["ky_hieu"],
                "so_ky_hieu": r["so_ky_hieu"],
                "ngay_ban_hanh": r["ngay_ban_hanh"],
                "marked": r["id"] in marked,
                "related": [],
                "created_at": r["created_at"],
                "updated_at": r["updated_at"],
                "attachments": [],
                "opinions": [],
                "flow": [],
            }
        related_q = "SELECT * FROM related WHERE doc_id IN (" + _in(chunk) + ") ORDER BY related_id"
        for r in conn.execute(related_q, chunk):
            docs[r["doc_id"]]["related"].append(r["related_id"])
        att_q = "SELECT * FROM attachments WHERE doc_id IN (" + _in(chunk) + ") ORDER BY id"
        atts: dict[int, dict[str, Any]] = {}
        for r in conn.execute(att_q, chunk):
            att = {"id": r["id"], "name": r["name"], "is_main": bool(r["is_main"]), "versions": []}
            atts[r["id"]] = att
            docs[r["doc_id"]]["attachments"].append(att)
        if atts:
            att_ids = list(atts)
            for sub in _chunks(att_ids):
                ver_q = (
                    "SELECT * FROM versions WHERE attachment_id IN (" + _in(sub) + ") ORDER BY n"
                )
                for r in conn.execute(ver_q, sub):
                    atts[r["attachment_id"]]["versions"].append(
                        {
                            "n": r["n"],
                            "sha256": r["sha256"],
                            "size": r["size"],
                            "uploaded_by": r["uploaded_by"],
                            "uploaded_at": r["uploaded_at"],
                            "signed": bool(r["signed"]),
                            "note": r["note"],
                        }
                    )
        op_q = "SELECT * FROM opinions WHERE doc_id IN (" + _in(chunk) + ") ORDER BY id"
        for r in conn.execute(op_q, chunk):
            docs[r["doc_id"]]["opinions"].append(
                {"id": r["id"], "author": r["author"], "text": r["text"], "at": r["at"]}
            )
        flow_q = "SELECT * FROM flow WHERE doc_id IN (" + _in(chunk) + ") ORDER BY id"
        for r in conn.execute(flow_q, chunk):
            docs[r["doc_id"]]["flow"].append(
                {
                    "from": r["from_user"],
                    "to": r["to_user"],
                    "action": r["action"],
                    "note": r["note"],
                    "at": r["at"],
                }
            )
    return docs
