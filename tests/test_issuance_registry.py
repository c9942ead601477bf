"""The registry book on the real (seeded) server: concurrent allocation, a new year,
cancelled numbers, who may issue what, and the book as JSON, CSV and PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading

import pytest
from issuance_helpers import api, client_for, to_clerk_over_http, vn_today

from kyso.core.docs.issue import IssueRequest, issue_main_document
from kyso.core.docs.seal import make_seal_png
from kyso.core.errors import DocumentError, SyncError, WorkflowError
from kyso.core.issue_service import download_registry, issue, registry_book
from kyso.server.registry import BOOK_COLUMNS

HEADERS = [header for _key, header in BOOK_COLUMNS]
SEAL = make_seal_png("Sở Thông tin và Truyền thông")


def _preview(client, doc_id: int) -> dict:
    r = client.get(f"/documents/{doc_id}/number")
    assert r.status_code == 200, r.text
    return r.json()


def test_twenty_concurrent_allocations_get_twenty_consecutive_numbers(
    demo_server, signing_key, tmp_path
):
    ids = to_clerk_over_http(demo_server, signing_key, tmp_path, 21)
    vt = api(demo_server, "vanthu")
    first = _preview(vt, ids[0])["preview"]["so"]
    assert first == 3  # the seed issued 01 and 02 this year: never given again
    barrier = threading.Barrier(20)
    results: dict[int, tuple[int, dict]] = {}
    token = vt.headers["Authorization"]

    def allocate(doc_id: int) -> None:
        import httpx

        with httpx.Client(base_url=demo_server.api, headers={"Authorization": token}) as http:
            barrier.wait()
            r = http.post(f"/documents/{doc_id}/number", json={}, timeout=60)
            results[doc_id] = (r.status_code, r.json())

    threads = [threading.Thread(target=allocate, args=(d,)) for d in ids[:20]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {status for status, _ in results.values()} == {201}
    numbers = sorted(body["so"] for _, body in results.values())
    assert numbers == list(range(first, first + 20))
    assert len({body["so_ky_hieu"] for _, body in results.values()}) == 20
    # Asking again for the same document returns the number it holds.
    again = vt.post(f"/documents/{ids[0]}/number", json={})
    assert again.status_code == 200 and again.json()["so"] == results[ids[0]][1]["so"]

    # Twenty concurrent requests for one document: one number, held once.
    same: list[dict] = []
    barrier2 = threading.Barrier(20)

    def allocate_same() -> None:
        import httpx

        with httpx.Client(base_url=demo_server.api, headers={"Authorization": token}) as http:
            barrier2.wait()
            same.append(http.post(f"/documents/{ids[20]}/number", json={}, timeout=60).json())

    threads = [threading.Thread(target=allocate_same) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {body["so"] for body in same} == {first + 20}
    book = vt.get(f"/registry/{vn_today().year}").json()["entries"]
    assert [e["so"] for e in book] == list(range(1, first + 21))
    # 01 and 02: the seed's issued documents, written into the book after the fact.
    assert [e["so_ky_hieu"] for e in book[:2]] == ["01/QĐ-STTTT", "02/STTTT-VP"]
    assert {e["status"] for e in book[:2]} == {"issued"}
    assert {e["status"] for e in book[2:]} == {"pending"}


def test_each_year_has_its_own_book_from_01(demo_server, signing_key, tmp_path):
    a, b, c = to_clerk_over_http(demo_server, signing_key, tmp_path, 3)
    vt = api(demo_server, "vanthu")
    year = vn_today().year
    # Last year's book (a date of last year is allowed, never one in the future).
    last_year = dt.date(year - 1, 12, 31)
    r = vt.post(f"/documents/{a}/number", json={"date": last_year.isoformat()})
    assert r.status_code == 201, r.text
    assert r.json()["year"] == year - 1 and r.json()["so_ky_hieu"] == "01/KH-STTTT"
    assert r.json()["ngay"] == last_year.isoformat()
    r = vt.post(f"/documents/{b}/number", json={"date": last_year.isoformat()})
    assert r.json()["so_ky_hieu"] == "02/KH-STTTT"
    # This year's book goes on where it was (the seed issued 01 and 02).
    r = vt.post(f"/documents/{c}/number", json={})
    assert r.json()["year"] == year and r.json()["so"] == 3
    assert [e["so"] for e in vt.get(f"/registry/{year - 1}").json()["entries"]] == [1, 2]
    r = vt.post(f"/documents/{c}/number/cancel", json={"reason": "Ngày sai."})
    assert r.status_code == 200
    # A date in the future is refused with the reason; one far away too.
    tomorrow = vn_today() + dt.timedelta(days=1)
    r = vt.post(f"/documents/{c}/number", json={"date": tomorrow.isoformat()})
    assert r.status_code == 422 and "tương lai" in r.json()["detail"]
    r = vt.post(f"/documents/{c}/number", json={"date": f"{year + 5}-01-01"})
    assert r.status_code == 400


def test_a_failed_issuance_is_recorded_as_cancelled(demo_server, signing_key, tmp_path):
    doc_id, other = to_clerk_over_http(demo_server, signing_key, tmp_path, 2)
    vt = api(demo_server, "vanthu")
    entry = vt.post(f"/documents/{doc_id}/number", json={}).json()
    assert entry["status"] == "pending" and entry["so"] == 3
    doc = vt.get(f"/documents/{doc_id}").json()
    main = doc["attachments"][0]
    signed = tmp_path / "signed.pdf"
    n = main["versions"][-1]["n"]
    signed.write_bytes(
        vt.get(f"/documents/{doc_id}/attachments/{main['id']}/versions/{n}/content").content
    )
    wrong = tmp_path / "wrong.pdf"
    issue_main_document(
        signed,
        wrong,
        signing_key,
        IssueRequest("99/KH-STTTT", dt.date.fromisoformat(entry["ngay"]), "Sở TTTT", SEAL),
    )
    r = vt.post(
        f"/documents/{doc_id}/issue",
        files={"main": ("x.pdf", wrong.read_bytes(), "application/pdf")},
        data={"so_ky_hieu": entry["so_ky_hieu"]},
    )
    assert r.status_code == 422
    assert "Số: 99/KH-STTTT" in r.json()["detail"] and entry["so_ky_hieu"] in r.json()["detail"]
    # Nothing changed: the number is still held, the document still waits.
    assert _preview(vt, doc_id)["pending"]["so"] == 3
    assert vt.get(f"/documents/{doc_id}").json()["state"] == "cho_van_thu"
    r = vt.post(f"/documents/{doc_id}/number/cancel", json={"reason": "Điền sai số trên tệp."})
    assert r.status_code == 200
    cancelled = r.json()
    assert (
        cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "Điền sai số trên tệp."
    )
    # Never given again: the next allocation (same or another document) takes 04.
    assert vt.post(f"/documents/{doc_id}/number", json={}).json()["so"] == 4
    assert vt.post(f"/documents/{other}/number", json={}).json()["so"] == 5
    book = vt.get(f"/registry/{vn_today().year}").json()["entries"]
    assert [(e["so"], e["status"]) for e in book] == [
        (1, "issued"),
        (2, "issued"),
        (3, "cancelled"),
        (4, "pending"),
        (5, "pending"),
    ]
    assert "Điền sai số" in book[2]["ghi_chu"]
    # Cancelling twice is a conflict.
    assert vt.post(f"/documents/{other}/number/cancel", json={"reason": "x"}).status_code == 200
    assert vt.post(f"/documents/{other}/number/cancel", json={"reason": "x"}).status_code == 409


def test_the_use_case_cancels_its_number_when_the_server_refuses(
    demo_server, signing_key, pki, tmp_path
):
    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1)
    vt_http = api(demo_server, "vanthu")
    # The administrator bound another certificate to the organisation.
    other_cert = next(i.cert_der for i in pki.issued if i.identity.label == "nosign")
    demo_server.bind("org:STTTT", other_cert)
    with client_for(demo_server, "vanthu") as vt:
        with pytest.raises(DocumentError, match="chứng thư số của cơ quan"):
            issue(vt, doc_id, key=signing_key, seal_png=SEAL)
        [entry] = vt_http.get(f"/documents/{doc_id}/number").json()["entries"]
        assert entry["status"] == "cancelled" and "chứng thư" in entry["cancel_reason"]
        assert vt.store.document_json(doc_id)["state"] == "cho_van_thu"


def test_issuing_needs_the_server(demo_server, signing_key, tmp_path):
    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1)
    with client_for(demo_server, "vanthu") as vt:
        demo_server.stop()
        try:
            with pytest.raises(SyncError, match="không cấp được ngoại tuyến"):
                issue(vt, doc_id, key=signing_key, seal_png=SEAL)
        finally:
            demo_server.start()
        assert api(demo_server, "vanthu").get(f"/documents/{doc_id}/number").json()["entries"] == []


def test_a_clerk_cannot_issue_what_the_leader_has_not_signed(demo_server, signing_key, tmp_path):
    vt, ld = api(demo_server, "vanthu"), api(demo_server, "ldso")
    # Seed document 1 waits for the leader (unsigned); sent to the clerk for information.
    r = ld.post("/documents/1/transitions", json={"action": "luan_chuyen", "to": "vanthu"})
    assert r.status_code == 200, r.text
    r = vt.post("/documents/1/number", json={})
    assert r.status_code == 409 and "chưa được lãnh đạo ký" in r.json()["detail"]
    with (
        client_for(demo_server, "vanthu") as client,
        pytest.raises(WorkflowError, match="Chờ lãnh đạo Sở ký"),
    ):
        issue(client, 1, key=signing_key, seal_png=SEAL)
    # A document with the clerk, signed by the leader.
    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1)
    main = vt.get(f"/documents/{doc_id}").json()["attachments"][0]
    # An unsigned version over the leader's signed one is refused (409): nothing changes.
    r = vt.post(
        f"/documents/{doc_id}/attachments/{main['id']}/versions",
        files={"file": ("x.pdf", b"%PDF-1.7\n% unsigned\n", "application/pdf")},
        data={"signed": "false"},
    )
    assert r.status_code == 409 and "đã được lãnh đạo ký số" in r.json()["detail"]
    after = vt.get(f"/documents/{doc_id}").json()["attachments"][0]
    assert after["versions"] == main["versions"] and after["versions"][-1]["signed"]
    assert vt.get(f"/documents/{doc_id}/number").json()["entries"] == []


def test_a_leader_cannot_issue(demo_server, signing_key, tmp_path):
    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1)
    ld = api(demo_server, "ldso")
    assert ld.post(f"/documents/{doc_id}/number", json={}).status_code == 403
    r = ld.post(
        f"/documents/{doc_id}/issue",
        files={"main": ("x.pdf", b"%PDF-1.7\n", "application/pdf")},
        data={"so_ky_hieu": "03/KH-STTTT"},
    )
    assert r.status_code == 403
    assert ld.post(f"/documents/{doc_id}/number/cancel", json={"reason": "x"}).status_code == 403
    with (
        client_for(demo_server, "ldso") as client,
        pytest.raises(WorkflowError, match="Chỉ văn thư"),
    ):
        issue(client, doc_id, key=signing_key, seal_png=SEAL)
    assert api(demo_server, "vanthu").get(f"/documents/{doc_id}/number").json()["entries"] == []


def test_the_book_as_csv_and_pdf_has_the_ten_columns(demo_server, signing_key, tmp_path):
    import pymupdf

    a, b = to_clerk_over_http(demo_server, signing_key, tmp_path, 2)
    vt = api(demo_server, "vanthu")
    year = vn_today().year
    vt.post(f"/documents/{a}/number", json={})
    vt.post(f"/documents/{a}/number/cancel", json={"reason": "Thử huỷ số."})
    vt.post(f"/documents/{b}/number", json={})
    r = vt.get(f"/registry/{year}/book.csv")
    r_csv = r.content
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS and len(HEADERS) == 10
    assert all(len(row) == 10 for row in rows)
    numbers = [row[0] for row in rows[1:]]
    assert numbers == ["01/QĐ-STTTT", "02/STTTT-VP", "03/KH-STTTT", "04/KH-STTTT"]
    assert rows[1][3] == "Phạm Quốc Hùng"  # the seed's leader signed it
    assert "Số bị huỷ: Thử huỷ số." in rows[3][9]
    r = vt.get(f"/registry/{year}/book.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    with pymupdf.open(stream=r.content, filetype="pdf") as pdf:
        page = pdf[0]
        assert page.rect.width > page.rect.height  # A4 landscape
        assert round(page.rect.width) == 842 and round(page.rect.height) == 595
        text = " ".join(page.get_text().split())
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in text
    for header in ("Số, ký hiệu văn bản", "Người ký", "Ký nhận", "Ghi chú", "Số lượng bản"):
        assert header in text
    assert "03/KH-STTTT" in text and "04/KH-STTTT" in text and "(10)" in text
    # The same files through the client use case (what the app's book screen saves).
    with client_for(demo_server, "vanthu") as client:
        statuses = [e.status for e in registry_book(client, year)]
        assert statuses == ["issued", "issued", "cancelled", "pending"]
        saved = download_registry(client, year, "csv", tmp_path / "so.csv")
        assert saved.read_bytes() == r_csv
        pdf = download_registry(client, year, "pdf", tmp_path / "so.pdf")
        assert pdf.read_bytes().startswith(b"%PDF-")
    # Only the clerk and the leaders read the book.
    assert api(demo_server, "chuyenvien").get(f"/registry/{year}").status_code == 403
    assert api(demo_server, "ldso").get(f"/registry/{year}/book.csv").status_code == 200


def _content(http, doc_id: int, att: dict, folder, name: str):
    n = att["versions"][-1]["n"]
    path = folder / name
    path.write_bytes(
        http.get(f"/documents/{doc_id}/attachments/{att['id']}/versions/{n}/content").content
    )
    return path


def test_the_server_checks_what_it_is_given(demo_server, signing_key, tmp_path):
    from kyso.core.docs.issue import issue_appendix

    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1, with_appendix=True)
    vt = api(demo_server, "vanthu")
    entry = vt.post(f"/documents/{doc_id}/number", json={}).json()
    so, day = entry["so_ky_hieu"], dt.date.fromisoformat(entry["ngay"])
    doc = vt.get(f"/documents/{doc_id}").json()
    main = next(a for a in doc["attachments"] if a["is_main"])
    appendix = next(a for a in doc["attachments"] if not a["is_main"])
    leader = _content(vt, doc_id, main, tmp_path, "leader.pdf")
    issued, only = tmp_path / "issued.pdf", tmp_path / "only.pdf"
    issue_main_document(leader, issued, signing_key, IssueRequest(so, day, "Sở TTTT", SEAL))
    issue_main_document(leader, only, None, IssueRequest(so, day, "Sở", only_number=True))
    signed_appendix = tmp_path / "pl.pdf"
    issue_appendix(
        _content(vt, doc_id, appendix, tmp_path, "pl-src.pdf"), signed_appendix, signing_key, so
    )

    def post(main_file, *, only_number=False, with_appendix=True, key=None):
        files = [("main", ("m.pdf", main_file.read_bytes(), "application/pdf"))]
        data = {"so_ky_hieu": so, "only_number": str(only_number).lower()}
        if with_appendix:
            files.append(("appendix", ("a.pdf", signed_appendix.read_bytes(), "application/pdf")))
            data["appendix_id"] = str(appendix["id"])
        headers = {"Idempotency-Key": key} if key else {}
        return vt.post(f"/documents/{doc_id}/issue", files=files, data=data, headers=headers)

    r = post(issued, with_appendix=False)
    assert r.status_code == 422 and "thiếu bản ký số của cơ quan cho phụ lục" in r.text
    r = post(issued, only_number=True, with_appendix=False)
    assert r.status_code == 422 and "không có chữ ký mới" in r.text
    r = post(only)
    assert r.status_code == 422 and "thiếu chữ ký số của cơ quan" in r.text
    r = post(leader)
    assert r.status_code == 422 and "bản cập nhật" in r.text
    assert _preview(vt, doc_id)["pending"]["so_ky_hieu"] == so
    # The right files, sent twice with one key: one issuance, the same answer.
    first = post(issued, key="phat-hanh-1")
    assert first.status_code == 200, first.text
    again = post(issued, key="phat-hanh-1")
    assert again.status_code == 200 and again.json() == first.json()
    issued_doc = first.json()
    assert issued_doc["state"] == "da_ban_hanh" and issued_doc["so_ky_hieu"] == so
    assert [f["action"] for f in issued_doc["flow"]].count("ban_hanh") == 1
    versions = {a["id"]: a["versions"][-1] for a in issued_doc["attachments"]}
    assert versions[main["id"]]["uploaded_by"] == "vanthu" and versions[main["id"]]["signed"]
    assert versions[appendix["id"]]["uploaded_by"] == "vanthu"
    # A second issuance (another key) is a conflict; the book has one issued row.
    assert post(issued, key="phat-hanh-2").status_code == 409
    [row] = [e for e in vt.get(f"/registry/{day.year}").json()["entries"] if e["doc_id"] == doc_id]
    assert row["status"] == "issued" and row["so_ky_hieu"] == so
