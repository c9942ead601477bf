"""Who sees which document.

A document is visible to its drafter, its holder and everyone it was ever sent to;
visibility only grows, which is what lets the changes feed be a simple cursor. Anything
else — including every document of another organization — is answered with 404, so
nobody learns that a document exists.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from fastapi import HTTPException

from kyso.server.auth import CurrentUser
from kyso.server.db import load_documents

__all__ = ["grant", "load_one", "visible_row"]

NOT_FOUND = "Không tìm thấy văn bản."


def visible_row(conn: sqlite3.Connection, user: CurrentUser, doc_id: int) -> sqlite3.Row:
    """The document's row when ``user`` may see it; 404 otherwise."""
    row = conn.execute(
        "SELECT d.* FROM documents d JOIN doc_access a ON a.doc_id = d.id"
        " WHERE d.id = ? AND d.org_id = ? AND a.username = ?",
        (doc_id, user.org_id, user.username),
    ).fetchone()
    if row is None:
        raise HTTPException(404, NOT_FOUND)
    return row


def grant(conn: sqlite3.Connection, doc_id: int, *usernames: str) -> None:
    """Make the document visible to ``usernames`` (from now on, for good)."""
    conn.executemany(
        "INSERT OR IGNORE INTO doc_access (username, doc_id) VALUES (?, ?)",
        [(u, doc_id) for u in usernames],
    )


def load_one(conn: sqlite3.Connection, doc_id: int, user: CurrentUser) -> dict[str, Any]:
    """One ``Document`` as ``user`` sees it."""
    return load_documents(conn, [doc_id], user.username)[doc_id]
