"""The thumbnail cache: PNG bytes by ``(file sha256, page, width)``.

In memory a bounded LRU; when a folder is given, also on disk as
``<sha256>/<page>-<width>.png`` so a second run of the app finds them again. The cache
never holds anything derived from a password or a PIN. :mod:`kyso.core.docs.render`
renders through it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from kyso.core.errors import DocumentError

__all__ = ["CacheKey", "ThumbnailCache", "file_sha256"]

_HASH_CHUNK = 1 << 20


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes; :class:`DocumentError` when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_HASH_CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        raise DocumentError(f"Không tìm thấy tệp {Path(path).name}") from None
    except IsADirectoryError:
        raise DocumentError(f"{Path(path).name} là một thư mục, không phải tệp PDF") from None
    except OSError as exc:
        raise DocumentError(f"Không đọc được tệp {Path(path).name}: {exc.strerror}") from None
    return digest.hexdigest()


@dataclass(frozen=True)
class CacheKey:
    """What identifies one rendered thumbnail."""

    sha256: str
    """SHA-256 of the PDF file's bytes."""
    page: int
    """Page number, from 0."""
    width: int
    """Thumbnail width in pixels."""


class ThumbnailCache:
    """A bounded LRU of PNG bytes keyed by :class:`CacheKey`, optionally backed by disk.

    ``max_bytes`` bounds the memory part; the disk part (``folder``) is not trimmed here
    (it lives in the cache folder, which may be emptied at any time). Thread-safe.
    """

    def __init__(self, max_bytes: int = 64 << 20, folder: Path | None = None) -> None:
        self.max_bytes = max_bytes
        self.folder = folder
        self._items: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        """Lookups answered from memory or disk."""
        self.misses = 0
        """Lookups that found nothing."""

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    @property
    def size(self) -> int:
        """Bytes held in memory."""
        return self._size

    def _disk_path(self, key: CacheKey) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / key.sha256 / f"{key.page}-{key.width}.png"

    def get(self, key: CacheKey) -> bytes | None:
        """The cached PNG, or None; a hit makes the entry the most recent."""
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return data
        path = self._disk_path(key)
        if path is not None:
            try:
                data = path.read_bytes()
            except OSError:
                data = None
            if data and data.startswith(b"\x89PNG"):
                self._remember(key, data)
                with self._lock:
                    self.hits += 1
                return data
        with self._lock:
            self.misses += 1
        return None

    def put(self, key: CacheKey, data: bytes) -> None:
        """Store a PNG in memory and, when a folder is set, on disk (best effort)."""
        self._remember(key, data)
        path = self._disk_path(key)
        if path is not None:
            # The disk copy is an optimisation: a full disk or a read-only cache folder
            # must never stop a preview.
            with suppress(OSError):
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
                tmp.write_bytes(data)
                os.replace(tmp, path)

    def _remember(self, key: CacheKey, data: bytes) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old)
            if len(data) > self.max_bytes:
                return
            self._items[key] = data
            self._size += len(data)
            while self._size > self.max_bytes and self._items:
                _, evicted = self._items.popitem(last=False)
                self._size -= len(evicted)

    def clear(self) -> None:
        """Forget everything held in memory (the disk copies stay)."""
        with self._lock:
            self._items.clear()
            self._size = 0
