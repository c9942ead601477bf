"""The registry book of outgoing documents (sổ đăng ký văn bản đi), Decree 30/2020.

One book per organization and year. Every number the clerk (văn thư) takes is a row of
the ``registry`` table, from the moment it is allocated:

* ``pending`` — allocated for a document waiting in ``cho_van_thu``; asking again for
  the same document returns the same row (a partial unique index allows one pending
  number per document);
* ``issued`` — the issued PDFs were accepted: the row carries the book's ten columns;
* ``cancelled`` (bị huỷ) — the issuance failed or was abandoned; the number is never
  given again and the row keeps the reason.

Numbers run from 01 each calendar year (Art. 15). The next number is taken inside one
``BEGIN IMMEDIATE`` transaction (the caller's, see :func:`kyso.server.writes.idempotent_write`),
so concurrent clerks are serialized by SQLite and get distinct consecutive numbers;
``UNIQUE (org_id, nam, so)`` and ``UNIQUE (org_id, nam, so_ky_hieu)`` make a duplicate
impossible even if that rule were broken. The book is the only numbering path: the old
``ban_hanh`` transition answers 409 (:mod:`kyso.server.transitions`), and documents numbered
by it before are given book rows by a migration (:func:`kyso.server.migrations.repair_book`).

The book is chronological: a number's date is never earlier than a lower number's
(held or issued) nor later than a higher one's, and never in the future (Vietnam time).

The checks on the uploaded issued PDFs live in :mod:`kyso.server.issued`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from fastapi import HTTPException

from kyso.core.clock import vn_today
from kyso.core.workflow import Role, State, format_so_ky_hieu
from kyso.server.access import visible_row
from kyso.server.auth import CurrentUser
from kyso.server.db import Database, now_iso

__all__ = [
    "BOOK_COLUMNS",
    "SCHEMA",
    "allocate_number",
    "book_entries",
    "cancel_number",
    "check_date_order",
    "check_number_free",
    "clerk_document",
    "ensure_schema",
    "entry_json",
    "leader_signed_main",
    "next_number",
    "pending_entry",
    "today",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS registry (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    nam INTEGER NOT NULL,
    so INTEGER NOT NULL CHECK (so >= 1),
    ky_hieu TEXT NOT NULL,
    so_ky_hieu TEXT NOT NULL,
    doc_id INTEGER NOT NULL REFERENCES documents(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'issued', 'cancelled')),
    ngay TEXT NOT NULL,
    allocated_by TEXT NOT NULL,
    allocated_at TEXT NOT NULL,
    ten_loai_trich_yeu TEXT NOT NULL DEFAULT '',
    nguoi_ky TEXT NOT NULL DEFAULT '',
    noi_nhan TEXT NOT NULL DEFAULT '',
    noi_luu TEXT NOT NULL DEFAULT '',
    so_luong_ban INTEGER,
    ngay_chuyen TEXT,
    ky_nhan TEXT NOT NULL DEFAULT '',
    ghi_chu TEXT NOT NULL DEFAULT '',
    only_number INTEGER NOT NULL DEFAULT 0,
    issued_by TEXT,
    issued_at TEXT,
    cancelled_by TEXT,
    cancelled_at TEXT,
    cancel_reason TEXT,
    UNIQUE (org_id, nam, so),
    UNIQUE (org_id, nam, so_ky_hieu)
);
CREATE UNIQUE INDEX IF NOT EXISTS registry_one_pending ON registry(doc_id)
    WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS registry_doc ON registry(doc_id);
"""

BOOK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("so_ky_hieu", "Số, ký hiệu văn bản"),
    ("ngay", "Ngày, tháng văn bản"),
    ("ten_loai_trich_yeu", "Tên loại và trích yếu nội dung văn bản"),
    ("nguoi_ky", "Người ký"),
    ("noi_nhan", "Nơi nhận văn bản"),
    ("noi_luu", "Đơn vị, người nhận bản lưu"),
    ("so_luong_ban", "Số lượng bản"),
    ("ngay_chuyen", "Ngày chuyển"),
    ("ky_nhan", "Ký nhận"),
    ("ghi_chu", "Ghi chú"),
)
"""The ten columns of the book (Decree 30, Phụ lục IV): key in :func:`entry_json`, header."""

STATUS_LABELS = {"pending": "Đang giữ số", "issued": "Đã ban hành", "cancelled": "Bị huỷ"}


def ensure_schema(db: Database) -> None:
    """Create the registry tables if missing (idempotent; called at server start-up)."""
    with db.connect() as conn:
        conn.executescript(SCHEMA)


def today() -> dt.date:
    """Today in Vietnam (+07:00)."""
    return vn_today()


def _vn(day: dt.date | str) -> str:
    return (dt.date.fromisoformat(day) if isinstance(day, str) else day).strftime("%d/%m/%Y")


def check_date_order(
    conn: sqlite3.Connection, org_id: int, year: int, so: int, day: dt.date
) -> None:
    """422 unless ``day`` keeps the book chronological for number ``so`` of ``year``.

    Not in the future; not earlier than a lower number held or issued; not later than
    a higher one. Cancelled numbers do not count.
    """
    now = today()
    if day > now:
        raise HTTPException(
            422,
            f"Ngày ban hành {_vn(day)} ở tương lai (hôm nay là {_vn(now)}, giờ Việt Nam).",
        )
    lower = conn.execute(
        "SELECT so_ky_hieu, ngay, status FROM registry WHERE org_id = ? AND nam = ? AND so < ?"
        " AND status != 'cancelled' AND ngay > ? ORDER BY ngay DESC LIMIT 1",
        (org_id, year, so, day.isoformat()),
    ).fetchone()
    if lower is not None:
        what = "đã ban hành" if lower["status"] == "issued" else "đang được giữ"
        raise HTTPException(
            422,
            f"Ngày ban hành {_vn(day)} sớm hơn ngày {_vn(lower['ngay'])} của số "
            f"{lower['so_ky_hieu']} ({what}): sổ đăng ký ghi theo thứ tự thời gian, số sau "
            "không được mang ngày trước số trước.",
        )
    higher = conn.execute(
        "SELECT so_ky_hieu, ngay FROM registry WHERE org_id = ? AND nam = ? AND so > ?"
        " AND status != 'cancelled' AND ngay < ? ORDER BY ngay LIMIT 1",
        (org_id, year, so, day.isoformat()),
    ).fetchone()
    if higher is not None:
        raise HTTPException(
            422,
            f"Ngày ban hành {_vn(day)} muộn hơn ngày {_vn(higher['ngay'])} của số sau "
            f"{higher['so_ky_hieu']}: sổ đăng ký ghi theo thứ tự thời gian.",
        )


def check_number_free(conn: sqlite3.Connection, org_id: int, year: int, so: int) -> None:
    """409 when the book (or a document) already has ``so`` for ``year``: a number held,
    cancelled or issued is never given again."""
    row = conn.execute(
        "SELECT so_ky_hieu, status FROM registry WHERE org_id = ? AND nam = ? AND so = ?",
        (org_id, year, so),
    ).fetchone()
    if row is not None:
        what = STATUS_LABELS.get(row["status"], row["status"]).lower()
        raise HTTPException(
            409, f"Số {row['so_ky_hieu']} năm {year} đã có trong sổ đăng ký ({what})."
        )
    on_doc = conn.execute(
        "SELECT id FROM documents WHERE org_id = ? AND nam = ? AND so = ?", (org_id, year, so)
    ).fetchone()
    if on_doc is not None:
        raise HTTPException(409, f"Số {so:02d} năm {year} đã có trên văn bản {on_doc[0]}.")


def leader_signed_main(conn: sqlite3.Connection, doc_id: int) -> sqlite3.Row | None:
    """The main file's newest version when it is a leader's signed version, or a signed
    version on top of one with nothing unsigned in between; else None."""
    rows = conn.execute(
        "SELECT v.*, u.role AS uploader_role FROM attachments a"
        " JOIN versions v ON v.attachment_id = a.id"
        " LEFT JOIN users u ON u.username = v.uploaded_by"
        " WHERE a.doc_id = ? AND a.is_main = 1 ORDER BY v.n DESC",
        (doc_id,),
    ).fetchall()
    for row in rows:
        if not row["signed"]:
            return None
        if row["uploader_role"] == Role.LANH_DAO_SO.value:
            return rows[0]
    return None


def check_year(day: dt.date) -> None:
    """400 unless ``day`` is in last year, this year or next year."""
    this = today().year
    if not this - 1 <= day.year <= this + 1:
        raise HTTPException(
            400, f"Ngày ban hành {day.isoformat()} nằm ngoài năm trước, năm nay và năm sau."
        )


def clerk_document(
    conn: sqlite3.Connection, user: CurrentUser, doc_id: int, *, states: tuple[State, ...]
) -> sqlite3.Row:
    """The document the clerk acts on, after the same checks as a transition.

    403 when the user is not a văn thư, 404 when not visible, 409 in another state, 403
    when someone else holds it, 409 when the main file's latest version is not signed.
    """
    if user.role != Role.VAN_THU:
        raise HTTPException(403, "Chỉ văn thư được cấp số và phát hành văn bản.")
    doc = visible_row(conn, user, doc_id)
    if doc["state"] not in {s.value for s in states}:
        raise HTTPException(
            409, "Văn bản chưa được lãnh đạo ký và chuyển văn thư (hoặc đã được phát hành)."
        )
    if doc["holder"] != user.username:
        raise HTTPException(403, "Văn bản không do bạn đang xử lý.")
    if leader_signed_main(conn, doc_id) is None:
        raise HTTPException(
            409,
            "Tệp chính chưa có chữ ký của lãnh đạo (hoặc có bản chưa ký tải lên sau chữ ký): "
            "chưa cấp số được.",
        )
    return doc


def entry_json(row: sqlite3.Row) -> dict[str, Any]:
    """A ``RegistryEntry`` (docs/api.md) from a ``registry`` row."""
    return {
        "id": row["id"],
        "doc_id": row["doc_id"],
        "year": row["nam"],
        "so": row["so"],
        "ky_hieu": row["ky_hieu"],
        "so_ky_hieu": row["so_ky_hieu"],
        "ngay": row["ngay"],
        "status": row["status"],
        "ten_loai_trich_yeu": row["ten_loai_trich_yeu"],
        "nguoi_ky": row["nguoi_ky"],
        "noi_nhan": row["noi_nhan"],
        "noi_luu": row["noi_luu"],
        "so_luong_ban": row["so_luong_ban"],
        "ngay_chuyen": row["ngay_chuyen"],
        "ky_nhan": row["ky_nhan"],
        "ghi_chu": row["ghi_chu"],
        "only_number": bool(row["only_number"]),
        "allocated_by": row["allocated_by"],
        "allocated_at": row["allocated_at"],
        "issued_by": row["issued_by"],
        "issued_at": row["issued_at"],
        "cancelled_by": row["cancelled_by"],
        "cancelled_at": row["cancelled_at"],
        "cancel_reason": row["cancel_reason"],
        "repaired": bool(row["repaired"]),
    }


def pending_entry(conn: sqlite3.Connection, doc_id: int) -> sqlite3.Row | None:
    """The document's pending number, if it has one."""
    return conn.execute(
        "SELECT * FROM registry WHERE doc_id = ? AND status = 'pending'", (doc_id,)
    ).fetchone()


def next_number(conn: sqlite3.Connection, org_id: int, year: int) -> int:
    """The next free number of the organization's book for ``year`` (01 on 1 January).

    Only meaningful inside a write transaction; outside one it is a preview.
    """
    row = conn.execute(
        "SELECT MAX(m) FROM (SELECT MAX(so) AS m FROM registry WHERE org_id = ? AND nam = ?"
        " UNION ALL SELECT MAX(so) FROM documents WHERE org_id = ? AND nam = ?)",
        (org_id, year, org_id, year),
    ).fetchone()
    return int(row[0] or 0) + 1


def _ten_loai_trich_yeu(doc: sqlite3.Row) -> str:
    loai, trich_yeu = doc["loai"], doc["trich_yeu"].strip()
    if trich_yeu.casefold().startswith(loai.casefold()):
        return trich_yeu
    return f"{loai} {trich_yeu}"


def allocate_number(
    conn: sqlite3.Connection,
    user: CurrentUser,
    doc_id: int,
    day: dt.date | None,
    *,
    at: str | None = None,
) -> tuple[sqlite3.Row, bool]:
    """Take the next number for the document, or return its pending one.

    Runs in the caller's write transaction. Returns ``(row, created)``.
    """
    doc = clerk_document(conn, user, doc_id, states=(State.CHO_VAN_THU,))
    existing = pending_entry(conn, doc_id)
    if existing is not None:
        return existing, False
    day = day or today()
    check_year(day)
    so = next_number(conn, user.org_id, day.year)
    check_number_free(conn, user.org_id, day.year, so)
    check_date_order(conn, user.org_id, day.year, so, day)
    ky_hieu, so_ky_hieu = format_so_ky_hieu(so, doc["loai_ky_hieu"], user.org_ky_hieu)
    taken = conn.execute(
        "SELECT 1 FROM registry WHERE org_id = ? AND nam = ? AND so_ky_hieu = ?",
        (user.org_id, day.year, so_ky_hieu),
    ).fetchone()
    if taken:
        raise HTTPException(409, f"Số, ký hiệu {so_ky_hieu} năm {day.year} đã được cấp.")
    entry_id = conn.execute(
        "INSERT INTO registry (org_id, nam, so, ky_hieu, so_ky_hieu, doc_id, status, ngay,"
        " allocated_by, allocated_at, ten_loai_trich_yeu)"
        " VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)",
        (
            user.org_id,
            day.year,
            so,
            ky_hieu,
            so_ky_hieu,
            doc_id,
            day.isoformat(),
            user.username,
            at or now_iso(),
            _ten_loai_trich_yeu(doc),
        ),
    ).lastrowid
    row = conn.execute("SELECT * FROM registry WHERE id = ?", (entry_id,)).fetchone()
    return row, True


def cancel_number(
    conn: sqlite3.Connection, user: CurrentUser, doc_id: int, reason: str
) -> sqlite3.Row:
    """Record the document's pending number as cancelled (bị huỷ) with ``reason``.

    403 for anyone but the văn thư, 404 when not visible, 409 when there is no pending
    number. The number is never given again.
    """
    if user.role != Role.VAN_THU:
        raise HTTPException(403, "Chỉ văn thư được huỷ số đã cấp.")
    visible_row(conn, user, doc_id)
    row = pending_entry(conn, doc_id)
    if row is None:
        raise HTTPException(409, "Văn bản không có số đang giữ để huỷ.")
    reason = reason.strip() or "Không nêu lý do."
    conn.execute(
        "UPDATE registry SET status = 'cancelled', cancelled_by = ?, cancelled_at = ?,"
        " cancel_reason = ?, ghi_chu = ? WHERE id = ?",
        (user.username, now_iso(), reason, f"Số bị huỷ: {reason}", row["id"]),
    )
    return conn.execute("SELECT * FROM registry WHERE id = ?", (row["id"],)).fetchone()


def book_entries(
    conn: sqlite3.Connection, org_id: int, year: int, *, include_pending: bool = True
) -> list[dict[str, Any]]:
    """The book's rows for ``year``, by number (issued, cancelled and, if asked, pending)."""
    sql = "SELECT * FROM registry WHERE org_id = ? AND nam = ?"
    if not include_pending:
        sql += " AND status != 'pending'"
    return [entry_json(r) for r in conn.execute(sql + " ORDER BY so", (org_id, year))]
