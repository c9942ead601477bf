"""Store + sync against the real server under uvicorn on 127.0.0.1.

A full round (chuyên viên submits, the leader signs with the SoftHSM token and sends to
văn thư, everybody sees it after a sync), and the faults: the server killed in the
middle of a push, the client killed between the local write and the push, concurrent
edits, the server down.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fixtures_pdf import make_pdf
from fixtures_server import DEMO_PASSWORD, DieAfterPages

from kyso.core.errors import SyncError
from kyso.core.store import Store, store_path
from kyso.core.sync import Session, SyncClient, enqueue_signed, login

pytestmark = pytest.mark.slow


def create_draft(server, pdf: Path, trich_yeu: str) -> dict:
    """chuyenvien creates a draft through the API (test set-up, not the client)."""
    response = server.client("chuyenvien").post(
        "/documents",
        files={"file": (pdf.name, pdf.read_bytes(), "application/pdf")},
        data={"trich_yeu": trich_yeu, "loai_ky_hieu": "KH"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def client(server, username: str, *, device: str = "", **kwargs) -> SyncClient:
    """A logged-in client for ``username`` (``device`` gives a second store for the user)."""
    session = login(server.url, username, DEMO_PASSWORD)
    if not device:
        return SyncClient(session, **kwargs)
    from kyso.config.locations import data_dir

    path = store_path(data_dir() / device, server.url, username)
    return SyncClient(session, Store(path, username, blob_dir=data_dir() / "blobs"), **kwargs)


def count(server, sql: str, *params) -> int:
    """A count straight from the server's database (exactly-once checks)."""
    from kyso.server.db import DB_NAME

    conn = sqlite3.connect(server.data_dir / DB_NAME)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def draft(demo_server, tmp_path) -> dict:
    pdf = make_pdf(tmp_path / "ke-hoach.pdf", title="Kế hoạch tham gia hưởng ứng Tết trồng cây")
    return create_draft(
        demo_server, pdf, "Kế hoạch tham gia hưởng ứng Tết trồng cây đời đời nhớ ơn Bác Hồ"
    )


def test_full_round(demo_server, draft, tmp_path, signing_key):
    from kyso.core.docs.sign import SignOptions, sign_file

    doc_id = draft["id"]
    main = draft["attachments"][0]["id"]

    with client(demo_server, "chuyenvien") as cv:
        cv.sync()
        assert doc_id in [r.id for r in cv.store.inbox()]
        cv.store.transition(doc_id, "trinh_lanh_dao_so", note="Kính trình lãnh đạo Sở")
        report = cv.sync()
        assert (report.pushed, report.conflicts, report.rejected) == (1, (), ())
        assert doc_id not in [r.id for r in cv.store.inbox()]

    with client(demo_server, "ldso") as ld:
        ld.sync()
        (row,) = [r for r in ld.store.inbox() if r.id == doc_id]
        assert (row.id, row.state, row.holder) == (doc_id, "cho_lanh_dao_so", "ldso")
        original = ld.fetch_attachment(doc_id, main)
        assert original.read_bytes().startswith(b"%PDF")
        signed = tmp_path / "signed.pdf"
        sign_file(original, signed, signing_key, SignOptions())
        enqueue_signed(doc_id, main, signed, note="Đã ký số", store=ld.store)
        ld.store.transition(doc_id, "chuyen_van_thu", note="Chuyển phát hành")
        report = ld.sync()
        assert report.rejected == () and report.conflicts == ()
        assert report.pushed == 2 and report.outbox == 0
        assert doc_id in [r.id for r in ld.store.inbox("signed_by_me")]
        latest = ld.store.document(doc_id).attachments[0].latest
        assert latest.signed and not latest.pending and latest.uploaded_by == "ldso"
        assert ld.fetch_attachment(doc_id, main).read_bytes() == signed.read_bytes()

    with client(demo_server, "vanthu") as vt:
        vt.sync()
        (row,) = [r for r in vt.store.inbox() if r.id == doc_id]
        assert (row.id, row.state, row.holder) == (doc_id, "cho_van_thu", "vanthu")
        d = vt.store.document(doc_id)
        assert [(f.from_user, f.to_user, f.action) for f in d.flow][-2:] == [
            ("chuyenvien", "ldso", "trinh_lanh_dao_so"),
            ("ldso", "vanthu", "chuyen_van_thu"),
        ]
        assert {o.text for o in d.opinions} >= {"Kính trình lãnh đạo Sở", "Chuyển phát hành"}
        assert d.attachments[0].latest.signed and d.attachments[0].latest.n == 2

    with client(demo_server, "chuyenvien") as cv:
        report = cv.sync()
        assert report.pulled >= 1
        d = cv.store.document(doc_id)
        assert (d.state, d.holder) == ("cho_van_thu", "vanthu")
        assert [f.action for f in d.flow][-1] == "chuyen_van_thu"


class _LoseAnswerThenCrash(httpx.HTTPTransport):
    """Forwards requests to the real server; after the ``nth`` write has been handled the
    server is SIGKILLed and the answer dropped, as when the server dies mid-push."""

    def __init__(self, server, nth: int) -> None:
        super().__init__()
        self.server, self.nth, self.writes = server, nth, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method != "GET":
            self.writes += 1
            if self.writes == self.nth:
                response.read()
                self.server.kill()
                raise httpx.RemoteProtocolError("Server disconnected", request=request)
        return response


def test_server_killed_mid_push_applies_each_action_once(demo_server, draft):
    doc_id = draft["id"]
    with client(demo_server, "chuyenvien") as cv:
        cv.sync()
        texts = [f"Ý kiến {i}" for i in range(4)]
        for text in texts[:2]:
            cv.store.add_opinion(doc_id, text)
        cv.store.transition(doc_id, "trinh_lanh_dao_van_phong", note="Trình")
        for text in texts[2:]:
            cv.store.add_opinion(doc_id, text)
        keys = [i.key for i in cv.store.outbox()]
        session = cv.session

    transport = _LoseAnswerThenCrash(demo_server, nth=3)  # the transition
    with SyncClient(session, transport=transport, retries=2, backoff=0.01) as crashing:
        with pytest.raises(SyncError, match="Không kết nối được máy chủ"):
            crashing.sync()
        # the first two are done, the transition (applied, answer lost) and the rest queued
        assert [i.key for i in crashing.store.outbox()] == keys[2:]

    demo_server.start()
    with SyncClient(session) as cv:
        report = cv.sync()
        assert report.pushed == 3 and report.conflicts == () and report.rejected == ()
        assert cv.store.outbox_size() == 0
        d = cv.store.document(doc_id)
        assert d.state == "cho_lanh_dao_van_phong" and d.pending == 0
    for text in texts:
        assert count(demo_server, "SELECT count(*) FROM opinions WHERE text = ?", text) == 1
    assert (
        count(
            demo_server,
            "SELECT count(*) FROM flow WHERE doc_id = ? AND action = 'trinh_lanh_dao_van_phong'",
            doc_id,
        )
        == 1
    )


def test_server_killed_at_a_random_point_of_a_long_push(demo_server, draft):
    doc_id = draft["id"]
    with client(demo_server, "chuyenvien") as cv:
        cv.sync()
        texts = [f"Góp ý {i}" for i in range(40)]
        for text in texts:
            cv.store.add_opinion(doc_id, text)
        session = cv.session

    # The kill happens in the pushing thread right after the k-th answer was recorded, so
    # the point is random but the test never races the push it means to interrupt.
    k = random.Random(doc_id).randint(1, 30)
    with SyncClient(session, retries=1, backoff=0.01) as pushing:
        complete = pushing.store.complete

        def complete_then_kill(item, document):
            complete(item, document)
            if len(texts) - pushing.store.outbox_size() == k:
                demo_server.kill()

        pushing.store.complete = complete_then_kill
        with pytest.raises(SyncError):
            pushing.push()
        assert pushing.store.outbox_size() == len(texts) - k

    demo_server.start()
    with SyncClient(session) as cv:
        cv.sync()
        assert cv.store.outbox_size() == 0
        assert [o.text for o in cv.store.document(doc_id).opinions] == texts
    for text in texts:
        assert count(demo_server, "SELECT count(*) FROM opinions WHERE text = ?", text) == 1


def test_client_killed_before_push_replays_outbox(demo_server, draft):
    doc_id = draft["id"]
    with client(demo_server, "chuyenvien") as cv:
        cv.sync()
    # Another process writes the action to the store and dies before pushing it.
    code = (
        "import os, signal\n"
        "from kyso.core.sync import open_store\n"
        "store = open_store()\n"
        f"store.transition({doc_id}, 'trinh_lanh_dao_so', note='Trình gấp')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    dead = subprocess.run([sys.executable, "-c", code], env=os.environ.copy(), timeout=60)
    assert dead.returncode == -signal.SIGKILL
    assert count(demo_server, "SELECT count(*) FROM flow WHERE doc_id = ?", doc_id) == 0

    kyso = Path(sys.executable).with_name("kyso")
    synced = subprocess.run([str(kyso), "sync"], capture_output=True, text=True, timeout=60)
    assert synced.returncode == 0, synced.stderr
    assert "Đã gửi 1 thao tác" in synced.stdout
    assert (
        count(
            demo_server,
            "SELECT count(*) FROM flow WHERE doc_id = ? AND action = ?",
            doc_id,
            "trinh_lanh_dao_so",
        )
        == 1
    )
    with client(demo_server, "ldso") as ld:
        ld.sync()
        assert doc_id in [r.id for r in ld.store.inbox()]


def test_concurrent_edits_make_a_visible_conflict(demo_server, draft):
    doc_id = draft["id"]
    with client(demo_server, "chuyenvien") as cv:
        cv.sync()
        cv.store.transition(doc_id, "trinh_lanh_dao_so")
        cv.sync()
    # ldso works on two devices from the same version
    a = client(demo_server, "ldso", device="a")
    b = client(demo_server, "ldso", device="b")
    with a, b:
        a.sync()
        b.sync()
        a.store.transition(doc_id, "chuyen_tra_chuyen_vien", note="Sửa lại số liệu")
        b.store.transition(doc_id, "luan_chuyen", to="ldvanphong", note="Xem giúp")
        assert a.sync().pushed == 1
        report = b.sync()
        assert report.pushed == 0 and len(report.conflicts) == 1
        (conflict,) = b.store.conflicts()
        assert conflict.reason == "conflict" and conflict.status in (409, 412)
        assert conflict.payload["action"] == "luan_chuyen" and conflict.message
        # the optimistic change was replaced by the server's state, nothing overwritten
        d = b.store.document(doc_id)
        assert (d.state, d.holder, d.pending) == ("tra_lai", "chuyenvien", 0)
        assert "luan_chuyen" not in [f.action for f in d.flow]
        assert (
            count(
                demo_server,
                "SELECT count(*) FROM flow WHERE doc_id = ? AND action = ?",
                doc_id,
                "luan_chuyen",
            )
            == 0
        )
        # the conflict stays until dismissed, across syncs
        b.sync()
        assert len(b.store.conflicts()) == 1
        b.store.dismiss_conflict(conflict.id)
        assert b.store.conflicts() == []


def test_refused_action_is_kept_with_the_server_message(demo_server, draft):
    doc_id = draft["id"]
    with client(demo_server, "chuyenvien") as cv:
        cv.sync()
        # to= must have the next role: the server answers 400 with a reason
        cv.store.transition(doc_id, "trinh_lanh_dao_so", to="vanthu")
        assert cv.store.document(doc_id).holder == "vanthu"  # optimistic
        report = cv.sync()
        (refused,) = report.rejected
        assert refused.reason == "rejected" and refused.status == 400 and refused.message
        d = cv.store.document(doc_id)
        assert (d.state, d.holder) == ("du_thao", "chuyenvien")
        assert cv.store.conflicts()[0].key == refused.key


def test_server_down_queues_then_syncs(demo_server, draft):
    doc_id = draft["id"]
    with client(demo_server, "chuyenvien") as cv:
        cv.sync()
        session = cv.session
    demo_server.kill()
    with SyncClient(session, retries=1, backoff=0.01) as cv:
        cv.store.set_mark(doc_id, True)
        cv.store.add_opinion(doc_id, "Soạn xong, chờ trình")
        with pytest.raises(SyncError) as info:
            cv.sync()
        assert str(info.value).startswith("Không kết nối được máy chủ")
        assert session.token not in str(info.value)
        assert cv.store.outbox_size() == 2 and cv.store.document(doc_id).marked
    demo_server.start()
    with SyncClient(session) as cv:
        report = cv.sync()
        assert report.pushed == 2 and report.outbox == 0
        d = cv.store.document(doc_id)
        assert d.marked and [o.text for o in d.opinions] == ["Soạn xong, chờ trình"]
    assert count(demo_server, "SELECT count(*) FROM marks WHERE doc_id = ?", doc_id) == 1


def test_expired_session_is_a_clear_error(demo_server):
    session = Session(demo_server.url, "ldso", "not-a-valid-token-0123456789")
    with SyncClient(session) as c, pytest.raises(SyncError, match="kyso login") as info:
        c.sync()
    assert "not-a-valid-token" not in str(info.value)


def test_wrong_password(demo_server):
    with pytest.raises(SyncError, match="Sai tên đăng nhập hoặc mật khẩu"):
        login(demo_server.url, "ldso", "wrong")


def test_cli_against_the_server(demo_server, draft):
    import json

    kyso = str(Path(sys.executable).with_name("kyso"))
    env = {**os.environ, "KYSO_PASSWORD": DEMO_PASSWORD, "KYSO_SERVER": demo_server.url}

    def run(*args):
        return subprocess.run([kyso, *args], capture_output=True, text=True, env=env, timeout=60)

    outputs = [run("login", "--user", "chuyenvien"), run("sync")]
    assert all(o.returncode == 0 for o in outputs), [o.stderr for o in outputs]
    rows = json.loads(run("inbox", "--json").stdout)
    (row,) = [r for r in rows if r["id"] == draft["id"]]
    assert row["state"] == "du_thao" and row["holder"] == "chuyenvien"
    assert all(r["holder"] == "chuyenvien" for r in rows)
    outputs.append(run("opinion", str(draft["id"]), "Đã rà soát"))
    outputs.append(run("transition", str(draft["id"]), "trinh_lanh_dao_van_phong"))
    assert all(o.returncode == 0 for o in outputs[-2:]), [o.stderr for o in outputs[-2:]]
    assert "Đã đồng bộ" in outputs[-1].stdout
    outputs.append(run("show", str(draft["id"])))
    assert "Trình lãnh đạo Văn phòng" in outputs[-1].stdout
    outputs.append(run("mark", str(draft["id"])))
    assert json.loads(run("show", str(draft["id"]), "--json").stdout)["marked"] is True
    assert draft["id"] not in [r["id"] for r in json.loads(run("inbox", "--json").stdout)]
    outputs.append(run("transition", str(draft["id"]), "ban_hanh"))
    assert outputs[-1].returncode == 1 and outputs[-1].stderr.startswith("kyso: ")
    from kyso.core.sync import load_session

    token = load_session().token
    # the leader's inbox has the seeded plan with its number left blank for the clerk
    outputs += [run("login", "--user", "ldso"), run("sync")]
    leader_rows = json.loads(run("inbox", "--json").stdout)
    tet = [r for r in leader_rows if "Tết trồng cây" in r["trich_yeu"]]
    assert tet and tet[0]["so_ky_hieu"] in (None, "", "/KH-STTTT")
    outputs.append(run("inbox"))
    assert "Tết trồng cây" in outputs[-1].stdout
    tokens = [token, load_session().token]
    for out in outputs:
        assert not any(t in out.stdout + out.stderr for t in tokens)


def test_pull_is_paged_and_keeps_finished_pages(demo_server):
    session = login(demo_server.url, "chuyenvien", DEMO_PASSWORD)
    transport = DieAfterPages(demo_server, pages=2)
    with SyncClient(session, transport=transport, page_size=3, retries=0) as c:
        with pytest.raises(SyncError, match="Không kết nối được"):
            c.pull()
        assert c.store.count("all") == 6  # two pages of three, each with its cursor
        first_cursor = c.store.cursor
        assert first_cursor != "0"
    demo_server.start()
    with SyncClient(session, page_size=3) as c:
        pulled = c.pull()
        everything = demo_server.client("chuyenvien").get("/documents?scope=all").json()
        assert c.store.count("all") == len(everything) > 6
        assert pulled == len(everything) - 6
        assert int(c.store.cursor) > int(first_cursor)
        assert c.pull() == 0  # nothing new


class _Timed(httpx.HTTPTransport):
    """Notes when each changes-feed request leaves."""

    def __init__(self, log: list) -> None:
        super().__init__()
        self.log = log

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/changes"):
            self.log.append(("request", time.monotonic()))
        return super().handle_request(request)


def test_pull_asks_for_the_next_page_while_storing_this_one(demo_server):
    # At 100,000 documents the server's pages and the store's writes take as long as each
    # other: they must overlap, not alternate.
    session = login(demo_server.url, "chuyenvien", DEMO_PASSWORD)
    log: list = []
    with SyncClient(session, transport=_Timed(log), page_size=3, retries=0) as c:
        store_page = c.store.apply_page_json

        def slow_store(page, cursor, **staged):
            log.append(("store", time.monotonic()))
            time.sleep(0.3)  # a big page on a slow disk
            count = store_page(page, cursor, **staged)
            log.append(("stored", time.monotonic()))
            return count

        c.store.apply_page_json = slow_store
        pulled = c.pull()
        assert pulled == c.store.count("all") > 6
    requests = [t for kind, t in log if kind == "request"]
    begins = [t for kind, t in log if kind == "store"]
    ends = [t for kind, t in log if kind == "stored"]
    stores = list(zip(begins, ends, strict=True))
    assert len(stores) >= 3
    # Every page after the first was requested while the page before it was being stored.
    for (begin, end), asked in zip(stores[:-1], requests[1:], strict=True):
        assert asked < end, log
        assert asked < begin + 0.3, log


def test_tls_verification_can_be_turned_off_in_settings(demo_server, _isolated_home):
    (_isolated_home / "config.toml").write_text("[server]\nverify_tls = false\n")
    session = login(demo_server.url, "ldso", DEMO_PASSWORD)
    assert session.verify_tls is False
    (_isolated_home / "config.toml").unlink()
    assert login(demo_server.url, "ldso", DEMO_PASSWORD).verify_tls is True


def test_unsigned_upload_is_rejected_with_the_reason(demo_server, draft, tmp_path):
    doc_id, main = draft["id"], draft["attachments"][0]["id"]
    with client(demo_server, "chuyenvien") as cv:
        cv.sync()
        cv.store.transition(doc_id, "trinh_lanh_dao_so")
        cv.sync()
    with client(demo_server, "ldso") as ld:
        ld.sync()
        original = ld.fetch_attachment(doc_id, main)
        not_signed = tmp_path / "chua-ky.pdf"
        not_signed.write_bytes(original.read_bytes() + b"\n% appended, no signature\n")
        enqueue_signed(doc_id, main, not_signed, store=ld.store)
        assert ld.store.document(doc_id).attachments[0].latest.n == 2  # optimistic
        report = ld.sync()
        (refused,) = report.rejected
        assert refused.status == 422 and "Bản ký số không được chấp nhận" in refused.message
        latest = ld.store.document(doc_id).attachments[0].latest
        assert latest.n == 1 and not latest.signed and not latest.pending
        assert ld.store.conflicts()[0].kind == "upload"
