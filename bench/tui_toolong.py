"""`kyso tui` against Toolong (`tl FILE`) and a bare Textual app: process start to the first
frame in a real terminal, all through the same tmux harness (:mod:`tmux_frame`), runs
interleaved round by round so each sees the same machine load; and Textual's own import
time in each program's venv (the floor under both first frames).

Toolong pins its own Textual, so it lives in a venv of its own, made once from the package
registry and cached (``$XDG_CACHE_HOME/kyso/bench/toolong-venv``); kyso's venv is never
touched. ``tl`` is run as its console script, by that venv's Python.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tmux_frame import Frame, TmuxHarness

SIZE = (120, 40)
LOG_LINE = re.compile(r'"GET /api/van-ban/\d+/tep')
"""A line of :func:`write_log` on screen: Toolong's first frame with the log in it."""
BARE = re.compile(r"kyso-bench: bare Textual app")
_BARE_APP = """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("kyso-bench: bare Textual app")

Bare().run()
"""
_IMPORT = """
import time
t = time.perf_counter()
import textual.app
print((time.perf_counter() - t) * 1000)
"""


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


def textual_version(python: Path | str) -> str:
    """The Textual version installed for ``python``."""
    code = "from importlib.metadata import version; print(version('textual'))"
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True).stdout.strip()


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


def import_textual(pythons: list[Path | str], runs: int = 5) -> list[float]:
    """Median ms of ``import textual.app`` in a fresh interpreter of each of ``pythons``
    (bytecode cached), their runs alternating."""
    times: list[list[float]] = [[] for _ in pythons]
    for _ in range(runs):
        for python, mine in zip(pythons, times, strict=True):
            out = subprocess.run(
                [str(python), "-c", _IMPORT], capture_output=True, text=True, check=True
            ).stdout
            mine.append(float(out.split()[-1]))
    return [statistics.median(t) for t in times]


def rows(
    work: Path,
    counts: tuple[int, ...],
    kyso: Callable[[TmuxHarness, int], Frame],
    runs: int = 5,
    target: float = 400,
) -> list[dict]:
    """kyso's first frame at each of ``counts`` (one run per call of ``kyso``; target
    ``target`` ms), Toolong's on a log of as many lines and kyso/Toolong (target ≤ 1.0×), a
    bare Textual app's; then ``import textual.app`` in both venvs."""
    python, versions = toolong_python()
    tl = [str(python), str(python.parent / "tl")] if python is not None else []
    logs = {n: write_log(work / f"toolong-{n}.log", n) for n in counts} if tl else {}
    kyso_ms: dict[int, list[float]] = {n: [] for n in counts}
    tl_ms: dict[int, list[float]] = {n: [] for n in counts}
    bare_ms: list[float] = []
    bare = work / "bare_textual_app.py"
    bare.write_text(_BARE_APP, encoding="utf-8")
    polls: list[float] = []
    with TmuxHarness(SIZE) as harness:
        kyso(harness, counts[0])  # one unmeasured run each: the page cache warm for all
        if tl:
            harness.first_frame([*tl, str(logs[counts[0]])], LOG_LINE)
        for _ in range(runs):
            for n in counts:
                frame = kyso(harness, n)
                kyso_ms[n].append(frame.ready)
                polls.append(frame.interval)
                if tl:
                    frame = harness.first_frame([*tl, str(logs[n])], LOG_LINE)
                    tl_ms[n].append(frame.ready)
                    polls.append(frame.interval)
            frame = harness.first_frame([sys.executable, str(bare)], BARE)
            bare_ms.append(frame.ready)
    same = (
        f"tmux {SIZE[0]}×{SIZE[1]}, screen polled every {statistics.median(polls):.1f} ms (the"
        f" resolution); median of {runs} rounds, kyso, Toolong and a bare app interleaved"
    )
    ours = textual_version(sys.executable)
    floors = import_textual([sys.executable, *([python] if tl else [])])
    out: list[dict] = []
    for n in counts:
        k = statistics.median(kyso_ms[n])
        out.append(
            {
                "name": f"`kyso tui` → first frame in tmux, {n:,} documents",
                "value": k,
                "unit": "ms",
                "what": f"process start to the inbox with its first rows on screen; {same}",
                "target": f"≤ {target:g} ms",
                "pass": k <= target,
            }
        )
        if not tl:
            continue
        t = statistics.median(tl_ms[n])
        size = logs[n].stat().st_size >> 10
        out += [
            {
                "name": f"Toolong `tl FILE` → first frame in tmux, {n:,}-line log ({size:,}"
                f" KiB; {versions})",
                "value": t,
                "unit": "ms",
                "what": f"process start to the first screen with log lines; {same}",
            },
            {
                "name": f"`kyso tui` / Toolong, first frame, {n:,}",
                "value": k / t,
                "unit": "×",
                "what": "the two rows above (same rounds)",
                "target": "≤ 1.0×",
                "pass": k / t <= 1.0,
            },
        ]
    out += [
        {
            "name": f"bare Textual {ours} app → first frame in tmux (one Static)",
            "value": statistics.median(bare_ms),
            "unit": "ms",
            "what": f"the floor under kyso's first frame: Python and Textual alone; {same}",
        },
        {
            "name": f"`import textual.app`, Textual {ours} (kyso's venv)",
            "value": floors[0],
            "unit": "ms",
            "what": "in a fresh interpreter, bytecode cached, timed around the import; median"
            " of 5, alternating with Toolong's venv",
        },
    ]
    if not tl:
        return out + [
            {
                "name": "Toolong `tl FILE` → first frame: not measured (no Toolong)",
                "value": float("nan"),
                "unit": "ms",
                "what": f"Toolong could not be installed here ({versions})",
            }
        ]
    return out + [
        {
            "name": f"`import textual.app`, {versions.split(', ')[1]} (Toolong's venv)",
            "value": floors[1],
            "unit": "ms",
            "what": "the same in Toolong's venv: the import floor Toolong starts from",
        }
    ]
