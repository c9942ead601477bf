"""The local cache's foundation: opening the file (checked, migrated), transactions and
reads under one lock, and the small values kept in ``meta`` (me, the users).

:class:`kyso.core.store.Store` is this plus the mixins of the other ``store_*`` modules.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

from kyso.core.errors import StoreError
from kyso.core.notices import add_notice
from kyso.core.store_apply import _Context
from kyso.core.store_check import check_on_open, remember
from kyso.core.store_lease import Lease
from kyso.core.store_schema import ensure_list_indexes, migrate

if TYPE_CHECKING:
    from kyso.core.placements import PlacementBook

Scope = Literal["inbox", "all", "signed_by_me", "signed"]
"""List views: my inbox, everything cached, what I signed (``signed`` is an alias)."""
ActionKind = Literal["transition", "opinion", "mark", "upload"]

_VN = timezone(timedelta(hours=7))

BULK_MARK = "first_sync"
"""``meta`` key present while a first sync is under way
(:meth:`kyso.core.store_server.StoreServerWrites.bulk_load`)."""


def now_iso() -> str:
    """The current time as ISO 8601 with the +07:00 offset, to the second."""
    return datetime.now(_VN).replace(microsecond=0).isoformat()


def store_path(data: Path, server: str, username: str) -> Path:
    """The database file for ``username`` on ``server`` inside the data folder ``data``."""
    host = re.sub(r"^[a-z]+://", "", server.strip().rstrip("/").lower())
    slug = re.sub(r"[^a-z0-9.-]+", "_", host)[:40]
    user = re.sub(r"[^A-Za-z0-9._-]+", "_", username)[:40]
    digest = hashlib.sha256(f"{server.rstrip('/')}\n{username}".encode()).hexdigest()[:10]
    return data / "stores" / f"{slug}-{user}-{digest}.sqlite"


class StoreBase:
    """The connection, its lock and the ``meta`` values (see :class:`kyso.core.store.Store`)."""

    def __init__(self, path: Path, username: str, *, blob_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.username = username
        self.blob_dir = Path(blob_dir) if blob_dir else self.path.parent.parent / "blobs"
        self._lock = threading.RLock()
        before = _sidecars(self.path)
        conn = None
        self._lease: Lease | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._lease = Lease(self.path)
            # A file changed outside kyso is checked; while another kyso has it open, the
            # changes are that process's own.
            salvage = check_on_open(self.path) if self._lease.alone else None
            self._lease.share()
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            migrate(conn)
            ensure_list_indexes(conn)  # a bulk load may have stopped before its end
        except (sqlite3.DatabaseError, OSError) as exc:
            if conn is not None:
                conn.close()
            if self._lease is not None:
                self._lease.release()
            _remove_new_sidecars(self.path, before)
            if isinstance(exc, OSError):
                reason = _reason(self.path, exc)
                raise StoreError(f"Không tạo được bộ nhớ đệm {self.path}: {reason}") from None
            raise StoreError(
                f"Không mở được bộ nhớ đệm {self.path}: {_reason(self.path, exc)}"
            ) from None
        self._conn = conn
        if salvage is not None:
            self._requeue(salvage.outbox)
            add_notice(salvage.notice())

    def _requeue(self, rows: list[dict[str, Any]]) -> None:
        """Put the unsent actions read from a damaged file into this fresh store."""
        columns = {r[1] for r in self._conn.execute("PRAGMA table_info(outbox)")}
        with self.transaction() as conn:
            for row in rows:
                kept = {k: v for k, v in row.items() if k in columns}
                names = ", ".join(kept)
                marks = ", ".join("?" * len(kept))
                conn.execute(
                    f"INSERT OR IGNORE INTO outbox ({names}) VALUES ({marks})", list(kept.values())
                )

    # -- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        """Close the connection (and note the file as kyso leaves it)."""
        with self._lock:
            self._conn.close()
        remember(self.path)
        if self._lease is not None:
            self._lease.release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rolled_back(self, conn: sqlite3.Connection, exc: sqlite3.DatabaseError) -> StoreError:
        """Roll back a failed write; the error that says nothing of it was kept."""
        with contextlib.suppress(sqlite3.DatabaseError):
            conn.execute("ROLLBACK")
        return StoreError(
            f"Không ghi được bộ nhớ đệm ({_reason(self.path, exc)}); thay đổi chưa được lưu."
        )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), rolled back on any error."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(f"Bộ nhớ đệm đang bận: {exc}") from None
            try:
                yield conn
            except sqlite3.DatabaseError as exc:
                raise self._rolled_back(conn, exc) from None
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                raise self._rolled_back(conn, exc) from None

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"Không đọc được bộ nhớ đệm: {exc}") from None

    # -- meta ----------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A small stored value (e.g. ``me`` = my User JSON)."""
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a small value."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    @property
    def placements(self) -> PlacementBook:
        """My remembered signature positions (:mod:`kyso.core.placements`)."""
        from kyso.core.placements import PlacementBook

        return PlacementBook(self._conn, self._lock)

    def me(self) -> dict[str, Any] | None:
        """My User (``username``, ``full_name``, ``role``, ``title``, ``org``) if known."""
        value = self.get_meta("me")
        return json.loads(value) if value else None

    def users(self) -> list[dict[str, Any]]:
        """The users of my organization as last fetched (recipient choice)."""
        value = self.get_meta("users")
        return json.loads(value) if value else []

    def allowed_actions(self, document_id: int) -> list[str]:
        """Workflow actions I may take on a cached document (empty when my role is unknown)."""
        from kyso.core import workflow as wf

        doc = self.document_json(document_id)
        role = (self.me() or {}).get("role")
        if doc is None or not role or not doc.get("state"):
            return []
        try:
            actions = wf.allowed_actions(
                role, doc["state"], is_holder=doc.get("holder") == self.username
            )
        except ValueError:
            return []
        return [a.value for a in actions]

    def _context(self) -> _Context:
        me = self.me() or {}
        return _Context(self.username, me.get("role"), tuple(self.users()))


_SIDECARS = ("-wal", "-shm", "-journal")
_LOW_SPACE = 256 * 1024
"""Below this many free bytes a failed write is told as a full disk."""


def _sidecars(path: Path) -> set[str]:
    """Which of SQLite's files beside ``path`` exist now."""
    return {s for s in _SIDECARS if Path(f"{path}{s}").exists()}


def _remove_new_sidecars(path: Path, before: set[str]) -> None:
    """After a failed open, remove the files beside ``path`` this attempt created.

    Only those that did not exist before (another connection's are left alone), and a
    write-ahead log only while it holds nothing (no committed data is ever dropped).
    """
    for suffix in _SIDECARS:
        side = Path(f"{path}{suffix}")
        if suffix in before or not side.exists():
            continue
        with contextlib.suppress(OSError):
            if suffix != "-wal" or side.stat().st_size == 0:
                side.unlink()


def _reason(path: Path, exc: BaseException) -> str:
    """Why a write failed: "đĩa đầy" when the disk under ``path`` has no room left, else
    what SQLite or the system said.

    SQLite says "disk I/O error" for some writes a full disk refused (e.g. its shared
    memory file), so the free space is asked directly.
    """
    import shutil

    detail = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
    if not isinstance(exc, OSError) and "disk" not in detail:
        return detail  # a lock, a constraint or a damaged file, whatever the free space
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        full = shutil.disk_usage(folder).free < _LOW_SPACE
    except OSError:
        full = False
    return "đĩa đầy" if full else detail
