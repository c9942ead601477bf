"""The server database's schema version and its migrations.

The version lives in SQLite's ``PRAGMA user_version`` (0 for a database made before
versioning). :data:`MIGRATIONS` is ordered; migration *n* (1-based) brings version
*n − 1* to *n*, each in one ``BEGIN IMMEDIATE`` transaction, so two servers starting on the
same folder migrate once. The base tables (:data:`kyso.server.db.SCHEMA` and the registry's
:data:`kyso.server.registry.SCHEMA`) are created before migrations run and never change:
everything added later is a migration.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from kyso.core.errors import KysoError
from kyso.core.workflow import Role
from kyso.server.db import Database

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "repair_book"]

REPAIR_NOTE = "Ghi sổ bổ sung: số đã có trên văn bản nhưng thiếu trong sổ (sửa dữ liệu cũ)."

_MISSING_SQL = """
SELECT d.* FROM documents d WHERE d.so IS NOT NULL AND d.nam IS NOT NULL
AND NOT EXISTS (SELECT 1 FROM registry r WHERE r.org_id = d.org_id AND r.nam = d.nam
                AND r.so = d.so AND r.doc_id = d.id AND r.status = 'issued')
ORDER BY d.org_id, d.nam, d.so
"""


def _ten_loai_trich_yeu(doc: sqlite3.Row) -> str:
    loai, trich_yeu = doc["loai"], doc["trich_yeu"].strip()
    if trich_yeu.casefold().startswith(loai.casefold()):
        return trich_yeu
    return f"{loai} {trich_yeu}"


def repair_book(conn: sqlite3.Connection) -> int:
    """Give every document whose number is missing from the book an issued book row
    marked ``repaired`` (numbers from the old ``ban_hanh`` transition). Returns how many.

    When the book already has a row for the number (held, cancelled or issued for
    another document: the old double-numbering), that row is kept and marked with a note
    naming the document that also carries the number.
    """
    added = 0
    for doc in conn.execute(_MISSING_SQL).fetchall():
        row = conn.execute(
            "SELECT id FROM registry WHERE org_id = ? AND nam = ? AND so = ?",
            (doc["org_id"], doc["nam"], doc["so"]),
        ).fetchone()
        if row is not None:
            conn.execute(
                "UPDATE registry SET repaired = 1, ghi_chu = TRIM(ghi_chu || ' ' || ?)"
                " WHERE id = ?",
                (
                    f"Số này cũng có trên văn bản {doc['id']} (cấp ngoài sổ, sửa dữ liệu cũ).",
                    row[0],
                ),
            )
            added += 1
            continue
        flow = conn.execute(
            "SELECT from_user, at FROM flow WHERE doc_id = ? AND action = 'ban_hanh'"
            " ORDER BY id DESC LIMIT 1",
            (doc["id"],),
        ).fetchone()
        by = flow["from_user"] if flow else doc["holder"]
        at = flow["at"] if flow else doc["updated_at"]
        signer = conn.execute(
            "SELECT u.full_name FROM attachments a JOIN versions v ON v.attachment_id = a.id"
            " JOIN users u ON u.username = v.uploaded_by WHERE a.doc_id = ? AND a.is_main = 1"
            " AND v.signed = 1 AND u.role = ? ORDER BY v.n DESC LIMIT 1",
            (doc["id"], Role.LANH_DAO_SO.value),
        ).fetchone()
        so_ky_hieu = doc["so_ky_hieu"] or f"{doc['so']:02d}"
        cur = conn.execute(
            "INSERT OR IGNORE INTO registry (org_id, nam, so, ky_hieu, so_ky_hieu, doc_id,"
            " status, ngay, allocated_by, allocated_at, ten_loai_trich_yeu, nguoi_ky,"
            " ngay_chuyen, ghi_chu, issued_by, issued_at, repaired)"
            " VALUES (?, ?, ?, ?, ?, ?, 'issued', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            (
                doc["org_id"],
                doc["nam"],
                doc["so"],
                doc["ky_hieu"] or "",
                so_ky_hieu,
                doc["id"],
                doc["ngay_ban_hanh"] or at[:10],
                by,
                at,
                _ten_loai_trich_yeu(doc),
                signer[0] if signer else "",
                at,
                REPAIR_NOTE,
                by,
                at,
            ),
        )
        added += cur.rowcount
    return added


def _v1(conn: sqlite3.Connection) -> None:
    """Trust anchors and certificate bindings; the book becomes the only numbering path
    (documents numbered outside it get a ``repaired`` row)."""
    from kyso.server.trust import SCHEMA as TRUST_SCHEMA

    for statement in TRUST_SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("ALTER TABLE registry ADD COLUMN repaired INTEGER NOT NULL DEFAULT 0")
    repair_book(conn)


def _v2(conn: sqlite3.Connection) -> None:
    """The copies book (sổ đăng ký bản sao, :mod:`kyso.server.copies`)."""
    from kyso.server.copies import SCHEMA as COPIES_SCHEMA

    for statement in COPIES_SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v3(conn: sqlite3.Connection) -> None:
    """The changes feed's cache (:mod:`kyso.server.feed_cache`); its rows are made at
    server start (:func:`kyso.server.feed_cache.fill`), in chunks, not in this transaction."""
    from kyso.server.feed_cache import create

    create(conn)


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3]
"""Migration functions; index *i* brings version *i* to *i + 1*."""

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: Database) -> int:
    """Bring the database to :data:`SCHEMA_VERSION`; return the version it had."""
    with db.connect() as conn:
        before = conn.execute("PRAGMA user_version").fetchone()[0]
    if before > SCHEMA_VERSION:
        raise KysoError(
            f"Dữ liệu máy chủ do phiên bản kyso mới hơn tạo (lược đồ {before}); hãy cập nhật kyso.",
            title="Máy chủ",
        )
    while True:
        with db.write() as conn:
            # Read again under the write lock: another process may have migrated meanwhile.
            number = conn.execute("PRAGMA user_version").fetchone()[0]
            if number >= SCHEMA_VERSION:
                return before
            MIGRATIONS[number](conn)
            conn.execute(f"PRAGMA user_version = {number + 1}")
