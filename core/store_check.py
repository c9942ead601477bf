"""The local cache is checked when it was changed outside kyso, and rebuilt if damaged.

kyso remembers the size and modification time of each store file when it closes it
(a ``.seen`` file beside it). On open, a file that differs — copied back from a
backup, touched by another program, cut short by a crash or a full disk — gets a
``PRAGMA quick_check``. A damaged file is moved aside (``….damaged-YYYYmmdd-HHMMSS``,
with its -wal/-shm), the unsent actions that can still be read from it are handed back
to be queued again in a fresh store, and one notice says so; the next sync fills the
fresh store from the server (its cursor starts at 0).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from pathlib import Path
from typing import Any

__all__ = ["Salvage", "check_on_open", "remember"]

SEEN_SUFFIX = ".seen"


def _seen_path(path: Path) -> Path:
    return path.with_name(path.name + SEEN_SUFFIX)


def _stamp(path: Path) -> str | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}"


def remember(path: Path) -> None:
    """Note the file as kyso leaves it (called after the store is closed)."""
    stamp = _stamp(path)
    if stamp is None:
        return
    seen = _seen_path(path)
    with contextlib.suppress(OSError):
        if seen.read_text("ascii").strip() == stamp:
            return  # unchanged: no write (on a full disk it would only cut the file short)
    with contextlib.suppress(OSError):
        seen.write_text(stamp, "ascii")


def _changed_outside(path: Path) -> bool:
    try:
        seen = _seen_path(path).read_text("ascii").strip()
    except OSError:
        return True
    return seen != _stamp(path)


def _quick_check(path: Path) -> str | None:
    """``None`` when the file is sound, else what SQLite found."""
    conn = None
    try:
        conn = sqlite3.connect(path, timeout=30)
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        if conn is not None:
            conn.close()
    if rows and rows[0][0] == "ok":
        return None
    return str(rows[0][0]) if rows else "không rõ"


def _read_outbox(path: Path) -> list[dict[str, Any]]:
    """The outbox rows that can still be read, oldest first."""
    rows: list[dict[str, Any]] = []
    conn = None
    try:
        conn = sqlite3.connect(path, timeout=30)
        conn.row_factory = sqlite3.Row
        cursor = conn.execute("SELECT * FROM outbox ORDER BY seq")
        while True:
            try:
                row = cursor.fetchone()
            except sqlite3.DatabaseError:
                break  # the rest of the table is unreadable
            if row is None:
                break
            rows.append(dict(row))
    except sqlite3.DatabaseError:
        pass
    finally:
        if conn is not None:
            conn.close()
    return rows


class Salvage:
    """What was kept from a damaged store."""

    def __init__(self, moved_to: Path, problem: str, outbox: list[dict[str, Any]]) -> None:
        self.moved_to = moved_to
        first = (problem.strip().splitlines() or ["không rõ"])[0]
        self.problem = first if len(first) <= 80 else first[:79] + "…"
        self.outbox = outbox

    def notice(self) -> str:
        """The one line the user is told."""
        kept = (
            f"giữ lại {len(self.outbox)} thao tác chưa gửi đọc được"
            if self.outbox
            else "không có thao tác chưa gửi nào đọc được"
        )
        return (
            f"Bộ nhớ đệm bị hỏng ({self.problem}); đã chuyển sang {self.moved_to.name} và "
            f"tạo bộ nhớ mới, {kept}. Chạy `kyso sync` để tải lại văn bản từ máy chủ."
        )


def check_on_open(path: Path) -> Salvage | None:
    """Check ``path`` if it changed outside kyso; move it aside when damaged."""
    if not path.exists() or not _changed_outside(path):
        return None
    problem = _quick_check(path)
    if problem is None:
        remember(path)
        return None
    outbox = _read_outbox(path)
    suffix = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{suffix}")
    os.replace(path, aside)
    for extra in ("-wal", "-shm"):
        side = path.with_name(path.name + extra)
        if side.exists():
            os.replace(side, aside.with_name(aside.name + extra))
    _seen_path(path).unlink(missing_ok=True)
    return Salvage(aside, problem, outbox)
