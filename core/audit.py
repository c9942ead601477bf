"""The station's local audit log: append-only, hash-chained, one JSON object per line.

Each entry records what this station did (document hash, pages viewed, certificate,
transition), when, as whom, and from where (the local console or an SSH origin). Every
entry carries the hash of the previous one, so removing or editing a line breaks the
chain and :meth:`AuditLog.verify` says where. Nothing secret (PIN, password, session
token) is ever written here.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from kyso.core.errors import StoreError

__all__ = ["GENESIS", "AuditEntry", "AuditLog", "station_origin"]

GENESIS = "0" * 64
"""The ``prev`` of the first entry."""

_VN = timezone(timedelta(hours=7))


def station_origin() -> str:
    """Where the user sits: ``ssh <client ip>`` for an SSH session, else the host name."""
    ssh = os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_CLIENT")
    if ssh:
        return f"ssh {ssh.split()[0]}"
    return f"tại chỗ {socket.gethostname()}"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the log."""

    seq: int
    at: str
    """ISO time, +07:00."""
    user: str
    action: str
    """``view``, ``sign``, ``transition``, ``mark``, ``download``…"""
    document_id: int | None = None
    sha256: str = ""
    """Hash of the file the action was about, when there was one."""
    detail: dict[str, Any] = field(default_factory=dict)
    origin: str = ""
    prev: str = GENESIS
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """Everything but ``hash`` (what the hash covers)."""
        data = asdict(self)
        data.pop("hash")
        return data


def _digest(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AuditLog:
    """The log file (default ``<data>/audit.jsonl``); safe to share between threads."""

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            from kyso.config.locations import data_dir

            path = data_dir() / "audit.jsonl"
        self.path = Path(path)
        self._lock = threading.Lock()
        self._last: tuple[int, str] | None = None

    def _tail(self) -> tuple[int, str]:
        if self._last is None:
            entries = self.entries()
            self._last = (entries[-1].seq, entries[-1].hash) if entries else (0, GENESIS)
        return self._last

    def append(
        self,
        action: str,
        *,
        user: str,
        document_id: int | None = None,
        sha256: str = "",
        **detail: Any,
    ) -> AuditEntry:
        """Add one entry (fsync'd) and return it."""
        with self._lock:
            seq, prev = self._tail()
            entry = AuditEntry(
                seq=seq + 1,
                at=datetime.now(_VN).isoformat(timespec="seconds"),
                user=user,
                action=action,
                document_id=document_id,
                sha256=sha256,
                detail=detail,
                origin=station_origin(),
                prev=prev,
            )
            entry = AuditEntry(**{**entry.body(), "hash": _digest(entry.body())})
            line = json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True) + "\n"
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, line.encode("utf-8"))
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise StoreError(f"Không ghi được nhật ký {self.path}: {exc.strerror}") from None
            self._last = (entry.seq, entry.hash)
            return entry

    def entries(self) -> list[AuditEntry]:
        """Every entry, oldest first; a line that is not an entry is a :class:`StoreError`."""
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreError(f"Không đọc được nhật ký {self.path}: {exc.strerror}") from None
        entries = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entries.append(AuditEntry(**json.loads(line)))
            except (ValueError, TypeError):
                raise StoreError(f"Nhật ký {self.path} hỏng ở dòng {number}") from None
        return entries

    def verify(self) -> tuple[bool, str]:
        """(True, summary) when the chain is intact, else (False, where it breaks)."""
        try:
            entries = self.entries()
        except StoreError as exc:
            return False, exc.message
        prev = GENESIS
        for index, entry in enumerate(entries, start=1):
            if entry.seq != index:
                return False, f"Thiếu hoặc thừa mục trước mục {entry.seq}"
            if entry.prev != prev:
                return False, f"Chuỗi bị đứt ở mục {entry.seq}"
            if _digest(entry.body()) != entry.hash:
                return False, f"Mục {entry.seq} đã bị sửa"
            prev = entry.hash
        return True, f"{len(entries)} mục, chuỗi băm nguyên vẹn"
