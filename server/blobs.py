"""Attachment files, content-addressed on disk: ``blobs/ab/abcdef….bin`` by SHA-256.

A file is streamed to a temporary file beside the store while it is hashed and counted,
fsynced, then renamed into place; the same content is stored once however many versions
point at it. A blob is never modified; one that no version references is deleted by
:mod:`kyso.server.blob_guard` (a refused upload, or the sweep at start). Blobs stored
during a request are pinned until it ends, so neither removes them meanwhile.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from fastapi import HTTPException

__all__ = ["MAX_FILE_SIZE", "BlobStore"]

MAX_FILE_SIZE = 50 * 1024 * 1024
"""50 MB per file (Tối đa 50Mb/file)."""

_CHUNK = 1024 * 1024


class BlobStore:
    """Content-addressed files under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._tmp = self.root / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)
        self.pin_lock = threading.RLock()
        self._pins: Counter[str] = Counter()

    def pinned(self, sha256: str) -> bool:
        """Whether a request in flight stored this blob (call with ``pin_lock`` held)."""
        return self._pins[sha256] > 0

    def unpin(self, shas: Iterable[str]) -> None:
        """The request that stored ``shas`` has ended."""
        with self.pin_lock:
            for sha in shas:
                self._pins[sha] -= 1
                if self._pins[sha] <= 0:
                    del self._pins[sha]

    def path(self, sha256: str) -> Path:
        """Where the file with this hash lives."""
        return self.root / sha256[:2] / f"{sha256}.bin"

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        """Store ``data``; return ``(sha256, size)``."""
        return self.put_stream(io.BytesIO(data), limit=len(data))

    def put_stream(self, source: BinaryIO, *, limit: int = MAX_FILE_SIZE) -> tuple[str, int]:
        """Store what ``source`` yields; 413 when it is longer than ``limit`` bytes."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self._tmp, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                while chunk := source.read(_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise HTTPException(413, "Tệp vượt quá 50 MB.")
                    digest.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            sha = digest.hexdigest()
            target = self.path(sha)
            from kyso.server.blob_guard import created_blobs

            created = created_blobs.get()
            with self.pin_lock:  # pinned before it is visible, so no sweep can race us
                if created is not None:
                    self._pins[sha] += 1
                    created.append(sha)
                if target.exists():
                    os.unlink(tmp)
                else:
                    target.parent.mkdir(exist_ok=True)
                    os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return sha, size

    def read(self, sha256: str) -> bytes:
        """The file's bytes."""
        return self.path(sha256).read_bytes()
