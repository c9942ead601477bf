"""Run every benchmark and write bench/RESULTS.md (``make bench``).

Each benchmark module exposes ``run(work_dir) -> list[dict]`` (or ``run()``); rows have
``name``, ``value``, ``unit`` and optionally ``target`` and ``pass``. Ratios are
computed inside each benchmark from figures measured in the same run.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import os
import platform
import subprocess
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

BENCHMARKS = [
    "bench_sign",
    "bench_verify",
    "bench_sync",
    "bench_tui",
    "bench_demo",
    "bench_issue",
    "bench_ssh",
]


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    python = platform.python_version()
    return f"{platform.node()} — {cpu}, {os.cpu_count()} cores{mem}; Python {python}"


def _fmt(value: float) -> str:
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"


def main() -> int:
    only = sys.argv[1:] or BENCHMARKS
    sections = []
    failed = False
    for name in only:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        print(f"== {name}", flush=True)
        try:
            run = module.run
            rows = run(HERE / "_work" / name) if inspect.signature(run).parameters else run()
        except Exception:
            traceback.print_exc()
            failed = True
            sections.append((name, module.__doc__ or "", None))
            continue
        for row in rows:
            print(f"   {row['name']}: {_fmt(row['value'])} {row['unit']}", flush=True)
        sections.append((name, module.__doc__ or "", rows))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
    ).stdout.strip()
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}",
        f"- Machine: {_machine()}",
        f"- Commit: {commit or 'unknown'}",
        "- Command: `make bench` (`python bench/run.py`)",
        "",
        "Every ratio compares figures measured in the same run on this machine.",
        "",
    ]
    for name, doc, rows in sections:
        lines += [f"## {name}", "", doc.strip().split("\n\n")[0], ""]
        if rows is None:
            lines += ["**failed to run** (see the console output)", ""]
            continue
        lines += ["| measure | value | target | met |", "|---|---:|---|---|"]
        for row in rows:
            met = "" if "pass" not in row else ("yes" if row["pass"] else "**no**")
            value = f"{_fmt(row['value'])} {row['unit']}"
            lines.append(f"| {row['name']} | {value} | {row.get('target', '')} | {met} |")
        lines.append("")
    (HERE / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {HERE / 'RESULTS.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
