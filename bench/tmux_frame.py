"""The shared terminal harness: a program started in a real terminal (a tmux pane of a
given size), timed from the start to the first screen showing what it is expected to.

One tmux server on a socket of its own (other tmux users on the machine are not
disturbed, and do not disturb), driven through one control-mode client (``tmux -C``):
every poll is a ``capture-pane`` sent over that client's pipe, not a new tmux process, so
polling every few milliseconds costs the machine almost nothing next to the program it
measures. Each run:

1. ``new-session -d`` with the command (through ``sh -c 'exec …'``, as tmux runs any
   command), the clock started just before it is sent;
2. ``capture-pane -p`` every ``poll`` seconds: the first capture that is not blank is the
   *first paint*, the first that matches ``ready`` is the *first frame* (the screen the
   user was waiting for);
3. the session is killed (the program gets SIGHUP, as when a terminal closes).

A time is when the matching capture was answered, so it is late by at most one poll
interval (plus the capture's own round trip); the median interval actually achieved is
reported with the results, as the resolution.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import statistics
import subprocess
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

__all__ = ["Frame", "TmuxHarness"]


@dataclass(frozen=True)
class Frame:
    """One run: ms from the start to the first non-blank screen and to the expected one,
    and the median ms between two captures (the resolution of both)."""

    paint: float
    ready: float
    interval: float
    screen: str
    first_screen: str


class TmuxHarness:
    """A private tmux server and a control-mode client to drive it (a context manager)."""

    def __init__(self, size: tuple[int, int] = (120, 40), poll: float = 0.005) -> None:
        if shutil.which("tmux") is None:
            raise RuntimeError("tmux is needed (apt install tmux)")
        self.size = size
        self.poll = poll
        self.socket = f"kyso-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._client: subprocess.Popen[str] | None = None
        self._socket_path: Path | None = None

    # -- the control client ----------------------------------------------------------

    def __enter__(self) -> TmuxHarness:
        base = ["tmux", "-L", self.socket, "-f", "/dev/null"]
        subprocess.run([*base, "new-session", "-d", "-s", "keep"], check=True)
        # A program that ends early leaves its last screen to be read (and said).
        subprocess.run([*base, "set-option", "-g", "remain-on-exit", "on"], check=True)
        self._client = subprocess.Popen(
            [*base, "-C", "attach-session", "-t", "keep"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
        )
        marker = f"ready-{uuid.uuid4().hex}"
        self._send(f"display-message -p {marker}")
        while marker not in self._block():  # the attach's own reply comes first
            pass
        self._socket_path = Path(self.command("display-message", "-p", "#{socket_path}").strip())
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
        if self._client is not None:
            self._client.kill()
            self._client.wait()
        if self._socket_path is not None:  # the killed server leaves its socket file
            self._socket_path.unlink(missing_ok=True)

    def _send(self, line: str) -> None:
        assert self._client is not None and self._client.stdin is not None
        self._client.stdin.write(line + "\n")
        self._client.stdin.flush()

    def _block(self) -> str:
        """The next command reply (the lines between ``%begin`` and ``%end``)."""
        assert self._client is not None and self._client.stdout is not None
        out = self._client.stdout
        lines: list[str] | None = None
        while True:
            line = out.readline()
            if not line:
                raise RuntimeError("the tmux control client ended")
            line = line.rstrip("\n")
            if lines is None:
                # Only replies to this client's commands (flags 1): tmux also sends empty
                # blocks of its own (after the attach), which would shift every reply by one.
                if line.startswith("%begin") and line.split()[-1] == "1":
                    lines = []
                continue  # a notification, or tmux's own block, between replies
            if line.startswith(("%end", "%error")):
                if line.startswith("%error"):
                    raise RuntimeError("tmux: " + "\n".join(lines))
                return "\n".join(lines)
            lines.append(line)

    def command(self, *args: str) -> str:
        """Run one tmux command through the control client; its output."""
        if any("\n" in a for a in args):
            raise ValueError("one line per tmux command: put a script in a file")
        self._send(" ".join(shlex.quote(a) for a in args))
        return self._block()

    def _dead(self, name: str) -> bool:
        return self.command("display-message", "-p", "-t", name, "#{pane_dead}").strip() == "1"

    # -- one timed run ---------------------------------------------------------------

    def first_frame(
        self,
        argv: list[str],
        ready: re.Pattern[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 120,
    ) -> Frame:
        """Start ``argv`` in a new pane and time its first paint and its ``ready`` screen."""
        name = f"run-{uuid.uuid4().hex[:8]}"
        command = "exec " + shlex.join(argv)
        if cwd is not None:
            command = f"cd {shlex.quote(str(cwd))} && {command}"
        options = ["-x", str(self.size[0]), "-y", str(self.size[1])]
        for key, value in (env or {}).items():
            options += ["-e", f"{key}={value}"]
        paint = None
        first_screen = ""
        stamps: list[float] = []
        screen = ""
        start = time.monotonic()
        self.command("new-session", "-d", "-s", name, *options, command)
        try:
            while True:
                screen = self.command("capture-pane", "-p", "-t", name)
                now = time.monotonic()
                stamps.append(now)
                if paint is None and screen.strip():
                    paint, first_screen = now, screen
                if ready.search(screen):
                    break
                late = now - start > timeout
                if late or (len(stamps) % 40 == 0 and self._dead(name)):
                    raise RuntimeError(f"{argv[0]}: the expected screen never came:\n{screen}")
                time.sleep(self.poll)
        finally:
            self.command("kill-session", "-t", name)  # SIGHUP, as a closed terminal
        gaps = [b - a for a, b in pairwise(stamps)]
        return Frame(
            paint=((paint or now) - start) * 1000,
            ready=(now - start) * 1000,
            interval=statistics.median(gaps) * 1000 if gaps else 0.0,
            screen=screen,
            first_screen=first_screen,
        )
