"""The copies book (sổ đăng ký bản sao): numbers of electronic copies, Decree 30/2020.

Decree 30 (Phụ lục I, Phần II) numbers copies with one sequence per organisation and
year *shared by all copy forms* — sao y, sao lục and trích sao — from 01 on 1 January;
the ký hiệu says the form and the organisation: ``01/SY-STTTT``, ``02/TS-STTTT``.

The book is its own table, ``copies``, not a ``kind`` column of ``registry``: the
outgoing book's rules (one pending number per document, numbers also held by the
documents table, back-dating checks, the ten Phụ lục IV columns, the repair migration
and the exports) would each need a kind filter, and one missed filter would mix the two
sequences. A copy's number is never written to ``documents.so`` (that column is the
outgoing book's), only to ``so_ky_hieu``.

Rows go ``pending`` → ``issued`` (the copy was uploaded, checked and stored as a new
document of type "Bản sao", related to the original) or ``cancelled`` (the copy failed;
the number is never given again). A number is taken inside the caller's ``BEGIN
IMMEDIATE`` transaction, so concurrent clerks get distinct consecutive numbers;
``UNIQUE (org_id, nam, so)`` makes a duplicate impossible. The date is always today
(Vietnam time), so the book is chronological by construction.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from fastapi import HTTPException

from kyso.core.workflow import Role, State
from kyso.server.access import visible_row
from kyso.server.auth import CurrentUser
from kyso.server.db import now_iso
from kyso.server.registry import today

__all__ = [
    "COPY_FORMS",
    "SCHEMA",
    "allocate_copy",
    "cancel_copy",
    "copies_book",
    "copy_entry_json",
    "pending_copy",
    "source_document",
]

COPY_FORMS: dict[str, tuple[str, str]] = {
    "sao-y": ("SY", "SAO Y"),
    "sao-luc": ("SL", "SAO LỤC"),
    "trich-sao": ("TS", "TRÍCH SAO"),
}
"""Form → (ký hiệu bản sao, what the copy's stamp says)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS copies (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    nam INTEGER NOT NULL,
    so INTEGER NOT NULL CHECK (so >= 1),
    form TEXT NOT NULL CHECK (form IN ('sao-y', 'sao-luc', 'trich-sao')),
    ky_hieu TEXT NOT NULL,
    so_ky_hieu TEXT NOT NULL,
    source_doc_id INTEGER NOT NULL REFERENCES documents(id),
    pages TEXT NOT NULL DEFAULT '',
    copy_doc_id INTEGER REFERENCES documents(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'issued', 'cancelled')),
    ngay TEXT NOT NULL,
    allocated_by TEXT NOT NULL,
    allocated_at TEXT NOT NULL,
    issued_by TEXT,
    issued_at TEXT,
    cancelled_by TEXT,
    cancelled_at TEXT,
    cancel_reason TEXT,
    UNIQUE (org_id, nam, so),
    UNIQUE (org_id, nam, so_ky_hieu)
);
CREATE UNIQUE INDEX IF NOT EXISTS copies_one_pending
    ON copies(source_doc_id, form, allocated_by) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS copies_source ON copies(source_doc_id);
"""


def copy_entry_json(row: sqlite3.Row) -> dict[str, Any]:
    """A ``CopyEntry`` (docs/api.md) from a ``copies`` row."""
    return {
        key: row[key]
        for key in (
            "id",
            "so",
            "form",
            "ky_hieu",
            "so_ky_hieu",
            "source_doc_id",
            "pages",
            "copy_doc_id",
            "status",
            "ngay",
            "allocated_by",
            "allocated_at",
            "issued_by",
            "issued_at",
            "cancelled_by",
            "cancelled_at",
            "cancel_reason",
        )
    } | {"year": row["nam"]}


def source_document(conn: sqlite3.Connection, user: CurrentUser, doc_id: int) -> sqlite3.Row:
    """The issued document the clerk copies: 403 for anyone but a văn thư, 404 when not
    visible, 409 when it is not issued."""
    if user.role != Role.VAN_THU:
        raise HTTPException(403, "Chỉ văn thư được làm bản sao văn bản.")
    doc = visible_row(conn, user, doc_id)
    if doc["state"] != State.DA_BAN_HANH.value or not doc["so_ky_hieu"]:
        raise HTTPException(409, "Văn bản chưa được ban hành: chưa sao được.")
    return doc


def pending_copy(
    conn: sqlite3.Connection, user: CurrentUser, doc_id: int, so_ky_hieu: str
) -> sqlite3.Row:
    """The pending copy number ``so_ky_hieu`` of ``doc_id``; 409 when there is none."""
    row = conn.execute(
        "SELECT * FROM copies WHERE org_id = ? AND source_doc_id = ? AND so_ky_hieu = ?",
        (user.org_id, doc_id, so_ky_hieu.strip()),
    ).fetchone()
    if row is None or row["status"] != "pending":
        what = "không phải số bản sao đang giữ" if row is None else "không còn được giữ"
        raise HTTPException(409, f"Số bản sao “{so_ky_hieu}” {what} của văn bản này.")
    return row


def allocate_copy(
    conn: sqlite3.Connection, user: CurrentUser, doc_id: int, form: str, pages: str = ""
) -> tuple[sqlite3.Row, bool]:
    """Take the next copy number for ``doc_id`` in ``form`` (or return the one this clerk
    holds for it). Runs in the caller's write transaction; returns ``(row, created)``."""
    if form not in COPY_FORMS:
        raise HTTPException(400, "Hình thức sao không hợp lệ (sao-y, sao-luc, trich-sao).")
    if (form == "trich-sao") != bool(pages.strip()):
        raise HTTPException(400, "Chỉ trích sao chọn trang, và trích sao phải chọn trang.")
    source_document(conn, user, doc_id)
    existing = conn.execute(
        "SELECT * FROM copies WHERE source_doc_id = ? AND form = ? AND allocated_by = ?"
        " AND status = 'pending'",
        (doc_id, form, user.username),
    ).fetchone()
    if existing is not None:
        if existing["pages"] != pages.strip():
            conn.execute(
                "UPDATE copies SET pages = ? WHERE id = ?", (pages.strip(), existing["id"])
            )
            existing = conn.execute(
                "SELECT * FROM copies WHERE id = ?", (existing["id"],)
            ).fetchone()
        return existing, False
    day = today()
    so = int(
        conn.execute(
            "SELECT COALESCE(MAX(so), 0) + 1 FROM copies WHERE org_id = ? AND nam = ?",
            (user.org_id, day.year),
        ).fetchone()[0]
    )
    ky_hieu = f"{COPY_FORMS[form][0]}-{user.org_ky_hieu}"
    entry_id = conn.execute(
        "INSERT INTO copies (org_id, nam, so, form, ky_hieu, so_ky_hieu, source_doc_id, pages,"
        " status, ngay, allocated_by, allocated_at) VALUES (?,?,?,?,?,?,?,?,'pending',?,?,?)",
        (
            user.org_id,
            day.year,
            so,
            form,
            ky_hieu,
            f"{so:02d}/{ky_hieu}",
            doc_id,
            pages.strip(),
            day.isoformat(),
            user.username,
            now_iso(),
        ),
    ).lastrowid
    return conn.execute("SELECT * FROM copies WHERE id = ?", (entry_id,)).fetchone(), True


def cancel_copy(
    conn: sqlite3.Connection, user: CurrentUser, doc_id: int, so_ky_hieu: str, reason: str
) -> sqlite3.Row:
    """Record a held copy number as cancelled with ``reason``; it is never given again."""
    source_document(conn, user, doc_id)
    row = pending_copy(conn, user, doc_id, so_ky_hieu)
    conn.execute(
        "UPDATE copies SET status = 'cancelled', cancelled_by = ?, cancelled_at = ?,"
        " cancel_reason = ? WHERE id = ?",
        (user.username, now_iso(), reason.strip() or "Không nêu lý do.", row["id"]),
    )
    return conn.execute("SELECT * FROM copies WHERE id = ?", (row["id"],)).fetchone()


def copies_book(conn: sqlite3.Connection, org_id: int, year: int) -> list[dict[str, Any]]:
    """The copies book's rows for ``year``, by number."""
    rows = conn.execute(
        "SELECT * FROM copies WHERE org_id = ? AND nam = ? ORDER BY so", (org_id, year)
    )
    return [copy_entry_json(r) for r in rows]
