"""A changes-feed page written by SQLite (``Store.apply_page_json``) leaves exactly the
rows the Python path (``Store.apply_page``) leaves: pages from the real demo server, every
demo user, the documents compared column by column, and no rows
in the older tables of their parts (attachments, versions, opinions, flow)."""

from __future__ import annotations

import json

import pytest
from fixtures_server import DEMO_PASSWORD
from fixtures_store import queued_mark

from kyso.core.store import Store

pytestmark = pytest.mark.slow

_TABLES = {"documents": "id"}
_PARTS = ("attachments", "versions", "opinions", "flow")
"""Tables of older caches: a document's parts are read from its JSON, not written twice."""


def _pages(server, username: str) -> list[str]:
    http = server.client(username)
    pages, cursor = [], "0"
    while True:
        response = http.get("/changes", params={"since": cursor, "limit": 2})
        assert response.status_code == 200, response.text
        pages.append(response.text)
        body = response.json()
        if not body["has_more"]:
            return pages
        cursor = body["cursor"]


def _rows(store: Store, table: str) -> list[dict]:
    cursor = store._conn.execute(f"SELECT * FROM {table} ORDER BY {_TABLES[table]}")
    names = [c[0] for c in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        if table == "documents":
            row["json"] = json.loads(row["json"])
    return rows


@pytest.mark.parametrize("username", ["chuyenvien", "ldvanphong", "ldso", "vanthu"])
def test_sqlite_page_writes_the_rows_the_python_path_writes(demo_server, tmp_path, username):
    pages = _pages(demo_server, username)
    assert len(pages) > 1
    with (
        Store(tmp_path / "python.sqlite3", username) as python,
        Store(tmp_path / "sqlite.sqlite3", username) as sqlite,
    ):
        # Twice: the second round replaces rows already there (an incremental sync).
        for _ in range(2):
            for text in pages:
                body = json.loads(text)
                python.apply_page([c["document"] for c in body["changes"]], body["cursor"])
                assert sqlite.apply_page_json(text, body["cursor"]) == len(body["changes"])
        assert sqlite.cursor == python.cursor
        for table in _TABLES:
            expected, got = _rows(python, table), _rows(sqlite, table)
            assert expected, table
            if table == "documents":
                # Arrival time of a document with no flow entry to its holder: now.
                for row in (*expected, *got):
                    if row["sender"] is None:
                        row["received_at"] = None
            assert got == expected, table
        for table in _PARTS:
            for store in (python, sqlite):
                assert store._conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
        signed = [r for r in _rows(sqlite, "documents") if r["signed"]]
        mine = [r for r in _rows(sqlite, "documents") if r["signed_by_me"]]
        assert signed or username == "chuyenvien"
        assert mine or username != "ldso"


def test_queued_actions_are_reapplied_on_a_json_page(demo_server, tmp_path):
    from kyso.core.sync import login

    login(demo_server.url, "ldso", DEMO_PASSWORD)
    pages = _pages(demo_server, "ldso")
    with Store(tmp_path / "s.sqlite3", "ldso") as store:
        for text in pages:
            store.apply_page_json(text, json.loads(text)["cursor"])
        doc = store.inbox("all")[0]
        store.set_mark(doc.id, not doc.marked)
        store.add_opinion(doc.id, "Đồng ý, trình ký.")
        for text in pages:  # the feed still has the old mark: the queued one wins
            store.apply_page_json(text, json.loads(text)["cursor"])
        detail = store.document(doc.id)
        assert detail.marked is (not doc.marked)
        assert store.inbox("all")[0].pending == 2


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"changes": {}, "cursor": "1", "has_more": false}',
        b'{"changes": [{"seq": 1, "document": {"id": "1"}}], "cursor": "1", "has_more": false}',
        b'{"changes": [], "has_more": false}',
        b"[]",
        b'{"changes": [{"seq": 1, "document": {"id": true}}], "cursor": "1", "has_more": false}',
        b'{"changes": [{"seq": 1, "document": {"id": 1.5}}], "cursor": "1", "has_more": false}',
        b'{"changes": [{"seq": 1, "document": {"id": 1}}, {"seq": 2}], "cursor": "2",'
        b' "has_more": false}',
        # Written as the server writes pages (its shape is read without a parse): the
        # store's parse refuses what is not JSON or has no integer ids.
        b'{"changes":[{"seq":1,"document":{"id":"1"}}],"cursor":"1","has_more":false}',
        b'{"changes":[{"seq":1,"document":{"id":1}}]],"cursor":"1","has_more":false}',
        b'{"changes":[{"seq":1,"document":{"id":1}},{"seq":2}],"cursor":"2","has_more":false}',
        b'{"changes":["x"],"cursor":"1","has_more":false}',
        b'{"changes":[{"seq":1,"document":{"id":1}}],"cursor":"1","has_more":false}}',
        b'{"changes":[{"seq":1,"document":{"id":1}}],"cursor":"1","has_more":false}\xff',
    ],
)
@pytest.mark.parametrize("queued", [False, True], ids=["sqlite", "python"])
def test_a_malformed_page_is_refused_and_nothing_stored(offline_session, body, queued):
    # A broken server cannot be started here; httpx's mock transport plays it.
    import httpx

    from kyso.core.errors import SyncError
    from kyso.core.sync import SyncClient

    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    with SyncClient(offline_session, transport=transport, retries=0) as client:
        if queued:  # a queued action: the page is parsed in Python to re-apply it
            client.store._requeue([queued_mark()])
        with pytest.raises(SyncError, match="không hợp lệ"):
            client.pull()
        assert client.store.cursor == "0"
        assert client.store.count("all") == 0


def _entry(src: str, to: str | None, at: str) -> dict:
    return {"from": src, "to": to, "action": "chuyen", "note": "", "at": at}


def _odd_documents() -> list[dict]:
    """Shapes the demo data lacks: the newest flow entry not to the holder, an empty
    time, no flow, no attachment, my signed version under a second attachment."""
    from fixtures_store import make_doc

    signed = {
        "n": 2,
        "sha256": "ab" * 32,
        "size": 5,
        "uploaded_by": "ldso",
        "uploaded_at": "2026-01-06T08:00:00+07:00",
        "signed": True,
        "note": "",
    }
    second = {"id": 999, "name": "Phụ lục.pdf", "is_main": False, "versions": [signed]}
    return [
        make_doc(1),
        make_doc(
            2,
            flow=[
                _entry("chuyenvien", "ldso", "2026-01-05T08:30:00+07:00"),
                _entry("ldso", "vanthu", "2026-01-05T09:00:00+07:00"),
                _entry("vanthu", None, "2026-01-05T09:30:00+07:00"),
            ],
        ),
        make_doc(3, flow=[_entry("chuyenvien", "ldso", "")]),
        make_doc(4, flow=[], holder=None),
        make_doc(5, flow=[_entry("chuyenvien", None, "2026-01-05T08:30:00+07:00")], holder=None),
        make_doc(6, attachments=[]),
        make_doc(7, attachments=[*make_doc(7)["attachments"], second]),
        make_doc(8, attachments=[second, *make_doc(8)["attachments"]]),
    ]


def test_odd_documents_give_the_rows_the_python_path_gives(tmp_path):
    docs = _odd_documents()
    page = json.dumps({"changes": [{"seq": d["id"], "document": d} for d in docs]})
    got = _stored_both_ways(tmp_path, docs, page, times=2)
    by_id = {r["id"]: r for r in got}
    assert by_id[2]["sender"] == "chuyenvien" and by_id[2]["received_at"].endswith("08:30:00+07:00")
    assert by_id[5]["sender"] == "chuyenvien"
    assert by_id[7]["signed_by_me"] and not by_id[7]["signed"]
    assert by_id[8]["signed_by_me"] and not by_id[8]["signed"]


def _stored_both_ways(tmp_path, docs: list[dict], page: str, *, times: int = 1) -> list[dict]:
    """Store ``docs`` through the Python path and ``page`` through SQLite (``times``
    over), in this process and staged by the worker process of a first sync; check the
    stores hold the same document rows, and return them. A document with no sender was
    received "now", which differs between the writes."""
    from kyso.core.stage_worker import StageWorker
    from kyso.core.store_base import now_iso

    with (
        Store(tmp_path / "python.sqlite3", "ldso") as python,
        Store(tmp_path / "sqlite.sqlite3", "ldso") as sqlite,
        Store(tmp_path / "staged.sqlite3", "ldso") as staged,
        StageWorker("ldso") as worker,
    ):
        for _ in range(times):
            python.apply_page(docs, "8")
            assert sqlite.apply_page_json(page, "8") == len(docs)
            rows = worker.stage(page.encode(), now_iso())
            assert staged.apply_page_json(page, "8", staged=rows) == len(docs)
        expected = _rows(python, "documents")
        got, got_staged = _rows(sqlite, "documents"), _rows(staged, "documents")
    for row in (*expected, *got, *got_staged):
        if row["sender"] is None:
            row["received_at"] = None
    assert got == expected
    assert got_staged == expected
    return got


def _version(n: int, by: str, signed: bool) -> dict:
    return {
        "n": n,
        "sha256": f"{n:02x}" * 32,
        "size": 5,
        "uploaded_by": by,
        "uploaded_at": "2026-01-06T08:00:00+07:00",
        "signed": signed,
        "note": "",
    }


def _signed_documents() -> list[dict]:
    """signed_by_me's cases: signed by me (newest or older version), by someone else, my
    unsigned upload, a name that only starts like mine."""
    from fixtures_store import make_doc

    def doc(doc_id: int, *versions: dict) -> dict:
        d = make_doc(doc_id)
        d["attachments"][0]["versions"] = [_version(1, "chuyenvien", False), *versions]
        return d

    return [
        doc(1, _version(2, "ldso", True)),
        doc(2, _version(2, "ldso", True), _version(3, "vanthu", False)),
        doc(3, _version(2, "vanthu", True)),
        doc(4, _version(2, "ldso", False)),
        doc(5, _version(2, "ldso2", True)),
        doc(6, _version(2, "LDSO", True)),
        doc(7),
    ]


_MINE = {1: True, 2: True, 3: False, 4: False, 5: False, 6: False, 7: False}


@pytest.mark.parametrize("escaped", [False, True], ids=["plain", "escaped"])
def test_signed_by_me_from_a_json_page_matches_the_python_path(tmp_path, escaped):
    docs = _signed_documents()
    # The server's spacing is not SQLite's; an escaping server writes "ldso" as
    # "ld\u0073o" and Vietnamese as \u escapes: the page must still say which are mine.
    page = json.dumps({"changes": [{"seq": d["id"], "document": d} for d in docs]})
    if escaped:
        page = page.replace('"ldso"', '"ld\\u0073o"')
    else:
        page = json.dumps(json.loads(page), ensure_ascii=False)
    assert ("\\" in page) is escaped
    got = _stored_both_ways(tmp_path, docs, page)
    assert {r["id"]: bool(r["signed_by_me"]) for r in got} == _MINE


def test_a_document_twice_in_a_page_keeps_its_later_copy(tmp_path):
    from fixtures_store import make_doc

    docs = [make_doc(1), make_doc(2), make_doc(1, version=3, trich_yeu="Bản sau")]
    page = json.dumps({"changes": [{"seq": i, "document": d} for i, d in enumerate(docs)]})
    with (
        Store(tmp_path / "python.sqlite3", "ldso") as python,
        Store(tmp_path / "sqlite.sqlite3", "ldso") as sqlite,
    ):
        python.apply_page(docs, "3")
        assert sqlite.apply_page_json(page, "3") == 3
        expected, got = _rows(python, "documents"), _rows(sqlite, "documents")
        assert got == expected
        assert (got[0]["id"], got[0]["version"], got[0]["trich_yeu"]) == (1, 3, "Bản sau")


def test_pages_written_another_way_are_read_alike(offline_session):
    # Another server's spacing and key order: the shape is read by SQLite, not by the
    # server's own layout; cursor and has_more come out the same.
    import httpx
    from fixtures_store import make_doc

    from kyso.core.sync import SyncClient

    bodies = {
        "0": json.dumps(
            {"has_more": True, "cursor": "2", "changes": [{"seq": 2, "document": make_doc(1)}]}
        ),
        "2": json.dumps(
            {"changes": [{"seq": 5, "document": make_doc(2)}], "cursor": 5, "has_more": False},
            indent=1,
        ),
    }
    asked = []

    def server(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params["since"])
        return httpx.Response(200, content=bodies[asked[-1]].encode())

    with SyncClient(offline_session, transport=httpx.MockTransport(server), retries=0) as client:
        assert client.pull() == 2
        assert client.store.cursor == "5"
    assert asked == ["0", "2"]
