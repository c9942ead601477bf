"""The seed's Kế hoạch through the whole path against the real server and the SoftHSM token:
drafted, trình lãnh đạo Sở, signed by the leader, chuyển văn thư, issued by the clerk as
01/KH-STTTT with today's date, the organization's signature and seal; then the registry
book and the edXML export.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pytest
from checks import page_text, pdfsig, qpdf_check
from issuance_helpers import client_for, create_kehoach, signature_png, vn_today

from kyso.core.docs.issuance import format_date_line
from kyso.core.docs.seal import make_seal_png
from kyso.core.docs.sign import SignOptions, sign_file
from kyso.core.docs.verify import verify_pdf
from kyso.core.edxml import EDXML_NS, export_edxml
from kyso.core.issue_service import issue, number_info, registry_book, seal_preview
from kyso.server.demo_content import DEMO_ORG, DEMO_USERS
from kyso.server.seed import DEMO_ORG_NAME


@pytest.fixture
def fresh_org_server(demo_server_factory, pki):
    """The demo organization and its four users, with no document issued yet this year
    (the seeded server already issued two documents, so its next number is 03); the
    test CA trusted and its signer certificate bound to ldso, vanthu and the organisation."""
    from kyso.server.auth import create_org, create_user
    from kyso.server.db import DB_NAME, Database

    server = demo_server_factory(seed_demo=False)
    db = Database(server.data_dir / DB_NAME)
    try:
        with db.write() as conn:
            org_id = create_org(
                conn, DEMO_ORG_NAME, DEMO_ORG.ky_hieu, parent=DEMO_ORG.parent, place=DEMO_ORG.place
            )
            for user in DEMO_USERS:
                create_user(
                    conn,
                    org_id,
                    user.username,
                    "kyso-demo",
                    full_name=user.full_name,
                    role=user.role,
                    title=user.title,
                    unit=user.unit,
                )
    finally:
        db.close()
    server.trust(pki.ca_cert_pem)
    signer = next(i.cert_der for i in pki.issued if i.identity.label == "signer")
    for subject in ("user:ldso", "user:vanthu", "org:STTTT"):
        server.bind(subject, signer)
    return server


def test_ke_hoach_whole_path_issued_as_01(fresh_org_server, signing_key, tmp_path):
    server = fresh_org_server
    today = vn_today()
    doc_id = create_kehoach(server)

    # Chuyên viên: trình lãnh đạo Sở (through the local store and its outbox).
    with client_for(server, "chuyenvien") as cv:
        cv.store.transition(doc_id, "trinh_lanh_dao_so", note="Kính trình Giám đốc ký.")
        report = cv.sync()
        assert report.pushed == 1 and not report.conflicts and not report.rejected

    # Lãnh đạo Sở: download, sign with the token (image under "GIÁM ĐỐC"), upload, send on.
    with client_for(server, "ldso") as ld:
        doc = ld.store.document_json(doc_id)
        assert doc["state"] == "cho_lanh_dao_so" and doc["holder"] == "ldso"
        main = next(a for a in doc["attachments"] if a["is_main"])
        draft = ld.fetch_attachment(doc_id, main["id"])
        signed = tmp_path / "leader.pdf"
        sign_file(
            draft,
            signed,
            signing_key,
            SignOptions(anchor="GIÁM ĐỐC", image=signature_png(tmp_path)),
        )
        ld.store.add_signed_version(doc_id, main["id"], signed, note="Đã ký số")
        ld.store.transition(doc_id, "chuyen_van_thu", note="Đề nghị phát hành.")
        report = ld.sync()
        assert report.pushed == 2 and not report.conflicts and not report.rejected, report

    # Văn thư: the number the screen would show, then issue with the org signature and seal.
    with client_for(server, "vanthu") as vt:
        info = number_info(vt, doc_id)
        assert info.pending is None and info.preview == "01/KH-STTTT"
        preview = seal_preview(vt, doc_id)
        steps: list[str] = []
        result = issue(
            vt,
            doc_id,
            key=signing_key,
            seal_png=make_seal_png("Sở Thông tin và Truyền thông", "Đắk Nông"),
            on_step=lambda name, _msg: steps.append(name),
        )
        assert steps == ["download", "allocate", "sign", "upload", "sync"]
        assert result.so_ky_hieu == "01/KH-STTTT" and result.date == today
        assert result.signed and not result.reused_number and result.warning is None
        cached = vt.store.document_json(doc_id)
        assert cached["state"] == "da_ban_hanh"
        assert cached["so_ky_hieu"] == "01/KH-STTTT" and cached["so"] == 1
        assert cached["ngay_ban_hanh"] == today.isoformat()
        assert cached["flow"][-1]["action"] == "ban_hanh"
        main_after = next(a for a in cached["attachments"] if a["is_main"])
        assert main_after["versions"][-1]["uploaded_by"] == "vanthu"
        assert vt.store.attachment_path(doc_id, main_after["id"]) == result.main

        # Every signature valid for pyHanko and for poppler; the file is sound.
        leader, org = verify_pdf(result.main).signatures
        assert leader.intact and leader.valid and leader.changes_after == "FORM_FILLING"
        assert org.intact and org.valid and org.covers_whole_document
        assert pdfsig(result.main).count("Signature is Valid") == 2
        qpdf_check(result.main)
        text = page_text(result.main, 1)
        assert "Số: 01/KH-STTTT" in text
        assert format_date_line("Đắk Nông", today) in text
        [appendix] = result.appendices
        assert verify_pdf(appendix).ok
        pdfsig(appendix)
        assert "Số: 01/KH-STTTT" in page_text(appendix, 1)

        # The seal covers the left third of the leader's image (45 % of his box).
        lx0, ly0, lx1, ly1 = result.leader_box
        sx0, sy0, sx1, sy1 = result.seal_box
        image_width = (lx1 - lx0) * 0.45
        assert sx0 < lx0 < sx1 < lx0 + image_width
        assert sx1 == pytest.approx(lx0 + image_width / 3, abs=0.5)
        assert sy0 < (ly0 + ly1) / 2 < sy1
        # The screen's preview showed the seal where it went.
        assert preview.seal_box == result.seal_box and preview.leader_box == result.leader_box
        assert preview.number_box is not None and preview.number_box[0] < preview.date_box[0]

        # The registry book row with the Decree's columns.
        [entry] = registry_book(vt, today.year)
        row = entry.raw
        assert entry.status == "issued" and entry.so_ky_hieu == "01/KH-STTTT"
        assert row["ngay"] == today.isoformat()
        assert row["ten_loai_trich_yeu"].startswith("Kế hoạch tham gia hưởng ứng")
        assert row["nguoi_ky"] == "Phạm Quốc Hùng"
        assert "UBND tỉnh (b/c)" in row["noi_nhan"] and "Lưu" not in row["noi_nhan"]
        assert row["noi_luu"] == "VT, VP"
        assert row["so_luong_ban"] == 5 and row["ngay_chuyen"].startswith(today.isoformat())

        # The edXML export from the local cache.
        out = export_edxml(vt.store, doc_id, tmp_path / "ke-hoach.xml")
        root = ET.parse(out).getroot()
        ns = {"e": EDXML_NS}
        head = root.find("e:edXMLHeader/e:MessageHeader", ns)
        assert head.findtext("e:Code/e:CodeNumber", namespaces=ns) == "01"
        assert head.findtext("e:Code/e:CodeNotation", namespaces=ns) == "KH-STTTT"
        assert head.findtext("e:PromulgationInfo/e:Place", namespaces=ns) == "Đắk Nông"
        assert (
            head.findtext("e:PromulgationInfo/e:PromulgationDate", namespaces=ns)
            == today.isoformat()
        )
        assert head.findtext("e:DocumentType/e:TypeName", namespaces=ns) == "Kế hoạch"
        assert head.findtext("e:From/e:OrganName", namespaces=ns) == DEMO_ORG_NAME
        assert head.findtext("e:SignerInfo/e:FullName", namespaces=ns) == "Phạm Quốc Hùng"
        assert "UBND tỉnh (b/c)" in [
            t.findtext("e:OrganName", namespaces=ns) for t in head.findall("e:To", ns)
        ]
        attachments = root.findall("e:AttachmentEncoded/e:Attachment", ns)
        assert len(attachments) == 2
        decoded = base64.b64decode(
            attachments[0].findtext("e:ContentTransferEncoded", namespaces=ns)
        )
        assert decoded == result.main.read_bytes()
