"""A first sync of more than one page takes its pages apart in a second process
(kyso.core.stage_worker): what that process makes is what the store would have made, a
page it refuses is refused as the store refuses it, and if the process dies the sync goes
on without it. No process is left behind. The list indexes grow as the pages come while
they come in the list's order, and are built at the end when they do not."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
from pathlib import Path

import httpx
import pytest
from fixtures_server import DEMO_PASSWORD
from test_sync_first import _documents

from kyso.core.errors import SyncError
from kyso.core.stage_worker import StageWorker
from kyso.core.store import Store
from kyso.core.store_bulk import BAD_PAGE, stage_page
from kyso.core.store_schema import LIST_INDEXES
from kyso.core.sync import SyncClient, login

pytestmark = pytest.mark.slow

USER = "ldso"
AT = "2026-01-05T08:30:00+07:00"


def _page(*ids: int, more: bool = False) -> bytes:
    from fixtures_store import make_doc

    changes = [{"seq": i, "document": make_doc(i)} for i in ids]
    return json.dumps({"changes": changes, "cursor": str(ids[-1]), "has_more": more}).encode()


def _staged_rows(data: bytes) -> list[tuple]:
    with sqlite3.connect(":memory:") as conn:
        conn.deserialize(data)
        return conn.execute("SELECT * FROM staged ORDER BY id").fetchall()


def test_the_worker_makes_the_rows_this_process_makes():
    page = _page(1, 2, 3)
    with StageWorker(USER) as worker:
        assert _staged_rows(worker.stage(page, AT)) == _staged_rows(stage_page(page, USER, AT))
        with pytest.raises(SyncError, match="không hợp lệ"):
            worker.stage(b'{"changes":[{"seq":1,"document":{"id":"1"}}]}', AT)
        with pytest.raises(SyncError, match="không hợp lệ"):
            worker.stage(b"not json", AT)
        with pytest.raises(SyncError, match="không hợp lệ"):  # not UTF-8
            worker.stage(b'{"changes":[{"seq":1,"document":{"id":1,"loai":"\xff"}}]}', AT)
        # Still serving after a refusal.
        assert len(_staged_rows(worker.stage(page, AT))) == 3
        worker._proc.kill()
        worker._proc.wait()
        with pytest.raises(OSError):
            worker.stage(page, AT)


def test_a_worker_that_prints_before_its_greeting_is_stopped_not_read(tmp_path, monkeypatch):
    # Output the child did not mean (here a sitecustomize's print) would be read as
    # lengths and wait forever: such a child is stopped and the page stored here instead.
    (tmp_path / "sitecustomize.py").write_text('print("Xin chào từ sitecustomize")\n')
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), *sys.path]))
    with StageWorker(USER) as worker:
        with pytest.raises(OSError):
            worker.stage(_page(1, 2), AT)
        assert worker._proc.wait(5) == -signal.SIGKILL


def test_the_worker_is_not_given_the_pin_or_password_of_a_script(monkeypatch):
    monkeypatch.setenv("KYSO_PIN", "123456")
    monkeypatch.setenv("KYSO_PASSWORD", "mật-khẩu")
    with StageWorker(USER) as worker:
        assert len(_staged_rows(worker.stage(_page(1), AT))) == 1
        environ = (Path("/proc") / str(worker._proc.pid) / "environ").read_bytes()
    names = {item.split(b"=", 1)[0] for item in environ.split(b"\0")}
    assert b"KYSO_PIN" not in names and b"KYSO_PASSWORD" not in names
    assert b"PATH" in names


def _workers(monkeypatch) -> list[StageWorker]:
    """Every StageWorker started from now on (appended as they start)."""
    started: list[StageWorker] = []
    init = StageWorker.__init__

    def noted(self, username: str) -> None:
        init(self, username)
        started.append(self)

    monkeypatch.setattr(StageWorker, "__init__", noted)
    return started


def test_first_sync_pages_are_staged_by_a_worker_that_ends_with_it(
    demo_server, tmp_path, monkeypatch
):
    session = login(demo_server.url, USER, DEMO_PASSWORD)
    started = _workers(monkeypatch)
    with Store(tmp_path / "staged.sqlite", USER) as store:
        with SyncClient(session, store, page_size=3) as client:
            assert client.pull() > 6
        staged = _documents(store)
        assert len(started) == 1
        assert started[0]._proc.poll() == 0  # ended, and cleanly
        # The next pull is not a first sync: no worker.
        with SyncClient(session, store, page_size=3) as client:
            client.pull()
        assert len(started) == 1
    assert staged == _documents_unstaged(session, tmp_path, monkeypatch)


def _documents_unstaged(session, tmp_path, monkeypatch) -> list[dict]:
    """The same first sync with no worker (as where one cannot start)."""

    monkeypatch.setattr(StageWorker, "__init__", _no_worker)
    with Store(tmp_path / "unstaged.sqlite", USER) as store:
        with SyncClient(session, store, page_size=3) as client:
            assert client.pull() > 6
        return _documents(store)


def test_a_worker_that_dies_leaves_its_pages_to_the_store(demo_server, tmp_path, monkeypatch):
    session = login(demo_server.url, USER, DEMO_PASSWORD)
    stage = StageWorker.stage
    calls = []

    def dies_on_the_second_page(self, page: bytes, received: str) -> bytes:
        calls.append(page)
        if len(calls) == 2:
            self._proc.kill()
        return stage(self, page, received)

    monkeypatch.setattr(StageWorker, "stage", dies_on_the_second_page)
    with Store(tmp_path / "dies.sqlite", USER) as store:
        with SyncClient(session, store, page_size=3) as client:
            pulled = client.pull()
        got = _documents(store)
    assert len(calls) >= 2
    assert pulled == len(got) > 6
    assert got == _documents_unstaged(session, tmp_path, monkeypatch)


def test_a_bad_page_from_the_worker_keeps_the_pages_before(offline_session):
    # A broken server cannot be started here; httpx's mock transport plays it.
    bad = b'{"changes":[{"seq":5,"document":{"id":"5"}}],"cursor":"5","has_more":true}'
    pages = [_page(1, 2, more=True), _page(3, 4, more=True), bad]

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=pages.pop(0) if pages else b"")

    transport = httpx.MockTransport(serve)
    with SyncClient(offline_session, transport=transport, retries=0, page_size=2) as client:
        with pytest.raises(SyncError) as refused:
            client.pull()
        assert str(refused.value) == BAD_PAGE
        assert client.store.cursor == "4"
        assert client.store.count("all") == 4


def _list_indexes_per_page(store: Store) -> list[bool]:
    """Whether the list indexes are there after each page of a pull (appended as it goes)."""
    seen: list[bool] = []
    apply = store.apply_page_json

    def noted(page, new_cursor: str, **staged: bytes | None) -> int:
        count = apply(page, new_cursor, **staged)
        names = {r[0] for r in store._conn.execute("SELECT name FROM sqlite_master")}
        seen.append(set(LIST_INDEXES) <= names)
        return count

    store.apply_page_json = noted
    return seen


def test_list_indexes_grow_while_pages_come_in_their_order(demo_server, tmp_path):
    session = login(demo_server.url, USER, DEMO_PASSWORD)
    with Store(tmp_path / "ordered.sqlite", USER) as store:
        seen = _list_indexes_per_page(store)
        with SyncClient(session, store, page_size=3) as client:
            assert client.pull() > 6
        assert len(seen) > 2 and all(seen), seen  # never dropped: the feed is in change order


def _pages_from(pages: list[bytes]) -> httpx.MockTransport:
    """A server answering the changes feed with ``pages``, one per request."""
    return httpx.MockTransport(lambda request: httpx.Response(200, content=pages.pop(0)))


@pytest.mark.parametrize("worker", [True, False], ids=["staged", "unstaged"])
def test_an_older_page_drops_the_list_indexes_until_the_end(
    offline_session, tmp_path, monkeypatch, worker
):
    from fixtures_store import make_doc

    if not worker:
        monkeypatch.setattr(StageWorker, "__init__", _no_worker)

    def page(docs: list[dict], more: bool) -> bytes:
        changes = [{"seq": d["id"], "document": d} for d in docs]
        cursor = str(docs[-1]["id"])
        return json.dumps({"changes": changes, "cursor": cursor, "has_more": more}).encode()

    late = [make_doc(i, updated_at=f"2026-01-06T09:{i:02d}:00+07:00") for i in (1, 2)]
    early = [make_doc(i, updated_at=f"2026-01-05T09:{i:02d}:00+07:00") for i in (3, 4)]
    later = [make_doc(i, updated_at=f"2026-01-07T09:{i:02d}:00+07:00") for i in (5, 6)]
    pages = [page(late, True), page(early, True), page(later, False)]
    with SyncClient(offline_session, transport=_pages_from(pages), retries=0) as client:
        seen = _list_indexes_per_page(client.store)
        assert client.pull() == 6
        assert seen == [True, False, False]  # the second page is older than the first
        names = {r[0] for r in client.store._conn.execute("SELECT name FROM sqlite_master")}
        assert set(LIST_INDEXES) <= names  # built at the end
        assert [d.id for d in client.store.inbox("all")] == [6, 5, 2, 1, 4, 3]
        check = client.store._conn.execute("PRAGMA integrity_check").fetchone()
        assert check == ("ok",)


def _no_worker(self, username: str) -> None:
    raise OSError("no worker here")
