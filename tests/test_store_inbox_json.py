"""``kyso inbox --json`` from list rows kept ready (schema 5's ``list_json``): byte for byte
what SQLite built at read time before (schema 4's path), for the demo's documents, after
my local actions, with hostile text, and for a cache migrated from schema 4.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_pdf import make_pdf
from fixtures_server import DEMO_PASSWORD
from fixtures_store import make_doc
from hostile_text import HOSTILE

from kyso.core.store import Store
from kyso.core.store_reads import _BOOL_NAMES, _INBOX_NAMES
from kyso.core.store_schema import SCHEMA_VERSION

SCOPES = ("inbox", "all", "signed_by_me")
KYSO = Path(sys.executable).with_name("kyso")


def schema_4_bytes(conn: sqlite3.Connection, username: str, scope: str) -> bytes:
    """What ``inbox_json_bytes`` returned before schema 5: every row's JSON built by
    SQLite at read time, in one statement over the list columns."""
    where, params = {
        "inbox": ("WHERE holder = ? AND state != 'ket_thuc'", (username,)),
        "all": ("", ()),
        "signed_by_me": ("WHERE signed_by_me = 1", ()),
    }[scope]
    fields = ", ".join(
        f"'{name}', json(CASE WHEN {name} THEN 'true' ELSE 'false' END)"
        if name in _BOOL_NAMES
        else f"'{name}', coalesce({name}, 0)"
        if name == "pending"
        else f"'{name}', {name}"
        for name in _INBOX_NAMES
    )
    columns = ", ".join(_INBOX_NAMES)
    conn.text_factory = bytes
    try:
        row = conn.execute(
            f"SELECT json_group_array(json_object({fields})) FROM "
            f"(SELECT {columns} FROM documents {where} ORDER BY updated_at DESC, id DESC)",
            params,
        ).fetchone()
    finally:
        conn.text_factory = str
    return row[0] or b"[]"


def assert_same_as_before(store: Store) -> None:
    """Every view's ``--json`` bytes equal schema 4's, and Python's own encoding of the
    dicts the app reads (a reference that does not come from SQLite)."""
    for scope in SCOPES:
        new = store.inbox_json_bytes(scope)
        assert new == schema_4_bytes(store._conn, store.username, scope), scope
        dicts = store.inbox_dicts(scope)
        assert new == json.dumps(dicts, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "stores" / "s.sqlite", "ldso") as s:
        yield s


def test_local_actions_keep_the_rows_exact(store, tmp_path):
    store.set_meta("me", '{"username": "ldso", "role": "lanh_dao_so"}')
    store.set_meta("users", json.dumps([{"username": "vanthu", "role": "van_thu"}]))
    store.apply_page(
        [
            make_doc(i, marked=i % 3 == 0, so_ky_hieu=f"{i}/KH-STTTT" if i % 2 else None)
            for i in range(1, 41)
        ],
        "40",
    )
    assert_same_as_before(store)
    store.add_opinion(3, 'Đồng ý "có" điều kiện \\ ghi chú')
    store.toggle_mark(4)
    store.add_signed_version(5, 50, make_pdf(tmp_path / "signed.pdf"), note="Đã ký số")
    store.transition(5, "chuyen_van_thu", to="vanthu", note="Phát hành")
    (row,) = [d for d in store.inbox_dicts("all") if d["id"] == 5]
    assert (row["holder"], row["signed_by_me"], row["pending"]) == ("vanthu", True, 2)
    assert_same_as_before(store)
    # The server's copy arrives while the actions are queued, then they are sent.
    store.put_document(make_doc(5, version=2))
    assert_same_as_before(store)
    for item in store.outbox():
        store.complete(item, None)
    (row,) = [d for d in store.inbox_dicts("all") if d["id"] == 3]
    assert row["pending"] == 0
    assert_same_as_before(store)
    store.delete_document(7)
    assert_same_as_before(store)


def test_hostile_text_is_kept_exact(store):
    docs = [
        make_doc(i + 1, trich_yeu=text, don_vi_soan_thao=text[:40], loai=name)
        for i, (name, text) in enumerate(sorted(HOSTILE.items()))
    ]
    store.apply_page(docs, "20")
    assert_same_as_before(store)
    store.add_opinion(1, HOSTILE["ansi-clear"])
    assert_same_as_before(store)


def test_empty_cache_is_an_empty_array(store):
    assert store.inbox_json_bytes("all") == b"[]"
    assert_same_as_before(store)


def test_pieces_are_whole_rows(store):
    store.apply_page([make_doc(i) for i in range(1, 11)], "10")
    pieces: list[bytes] = []
    store.write_inbox_json(pieces.append, "all", rows=3)
    assert pieces[0] == b"[" and pieces[-1] == b"]" and len(pieces) == 6
    rows = [json.loads(b"[" + p.removeprefix(b",") + b"]") for p in pieces[1:-1]]
    assert [len(r) for r in rows] == [3, 3, 3, 1]
    assert b"".join(pieces) == store.inbox_json_bytes("all")


def test_all_is_read_from_the_json_index_alone(store):
    store.apply_page([make_doc(i) for i in range(1, 50)], "49")
    plan = store._query(
        "EXPLAIN QUERY PLAN SELECT CAST(list_json AS BLOB) FROM documents "
        "ORDER BY updated_at DESC, id DESC"
    )
    details = " ".join(row[-1] for row in plan)
    assert "USING COVERING INDEX ix_documents_json" in details or (
        "USING INDEX ix_documents_json" in details and "TEMP B-TREE" not in details
    ), details


def test_schema_4_cache_migrates_to_the_same_bytes(tmp_path):
    path = tmp_path / "stores" / "old.sqlite"
    docs = [make_doc(i, marked=i == 2, trich_yeu=HOSTILE["bidi"] + str(i)) for i in range(1, 9)]
    with Store(path, "ldso") as store:
        store.apply_page(docs, "8")
        store.add_opinion(2, "x")
    # The file as schema 4 left it: no list_json column, no index of it.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP INDEX ix_documents_json")
    conn.execute("ALTER TABLE documents DROP COLUMN list_json")
    conn.execute("PRAGMA user_version = 4")
    columns = {r[1] for r in conn.execute("PRAGMA table_xinfo(documents)")}
    assert "list_json" not in columns
    before = {scope: schema_4_bytes(conn, "ldso", scope) for scope in SCOPES}
    conn.close()
    assert json.loads(before["all"])[0]["trich_yeu"].startswith(HOSTILE["bidi"])

    with Store(path, "ldso") as store:
        assert {scope: store.inbox_json_bytes(scope) for scope in SCOPES} == before
        assert_same_as_before(store)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "ix_documents_json" in indexes
    conn.close()


def test_cli_prints_the_same_bytes(offline_store):
    offline_store.add_opinion(1, HOSTILE["c1-csi"])
    offline_store.apply_page([make_doc(3, trich_yeu=HOSTILE["osc-title-clipboard"])], "6")
    env = {**os.environ}
    for flag in ((), ("--all",), ("--signed-by-me",)):
        done = subprocess.run(
            [str(KYSO), "inbox", *flag, "--json"], capture_output=True, env=env, timeout=120
        )
        assert done.returncode == 0, done.stderr
        scope = {(): "inbox", ("--all",): "all", ("--signed-by-me",): "signed_by_me"}[flag]
        from kyso.core.textsafe import safe_json_bytes

        old = schema_4_bytes(offline_store._conn, "ldso", scope)
        assert done.stdout == safe_json_bytes(old) + b"\n"
        assert json.loads(done.stdout) == offline_store.inbox_dicts(scope)


@pytest.mark.slow
def test_demo_documents_synced_from_the_real_server(demo_server, tmp_path):
    from kyso.core.sync import SyncClient, login

    with SyncClient(login(demo_server.url, "ldso", DEMO_PASSWORD)) as ld:
        ld.sync()
        store = ld.store
        assert len(store.inbox_dicts("all")) >= 10
        assert_same_as_before(store)
        first = store.inbox_dicts()[0]["id"]
        store.toggle_mark(first)
        store.add_opinion(first, "Đồng ý, trình ký")
        assert_same_as_before(store)
        ld.sync()
        assert_same_as_before(store)


def test_cli_json_path_loads_no_token_model_or_http(offline_store):
    # What `kyso inbox --json` imports is most of its time at small counts: the model,
    # the token layer behind it and the HTTP client are not needed to read the cache.
    code = (
        "import sys\n"
        "from kyso.cli.main import cli\n"
        "cli.main(['inbox', '--all', '--json'], standalone_mode=False)\n"
        "sys.stdout.flush()\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in json.loads(done.stdout)] == [r.id for r in offline_store.inbox("all")]
    loaded = set(done.stderr.decode().split())
    assert "kyso.core.store" in loaded  # the probe sees the modules
    for name in ("kyso.core.service.model", "kyso.core.token", "kyso.core.sync", "httpx"):
        assert name not in loaded, name


def _has_json_index(store: Store) -> bool:
    rows = store._query("SELECT name FROM sqlite_master WHERE type = 'index'")
    return "ix_documents_json" in {r[0] for r in rows}


def _first_synced(store: Store, count: int = 30) -> None:
    """``count`` documents stored as a first sync stores them (a bulk load)."""
    docs = [make_doc(i, marked=i % 4 == 0) for i in range(1, count + 1)]
    page = json.dumps({"changes": [{"seq": d["id"], "document": d} for d in docs]})
    with store.bulk_load() as first:
        assert first
        store.apply_page_json(page, str(count))


def test_a_first_sync_leaves_the_json_index_to_the_first_json_read(store):
    _first_synced(store)
    assert not _has_json_index(store)  # not built by the sync: the app never reads it
    assert_same_as_before(store)  # the first --json read makes it, and reads the same
    assert _has_json_index(store)
    test_all_is_read_from_the_json_index_alone(store)


def test_no_json_index_is_made_during_a_first_sync(store):
    with store.bulk_load():
        store.apply_page([make_doc(i) for i in range(1, 6)], "5")
        assert_same_as_before(store)  # read, correct, without growing an index per page
        assert not _has_json_index(store)
    assert not _has_json_index(store)
    assert_same_as_before(store)
    assert _has_json_index(store)


def test_a_busy_or_read_only_cache_is_read_without_the_json_index(store, tmp_path):
    import kyso.core.store_reads as reads

    _first_synced(store)
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writes meanwhile
    try:
        reads._INDEX_WAIT_MS, wait = 50, reads._INDEX_WAIT_MS
        try:
            assert_same_as_before(store)
        finally:
            reads._INDEX_WAIT_MS = wait
        assert not _has_json_index(store)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    store._conn.execute("PRAGMA query_only = ON")  # as a file kyso may not write
    assert_same_as_before(store)
    assert not _has_json_index(store)
    store._conn.execute("PRAGMA query_only = OFF")
    assert_same_as_before(store)
    assert _has_json_index(store)
