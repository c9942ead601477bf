"""Which kyso processes have a store file open: a lock on ``<store>.lock``.

Each process holds a shared ``flock`` on the lock file while it has the store open (the
kernel drops it when the process ends, a crash included). Opening, a process first
tries to take it exclusively: it succeeds only when no other kyso has the store open.
Then a file changed since kyso last closed it (:mod:`kyso.core.store_check`) was changed
by something else, or by a kyso that ended without closing it, and is checked. When
another kyso has it open, the changes are that process's own: a command run beside the
app used to read the whole file (``PRAGMA quick_check``, seconds at 100,000 documents)
on every start. A process that is checking holds the lock exclusively, so one that
opens meanwhile waits for the check (and any repair) before it reads.

Where locks cannot be taken (no ``fcntl``, a read-only folder), every process counts as
alone: the file is checked whenever it changed, as before.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["LOCK_SUFFIX", "Lease"]

LOCK_SUFFIX = ".lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system
    fcntl = None  # type: ignore[assignment]


class Lease:
    """This process's hold on one store file (see the module's docstring)."""

    def __init__(self, path: Path) -> None:
        """Open the lock file beside ``path`` and try to hold it alone."""
        self._fd: int | None = None
        self.alone = True
        """No other kyso has the store open (or that cannot be known)."""
        if fcntl is None:
            return
        try:
            self._fd = os.open(f"{path}{LOCK_SUFFIX}", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.alone = False
        except OSError:
            self.release()  # a file system without locks: checked as before

    def share(self) -> None:
        """Hold the lock shared from now on, beside the other processes (waits while
        one of them is checking the file)."""
        if self._fd is None:
            return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_SH)
        except OSError:
            self.release()

    def release(self) -> None:
        """Let go (the store is closed); the lock file stays for the next opener."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
