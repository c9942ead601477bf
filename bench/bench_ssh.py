"""Bytes the app writes per keypress at 80×24 — what a slow SSH link has to carry.

Runs the real ``kyso demo --no-images`` on a pseudo-terminal of 80×24 (TERM
xterm-256color, as an SSH session gives), waits for the inbox, then presses keys one at
a time and counts the bytes the app writes in answer to each. A redraw storm (the whole
screen repainted for a cursor move) shows up as kilobytes per key; Textual's
incremental updates should stay at a few hundred bytes.

Only presses that move the cursor count: the inbox's header says how many rows it has
(``n/m văn bản``), so the cursor goes down from the first row to the last and back up,
and never presses against either end (a press that does not move writes almost nothing
and would pull the median down). One press against the top is reported on its own.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import statistics
import struct
import sys
import termios
import time
from pathlib import Path

KEYS = {
    "cursor down": b"\x1b[B",
    "cursor up": b"\x1b[A",
}
PRESSES = 10
"""At most this many moves each way."""
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def _read_quiet(fd: int, quiet: float = 0.25, limit: float = 5.0) -> bytes:
    """Read until the app has written nothing for ``quiet`` seconds."""
    chunks = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], quiet)
        if not ready:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def _wait_for(fd: int, needle: bytes, limit: float = 60.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + limit
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    if needle not in seen:
        raise RuntimeError("the app did not show its inbox in time")
    return seen


def _row_count(screen: bytes) -> int:
    """How many rows the inbox shows, from its header's ``n/m văn bản``."""
    text = _ANSI.sub(b"", screen).decode("utf-8", "replace")
    found = re.findall(r"(\d+)/(?:\d+|…) văn bản", text)
    if not found:
        raise RuntimeError("the inbox header (n/m văn bản) was not seen")
    return int(found[-1])


def run(work: Path) -> list[dict]:
    """Start the demo on an 80×24 pty and measure bytes written per keypress."""
    work.mkdir(parents=True, exist_ok=True)
    kyso = str(Path(sys.executable).parent / "kyso")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app, as an SSH session would run it
        os.environ.update(
            {"TERM": "xterm-256color", "COLORTERM": "", "KYSO_HOME": str(work / "home")}
        )
        os.environ["SSH_CONNECTION"] = "127.0.0.1 50000 127.0.0.1 22"
        os.execv(kyso, [kyso, "demo", "--no-images"])
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.kill(pid, signal.SIGWINCH)
        first = _wait_for(fd, "Hộp văn bản".encode())
        first += _read_quiet(fd, quiet=1.0)
        moves = min(PRESSES, _row_count(first) - 1)
        if moves < 1:
            raise RuntimeError("the demo inbox has fewer than two rows: nothing to move over")
        rows = [
            {
                "name": "first inbox frame at 80×24 (bytes)",
                "value": len(first),
                "unit": "B",
                "what": "everything written from start until the inbox is drawn and quiet",
            }
        ]
        for name, key in KEYS.items():  # down from the first row, then back up to it
            sizes = []
            for _ in range(moves):
                os.write(fd, key)
                sizes.append(len(_read_quiet(fd)))
            rows.append(
                {
                    "name": f"bytes written per keypress: {name} (80×24, no images; real moves)",
                    "value": statistics.median(sizes),
                    "unit": "B",
                    "target": "≤ 4096 B",
                    "pass": statistics.median(sizes) <= 4096,
                    "what": f"median over {moves} presses that each move the cursor one row",
                }
            )
        os.write(fd, KEYS["cursor up"])  # against the top: no move
        rows.append(
            {
                "name": "bytes written for a press that does not move (cursor up on the first row)",
                "value": len(_read_quiet(fd)),
                "unit": "B",
                "what": "reference: not counted in the medians above",
            }
        )
        return rows
    finally:
        os.write(fd, b"q")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            _read_quiet(fd, quiet=0.2, limit=0.5)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
