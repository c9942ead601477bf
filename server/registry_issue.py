"""Recording an issuance: the book row becomes ``issued`` and the document takes its number.

One function, :func:`mark_issued`, used by ``POST /documents/{id}/issue`` (after the
issued PDFs were checked and stored) and by the demo seed (:func:`issue_in_book`), so
every number on a document comes from a book row.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from fastapi import HTTPException

from kyso.core.workflow import Role, State
from kyso.server.auth import CurrentUser
from kyso.server.db import touch
from kyso.server.registry import allocate_number, check_date_order

__all__ = ["BookDetails", "issue_in_book", "leader_name", "mark_issued"]


@dataclass(frozen=True)
class BookDetails:
    """The book's columns the clerk fills at issuance."""

    noi_nhan: str = ""
    noi_luu: str = ""
    so_luong_ban: int | None = None
    ky_nhan: str = ""
    ghi_chu: str = ""
    only_number: bool = False


def leader_name(conn: sqlite3.Connection, doc_id: int) -> str:
    """Full name of the leader whose signed version of the main file is the newest."""
    row = conn.execute(
        "SELECT u.full_name FROM attachments a JOIN versions v ON v.attachment_id = a.id"
        " JOIN users u ON u.username = v.uploaded_by WHERE a.doc_id = ? AND a.is_main = 1"
        " AND v.signed = 1 AND u.role = ? ORDER BY v.n DESC LIMIT 1",
        (doc_id, Role.LANH_DAO_SO.value),
    ).fetchone()
    return row[0] if row else ""


def mark_issued(
    conn: sqlite3.Connection,
    user: CurrentUser,
    doc_id: int,
    entry: sqlite3.Row,
    *,
    at: str,
    flow_note: str,
    details: BookDetails,
) -> None:
    """Number the document from its pending ``entry``, move it to ``da_ban_hanh`` with a
    flow entry, and fill the book row — inside the caller's write transaction.

    409 when the number is on another document; 422 when the date would break the
    book's order (checked again here: the book may have changed since allocation).
    """
    day = dt.date.fromisoformat(entry["ngay"])
    check_date_order(conn, entry["org_id"], entry["nam"], entry["so"], day)
    try:
        conn.execute(
            "UPDATE documents SET state = ?, nam = ?, so = ?, ky_hieu = ?, so_ky_hieu = ?,"
            " ngay_ban_hanh = ? WHERE id = ?",
            (
                State.DA_BAN_HANH.value,
                entry["nam"],
                entry["so"],
                entry["ky_hieu"],
                entry["so_ky_hieu"],
                entry["ngay"],
                doc_id,
            ),
        )
    except sqlite3.IntegrityError:
        raise HTTPException(
            409, f"Số {entry['so']:02d} năm {entry['nam']} đã được dùng cho văn bản khác."
        ) from None
    conn.execute(
        "INSERT INTO flow (doc_id, from_user, to_user, action, note, at)"
        " VALUES (?, ?, ?, 'ban_hanh', ?, ?)",
        (doc_id, user.username, user.username, flow_note, at),
    )
    conn.execute(
        "UPDATE registry SET status = 'issued', nguoi_ky = ?, noi_nhan = ?, noi_luu = ?,"
        " so_luong_ban = ?, ngay_chuyen = ?, ky_nhan = ?, ghi_chu = ?, only_number = ?,"
        " issued_by = ?, issued_at = ? WHERE id = ?",
        (
            leader_name(conn, doc_id),
            details.noi_nhan,
            details.noi_luu,
            details.so_luong_ban,
            at,
            details.ky_nhan,
            details.ghi_chu,
            int(details.only_number),
            user.username,
            at,
            entry["id"],
        ),
    )
    touch(conn, doc_id, at=at)


def issue_in_book(
    conn: sqlite3.Connection, user: CurrentUser, doc_id: int, *, at: str, note: str = ""
) -> sqlite3.Row:
    """Allocate the next number in the book and record it issued (the demo seed's
    issued documents); returns the book row."""
    when = dt.datetime.fromisoformat(at)
    entry, _created = allocate_number(conn, user, doc_id, when.date(), at=at)
    flow_note = f"Cấp số {entry['so_ky_hieu']}, ngày {when.strftime('%d/%m/%Y')}."
    if note.strip():
        flow_note += " " + note.strip()
        conn.execute(
            "INSERT INTO opinions (doc_id, author, text, at) VALUES (?, ?, ?, ?)",
            (doc_id, user.username, note.strip(), at),
        )
    details = BookDetails(so_luong_ban=1, ghi_chu=note.strip())
    mark_issued(conn, user, doc_id, entry, at=at, flow_note=flow_note, details=details)
    return conn.execute("SELECT * FROM registry WHERE id = ?", (entry["id"],)).fetchone()
