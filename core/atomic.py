"""Atomic file output: write to a temporary file beside the target, fsync, rename.

A reader never sees half a file, and a failure (full disk, Ctrl-C) leaves the target
as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from kyso.core.errors import OutputError

__all__ = ["sync_folders", "write_atomic"]


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644, sync_folder: bool = True) -> None:
    """Write ``data`` to ``path`` atomically; raise :class:`OutputError` on failure.

    ``sync_folder=False`` leaves the folder's flush (what makes the rename itself
    survive a power cut) to the caller's :func:`sync_folders`, once for a batch of
    files; each file's content is flushed before its rename either way."""
    import tempfile  # not at import: readers of the cache (``kyso inbox``) never write

    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except FileNotFoundError:
        raise OutputError(f"Thư mục không tồn tại: {folder}") from None
    except PermissionError:
        raise OutputError(f"Không có quyền ghi vào thư mục {folder}") from None
    except OSError as exc:
        raise OutputError(f"Không tạo được tệp trong {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            if exc.errno == errno.ENOSPC:
                raise OutputError(f"Đĩa đầy, không ghi được {path}") from None
            raise OutputError(f"Không ghi được {path}: {exc.strerror}") from None
        raise
    if sync_folder:
        sync_folders([folder])


def sync_folders(folders) -> None:
    """Flush each folder's entries (renames into it) to disk; failures are ignored, as
    some file systems cannot sync a directory."""
    for folder in folders:
        try:
            dir_fd = os.open(folder, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(dir_fd)
        except OSError:
            pass
        finally:
            os.close(dir_fd)
