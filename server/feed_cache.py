"""The changes feed's cache: each document's feed JSON kept ready, so a page is read.

``feed_json`` holds one row per document: its ``Document`` object as JSON text as a user
who has not marked it sees it, the ``change_seq`` it was built at (``seq``) and where the
``false`` of ``marked`` starts in the text (``cut``), so a page swaps in ``true`` for the
user who marked it (marks are per user and are read for each page, as before).

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

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from kyso.server.feed_json import MARKED_AT, document_parts, documents_json, join, marked_ids

if TYPE_CHECKING:
    from kyso.server.db import Database

__all__ = ["CHUNK", "create", "fill", "page_documents", "refresh"]

CHUNK = 2000
"""Documents built per statement (and per transaction when filling at start)."""

_TABLE = """
CREATE TABLE IF NOT EXISTS feed_json (
    doc_id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    json TEXT NOT NULL,
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


def refresh(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    """Build the cached text of ``ids`` as the database holds them now, inside the
    caller's write transaction (nothing when the table does not exist yet: a database
    not migrated, whose server makes the rows at start)."""
    wanted = sorted(set(ids))
    if not wanted or not _has_table(conn):
        return
    for chunk in _chunks(wanted):
        rows = [
            (doc_id, seq, join(head, tail, False), len(head) - 1 + MARKED_AT)
            for doc_id, seq, head, tail in document_parts(conn, chunk)
        ]
        conn.executemany(
            "INSERT OR REPLACE INTO feed_json (doc_id, seq, json, cut) VALUES (?, ?, ?, ?)", rows
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


def page_documents(
    conn: sqlite3.Connection, rows: list[tuple[int, int]], username: str
) -> dict[int, str]:
    """The ``Document`` JSON text of each ``(doc_id, change_seq)`` of a feed page as
    ``username`` sees it: the cached text when it was built at that ``change_seq``,
    otherwise built now."""
    seqs = dict(rows)
    ids = list(seqs)
    marked = marked_ids(conn, ids, username)
    docs: dict[int, str] = {}
    cached = conn.execute(
        "SELECT doc_id, seq, json, cut FROM feed_json WHERE doc_id IN"
        " (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    )
    for doc_id, seq, text, cut in cached:
        if seqs.get(doc_id) != seq or not text.startswith("false", cut):
            continue
        docs[doc_id] = text[:cut] + "true" + text[cut + 5 :] if doc_id in marked else text
    missing = [doc_id for doc_id in ids if doc_id not in docs]
    if missing:
        docs.update(documents_json(conn, missing, username))
    return docs
