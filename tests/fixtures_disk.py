"""A real full disk for the tests (issue 14): a small tmpfs filled to the last page.

Mounting needs root. Where it is not allowed (CI without privileges, or
``KYSO_TEST_NO_TMPFS=1``), the same tests run with a real size limit instead: the
command under test runs with ``RLIMIT_FSIZE`` 0 and SIGXFSZ ignored, so every write that
would grow a file fails in the kernel (EFBIG) as it would on a full disk. No write is
mocked either way; the command under test always runs as its own process.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

FILLER = ".filler"


@dataclass
class SmallDisk:
    """A folder on a small file system that the test can fill and free."""

    root: Path
    tmpfs: bool
    """True: a real tmpfs, filled up; False: processes run under a zero file-size limit."""
    full: bool = field(default=False)

    def fill(self) -> None:
        """Take every free byte (tmpfs), or arm the size limit for :meth:`run`."""
        if self.tmpfs:
            fd = os.open(self.root / FILLER, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            chunk = b"\0" * 65536
            try:
                while len(chunk):
                    try:
                        os.write(fd, chunk)
                    except OSError as exc:
                        assert exc.errno == errno.ENOSPC, exc
                        chunk = chunk[: len(chunk) // 2]
            finally:
                os.close(fd)
        self.full = True

    def free(self) -> None:
        """Give the space back."""
        (self.root / FILLER).unlink(missing_ok=True)
        self.full = False

    def _limit(self) -> None:  # runs in the child, before exec
        if self.full and not self.tmpfs:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    def run(self, *argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
        """Run a command against the disk as it is now (full or not), output captured."""
        return subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=120,
            preexec_fn=self._limit,
        )

    def files(self) -> set[str]:
        """Every file and folder on the disk (relative), the filler left out."""
        return {str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.name != FILLER}


def _mount_tmpfs(folder: Path, size: str) -> bool:
    if os.environ.get("KYSO_TEST_NO_TMPFS") or os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
        capture_output=True,
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB file system (tmpfs when it can be mounted, else a file-size limit)."""
    root = tmp_path / "disk"
    root.mkdir()
    mounted = _mount_tmpfs(root, "2m")
    try:
        yield SmallDisk(root, mounted)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(root)], capture_output=True)
