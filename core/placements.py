"""The signer's remembered signature positions, kept in the local store.

One position per document type (``loai``, e.g. "Kế hoạch") and page-count bucket
(:func:`page_bucket`): a one-page công văn and a twelve-page kế hoạch keep their own
boxes, and a document of another type never inherits one. Boxes are in the reader frame
of :mod:`kyso.core.docs.page_frame`. Positions remembered by older releases in
``placements.json`` are imported once (bucket ``*``: any page count of that type).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kyso.core.errors import StoreError

__all__ = ["ANY_BUCKET", "PlacementBook", "RememberedPlacement", "page_bucket"]

ANY_BUCKET = "*"
"""The bucket of a position imported from the old file: any page count."""

_BUCKETS = ((1, "1"), (3, "2–3"), (9, "4–9"))
_IMPORTED = "placements_imported"


def page_bucket(page_count: int) -> str:
    """The page-count bucket of a document: ``1``, ``2–3``, ``4–9`` or ``10+``."""
    for limit, label in _BUCKETS:
        if page_count <= limit:
            return label
    return "10+"


@dataclass(frozen=True)
class RememberedPlacement:
    """One remembered position: a zero-based page and a reader-frame box."""

    loai: str
    bucket: str
    page: int
    box: tuple[float, float, float, float]
    updated_at: str = ""

    def placement(self) -> Any:
        """As a :class:`kyso.core.docs.placement.Placement` (rule ``remembered``)."""
        from kyso.core.docs.placement import Placement

        return Placement(self.page, self.box, rule="remembered")

    def describe(self) -> str:
        """One line for settings: ``Kế hoạch, 2–3 trang: trang 2, hộp 359,36,559,116``."""
        pages = "mọi số trang" if self.bucket == ANY_BUCKET else f"{self.bucket} trang"
        box = ",".join(f"{v:.0f}" for v in self.box)
        return f"{self.loai or 'không rõ loại'}, {pages}: trang {self.page + 1}, hộp {box}"


class PlacementBook:
    """Remembered positions over one store connection (the :class:`kyso.core.store.Store`
    shares its connection and lock; the connection must already be migrated)."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock | None = None) -> None:
        self._conn = conn
        self._lock = lock or threading.RLock()

    @classmethod
    def in_memory(cls) -> PlacementBook:
        """A book in a private in-memory database (backends without a store, tests)."""
        from kyso.core.store_schema import migrate

        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        migrate(conn)
        return cls(conn)

    def _run(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"Không đọc/ghi được vị trí chữ ký đã nhớ: {exc}") from None

    def find(self, loai: str, page_count: int) -> RememberedPlacement | None:
        """The position for ``loai`` at this page count: its own bucket first, then one
        imported for any page count of the type; never another type's."""
        rows = self._run(
            "SELECT loai, bucket, page, x0, y0, x1, y1, updated_at FROM placements "
            "WHERE loai = ? AND bucket IN (?, ?) ORDER BY bucket = ? LIMIT 1",
            (loai or "", page_bucket(page_count), ANY_BUCKET, ANY_BUCKET),
        )
        return _row(rows[0]) if rows else None

    def remember(self, loai: str, page_count: int, placement: Any) -> RememberedPlacement:
        """Keep ``placement`` (page and reader-frame box) for ``loai`` at this page count."""
        from kyso.core.clock import vn_now

        entry = RememberedPlacement(
            loai or "",
            page_bucket(page_count),
            int(placement.page),
            tuple(round(float(v), 2) for v in placement.box),  # type: ignore[arg-type]
            vn_now().isoformat(timespec="seconds"),
        )
        self._run(
            "INSERT OR REPLACE INTO placements VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.loai, entry.bucket, entry.page, *entry.box, entry.updated_at),
        )
        return entry

    def all(self) -> list[RememberedPlacement]:
        """Every remembered position, by type then bucket."""
        rows = self._run(
            "SELECT loai, bucket, page, x0, y0, x1, y1, updated_at FROM placements "
            "ORDER BY loai, bucket"
        )
        return [_row(r) for r in rows]

    def forget(self, loai: str, bucket: str) -> bool:
        """Forget one position; True when there was one."""
        with self._lock:
            before = self._conn.total_changes
            self._run("DELETE FROM placements WHERE loai = ? AND bucket = ?", (loai, bucket))
            return self._conn.total_changes > before

    def clear(self) -> int:
        """Forget every position; returns how many were forgotten."""
        with self._lock:
            count = self._run("SELECT count(*) FROM placements")[0][0]
            self._run("DELETE FROM placements")
            return count

    def import_file(self, path: Path, username: str) -> int:
        """Bring ``username``'s positions from an old ``placements.json`` into the store,
        once per store (later calls do nothing; the file is left for other users)."""
        with self._lock:
            done = self._run("SELECT value FROM meta WHERE key = ?", (_IMPORTED,))
            if done:
                return 0
            entries = _legacy(path, username)
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                for loai, page, box in entries:
                    self._conn.execute(
                        "INSERT OR IGNORE INTO placements VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (loai, ANY_BUCKET, page, *box, ""),
                    )
                self._conn.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (_IMPORTED, str(path))
                )
                self._conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self._conn.execute("ROLLBACK")
                raise StoreError(f"Không chuyển được vị trí chữ ký đã nhớ: {exc}") from None
            return len(entries)


def _row(row: tuple) -> RememberedPlacement:
    loai, bucket, page, x0, y0, x1, y1, at = row
    return RememberedPlacement(loai, bucket, int(page), (x0, y0, x1, y1), at or "")


def _legacy(path: Path, username: str) -> list[tuple[str, int, tuple[float, ...]]]:
    """``{"user": {"Kế hoạch": {"page": 0, "box": [..]}, "*": …}}`` → the user's typed
    entries (the old any-type fallback ``*`` is dropped: it is what put one type's box
    on another's pages)."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
        mine = data.get(username) if isinstance(data, dict) else None
    except (OSError, ValueError):
        return []
    found = []
    for loai, entry in (mine or {}).items() if isinstance(mine, dict) else ():
        if loai == "*":
            continue
        try:
            box = tuple(float(v) for v in entry["box"])
            if len(box) == 4:
                found.append((str(loai), int(entry["page"]), box))
        except (TypeError, KeyError, ValueError):
            continue
    return found
