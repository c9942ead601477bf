"""The first sync (a bulk load into an empty cache) against the real server: interrupted
in the middle and resumed, it leaves the cache an uninterrupted one leaves; it skips the
wait for the disk only while no action is queued, and never leaves that setting behind."""

from __future__ import annotations

import json

import httpx
import pytest
from fixtures_server import DEMO_PASSWORD, DieAfterPages
from fixtures_store import queued_mark

from kyso.core.errors import SyncError
from kyso.core.store import Store
from kyso.core.store_schema import LIST_INDEXES
from kyso.core.sync import SyncClient, login

pytestmark = pytest.mark.slow

USER = "ldso"


def _documents(store: Store) -> list[dict]:
    cursor = store._conn.execute("SELECT * FROM documents ORDER BY id")
    names = [c[0] for c in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["json"] = json.loads(row["json"])
        if row["sender"] is None:
            row["received_at"] = None  # no flow entry to the holder: when it arrived here
    return rows


def _indexes(store: Store) -> set[str]:
    rows = store._conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    return {r[0] for r in rows} & set(LIST_INDEXES)


def _synchronous_per_page(store: Store) -> list[int]:
    """The store's PRAGMA synchronous as each changes-feed page is written (appended to
    the returned list as the sync goes)."""
    seen: list[int] = []
    apply = store.apply_page_json

    def noted(page: str, new_cursor: str, **staged: bytes | None) -> int:
        seen.append(store._conn.execute("PRAGMA synchronous").fetchone()[0])
        return apply(page, new_cursor, **staged)

    store.apply_page_json = noted
    return seen


def test_interrupted_first_sync_resumes_to_the_same_cache(demo_server, tmp_path):
    session = login(demo_server.url, USER, DEMO_PASSWORD)
    with Store(tmp_path / "whole.sqlite", USER) as whole:
        with SyncClient(session, whole, page_size=2) as client:
            assert client.pull() > 6
        expected, cursor = _documents(whole), whole.cursor
        assert whole.get_meta("first_sync") is None

    broken = tmp_path / "broken.sqlite"
    with Store(broken, USER) as store:
        transport = DieAfterPages(demo_server, pages=3)
        client = SyncClient(session, store, transport=transport, page_size=2, retries=0)
        with client, pytest.raises(SyncError):
            client.pull()
        # Three pages kept with their cursor; the cache says its first sync is unfinished,
        # and its list indexes are there for the reads meanwhile.
        assert store.count("all") == 6
        assert store.get_meta("first_sync") is not None
        assert _indexes(store) == set(LIST_INDEXES)
        assert store._conn.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    demo_server.start()
    with Store(broken, USER) as store:  # reopened, as after a crash
        with SyncClient(session, store, page_size=2) as client:
            first = _synchronous_per_page(store)
            assert client.pull() == len(expected) - 6
        assert first and set(first) == {0}  # still a first sync: no wait for the disk
        assert _documents(store) == expected
        assert store.cursor == cursor
        assert store.get_meta("first_sync") is None
        assert _indexes(store) == set(LIST_INDEXES)
        assert store._conn.execute("PRAGMA synchronous").fetchone() == (1,)
        assert store._conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_first_sync_waits_for_the_disk_while_an_action_is_queued(demo_server, tmp_path):
    session = login(demo_server.url, USER, DEMO_PASSWORD)
    with Store(tmp_path / "queued.sqlite", USER) as store:
        # An action salvaged from a damaged cache into a fresh, empty one.
        store._requeue([queued_mark()])
        seen = _synchronous_per_page(store)
        with SyncClient(session, store, page_size=4) as client:
            assert client.pull() > 4
        assert seen and set(seen) == {1}  # NORMAL on every page
        assert store.outbox_size() == 1
        assert store.get_meta("first_sync") is None
        assert _indexes(store) == set(LIST_INDEXES)


def test_an_action_queued_during_a_first_sync_makes_it_wait_for_the_disk(demo_server, tmp_path):
    session = login(demo_server.url, USER, DEMO_PASSWORD)
    with Store(tmp_path / "busy.sqlite", USER) as store:
        seen = []
        apply = store.apply_page_json

        def noted(page: str, new_cursor: str, **staged: bytes | None) -> int:
            count = apply(page, new_cursor, **staged)
            seen.append(store._conn.execute("PRAGMA synchronous").fetchone()[0])
            if len(seen) == 1:  # the user marks a document as the first page shows
                store.set_mark(store.inbox("all")[0].id, True)
            return count

        store.apply_page_json = noted
        with SyncClient(session, store, page_size=2) as client:
            assert client.pull() > 4
        assert seen[0] == 0 and set(seen[1:]) == {1}, seen
        assert store.outbox_size() == 1
        assert store._conn.execute("PRAGMA synchronous").fetchone() == (1,)


def test_a_server_refusing_big_pages_is_read_in_small_ones(offline_session):
    # A server from before big first-sync pages (limit ≤ 500) cannot be started here;
    # httpx's mock transport plays it.
    asked = []

    def older_server(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params["limit"])
        asked.append(limit)
        if limit > 500:
            return httpx.Response(400, json={"detail": "limit"})
        return httpx.Response(200, json={"changes": [], "cursor": "0", "has_more": False})

    transport = httpx.MockTransport(older_server)
    with SyncClient(offline_session, transport=transport, retries=0) as client:
        assert client.pull() == 0
        assert client.pull() == 0
    assert asked == [2000, 500, 500]


@pytest.mark.parametrize("user", ["ldso", "vanthu"])
def test_first_sync_leaves_the_cache_the_parsed_path_leaves(demo_server, tmp_path, user):
    # The same documents stored one by one from parsed JSON (Store.put_document), as an
    # answer to a push stores them: every column equal, signed_by_me included (ldso signs;
    # vanthu receives what ldso signed).
    session = login(demo_server.url, user, DEMO_PASSWORD)
    with Store(tmp_path / "first.sqlite", user) as first:
        with SyncClient(session, first, page_size=3) as client:
            assert client.pull() > 3  # more than one page
        expected = _documents(first)
    http = demo_server.client(user)
    body = http.get("/changes", params={"since": "0", "limit": 500}).json()
    assert not body["has_more"]
    with Store(tmp_path / "parsed.sqlite", user) as parsed:
        for change in body["changes"]:
            parsed.put_document(change["document"])
        assert _documents(parsed) == expected
    mine = [d for d in expected if d["signed_by_me"]]
    others = [
        d
        for d in expected
        if not d["signed_by_me"]
        and any(v["signed"] for a in d["json"]["attachments"] for v in a["versions"])
    ]
    assert mine if user == "ldso" else others and not mine
