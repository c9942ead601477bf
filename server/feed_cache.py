"""The changes feed's cache: each document's feed entry kept ready, so a page is read.

``feed_json`` holds one row per document: its feed entry ``{"seq":…,"document":{…}}`` as
UTF-8 JSON (``change``), with the ``Document`` as a user who has not marked it sees it;
the ``change_seq`` it was built at (``seq``); and the byte offset of the ``false`` of
``marked`` (``cut``), so a page swaps in ``true`` for the user who marked it (marks are
per user and are read with each page, as before).

Kept in step inside the writer's transaction: :func:`kyso.server.db.touch` notes the
document on the connection and :meth:`kyso.server.db.Database.write` rebuilds the noted
documents just before COMMIT (:func:`refresh`), after every other write of the
transaction. Never served stale: a page uses a row only when its ``seq`` is the
document's ``change_seq``, and triggers delete a document's row as soon as anything the
text shows changes (its row, attachments, versions, opinions, flow, related), so a write
that bypasses ``touch`` (or an administrator's SQL) leaves no row to be served. Such a
document is built for each page as before (:func:`kyso.server.feed_json.documents_json`)
until the next server start fills it (:func:`fill`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from kyso.server.feed_json import MARKED_AT, document_parts, documents_json, join

if TYPE_CHECKING:
    from kyso.server.db import Database

__all__ = ["CHUNK", "COLUMNS", "JOIN", "create", "entries", "fill", "refresh"]

CHUNK = 2000
"""Documents built per statement (and per transaction when filling at start)."""

_TABLE = """
CREATE TABLE IF NOT EXISTS feed_json (
    doc_id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    change BLOB NOT NULL,
    cut INTEGER NOT NULL
)
"""

# Each table the text is made from, and how a row of it names its document.
_SOURCES = {
    "documents": "{row}.id",
    "attachments": "{row}.doc_id",
    "versions": "(SELECT doc_id FROM attachments WHERE id = {row}.attachment_id)",
    "opinions": "{row}.doc_id",
    "flow": "{row}.doc_id",
    "related": "{row}.doc_id",
}


def _triggers() -> Iterator[str]:
    for table, doc in _SOURCES.items():
        for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
            ids = ", ".join(doc.format(row=row) for row in rows)
            yield (
                f"CREATE TRIGGER IF NOT EXISTS feed_json_{table}_{event.lower()}"
                f" AFTER {event} ON {table} BEGIN"
                f" DELETE FROM feed_json WHERE doc_id IN ({ids}); END"
            )


def create(conn: sqlite3.Connection) -> None:
    """Make the ``feed_json`` table and the triggers that drop a row whose document
    changed (a migration: :mod:`kyso.server.migrations`). Rows are made by :func:`fill`."""
    conn.execute(_TABLE)
    for statement in _triggers():
        conn.execute(statement)


def _has_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'feed_json'"
    ).fetchone()
    return row is not None


def _chunks(items: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _prefix(seq: int) -> bytes:
    return b'{"seq":%d,"document":' % seq


def _entry(seq: int, document: str) -> bytes:
    return _prefix(seq) + document.encode() + b"}"


def refresh(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    """Build the cached entry of ``ids`` as the database holds them now, inside the
    caller's write transaction (nothing when the table does not exist yet: a database
    not migrated, whose server makes the rows at start)."""
    wanted = sorted(set(ids))
    if not wanted or not _has_table(conn):
        return
    for chunk in _chunks(wanted):
        rows = []
        for doc_id, seq, head, tail in document_parts(conn, chunk):
            change = _entry(seq, join(head, tail, False))
            cut = len(_prefix(seq)) + len(head.encode()) - 1 + MARKED_AT
            rows.append((doc_id, seq, change, cut))
        conn.executemany(
            "INSERT OR REPLACE INTO feed_json (doc_id, seq, change, cut) VALUES (?, ?, ?, ?)",
            rows,
        )


_STALE = """
SELECT d.id FROM documents AS d LEFT JOIN feed_json AS f ON f.doc_id = d.id
WHERE f.seq IS NOT d.change_seq ORDER BY d.id
"""


def fill(db: Database) -> int:
    """Build the rows that are missing or stale (a database from an older server, or
    documents written without ``touch``), :data:`CHUNK` documents per transaction so
    other writers wait little. Returns how many were built."""
    with db.connect() as conn:
        stale = [int(r[0]) for r in conn.execute(_STALE)]
    for chunk in _chunks(stale):
        with db.write() as conn:
            refresh(conn, chunk)
    return len(stale)


JOIN = "LEFT JOIN feed_json AS f ON f.doc_id = d.id"
"""Joined to a feed page's ``documents AS d`` rows, for :data:`COLUMNS`."""
COLUMNS = (
    "CASE WHEN f.seq = d.change_seq THEN f.change END, f.cut,"
    " EXISTS (SELECT 1 FROM marks AS m WHERE m.username = :username AND m.doc_id = d.id)"
)
"""A page's columns after ``d.id, d.change_seq`` for :func:`entries`: the cached entry
only when it was built at the document's current ``change_seq``, where its ``marked``
is, and whether ``:username`` marked the document."""


def entries(
    conn: sqlite3.Connection,
    rows: list[tuple[int, int, bytes | None, int | None, int]],
    username: str,
) -> list[bytes]:
    """The feed entries of a page's ``rows`` (``d.id, d.change_seq`` then :data:`COLUMNS`)
    as ``username`` sees them, in order: cached ones as stored (``marked`` set to true
    where the user marked it), the others built now."""
    out: list[bytes] = []
    missing: dict[int, int] = {}
    for doc_id, _seq, change, cut, marked in rows:
        if change is not None and marked:
            change = (
                change[:cut] + b"true" + change[cut + 5 :]
                if change.startswith(b"false", cut)
                else None
            )
        if change is None:
            missing[doc_id] = len(out)
        out.append(change or b"")
    if missing:
        built = documents_json(conn, list(missing), username)
        for doc_id, at in missing.items():
            out[at] = _entry(rows[at][1], built[doc_id])
    return out
