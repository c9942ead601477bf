"""The changes feed's cache (``kyso.server.feed_cache``) on the real server: after every
kind of document write the routes do, every document has a current cached entry and the
feed shows each user exactly what ``load_documents`` builds (marks per user); a stale or
bypassed entry is never served; a database from an older server gets its cache at start.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from fixtures_pdf import make_pdf
from fixtures_server import DEMO_USERS

from kyso.server import feed_cache
from kyso.server.db import DB_NAME, load_documents
from kyso.server.migrations import SCHEMA_VERSION

pytestmark = pytest.mark.slow

_STALE = (
    "SELECT d.id FROM documents d LEFT JOIN feed_json f ON f.doc_id = d.id"
    " WHERE f.seq IS NOT d.change_seq"
)


def _db(server) -> sqlite3.Connection:
    conn = sqlite3.connect(server.data_dir / DB_NAME)
    conn.row_factory = sqlite3.Row
    return conn


def _feed(http, limit: int = 5000) -> list[dict]:
    """Every document of the feed from the start, each page checked to be JSON."""
    docs, cursor = [], "0"
    while True:
        response = http.get("/changes", params={"since": cursor, "limit": limit})
        assert response.status_code == 200, response.text
        page = json.loads(response.content)
        docs += [change["document"] for change in page["changes"]]
        assert all(change["seq"] <= int(page["cursor"]) for change in page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            return docs


class FeedCheck:
    """Compares the feed with ``load_documents`` for every demo user."""

    def __init__(self, server) -> None:
        self.server = server
        self.clients = {user: server.client(user) for user in DEMO_USERS}

    def __call__(self, *, cached: bool = True) -> None:
        conn = _db(self.server)
        try:
            if cached:  # the page was read from the cache, not built
                assert conn.execute(_STALE).fetchall() == []
            for user, http in self.clients.items():
                got = _feed(http)
                ids = [doc["id"] for doc in got]
                assert len(ids) == len(set(ids))
                visible = {r[0] for r in conn.execute(_VISIBLE, (user, user))}
                assert set(ids) == visible
                expected = load_documents(conn, ids, user)
                for doc in got:
                    assert doc == expected[doc["id"]], (user, doc["id"])
        finally:
            conn.close()


_VISIBLE = (
    "SELECT a.doc_id FROM doc_access a JOIN documents d ON d.id = a.doc_id"
    " JOIN users u ON u.username = ? AND u.org_id = d.org_id WHERE a.username = ?"
)


@pytest.fixture
def check(demo_server) -> FeedCheck:
    return FeedCheck(demo_server)


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def test_every_plain_write_keeps_the_cache_current(demo_server, check, tmp_path):
    check()  # the seed's documents
    cv, ld, vt = (demo_server.client(u) for u in ("chuyenvien", "ldso", "vanthu"))
    pdf = make_pdf(tmp_path / "du-thao.pdf", pages=1).read_bytes()
    doc = _ok(
        cv.post(
            "/documents",
            files={"file": ("Dự thảo “kế hoạch”.pdf", pdf, "application/pdf")},
            data={"trich_yeu": 'Kế hoạch "marked":false \\ thử', "loai_ky_hieu": "KH"},
        ),
        201,
    )
    doc_id = doc["id"]
    check()
    extra = _ok(
        cv.post(
            f"/documents/{doc_id}/attachments",
            files={"file": ("Phụ lục.pdf", pdf, "application/pdf")},
        ),
        201,
    )
    att = next(a for a in extra["attachments"] if not a["is_main"])
    check()
    _ok(cv.patch(f"/documents/{doc_id}/attachments/{att['id']}", json={"name": "Phụ lục 1.pdf"}))
    main = next(a for a in doc["attachments"] if a["is_main"])
    _ok(
        cv.post(
            f"/documents/{doc_id}/attachments/{main['id']}/versions",
            files={"file": ("v2.pdf", pdf, "application/pdf")},
            data={"signed": "false", "note": "Sửa lỗi chính tả"},
        )
    )
    check()
    _ok(cv.post(f"/documents/{doc_id}/opinions", json={"text": "Kính trình anh xem."}))
    _ok(cv.post(f"/documents/{doc_id}/transitions", json={"action": "trinh_lanh_dao_so"}))
    check()
    # A mark is one user's: the others still see the document unmarked.
    assert _ok(ld.put(f"/documents/{doc_id}/mark", json={"marked": True}))["marked"] is True
    check()
    feed = {d["id"]: d for d in _feed(check.clients["chuyenvien"])}
    assert feed[doc_id]["marked"] is False
    assert {d["id"]: d for d in _feed(check.clients["ldso"])}[doc_id]["marked"] is True
    _ok(
        ld.post(
            f"/documents/{doc_id}/transitions",
            json={"action": "chuyen_tra_chuyen_vien", "note": "Sửa."},
        )
    )
    _ok(ld.put(f"/documents/{doc_id}/mark", json={"marked": False}))
    check()
    # A refused write (stored with its Idempotency-Key) and a replay change nothing.
    key = {"Idempotency-Key": "feed-cache-refused"}
    for _ in range(2):
        r = vt.post(f"/documents/{doc_id}/opinions", json={"text": "Không được."}, headers=key)
        assert r.status_code in (403, 404)
    check()


def test_signing_issuing_and_copying_keep_the_cache_current(
    demo_server, check, signing_key, tmp_path
):
    from issuance_helpers import client_for, to_clerk_over_http

    from kyso.core.copy_service import copy_and_upload
    from kyso.core.docs.seal import make_seal_png
    from kyso.core.issue_service import issue

    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1, with_appendix=True)
    check()
    with client_for(demo_server, "vanthu") as vt:
        result = issue(vt, doc_id, key=signing_key, seal_png=make_seal_png("Sở"))
        check()
        copy_and_upload(
            vt,
            doc_id,
            result.main,
            tmp_path / "sao-y.pdf",
            signing_key,
            form="sao-y",
            organization="Sở Thông tin và Truyền thông",
        )
    check()
    original = next(d for d in _feed(check.clients["vanthu"]) if d["id"] == doc_id)
    assert original["so"] and original["related"]  # numbered, and lists its copy


def test_a_stale_or_bypassed_entry_is_never_served(demo_server, check):
    conn = _db(demo_server)
    try:
        ids = [r[0] for r in conn.execute("SELECT doc_id FROM doc_access WHERE username = 'ldso'")]
        stale, edited, commented, miscut = ids[:4]
        with conn:
            # A wrong seq: the entry says something else and must not be used.
            conn.execute(
                "UPDATE feed_json SET seq = seq - 1, change = CAST(REPLACE(CAST(change AS TEXT),"
                " 'trich_yeu\":\"', 'trich_yeu\":\"CŨ ') AS BLOB) WHERE doc_id = ?",
                (stale,),
            )
            # Writes that bypass touch: change_seq stays, the triggers drop the entries.
            conn.execute("UPDATE documents SET trich_yeu = 'Sửa tay' WHERE id = ?", (edited,))
            conn.execute(
                "INSERT INTO opinions (doc_id, author, text, at) VALUES (?, 'ldso', 'Tay', '')",
                (commented,),
            )
            # A marked document needs "false" where the entry says: otherwise built now.
            conn.execute("UPDATE feed_json SET cut = cut - 1 WHERE doc_id = ?", (miscut,))
            conn.executemany(
                "INSERT OR IGNORE INTO marks VALUES ('ldso', ?)", [(stale,), (miscut,)]
            )
        entries = dict(conn.execute("SELECT doc_id, CAST(change AS TEXT) FROM feed_json"))
    finally:
        conn.close()
    assert "CŨ " in entries[stale] and miscut in entries
    assert edited not in entries and commented not in entries
    check(cached=False)
    ldso = {d["id"]: d for d in _feed(check.clients["ldso"])}
    assert ldso[stale]["marked"] is ldso[miscut]["marked"] is True
    assert ldso[edited]["trich_yeu"] == "Sửa tay" and "CŨ" not in ldso[stale]["trich_yeu"]


def test_a_database_from_an_older_server_gets_its_cache_at_start(demo_server, check, monkeypatch):
    demo_server.stop()
    conn = _db(demo_server)
    try:
        with conn:
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'feed_json%'"
            ).fetchall():
                conn.execute(f"DROP TRIGGER {name}")
            conn.execute("DROP TABLE feed_json")
            # Documents written straight into the database (as bench/bench_sync.py seeds).
            conn.execute("UPDATE documents SET trich_yeu = trich_yeu || ' (cũ)'")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
        count = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        conn.close()
    monkeypatch.setattr(feed_cache, "CHUNK", 4)  # several start-up transactions
    demo_server.start()
    conn = _db(demo_server)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT count(*) FROM feed_json").fetchone()[0] == count > 4
    finally:
        conn.close()
    check()
