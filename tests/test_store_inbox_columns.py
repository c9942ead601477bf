"""The inbox's Từ (sender) and signed columns: schema 2, its migration from schema 1 with
the data kept, the optimistic actions, and a pull from the real server."""

from __future__ import annotations

import json
import sqlite3

import pytest
from fixtures_pdf import make_pdf
from fixtures_server import DEMO_PASSWORD
from fixtures_store import make_doc

from kyso.core.store import Store
from kyso.core.store_rows import inbox_sender, main_signed
from kyso.core.store_schema import MIGRATIONS, SCHEMA_VERSION


def _version(n: int, by: str, *, signed: bool) -> dict:
    return {
        "n": n,
        "sha256": f"{n:064x}",
        "size": 10,
        "uploaded_by": by,
        "uploaded_at": f"2026-01-05T1{n}:00:00+07:00",
        "signed": signed,
        "note": "",
    }


def _flow(src: str, dst: str | None, action: str = "trinh_lanh_dao_so") -> dict:
    return {"from": src, "to": dst, "action": action, "note": "", "at": "2026-01-05T08:30:00+07:00"}


def varied_documents() -> list[dict]:
    """Documents whose sender/signed values differ in every way the rules distinguish."""
    signed_main = make_doc(1)
    signed_main["attachments"][0]["versions"].append(_version(2, "ldso", signed=True))
    # Only the appendix (not the main file) carries a signature.
    appendix_signed = make_doc(2)
    appendix_signed["attachments"].append(
        {"id": 21, "name": "PL.pdf", "is_main": False, "versions": [_version(1, "x", signed=True)]}
    )
    # The main attachment is listed second; its newest version is signed by someone else.
    main_second = make_doc(3)
    main_second["attachments"] = [
        {"id": 31, "name": "PL.pdf", "is_main": False, "versions": [_version(1, "x", signed=0)]},
        {
            "id": 32,
            "name": "KH.pdf",
            "is_main": True,
            "versions": [_version(1, "cv", signed=False), _version(2, "ldvp", signed=True)],
        },
    ]
    # Signed once, then a newer unsigned version: not signed any more.
    resigned = make_doc(4)
    resigned["attachments"][0]["versions"] = [
        _version(1, "ldso", signed=True),
        _version(2, "cv", signed=False),
    ]
    # Came back to ldso a second time from someone else; the newest entry to ldso wins.
    twice = make_doc(
        5,
        flow=[
            _flow("chuyenvien", "ldso"),
            _flow("ldso", "ldvanphong", "chuyen_tra_chuyen_vien"),
            _flow("ldvanphong", "ldso"),
            _flow("ldso", None, "danh_dau"),
        ],
    )
    no_flow = make_doc(6, flow=[], attachments=[])
    no_main = make_doc(7)
    no_main["attachments"] = [
        {"id": 71, "name": "a.pdf", "versions": [_version(1, "ldso", signed=True)]},
        {"id": 72, "name": "b.pdf", "versions": [_version(1, "ldso", signed=False)]},
    ]
    return [signed_main, appendix_signed, main_second, resigned, twice, no_flow, no_main]


EXPECTED = {
    1: ("chuyenvien", True),
    2: ("chuyenvien", False),
    3: ("chuyenvien", True),
    4: ("chuyenvien", False),
    5: ("ldvanphong", False),
    6: (None, False),
    7: ("chuyenvien", True),
}


def test_rules_on_documents():
    for doc in varied_documents():
        assert (inbox_sender(doc), main_signed(doc)) == EXPECTED[doc["id"]], doc["id"]


def test_pull_fills_sender_and_signed(tmp_path):
    with Store(tmp_path / "stores" / "s.sqlite", "ldso") as store:
        store.apply_page(varied_documents(), "7")
        rows = {r.id: r for r in store.inbox("all")}
        assert {i: (r.sender, r.signed) for i, r in rows.items()} == EXPECTED
        assert rows[1].signed_by_me and not rows[3].signed_by_me
        # --json and the dicts say the same, with real booleans.
        listed = json.loads(store.inbox_json("all"))
        assert {d["id"]: (d["sender"], d["signed"]) for d in listed} == EXPECTED
        assert listed == store.inbox_dicts("all") == [r.as_dict() for r in store.inbox("all")]


def test_optimistic_actions_update_sender_and_signed(tmp_path):
    pdf = make_pdf(tmp_path / "signed.pdf")
    with Store(tmp_path / "stores" / "s.sqlite", "ldso") as store:
        store.apply_page([make_doc(1), make_doc(2)], "2")
        (row,) = [r for r in store.inbox() if r.id == 1]
        assert (row.sender, row.signed, row.signed_by_me) == ("chuyenvien", False, False)
        store.add_signed_version(1, 10, pdf, note="Đã ký số")
        (row,) = [r for r in store.inbox() if r.id == 1]
        assert (row.signed, row.signed_by_me, row.pending) == (True, True, 1)
        # Sent on: the holder changes, and so does the sender (me, to văn thư).
        store.transition(1, "chuyen_van_thu", to="vanthu", note="Phát hành")
        (row,) = [r for r in store.inbox("all") if r.id == 1]
        assert (row.holder, row.sender, row.signed) == ("vanthu", "ldso", True)
        # A server copy arriving while both actions are queued keeps them on top.
        store.put_document(make_doc(1, version=2))
        (row,) = [r for r in store.inbox("all") if r.id == 1]
        assert (row.holder, row.sender, row.signed, row.pending) == ("vanthu", "ldso", True, 2)


def _schema_1_file(path, documents: list[dict]) -> None:
    """A cache file exactly as schema 1 left it, with documents and a queued action."""
    import sqlite_utils

    conn = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[0](sqlite_utils.Database(conn))
    conn.execute("PRAGMA user_version = 1")
    for doc in documents:
        conn.execute(
            "INSERT INTO documents(id, version, trich_yeu, loai, don_vi_soan_thao, state, "
            "holder, marked, signed_by_me, pending, updated_at, received_at, json) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc["id"],
                doc["version"],
                doc["trich_yeu"],
                doc["loai"],
                doc["don_vi_soan_thao"],
                doc["state"],
                doc["holder"],
                int(doc["marked"]),
                int(doc["id"] == 1),
                int(doc["id"] == 5),
                doc["updated_at"],
                "2026-01-06T07:00:00+07:00",
                json.dumps(doc, ensure_ascii=False),
            ),
        )
    conn.execute(
        "INSERT INTO outbox(key, kind, document_id, base_version, payload, created_at) "
        "VALUES ('k-1', 'mark', 5, 1, '{\"marked\": true}', '2026-01-06T07:00:00+07:00')"
    )
    conn.execute("UPDATE sync_state SET cursor = '42' WHERE id = 1")
    conn.close()


def test_schema_1_file_migrates_with_data_kept(tmp_path):
    assert SCHEMA_VERSION >= 2  # later migrations run after _v2 too
    path = tmp_path / "stores" / "old.sqlite"
    path.parent.mkdir()
    documents = varied_documents()
    _schema_1_file(path, documents)
    columns = {r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(documents)")}
    assert "sender" not in columns and "signed" not in columns

    with Store(path, "ldso") as store:
        assert store.cursor == "42"
        assert [(i.key, i.kind, i.document_id) for i in store.outbox()] == [("k-1", "mark", 5)]
        rows = {r.id: r for r in store.inbox("all")}
        assert {i: (r.sender, r.signed) for i, r in rows.items()} == EXPECTED
        assert rows[1].signed_by_me and rows[5].pending == 1
        assert rows[1].received_at == "2026-01-06T07:00:00+07:00"
        for doc in documents:
            assert store.document_json(doc["id"])["trich_yeu"] == doc["trich_yeu"]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    # Opening again does not migrate twice.
    with Store(path, "ldso") as store:
        assert len(store.inbox("all")) == len(documents)


@pytest.mark.slow
def test_pull_from_the_real_server(demo_server, tmp_path, signing_key):
    from kyso.core.docs.sign import SignOptions, sign_file
    from kyso.core.sync import SyncClient, enqueue_signed, login

    pdf = make_pdf(tmp_path / "kh.pdf", title="Kế hoạch chuyển đổi số")
    response = demo_server.client("chuyenvien").post(
        "/documents",
        files={"file": (pdf.name, pdf.read_bytes(), "application/pdf")},
        data={"trich_yeu": "Kế hoạch chuyển đổi số năm 2026", "loai_ky_hieu": "KH"},
    )
    assert response.status_code == 201, response.text
    draft = response.json()
    doc_id, main = draft["id"], draft["attachments"][0]["id"]

    with SyncClient(login(demo_server.url, "chuyenvien", DEMO_PASSWORD)) as cv:
        cv.sync()
        (row,) = [r for r in cv.store.inbox() if r.id == doc_id]
        assert (row.sender, row.signed) == (None, False)  # a draft: nobody sent it yet
        cv.store.transition(doc_id, "trinh_lanh_dao_so", note="Kính trình")
        assert cv.sync().pushed == 1

    with SyncClient(login(demo_server.url, "ldso", DEMO_PASSWORD)) as ld:
        ld.sync()
        rows = {r.id: r for r in ld.store.inbox("all")}
        assert (rows[doc_id].sender, rows[doc_id].signed) == ("chuyenvien", False)
        # Every seeded document agrees with the rules applied to its stored copy.
        for row in rows.values():
            doc = ld.store.document_json(row.id)
            assert (row.sender, row.signed) == (inbox_sender(doc), main_signed(doc)), row.id
        assert any(r.signed and r.signed_by_me for r in rows.values())
        assert all(r.sender for r in ld.store.inbox())

        signed = tmp_path / "signed.pdf"
        sign_file(ld.fetch_attachment(doc_id, main), signed, signing_key, SignOptions())
        enqueue_signed(doc_id, main, signed, note="Đã ký số", store=ld.store)
        (row,) = [r for r in ld.store.inbox() if r.id == doc_id]
        assert (row.signed, row.signed_by_me, row.pending) == (True, True, 1)
        ld.sync()
        (row,) = [r for r in ld.store.inbox() if r.id == doc_id]
        assert (row.sender, row.signed, row.signed_by_me, row.pending) == (
            "chuyenvien",
            True,
            True,
            0,
        )
