"""A damaged local cache (issue 14): checked on open when changed outside kyso, moved
aside and rebuilt from the real server, the unsent actions that could be read kept."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from kyso.core.errors import StoreError

KYSO = Path(sys.executable).with_name("kyso")


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [str(KYSO), *args], capture_output=True, text=True, env=full_env, timeout=120
    )


def _damage(path: Path) -> None:
    """Scribble over most pages after the first ones (the outbox's early pages survive;
    so does the schema, which outgrows page 1 as migrations add tables)."""
    with sqlite3.connect(path) as conn:
        keep = {
            n for (n,) in conn.execute("SELECT pageno FROM dbstat WHERE name = 'sqlite_schema'")
        }
    conn.close()
    data = bytearray(path.read_bytes())
    for start in range(8 * 4096, len(data), 4096):
        if start // 4096 + 1 not in keep:
            data[start + 100 : start + 400] = b"\xff" * 300
    path.write_bytes(bytes(data))


def test_damaged_cache_is_moved_aside_and_rebuilt(demo_server, _isolated_home):
    from kyso.core.sync import load_session

    login = run(
        "login", "--server", demo_server.url, "--user", "ldso", env={"KYSO_PASSWORD": "kyso-demo"}
    )
    assert login.returncode == 0, login.stderr
    assert run("sync").returncode == 0
    session = load_session()
    with session.store() as store:
        path = store.path
        doc_id = store.inbox()[0].id
        total = len(store.documents("all"))
    demo_server.stop()
    queued = run("opinion", str(doc_id), "Ý kiến viết khi mất mạng")
    assert queued.returncode == 0 and "Đã xếp hàng" in queued.stdout
    # the cache grows enough to have pages to damage, then something scribbles on it
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS filler (x BLOB)")
        conn.executemany("INSERT INTO filler VALUES (?)", [(os.urandom(3000),)] * 200)
    conn.close()
    _damage(path)
    demo_server.start()
    synced = run("sync")
    assert "Traceback" not in synced.stderr
    assert synced.returncode == 0, synced.stderr
    assert synced.stderr.count("Bộ nhớ đệm bị hỏng") == 1
    assert "giữ lại 1 thao tác" in synced.stderr
    assert "Đã gửi 1 thao tác" in synced.stdout
    aside = [p.name for p in path.parent.iterdir() if ".damaged-" in p.name]
    assert aside
    with session.store() as store:
        assert len(store.documents("all")) == total
    server_doc = httpx.get(
        f"{demo_server.api}/documents/{doc_id}",
        headers={"Authorization": f"Bearer {demo_server.token('ldso')}"},
    ).json()
    assert server_doc["opinions"][-1]["text"] == "Ý kiến viết khi mất mạng"
    again = run("inbox")
    assert again.returncode == 0 and "Bộ nhớ đệm" not in again.stderr


def test_a_store_closed_by_kyso_is_not_checked_again(offline_store, monkeypatch):
    from kyso.core import store_check

    path = offline_store.path
    offline_store.close()
    calls = []
    monkeypatch.setattr(store_check, "_quick_check", lambda p: calls.append(p))
    from kyso.core.store import Store

    Store(path, "ldso").close()
    assert calls == []
    path.touch()  # changed outside kyso
    Store(path, "ldso").close()
    assert calls == [path]


def test_a_store_open_in_another_kyso_is_not_checked(offline_store, monkeypatch, tmp_path):
    """The app has the store open and keeps writing: a command run beside it does not
    read the whole file again; once every kyso has closed it, a change is checked."""
    from kyso.core import store_check
    from kyso.core.store import Store

    path = offline_store.path
    calls = []
    monkeypatch.setattr(store_check, "_quick_check", lambda p: calls.append(p))
    offline_store.set_meta("note", "x" * 10_000)  # the app writes: the file changed
    with Store(path, "ldso") as beside:
        assert beside.get_meta("note") == "x" * 10_000
    assert calls == []
    offline_store.close()
    path.touch()  # changed outside kyso, with no kyso holding it
    Store(path, "ldso").close()
    assert calls == [path]


def test_a_kyso_that_ended_without_closing_leaves_the_file_checked(offline_store, monkeypatch):
    """The lock of a process that died goes with it: the next opener checks the file."""
    from kyso.core import store_check
    from kyso.core.store import Store

    path = offline_store.path
    offline_store.close()
    script = (
        "import os, sys\n"
        "from kyso.core.store import Store\n"
        "store = Store(sys.argv[1], 'ldso')\n"
        # enough to pass SQLite's automatic checkpoint: the main file itself changes
        "store.set_meta('note', 'written, never closed' * 300_000)\n"
        "os._exit(0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], timeout=60)
    assert done.returncode == 0
    calls = []
    monkeypatch.setattr(store_check, "_quick_check", lambda p: calls.append(p))
    with Store(path, "ldso") as store:
        assert store.get_meta("note") == "written, never closed" * 300_000
    assert calls == [path]


def test_a_write_error_says_nothing_was_saved(offline_store):
    with pytest.raises(StoreError, match="chưa được lưu"), offline_store.transaction() as conn:
        conn.execute("INSERT INTO no_such_table VALUES (1)")
    assert offline_store.outbox_size() == 0
