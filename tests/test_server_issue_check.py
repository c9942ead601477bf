"""The server runs the issuance output check again (issue 11, item 4).

A client that skips kyso's own check (an older kyso, another program) can upload a
correctly signed file whose number is invisible or whose seal is off the page. These
files are made here with kyso's own drawing functions minus the check, signed by the
organisation's bound key on the SoftHSM token, and sent to the real server: 422 with the
reason, the number still held, no version and no blob left.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from io import BytesIO
from pathlib import Path

import pytest
from issuance_helpers import api, create_kehoach, kehoach_meta, kehoach_pdfs, signature_png
from test_issuance_output import fields_off_the_page

from kyso.core.docs.issuance import (
    fill_issuance_fields,
    find_issuance_slots,
    format_date_line,
    leader_widget,
)
from kyso.core.docs.issue import (
    APPENDIX_FIELD,
    ORG_FIELD,
    IssueRequest,
    _appendix_style,
    _org_style,
    issue_main_document,
    sign_into,
)
from kyso.core.docs.issue_geometry import RotatedStyle
from kyso.core.docs.seal import make_seal_png
from kyso.core.docs.sign import SignOptions, sign_file

OFF_PAGE = (640.0, 400.0, 760.0, 520.0)  # right of an A4 page (595 pt wide)


def to_clerk(server, key, folder: Path, main: bytes, *, appendix: bool = False) -> int:
    """A Kế hoạch whose draft is ``main``, signed by ldso and sent to the clerk."""
    cv, ld = api(server, "chuyenvien"), api(server, "ldso")
    if appendix:
        doc_id = create_kehoach(server, with_appendix=True)
    else:
        trich_yeu, name, _ = kehoach_meta()
        r = cv.post(
            "/documents",
            files={"file": (name, main, "application/pdf")},
            data={"trich_yeu": trich_yeu, "loai_ky_hieu": "KH"},
        )
        assert r.status_code == 201, r.text
        doc_id = r.json()["id"]
    r = cv.post(f"/documents/{doc_id}/transitions", json={"action": "trinh_lanh_dao_so"})
    att = next(a for a in r.json()["attachments"] if a["is_main"])
    draft = folder / "draft.pdf"
    draft.write_bytes(
        ld.get(f"/documents/{doc_id}/attachments/{att['id']}/versions/1/content").content
    )
    signed = folder / "leader.pdf"
    sign_file(draft, signed, key, SignOptions(anchor="GIÁM ĐỐC", image=signature_png(folder)))
    r = ld.post(
        f"/documents/{doc_id}/attachments/{att['id']}/versions",
        files={"file": ("x.pdf", signed.read_bytes(), "application/pdf")},
        data={"signed": "true"},
    )
    assert r.status_code == 200, r.text
    assert ld.post(f"/documents/{doc_id}/transitions", json={"action": "chuyen_van_thu"}).is_success
    return doc_id


def unchecked_issue(leader: bytes, key, so_ky_hieu: str, day, *, seal_box=None) -> bytes:
    """What ``issue_main_document`` writes, without its self-check: number and date
    filled, the organisation's seal over the leader's image (or at ``seal_box``)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader

    page, leader_box = leader_widget(PdfFileReader(BytesIO(leader), strict=False))
    writer = IncrementalPdfFileWriter(BytesIO(leader), strict=False)
    place = find_issuance_slots(leader).place
    fill_issuance_fields(writer, f"Số: {so_ky_hieu}", format_date_line(place, day))
    box = seal_box or (leader_box[0], leader_box[1], leader_box[0] + 100, leader_box[1] + 100)
    style = RotatedStyle(_org_style(make_seal_png("Sở")), 0)
    params = {"org": "Sở Thông tin và Truyền thông", "signed_at": "2025-01-01T08:00:00+07:00"}
    return sign_into(writer, key, ORG_FIELD, box, page, style, params)


def unchecked_appendix(data: bytes, key, so_ky_hieu: str, box) -> bytes:
    """The organisation's appendix signature at ``box``, without the self-check."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    params = {"so": so_ky_hieu, "signed_at": "2025-01-01T08:00:00+07:00"}
    style = RotatedStyle(_appendix_style(), 0)
    return sign_into(writer, key, APPENDIX_FIELD, box, 0, style, params)


def latest(client, doc_id: int, att: dict) -> bytes:
    n = att["versions"][-1]["n"]
    return client.get(f"/documents/{doc_id}/attachments/{att['id']}/versions/{n}/content").content


@pytest.mark.parametrize("case", ["fields-not-on-page", "seal-off-page", "appendix-stamp-off"])
def test_server_refuses_an_issued_file_that_fails_the_check(
    case, demo_server, signing_key, tmp_path
):
    main, _ = kehoach_pdfs()
    if case == "fields-not-on-page":
        main = fields_off_the_page(main)
    doc_id = to_clerk(
        demo_server, signing_key, tmp_path, main, appendix=case == "appendix-stamp-off"
    )
    vt = api(demo_server, "vanthu")
    r = vt.post(f"/documents/{doc_id}/number", json={})
    assert r.status_code == 201, r.text
    entry = r.json()
    so, day = entry["so_ky_hieu"], dt.date.fromisoformat(entry["ngay"])
    doc = vt.get(f"/documents/{doc_id}").json()
    main_att = next(a for a in doc["attachments"] if a["is_main"])
    leader = latest(vt, doc_id, main_att)
    files = []
    data: dict = {"so_ky_hieu": so}
    if case == "appendix-stamp-off":
        source, issued = tmp_path / "leader-main.pdf", tmp_path / "issued.pdf"
        source.write_bytes(leader)
        request = IssueRequest(so, day, "Sở Thông tin và Truyền thông", make_seal_png("Sở"))
        issue_main_document(source, issued, signing_key, request)  # a correct main file
        payload = issued.read_bytes()
        appx = next(a for a in doc["attachments"] if not a["is_main"])
        broken = unchecked_appendix(latest(vt, doc_id, appx), signing_key, so, OFF_PAGE)
        files.append(("appendix", ("appx.pdf", broken, "application/pdf")))
        data["appendix_id"] = str(appx["id"])
        sent = [payload, broken]
    else:
        seal = OFF_PAGE if case == "seal-off-page" else None
        payload = unchecked_issue(leader, signing_key, so, day, seal_box=seal)
        sent = [payload]
    files.insert(0, ("main", ("issued.pdf", payload, "application/pdf")))

    r = vt.post(f"/documents/{doc_id}/issue", files=files, data=data)

    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail.startswith("Bản phát hành không được chấp nhận:")
    if case == "fields-not-on-page":
        assert "/Annots" in detail and "khi hiển thị không có chữ “Số: " in detail
    elif case == "seal-off-page":
        assert "con dấu của cơ quan (640, 400, 760, 520) ra ngoài vùng hiển thị" in detail
    else:
        assert "phụ lục" in detail and "ra ngoài vùng hiển thị của trang 1" in detail
    number = vt.get(f"/documents/{doc_id}/number").json()
    assert number["pending"]["so_ky_hieu"] == so  # still held: retry or cancel
    doc = vt.get(f"/documents/{doc_id}").json()
    assert doc["state"] == "cho_van_thu" and not doc["so_ky_hieu"]
    assert [len(a["versions"]) for a in doc["attachments"]] == [
        2 if a["is_main"] else 1 for a in doc["attachments"]
    ]
    blobs = demo_server.data_dir / "blobs"
    for sent_bytes in sent:
        sha = hashlib.sha256(sent_bytes).hexdigest()
        assert not (blobs / sha[:2] / f"{sha}.bin").exists()


def test_server_accepts_what_the_client_checked(demo_server, signing_key, tmp_path):
    """The same path with kyso's own issuance: accepted (the check is not too strict)."""
    main, _ = kehoach_pdfs()
    doc_id = to_clerk(demo_server, signing_key, tmp_path, main)
    vt = api(demo_server, "vanthu")
    entry = vt.post(f"/documents/{doc_id}/number", json={}).json()
    doc = vt.get(f"/documents/{doc_id}").json()
    main_att = next(a for a in doc["attachments"] if a["is_main"])
    source, issued = tmp_path / "leader-main.pdf", tmp_path / "issued.pdf"
    source.write_bytes(latest(vt, doc_id, main_att))
    day = dt.date.fromisoformat(entry["ngay"])
    request = IssueRequest(entry["so_ky_hieu"], day, "Sở TT&TT", make_seal_png("Sở"))
    issue_main_document(source, issued, signing_key, request)
    r = vt.post(
        f"/documents/{doc_id}/issue",
        files={"main": ("issued.pdf", issued.read_bytes(), "application/pdf")},
        data={"so_ky_hieu": entry["so_ky_hieu"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["so_ky_hieu"] == entry["so_ky_hieu"]
