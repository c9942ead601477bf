"""Run every benchmark and write bench/RESULTS.md (``make bench``).

Each benchmark module exposes ``run(work_dir) -> list[dict]`` (or ``run()``); a module
whose ``run`` takes ``counts`` is run at each document count of ``--counts``. Rows have
``name``, ``value``, ``unit`` and optionally ``target``, ``pass`` and ``what`` (one short
line: what exactly the figure measures, shown in its own column). Ratios are computed
inside each benchmark from figures measured in the same run.

    python bench/run.py                       # everything, at 10,000 and 100,000 documents
    python bench/run.py --only bench_sync --counts 10000
"""

from __future__ import annotations

import argparse
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
    "bench_ltv",
    "bench_verify",
    "bench_sync",
    "bench_tui",
    "bench_demo",
    "bench_issue",
    "bench_ssh",
]
COUNTS = (10_000, 100_000)
"""Document counts of the size-dependent benchmarks: a busy office, a ministry clerk's archive."""


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


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run kyso's benchmarks; write bench/RESULTS.md.")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="run only this one (repeat)"
    )
    parser.add_argument(
        "--counts",
        default=",".join(map(str, COUNTS)),
        help="document counts for the size-dependent benchmarks (default: %(default)s)",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the rows, do not write RESULTS.md"
    )
    parser.add_argument("--rows-to", type=Path, help=argparse.SUPPRESS)  # see _run_isolated
    args = parser.parse_args(argv)
    args.counts = tuple(int(c.replace("_", "")) for c in args.counts.split(",") if c.strip())
    names = [n for part in [*args.names, *args.only] for n in part.split(",") if n]
    args.names = [n if n.startswith("bench_") else f"bench_{n}" for n in names] or BENCHMARKS
    return args


def _call(module, work: Path, counts: tuple[int, ...]) -> list[dict]:
    parameters = inspect.signature(module.run).parameters
    kwargs = {"counts": counts} if "counts" in parameters else {}
    if parameters and next(iter(parameters)) != "counts":
        return module.run(work, **kwargs)
    return module.run(**kwargs)


def _run_isolated(name: str, counts: tuple[int, ...]) -> list[dict]:
    """Run one benchmark in a process of its own and return its rows.

    Each gets a fresh interpreter: SoftHSM reads its configuration once per process (a
    second benchmark's token would silently be the first one's), and imports warmed by
    one benchmark must not flatter the next.
    """
    import json
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kyso-bench-") as tmp:
        rows_file = Path(tmp) / "rows.json"
        command = [sys.executable, str(Path(__file__).resolve()), name, "--rows-to", str(rows_file)]
        command += ["--counts", ",".join(map(str, counts))]
        subprocess.run(command, check=True)
        return json.loads(rows_file.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    if args.rows_to is not None:  # the child of _run_isolated: one benchmark, rows as JSON
        import json

        [name] = args.names
        rows = _call(importlib.import_module(name), HERE / "_work" / name, args.counts)
        args.rows_to.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        return 0
    only = args.names
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
            started = dt.datetime.now()
            rows = _run_isolated(name, args.counts)
        except Exception:
            traceback.print_exc()
            failed = True
            sections.append((name, module.__doc__ or "", None))
            continue
        for row in rows:
            print(f"   {row['name']}: {_fmt(row['value'])} {row['unit']}", flush=True)
        print(f"   ({(dt.datetime.now() - started).total_seconds():.0f} s)", flush=True)
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
        "- Command: `make bench` (`python bench/run.py"
        + (f" --counts {','.join(map(str, args.counts))}" if args.counts != COUNTS else "")
        + "`)",
        "",
        "Every ratio compares figures measured in the same run on this machine.",
        "",
    ]
    for name, doc, rows in sections:
        lines += [f"## {name}", "", doc.strip().split("\n\n")[0], ""]
        if rows is None:
            lines += ["**failed to run** (see the console output)", ""]
            continue
        lines += [
            "| measure | value | target | met | what this measures |",
            "|---|---:|---|---|---|",
        ]
        for row in rows:
            met = "" if "pass" not in row else ("yes" if row["pass"] else "**no**")
            value = f"{_fmt(row['value'])} {row['unit']}"
            what = row.get("what", "").replace("|", "\\|")
            lines.append(f"| {row['name']} | {value} | {row.get('target', '')} | {met} | {what} |")
        lines.append("")
    if args.no_write:
        return 1 if failed else 0
    (HERE / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {HERE / 'RESULTS.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
