"""Toolong (`tl FILE`) against `kyso tui`: process start to the first frame, same harness.

Toolong pins its own Textual, so it lives in a venv of its own, made once from the package
registry and cached (``$XDG_CACHE_HOME/kyso/bench/toolong-venv``); kyso's venv is never
touched. Its child runs Toolong's own command line (``toolong.cli.run``, what ``tl`` calls)
with the app's ``_display`` timed exactly as bench_tui times kyso's: headless driver at
120×40, each frame rendered to the terminal output a real terminal would be sent, the first
one timed from the parent's ``time.monotonic()`` before the process starts. stdin is a pty,
as in a terminal (``tl`` reads piped stdin otherwise). The runs alternate with kyso's so
both see the same machine load.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

SIZE = (120, 40)
_CHILD = (
    r"""
import sys, time
import toolong.ui
from toolong.cli import run

class Timed(toolong.ui.UI):
    _first = False

    def _display(self, screen, renderable) -> None:
        super()._display(screen, renderable)
        if renderable is None or self._first:
            return
        if hasattr(renderable, "render_segments"):
            renderable.render_segments(self.console)
        self._first = True
        print(f"READY {time.monotonic()}", flush=True)
        self.exit()

    def run(self, *args, **kwargs):
        return super().run(headless=True, size=__SIZE__)

toolong.ui.UI = Timed
sys.modules["toolong.cli"].UI = Timed
run([sys.argv[1]], standalone_mode=False)
"""
).replace("__SIZE__", repr(SIZE))


def _cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kyso" / "bench"


def toolong_python() -> tuple[Path | None, str]:
    """The Python of the cached Toolong venv (made on first use) and Toolong's and its
    Textual's versions; ``(None, reason)`` when it cannot be installed (no network)."""
    venv = _cache() / "toolong-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        tmp = venv.with_name("toolong-venv.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.parent.mkdir(parents=True, exist_ok=True)
        base = Path(getattr(sys, "_base_executable", sys.executable))
        made = subprocess.run([str(base), "-m", "venv", str(tmp)], capture_output=True, text=True)
        pip = subprocess.run(
            [str(tmp / "bin" / "pip"), "install", "-q", "toolong"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if made.returncode or pip.returncode:
            shutil.rmtree(tmp, ignore_errors=True)
            reason = (made.stderr or pip.stderr).strip().splitlines()
            return None, reason[-1] if reason else "pip install toolong failed"
        tmp.rename(venv)  # whole or absent: a half-made venv is never reused
    out = subprocess.run(
        [
            str(python),
            "-c",
            "from importlib.metadata import version as v;print(v('toolong'), v('textual'))",
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        return None, out.stderr.strip().splitlines()[-1]
    toolong, textual = out.stdout.split()
    return python, f"Toolong {toolong}, Textual {textual}"


def write_log(path: Path, lines: int) -> Path:
    """A web-server style log of ``lines`` lines (one per document of kyso's store)."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(lines):
            out.write(
                f"10.0.{i % 250}.{i % 7} - - [02/Dec/2026:08:{i // 60 % 60:02d}:{i % 60:02d}"
                f' +0700] "GET /api/van-ban/{i}/tep HTTP/1.1" 200 {1000 + i % 9000}'
                f' "-" "kyso/1.0 (document {i})"\n'
            )
    return path


def _once(python: Path, log: Path) -> float:
    """ms from starting ``tl LOG`` to its first frame."""
    master, slave = os.openpty()
    try:
        start = time.monotonic()
        out = subprocess.run(
            [str(python), "-c", _CHILD, str(log)],
            stdin=slave,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        os.close(master)
        os.close(slave)
    ready = [x.split()[1] for x in out.stdout.splitlines() if x.startswith("READY ")]
    if not ready:
        raise RuntimeError(f"Toolong drew no frame: {out.stdout[-500:]} {out.stderr[-2000:]}")
    return (float(ready[0]) - start) * 1000


def rows(work: Path, count: int, kyso_first: Callable[[], float], runs: int = 5) -> list[dict]:
    """Toolong's first frame on a ``count``-line log, kyso's on ``count`` documents (one
    kyso run per call of ``kyso_first``, alternating) and kyso/Toolong, target ≤ 1.0×."""
    n = f"{count:,}"
    python, versions = toolong_python()
    if python is None:
        what = f"Toolong could not be installed here ({versions}): not measured"
        return [
            {
                "name": f"Toolong `tl FILE` → first frame, {n}-line log: not measured (no Toolong)",
                "value": float("nan"),
                "unit": "ms",
                "what": what,
            },
        ]
    log = write_log(work / f"toolong-{count}.log", count)
    toolong, kyso = [], []
    _once(python, log)  # warm the new venv's bytecode cache, as kyso's is by its earlier runs
    for _ in range(runs):
        kyso.append(kyso_first())
        toolong.append(_once(python, log))
    t, k = statistics.median(toolong), statistics.median(kyso)
    same = (
        f"headless driver {SIZE[0]}×{SIZE[1]}, first frame rendered to terminal output, "
        f"median of {runs} runs alternating kyso/Toolong"
    )
    return [
        {
            "name": f"Toolong `tl FILE` → first frame, {n}-line log ({log.stat().st_size >> 10:,}"
            f" KiB; {versions})",
            "value": t,
            "unit": "ms",
            "what": f"process start to Toolong's first frame, incl. imports; {same}",
        },
        {
            "name": f"`kyso tui` → first frame, {n} documents (same run as Toolong's)",
            "value": k,
            "unit": "ms",
            "what": f"process start to kyso's first inbox frame, incl. imports; {same}",
        },
        {
            "name": "`kyso tui` / Toolong, first frame",
            "value": k / t,
            "unit": "×",
            "what": "the two rows above: kyso's start-up against a lean Textual log viewer's",
            "target": "≤ 1.0×",
            "pass": k / t <= 1.0,
        },
    ]
