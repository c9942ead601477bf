"""The changes feed's documents written by SQLite (``kyso.server.feed_json``) are the
objects ``load_documents`` builds, key for key and in the same order, for every demo user;
and the feed's page is valid JSON holding them."""

from __future__ import annotations

import json
import sqlite3

import pytest

from kyso.server.db import DB_NAME, load_documents
from kyso.server.feed_json import documents_json

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("username", ["chuyenvien", "ldvanphong", "ldso", "vanthu"])
def test_sqlite_documents_equal_the_python_ones(demo_server, username):
    conn = sqlite3.connect(demo_server.data_dir / DB_NAME)
    conn.row_factory = sqlite3.Row
    try:
        # Something in every list: a related document, a mark, an opinion.
        ids = [r[0] for r in conn.execute("SELECT id FROM documents ORDER BY id")]
        with conn:
            conn.execute("INSERT OR IGNORE INTO related VALUES (?, ?)", (ids[0], ids[-1]))
            conn.execute("INSERT OR IGNORE INTO related VALUES (?, ?)", (ids[0], ids[1]))
            conn.execute("INSERT OR IGNORE INTO marks VALUES (?, ?)", (username, ids[0]))
        expected = load_documents(conn, ids, username)
        got = documents_json(conn, ids, username)
    finally:
        conn.close()
    assert got.keys() == expected.keys()
    for doc_id, text in got.items():
        doc = json.loads(text)
        assert doc == expected[doc_id]
        assert list(doc) == list(expected[doc_id])  # the same key order
    assert any(json.loads(t)["related"] for t in got.values())
    assert any(json.loads(t)["marked"] for t in got.values())
    assert any(json.loads(t)["opinions"] for t in got.values())


def test_feed_pages_are_json_with_every_document_once(demo_server):
    http = demo_server.client("ldso")
    seen, cursor = [], "0"
    while True:
        response = http.get("/changes", params={"since": cursor, "limit": 3})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert all(change["document"]["id"] for change in body["changes"])
        seen += [change["document"]["id"] for change in body["changes"]]
        cursor = body["cursor"]
        if not body["has_more"]:
            break
    assert len(seen) == len(set(seen)) > 3
    empty = http.get("/changes", params={"since": cursor}).json()
    assert empty == {"changes": [], "cursor": cursor, "has_more": False}
