"""The registry book as the only numbering path, on the real server with the SoftHSM token:
no number twice, dates in book order, the migration of older data, a non-PDF main file,
and twenty clerks issuing at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from issuance_helpers import api, client_for, to_clerk_over_http, vn_today

from kyso.core.docs.issue import IssueRequest, issue_main_document
from kyso.core.docs.seal import make_seal_png
from kyso.core.errors import KysoError

SEAL = make_seal_png("Sở Thông tin và Truyền thông")


def _book(http, year: int) -> list[dict]:
    r = http.get(f"/registry/{year}")
    assert r.status_code == 200, r.text
    return r.json()["entries"]


def _assert_consistent(http, year: int) -> None:
    """No number on two documents; every numbered document has its issued book row."""
    docs = [d for d in http.get("/documents", params={"scope": "all"}).json() if d["so"]]
    numbers = [(d["so_ky_hieu"], d["ngay_ban_hanh"][:4]) for d in docs]
    assert len(numbers) == len(set(numbers))
    book = {(e["year"], e["so"]): e for e in _book(http, year)}
    for doc in docs:
        if int(doc["ngay_ban_hanh"][:4]) != year:
            continue
        row = book[(year, doc["so"])]
        assert (row["doc_id"], row["status"], row["so_ky_hieu"]) == (
            doc["id"],
            "issued",
            doc["so_ky_hieu"],
        )


def test_a_held_number_is_never_given_by_ban_hanh(demo_server, signing_key, tmp_path):
    a, b = to_clerk_over_http(demo_server, signing_key, tmp_path, 2)
    vt = api(demo_server, "vanthu")
    year = vn_today().year
    held = vt.post(f"/documents/{a}/number", json={})
    assert held.status_code == 201 and held.json()["so"] == 3
    # The old transition numbers nothing (with or without a number), pointing to /issue.
    for body in ({"action": "ban_hanh"}, {"action": "ban_hanh", "so": 3}):
        r = vt.post(f"/documents/{b}/transitions", json=body)
        assert r.status_code == 409 and f"/documents/{b}/issue" in r.json()["detail"]
    assert vt.get(f"/documents/{b}").json()["so"] is None
    # b goes through the book: the next number, 04; a still holds 03.
    with client_for(demo_server, "vanthu") as client:
        from kyso.core.issue_service import issue

        result = issue(client, b, key=signing_key, seal_png=SEAL)
    assert result.so_ky_hieu == "04/KH-STTTT"
    book = _book(vt, year)
    assert [(e["so"], e["status"], e["doc_id"]) for e in book[2:]] == [
        (3, "pending", a),
        (4, "issued", b),
    ]
    _assert_consistent(vt, year)


def test_issuance_needs_the_signature_of_a_registered_leader(demo_server, signing_key, tmp_path):
    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1)
    # The leader's certificate is taken away after he signed: his signature no longer
    # belongs to a leader of the organisation, so the clerk cannot issue the document.
    demo_server.unbind("ldso")
    with client_for(demo_server, "vanthu") as client:
        from kyso.core.issue_service import issue

        with pytest.raises(KysoError, match="chứng thư số đã đăng ký của lãnh đạo"):
            issue(client, doc_id, key=signing_key, seal_png=SEAL)
    vt = api(demo_server, "vanthu")
    assert vt.get(f"/documents/{doc_id}").json()["state"] == "cho_van_thu"
    [entry] = vt.get(f"/documents/{doc_id}/number").json()["entries"]
    assert entry["status"] == "cancelled"


def test_an_empty_or_non_pdf_main_file_is_refused(demo_server, tmp_path):
    cv = api(demo_server, "chuyenvien")
    for name, data in (("rong.pdf", b""), ("du-thao.docx", b"PK\x03\x04 word")):
        r = cv.post(
            "/documents",
            files={"file": (name, data, "application/octet-stream")},
            data={"trich_yeu": "Kế hoạch thử", "loai_ky_hieu": "KH"},
        )
        assert r.status_code == 422, r.text
        assert "Tệp chính" in r.json()["detail"]
    assert not [d for d in cv.get("/documents").json() if d["trich_yeu"] == "Kế hoạch thử"]


def test_dates_follow_the_book_order(demo_server, signing_key, tmp_path):
    a, b = to_clerk_over_http(demo_server, signing_key, tmp_path, 2)
    vt = api(demo_server, "vanthu")
    # Last year's book: its dates are in the past whatever today is (1 January too).
    last_year = vn_today().year - 1
    dec31, dec30 = dt.date(last_year, 12, 31), dt.date(last_year, 12, 30)
    with client_for(demo_server, "vanthu") as client:
        from kyso.core.issue_service import issue

        first = issue(client, a, key=signing_key, seal_png=SEAL, date=dec31)
        assert first.so_ky_hieu == "01/KH-STTTT" and first.date == dec31
        with pytest.raises(KysoError, match="sớm hơn"):
            issue(client, b, key=signing_key, seal_png=SEAL, date=dec30)
    r = vt.post(f"/documents/{b}/number", json={"date": dec30.isoformat()})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "30/12" in detail and "31/12" in detail and "01/KH-STTTT" in detail
    tomorrow = vn_today() + dt.timedelta(days=1)
    r = vt.post(f"/documents/{b}/number", json={"date": tomorrow.isoformat()})
    assert r.status_code == 422 and "tương lai" in r.json()["detail"]
    # The same day as 01 is fine: 02 of last year's book.
    r = vt.post(f"/documents/{b}/number", json={"date": dec31.isoformat()})
    assert r.status_code == 201 and r.json()["so"] == 2, r.text
    assert [(e["so"], e["status"]) for e in _book(vt, last_year)] == [
        (1, "issued"),
        (2, "pending"),
    ]


def test_the_migration_repairs_numbers_missing_from_the_book(demo_server_factory, tmp_path):
    from fixtures_server import DemoServer

    from kyso.server.auth import create_org, create_user
    from kyso.server.db import DB_NAME, Database, now_iso
    from kyso.server.migrations import REPAIR_NOTE, SCHEMA_VERSION
    from kyso.server.registry import ensure_schema

    year = vn_today().year
    today = vn_today().isoformat()
    folder = tmp_path / "old-server"
    folder.mkdir()
    db = Database(folder / DB_NAME)  # the tables as the server made them before versioning
    ensure_schema(db)
    with db.write() as conn:
        org = create_org(conn, "Sở Thông tin và Truyền thông", "STTTT")
        create_user(conn, org, "vanthu", "kyso-demo", full_name="Đỗ Thị Lan", role="van_thu")
        ids = []
        for so, state in ((1, "da_ban_hanh"), (2, "da_ban_hanh"), (None, "cho_van_thu")):
            ids.append(
                conn.execute(
                    "INSERT INTO documents (org_id, trich_yeu, loai, loai_ky_hieu, nguoi_soan,"
                    " holder, state, nam, so, ky_hieu, so_ky_hieu, ngay_ban_hanh, created_at,"
                    " updated_at) VALUES (?, 'Thử', 'Kế hoạch', 'KH', 'vanthu', 'vanthu', ?, ?,"
                    " ?, 'KH-STTTT', ?, ?, ?, ?)",
                    (
                        org,
                        state,
                        year if so else None,
                        so,
                        f"{so:02d}/KH-STTTT" if so else None,
                        today if so else None,
                        now_iso(),
                        now_iso(),
                    ),
                ).lastrowid
            )
            conn.execute(
                "INSERT INTO doc_access (username, doc_id) VALUES ('vanthu', ?)", (ids[-1],)
            )
        # The old double number: 02 held in the book for one document (then cancelled)
        # while ban_hanh gave 02 to another.
        conn.execute(
            "INSERT INTO registry (org_id, nam, so, ky_hieu, so_ky_hieu, doc_id, status, ngay,"
            " allocated_by, allocated_at, cancel_reason) VALUES (?, ?, 2, 'KH-STTTT',"
            " '02/KH-STTTT', ?, 'cancelled', ?, 'vanthu', ?, 'Bỏ')",
            (org, year, ids[2], today, now_iso()),
        )
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    db.close()

    server = DemoServer(folder, seed_demo=False).start()
    try:
        vt = server.client("vanthu")
        book = _book(vt, year)
        assert [(e["so"], e["status"], e["doc_id"], e["repaired"]) for e in book] == [
            (1, "issued", ids[0], True),
            (2, "cancelled", ids[2], True),
        ]
        assert book[0]["ghi_chu"] == REPAIR_NOTE
        assert f"văn bản {ids[1]}" in book[1]["ghi_chu"]
        with server.app.state.db.connect() as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            from kyso.server.registry import next_number

            assert next_number(conn, org, year) == 3
    finally:
        server.close_clients()
        server.stop()
    # Starting again changes nothing.
    server.start()
    try:
        assert len(_book(server.client("vanthu"), year)) == 2
    finally:
        server.close_clients()
        server.stop()


def test_twenty_concurrent_issuances_get_consecutive_numbers_in_date_order(
    demo_server, signing_key, tmp_path
):
    ids = to_clerk_over_http(demo_server, signing_key, tmp_path, 20)
    vt = api(demo_server, "vanthu")
    token = vt.headers["Authorization"]
    token_lock = threading.Lock()  # one PKCS#11 session: the signatures take turns
    barrier = threading.Barrier(20)
    results: dict[int, object] = {}

    def issue_one(doc_id: int) -> None:
        import httpx

        with httpx.Client(
            base_url=demo_server.api, headers={"Authorization": token}, timeout=120
        ) as http:
            try:
                barrier.wait()
                entry = http.post(f"/documents/{doc_id}/number", json={}).json()
                doc = http.get(f"/documents/{doc_id}").json()
                main = doc["attachments"][0]
                n = main["versions"][-1]["n"]
                src = tmp_path / f"leader-{doc_id}.pdf"
                src.write_bytes(
                    http.get(
                        f"/documents/{doc_id}/attachments/{main['id']}/versions/{n}/content"
                    ).content
                )
                out = tmp_path / f"issued-{doc_id}.pdf"
                request = IssueRequest(
                    entry["so_ky_hieu"], dt.date.fromisoformat(entry["ngay"]), "Sở TTTT", SEAL
                )
                with token_lock:
                    issue_main_document(src, out, signing_key, request)
                r = http.post(
                    f"/documents/{doc_id}/issue",
                    files={"main": ("m.pdf", out.read_bytes(), "application/pdf")},
                    data={"so_ky_hieu": entry["so_ky_hieu"]},
                )
                results[doc_id] = (r.status_code, r.json())
            except Exception as exc:  # reported below with the document
                results[doc_id] = (0, repr(exc))

    threads = [threading.Thread(target=issue_one, args=(d,)) for d in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {status for status, _ in results.values()} == {200}, results
    year = vn_today().year
    issued = [e for e in _book(vt, year) if e["doc_id"] in ids]
    assert [e["so"] for e in issued] == list(range(3, 23))
    assert {e["status"] for e in issued} == {"issued"}
    assert len({e["doc_id"] for e in issued}) == 20
    dates = [e["ngay"] for e in _book(vt, year)]
    assert dates == sorted(dates)
    _assert_consistent(vt, year)
