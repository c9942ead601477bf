"""Sync benchmarks at 10,000 and 100,000 documents: first sync, an incremental sync of
100 changes, ``kyso inbox --all --json`` over the cache, and the server's changes-feed rate.

The server is the real one (``kyso.server.app`` under uvicorn on 127.0.0.1, a free port)
over a data folder seeded directly through its own database module; the client is the
real ``kyso.core.sync`` and the real ``kyso`` executable. Everything runs in a temporary
folder and on loopback only.

``run()`` returns rows ``{"name", "value", "unit", "target"}`` for bench/run.py; run as a
script it prints them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

DOCUMENTS = 10_000
COUNTS = (10_000, 100_000)
CHANGES = 100
FEED_REQUESTS = 1_000
USER = "benchlead"
PASSWORD = "bench-pass"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed_server(data: Path, count: int = DOCUMENTS) -> None:
    """Create an organization, two users and ``count`` documents held by :data:`USER`."""
    from kyso.server.auth import create_org, create_user
    from kyso.server.db import DB_NAME, Database, now_iso

    db = Database(data / DB_NAME)
    at = now_iso()
    with db.write() as conn:
        org = create_org(conn, "Sở Thông tin và Truyền thông (bench)", "STTTT")
        create_user(conn, org, USER, PASSWORD, full_name="Lãnh đạo Sở", role="lanh_dao_so")
        create_user(conn, org, "benchcv", PASSWORD, full_name="Chuyên viên", role="chuyen_vien")
        docs, access, atts, versions, flow, changes = [], [], [], [], [], []
        for i in range(1, count + 1):
            docs.append(
                (
                    i,
                    org,
                    f"Kế hoạch số {i} về việc tham gia hưởng ứng Tết trồng cây năm 2026",
                    "Kế hoạch",
                    "KH",
                    "Văn phòng Sở",
                    "benchcv",
                    USER,
                    "cho_lanh_dao_so",
                    at,
                    at,
                    i,
                )
            )
            access.extend(((USER, i), ("benchcv", i)))
            atts.append((i, i, f"KH {i}.pdf", 1))
            digest = hashlib.sha256(b"bench %d" % i).hexdigest()
            versions.append((i, 1, digest, 1000 + i, "benchcv", at, 0, ""))
            flow.append((i, "benchcv", USER, "trinh_lanh_dao_so", "Kính trình", at))
            changes.append((i, i, at))
        conn.executemany(
            "INSERT INTO documents (id, org_id, trich_yeu, loai, loai_ky_hieu, don_vi_soan_thao,"
            " nguoi_soan, holder, state, created_at, updated_at, change_seq)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            docs,
        )
        conn.executemany("INSERT INTO doc_access (username, doc_id) VALUES (?, ?)", access)
        conn.executemany(
            "INSERT INTO attachments (id, doc_id, name, is_main) VALUES (?,?,?,?)", atts
        )
        conn.executemany(
            "INSERT INTO versions (attachment_id, n, sha256, size, uploaded_by, uploaded_at,"
            " signed, note) VALUES (?,?,?,?,?,?,?,?)",
            versions,
        )
        conn.executemany(
            "INSERT INTO flow (doc_id, from_user, to_user, action, note, at) VALUES (?,?,?,?,?,?)",
            flow,
        )
        conn.executemany("INSERT INTO changes (seq, doc_id, at) VALUES (?,?,?)", changes)
    db.close()


def change_documents(data: Path, count: int = CHANGES, total: int = DOCUMENTS) -> None:
    """Edit ``count`` of the ``total`` documents on the server (a new opinion each)."""
    from kyso.server.db import DB_NAME, Database, now_iso, touch

    db = Database(data / DB_NAME)
    with db.write() as conn:
        for doc_id in range(1, count + 1):
            conn.execute(
                "INSERT INTO opinions (doc_id, author, text, at) VALUES (?, ?, ?, ?)",
                (doc_id * 7 % total + 1, "benchcv", "Đã bổ sung số liệu", now_iso()),
            )
            touch(conn, doc_id * 7 % total + 1)
    db.close()


class Server(NamedTuple):
    """A running benchmark server: its base URL and process id."""

    url: str
    pid: int


def process_cpu(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def running_server(data: Path) -> Iterator[Server]:
    """uvicorn serving ``data`` on a free loopback port; yields its URL and pid."""
    import httpx

    port = _free_port()
    env = {**os.environ, "KYSO_SERVER_DATA": str(data)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "kyso.server.app:app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError("server exited: " + proc.stderr.read().decode()[-2000:])
            try:
                httpx.get(url + "/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.1)
        yield Server(url, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _feed_rate(server: Server, token: str, cursor: str) -> tuple[float, float]:
    """Requests per second of the empty poll, and the server's CPU seconds per request."""
    import httpx

    with httpx.Client(
        base_url=server.url + "/api/v1", headers={"Authorization": f"Bearer {token}"}
    ) as http:
        for _ in range(20):  # warm-up
            http.get("/changes", params={"since": cursor}).raise_for_status()
        cpu = process_cpu(server.pid)
        start = time.perf_counter()
        for _ in range(FEED_REQUESTS):
            http.get("/changes", params={"since": cursor}).raise_for_status()
        rate = FEED_REQUESTS / (time.perf_counter() - start)
        return rate, (process_cpu(server.pid) - cpu) / FEED_REQUESTS


def _measure(count: int, tmp_path: Path, feed: bool) -> list[dict]:
    """First sync, an incremental sync and ``kyso inbox --all --json`` at ``count``."""
    from kyso.core.sync import SyncClient, login

    rows: list[dict] = []
    data = tmp_path / "server"
    data.mkdir()
    seed_server(data, count)
    home = tmp_path / "client"
    os.environ["KYSO_HOME"] = str(home)
    n = f"{count:,}"
    with running_server(data) as server:
        session = login(server.url, USER, PASSWORD)
        firsts = [_first_sync(session, tmp_path / f"first-{i}.sqlite", count) for i in (1, 2)]
        with SyncClient(session) as client:
            start = time.perf_counter()
            report = client.sync()
            firsts.append(time.perf_counter() - start)
            assert report.pulled == count, report
            rows.append(
                {
                    "name": f"first sync, {n} documents (metadata)",
                    "value": round(statistics.median(firsts), 2),
                    "unit": "s",
                    "target": "≤ 3",
                    "what": "SyncClient.sync() on an empty cache: every page of the changes "
                    "feed from the real server on loopback into SQLite (no files); median of "
                    f"3 into fresh caches ({', '.join(f'{t:.2f}' for t in firsts)} s)",
                }
            )
            change_documents(data, CHANGES, count)
            start = time.perf_counter()
            report = client.sync()
            incremental = time.perf_counter() - start
            assert report.pulled == CHANGES, report
            rows.append(
                {
                    "name": f"incremental sync, {CHANGES} changes in {n} documents",
                    "value": round(incremental * 1000),
                    "unit": "ms",
                    "target": "≤ 200",
                    "what": "the next SyncClient.sync() after 100 documents got an opinion",
                }
            )
            cursor = client.store.cursor
        if feed:
            rate, server_cpu = _feed_rate(server, session.token, cursor)
            rows.append(
                {
                    "name": "server changes feed (empty poll, 1 client, loopback)",
                    "value": round(rate),
                    "unit": "req/s",
                    "target": "≥ 500",
                    "what": f"sequential GET /changes at the newest cursor, {FEED_REQUESTS} "
                    "requests over one connection",
                }
            )
            rows.append(
                {
                    "name": "server CPU per empty poll (same run)",
                    "value": round(server_cpu * 1e6),
                    "unit": "µs",
                    "target": "",
                    "what": "the uvicorn process's user + system CPU (/proc) over those "
                    "requests, per request: the server's own work, which the rate mixes with "
                    "the httpx client's (about as much again) and with whether the kernel "
                    "runs client and server on one CPU or two (a cross-CPU wake-up per "
                    "request each way, slow on a loaded VM)",
                }
            )
    rows += _inbox_json_rows(home, count)
    return rows


def _first_sync(session, path: Path, count: int) -> float:
    """Seconds of one first sync of ``count`` documents into a fresh cache at ``path``."""
    from kyso.core.store import Store
    from kyso.core.sync import SyncClient

    with Store(path, USER) as store, SyncClient(session, store) as client:
        start = time.perf_counter()
        report = client.sync()
        seconds = time.perf_counter() - start
    assert report.pulled == count, report
    return seconds


def _compile_kyso() -> None:
    """Compile the kyso tree the ``kyso`` executable runs (this checkout: the install is
    editable), as a user's install is compiled: with PYTHONDONTWRITEBYTECODE set (as on
    the bench machine) a module without a current ``.pyc`` is compiled again in every
    process, ~30 ms that no installed kyso pays. Up-to-date files are left alone."""
    import compileall

    root = Path(__file__).resolve().parent.parent
    for name in ("cli", "core", "config"):
        compileall.compile_dir(root / name, quiet=1)


def _run_to_pipe(command: list[str], env: dict[str, str]) -> bytes:
    """Run ``command`` and return its output (to check it; not timed)."""
    proc = subprocess.run(command, env=env, capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{command} failed: {proc.stderr.decode()[-2000:]}")
    return proc.stdout


def _time_into_cat(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``command`` with its output piped into ``cat >/dev/null``,
    as ``kyso inbox --all --json | consumer`` runs in a shell. The timer stops when the
    command exits, and the CPU is the command's own (``wait4``), not the reader's: a
    Python reader growing a 40 MB bytes object had added its own copying to the figure."""
    read_end, write_end = os.pipe()
    cat = subprocess.Popen(["cat"], stdin=read_end, stdout=subprocess.DEVNULL)
    os.close(read_end)
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=write_end, stderr=subprocess.DEVNULL)
    os.close(write_end)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cat.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"{command} failed with status {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def _inbox_json_rows(home: Path, count: int) -> list[dict]:
    """``kyso inbox --all --json`` over the cache at ``home``, as a user runs it."""
    _compile_kyso()
    kyso = Path(sys.executable).with_name("kyso")
    env = {**os.environ, "KYSO_HOME": str(home)}
    command = [str(kyso), "inbox", "--all", "--json"]
    # The first one after the first sync makes --json's index (the sync leaves it).
    first_wall, _ = _time_into_cat(command, env)
    out = _run_to_pipe(command, env)  # checked once; also warms the file cache
    assert out.count(b'"id":') == count
    times, cpu = [], []
    for _ in range(5):
        wall, used = _time_into_cat(command, env)
        times.append(wall)
        cpu.append(used)
    n = f"{count:,}"
    what = (
        "process start to exit, output piped into `cat >/dev/null` (as in a shell), median "
        "of 5 after a checked warm-up run; kyso's .pyc files made first (compileall), as an "
        "install has them"
    )
    return [
        {
            "name": f"first `kyso inbox --all --json` after a first sync, {n} documents "
            "(builds its index)",
            "value": round(first_wall * 1000),
            "unit": "ms",
            "target": "",
            "what": "the same command once, right after the first sync, process start to "
            "exit into `cat`: it makes the index of --json's rows, which a first sync no "
            "longer builds (a one-off cost moved out of the first sync)",
        },
        {
            "name": f"`kyso inbox --all --json`, {n} cached documents (wall time)",
            "value": round(statistics.median(times) * 1000),
            "unit": "ms",
            "target": "≤ 250",
            "what": what,
        },
        {
            "name": f"`kyso inbox --all --json`, {n} cached documents (CPU time)",
            "value": round(statistics.median(cpu) * 1000),
            "unit": "ms",
            "target": "≤ 250",
            "what": "the same process's own user + system CPU (wait4), median of 5",
        },
    ]


def run(counts: tuple[int, ...] = COUNTS) -> list[dict]:
    """Run every sync benchmark at each document count; return the result rows."""
    rows: list[dict] = []
    old_home = os.environ.get("KYSO_HOME")
    try:
        for index, count in enumerate(counts):
            with tempfile.TemporaryDirectory(prefix="kyso-bench-sync-") as tmp:
                rows += _measure(count, Path(tmp), feed=index == 0)
    finally:
        if old_home is None:
            os.environ.pop("KYSO_HOME", None)
        else:
            os.environ["KYSO_HOME"] = old_home
    limits = {"≤": lambda v, t: v <= t, "≥": lambda v, t: v >= t}
    for row in rows:
        if row["target"]:  # the one-off first --json read is told, not judged
            op, limit = row["target"].split()
            row["pass"] = limits[op](row["value"], float(limit))
    return rows


if __name__ == "__main__":
    counts = tuple(int(c) for c in sys.argv[1].split(",")) if len(sys.argv) > 1 else COUNTS
    for row in run(counts):
        if "pass" not in row:  # told, not judged
            print(f"{row['name']}: {row['value']} {row['unit']}")
            continue
        met = "met" if row["pass"] else "NOT met"
        print(f"{row['name']}: {row['value']} {row['unit']} (target {row['target']}, {met})")
