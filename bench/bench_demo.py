"""`kyso demo` launch → the inbox drawn in a real terminal (tmux, 120×40), cold and warm.

Cold: the demo cache is empty, so the run seeds the server (PDFs, PKI, signatures) and
makes the SoftHSM token before the app starts. Warm: the cache of today's key exists and
the run only copies it. Each time is from starting the tmux session to the first capture
of the pane that shows the inbox title and its document count; the demo is then left with
`q`. Median of 3 each.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

KYSO = str(Path(sys.executable).with_name("kyso"))
INBOX = re.compile(r"Hộp văn bản — Chờ xử lý .* \d+/\d+ văn bản")
RUNS = 3


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def launch(home: Path, timeout: float = 120) -> float:
    """Seconds from starting ``kyso demo`` in tmux to the inbox on screen (KYSO_HOME=home)."""
    name = f"kyso-bench-{uuid.uuid4().hex[:8]}"
    command = f"KYSO_HOME={shlex.quote(str(home))} {shlex.quote(KYSO)} demo --no-images"
    start = time.monotonic()
    _tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", command)
    try:
        screen = ""
        while time.monotonic() - start < timeout:
            screen = _tmux("capture-pane", "-p", "-t", name)
            if INBOX.search(screen):
                elapsed = time.monotonic() - start
                break
            time.sleep(0.01)
        else:
            raise RuntimeError(f"the inbox never appeared:\n{screen}")
        _tmux("send-keys", "-t", name, "q")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if subprocess.run(["tmux", "has-session", "-t", name], capture_output=True).returncode:
                break
            time.sleep(0.05)
        return elapsed
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def run(work: Path) -> list[dict]:
    if shutil.which("tmux") is None:
        raise RuntimeError("tmux is needed (apt install tmux)")
    shutil.rmtree(work, ignore_errors=True)
    home = work / "home"
    cold = []
    for _ in range(RUNS):
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        cold.append(launch(home))
    warm = [launch(home) for _ in range(RUNS)]
    cold_ms, warm_ms = statistics.median(cold) * 1000, statistics.median(warm) * 1000
    return [
        {
            "name": "`kyso demo` launch → inbox in tmux, cold (empty demo cache: seed + token)",
            "value": cold_ms,
            "unit": "ms",
        },
        {
            "name": "`kyso demo` launch → inbox in tmux, warm (today's demo cache copied)",
            "value": warm_ms,
            "unit": "ms",
            "target": "≤ 1000 ms",
            "pass": warm_ms <= 1000,
        },
        {
            "name": "cold / warm (same run)",
            "value": cold_ms / warm_ms,
            "unit": "×",
        },
    ]


if __name__ == "__main__":
    for row in run(Path(__file__).resolve().parent / "_work" / "bench_demo"):
        print(f"{row['name']}: {row['value']:.1f} {row['unit']}")
    os._exit(0)
