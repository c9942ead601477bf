"""Attachment files in the local cache: a content-addressed blob folder beside the
database (``blobs/ab/abcdef…``), written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path

from kyso.core.atomic import write_atomic
from kyso.core.errors import OutputError, StoreError
from kyso.core.store_base import StoreBase, now_iso


class StoreBlobs(StoreBase):
    """The blob side of :class:`kyso.core.store.Store`."""

    def blob_path(self, sha256: str) -> Path:
        """Where the blob with this digest lives (it may not exist yet)."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
            raise StoreError("Mã băm tệp không hợp lệ.")
        return self.blob_dir / sha256[:2] / sha256

    def attachment_path(
        self, document_id: int, attachment_id: int, n: int | None = None
    ) -> Path | None:
        """The cached file of an attachment version, or ``None`` when not downloaded yet."""
        version = self.attachment_version(document_id, attachment_id, n)
        path = self.blob_path(version.sha256)
        return path if path.exists() else None

    def put_blob(self, data: bytes, *, expected_sha256: str | None = None) -> str:
        """Store bytes content-addressed (atomic write); return their sha256."""
        digest = hashlib.sha256(data).hexdigest()
        if expected_sha256 is not None and digest != expected_sha256.lower():
            raise StoreError("Tệp tải về không khớp mã băm; đã bỏ qua.")
        path = self.blob_path(digest)
        if not path.exists():
            _write_blob(path, data)
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO blobs(sha256, size, added_at) VALUES (?, ?, ?)",
                (digest, len(data), now_iso()),
            )
        return digest


def _write_blob(path: Path, data: bytes) -> None:
    """Write one blob atomically; on failure (a full disk) leave no new folder behind."""
    created = [p for p in (path.parent.parent, path.parent) if not p.exists()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(path, data, mode=0o600)  # its temporary file is removed on failure
    except OSError as exc:
        _remove_empty(created)
        raise OutputError(f"Không ghi được tệp vào bộ nhớ đệm: {exc.strerror}") from None
    except BaseException:
        _remove_empty(created)
        raise


def _remove_empty(folders: list[Path]) -> None:
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()
