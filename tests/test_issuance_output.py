"""Issuance output as a reader meets it: page 1 with an indirect /Annots, appendices on
rotated pages, the leader's box at each page edge, and the self-check refusing a file
whose number would be invisible. Checked by rendering with PyMuPDF, by pdftotext, pdfsig,
qpdf and pyHanko (SoftHSM token)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from checks import page_text, pdfsig, qpdf_check
from issuance_helpers import kehoach_pdfs, signature_png

from kyso.core.clock import vn_today
from kyso.core.docs.issuance import format_date_line
from kyso.core.docs.issue import IssueRequest, issue_appendix, issue_main_document
from kyso.core.docs.issue_check import IssuanceCheckError, rendered_text
from kyso.core.docs.seal import make_seal_png
from kyso.core.docs.sign import SignOptions, sign_file
from kyso.core.docs.verify import verify_pdf

ORG = "Sở Thông tin và Truyền thông tỉnh Đắk Nông"
SO = "03/KH-STTTT"


def with_indirect_annots(data: bytes) -> bytes:
    """``data`` rewritten so page 1's /Annots is an indirect array (holding a link)."""
    import pymupdf

    doc = pymupdf.open(stream=data, filetype="pdf")
    page = doc[0]
    page.insert_link(
        {
            "kind": pymupdf.LINK_URI,
            "from": pymupdf.Rect(60, 700, 200, 715),
            "uri": "https://example.org",
        }
    )
    kind, value = doc.xref_get_key(page.xref, "Annots")
    assert kind == "array"
    xref = doc.get_new_xref()
    doc.update_object(xref, value)
    doc.xref_set_key(page.xref, "Annots", f"{xref} 0 R")
    return doc.tobytes()


def reshaped(data: bytes, *, rotate: int = 0, crop: tuple | None = None) -> bytes:
    """``data`` with page 1 turned by /Rotate and/or cut down by a /CropBox."""
    import pymupdf

    doc = pymupdf.open(stream=data, filetype="pdf")
    page = doc[0]
    if crop is not None:
        doc.xref_set_key(page.xref, "CropBox", "[{:g} {:g} {:g} {:g}]".format(*crop))
    if rotate:
        page.set_rotation(rotate)
    return doc.tobytes()


def leader_sign(tmp_path: Path, key, data: bytes, **options) -> Path:
    source = tmp_path / "draft.pdf"
    source.write_bytes(data)
    out = tmp_path / "leader.pdf"
    if "box" not in options:
        options["anchor"] = "GIÁM ĐỐC"
    sign_file(source, out, key, SignOptions(image=signature_png(tmp_path), **options))
    return out


def issue(tmp_path: Path, key, leader: Path, day: dt.date):
    out = tmp_path / "issued.pdf"
    result = issue_main_document(
        leader, out, key, IssueRequest(SO, day, ORG, make_seal_png("Sở Thông tin và Truyền thông"))
    )
    return out, result


def assert_clean_and_visible(path: Path, day: dt.date, *, signatures: int) -> None:
    date_line = format_date_line("Đắk Nông", day)
    shown = rendered_text(path.read_bytes(), 0)
    assert f"Số: {SO}" in shown and date_line in shown
    text = " ".join(page_text(path, 1).split())
    assert f"Số: {SO}" in text and date_line in text
    assert pdfsig(path).count("Signature is Valid") == signatures
    qpdf_check(path)
    report = verify_pdf(path)
    assert report.ok and len(report.signatures) == signatures


def test_page_one_with_an_indirect_annots_array(signing_key, tmp_path):
    day = vn_today()
    main, _ = kehoach_pdfs()
    leader = leader_sign(tmp_path, signing_key, with_indirect_annots(main))
    out, _result = issue(tmp_path, signing_key, leader, day)
    assert_clean_and_visible(out, day, signatures=2)
    import pymupdf

    with pymupdf.open(out) as doc:
        kinds = [w.field_name for w in doc[0].widgets()]
        assert "kyso_so_ky_hieu" in kinds and "kyso_ngay_ban_hanh" in kinds
        assert doc[0].first_link is not None  # the link that was there stays


EDGES = {
    "left": (6, 400, 206, 480),
    "right": (389, 400, 589, 480),
    "top": (200, 756, 400, 836),
    "bottom": (200, 6, 400, 86),
}


@pytest.mark.parametrize("edge", list(EDGES))
def test_leader_box_at_each_edge_keeps_the_seal_on_the_page(edge, signing_key, tmp_path):
    import pymupdf

    day = vn_today()
    main, _ = kehoach_pdfs()
    with pymupdf.open(stream=main, filetype="pdf") as doc:
        last = doc.page_count
        width, height = doc[-1].rect.width, doc[-1].rect.height
    leader = leader_sign(tmp_path, signing_key, main, page=last, box=EDGES[edge])
    out, result = issue(tmp_path, signing_key, leader, day)
    x0, y0, x1, y1 = result.seal_box
    assert x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height
    assert x1 - x0 == pytest.approx(102, abs=0.5)  # moved, never shrunk
    moved = edge in ("left", "top", "bottom")
    assert (result.notice is not None) == moved
    if moved:
        assert "dời vào trong trang" in result.notice
    assert_clean_and_visible(out, day, signatures=2)
    with pymupdf.open(out) as doc:
        [org] = [w for w in doc[last - 1].widgets() if w.field_name == "ToChuc_PhatHanh"]
        assert doc[last - 1].rect.contains(org.rect)
        # the seal is drawn: red pixels inside its box on the rendered page
        pix = doc[last - 1].get_pixmap(clip=org.rect, dpi=72)
        reds = sum(
            1
            for i in range(0, len(pix.samples), pix.n)
            if pix.samples[i] > 150 and pix.samples[i + 1] < 90 and pix.samples[i + 2] < 90
        )
        assert reds > 50


@pytest.mark.parametrize(
    ("rotate", "crop"), [(90, None), (270, None), (90, (20, 30, 575, 800)), (0, (0, 0, 595, 700))]
)
def test_rotated_appendix_gets_the_stamp_top_right_as_read(rotate, crop, signing_key, tmp_path):
    import pymupdf

    _, appendix = kehoach_pdfs()
    source = tmp_path / "phu-luc.pdf"
    source.write_bytes(reshaped(appendix, rotate=rotate, crop=crop))
    out = tmp_path / "pl.pdf"
    issue_appendix(source, out, signing_key, SO)
    with pymupdf.open(out) as doc:
        page = doc[0]
        assert page.rotation == rotate
        view = page.rect  # the page as displayed, rotation applied
        textpage = pymupdf.TextPage(page.get_displaylist(annots=True).get_textpage())
        hits = [
            line
            for block in textpage.extractDICT()["blocks"]
            for line in block.get("lines", [])
            if "Số: 03/KH-STTTT" in "".join(s["text"] for s in line["spans"])
        ]
        assert hits, "the stamp's text is not on the rendered page"
        line = hits[0]
        assert line["dir"] == pytest.approx((1, 0), abs=1e-3)  # upright for the reader
        _x0, _y0, x1, y1 = line["bbox"]
        assert x1 > view.width * 0.6 and y1 < view.height * 0.2  # top right as read
        assert view.contains(pymupdf.Rect(line["bbox"]))
    assert "Số: 03/KH-STTTT" in " ".join(page_text(out, 1).split())
    pdfsig(out)
    qpdf_check(out)
    assert verify_pdf(out).ok


def fields_off_the_page(data: bytes) -> bytes:
    """``data`` with kyso's number/date fields in /AcroForm but not on any page (what the
    old writer produced for an indirect /Annots)."""
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name, pdf_string
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from kyso.core.docs.issuance import DATE_FIELD, NUMBER_FIELD, find_issuance_slots

    slots = find_issuance_slots(data)
    writer = IncrementalPdfFileWriter(BytesIO(data))
    page_ref = writer.find_page_for_modification(0)[0]
    refs = []
    for name, box in ((NUMBER_FIELD, slots.number_box), (DATE_FIELD, slots.date_box)):
        refs.append(
            writer.add_object(
                generic.DictionaryObject(
                    {
                        pdf_name("/Type"): pdf_name("/Annot"),
                        pdf_name("/Subtype"): pdf_name("/Widget"),
                        pdf_name("/FT"): pdf_name("/Tx"),
                        pdf_name("/T"): pdf_string(name),
                        pdf_name("/F"): generic.NumberObject(4),
                        pdf_name("/Rect"): generic.ArrayObject(map(generic.FloatObject, box)),
                        pdf_name("/P"): page_ref,
                    }
                )
            )
        )
    writer.root[pdf_name("/AcroForm")] = generic.DictionaryObject(
        {pdf_name("/Fields"): generic.ArrayObject(refs)}
    )
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_self_check_refuses_an_invisible_number(signing_key, tmp_path):
    main, _ = kehoach_pdfs()
    leader = leader_sign(tmp_path, signing_key, fields_off_the_page(main))
    out = tmp_path / "issued.pdf"
    with pytest.raises(IssuanceCheckError) as caught:
        issue_main_document(
            leader, out, signing_key, IssueRequest(SO, vn_today(), ORG, make_seal_png("Sở"))
        )
    assert "/Annots" in caught.value.message and "khi hiển thị không có chữ" in caught.value.message
    assert not out.exists()


def test_a_refused_self_check_cancels_the_number_and_uploads_nothing(
    demo_server, signing_key, tmp_path
):
    """Through the real server: the clerk's issuance of a file whose number would be
    invisible stops before the upload, and the book records the number as cancelled."""
    from issuance_helpers import api, client_for, kehoach_meta

    from kyso.core.issue_service import issue

    main, _ = kehoach_pdfs()
    trich_yeu, name, _ = kehoach_meta()
    cv, ld, vt = (
        api(demo_server, "chuyenvien"),
        api(demo_server, "ldso"),
        api(demo_server, "vanthu"),
    )
    r = cv.post(
        "/documents",
        files={"file": (name, fields_off_the_page(main), "application/pdf")},
        data={"trich_yeu": trich_yeu, "loai_ky_hieu": "KH"},
    )
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    r = cv.post(f"/documents/{doc_id}/transitions", json={"action": "trinh_lanh_dao_so"})
    att = next(a for a in r.json()["attachments"] if a["is_main"])
    draft = tmp_path / "draft.pdf"
    draft.write_bytes(
        ld.get(f"/documents/{doc_id}/attachments/{att['id']}/versions/1/content").content
    )
    signed = tmp_path / "signed.pdf"
    sign_file(
        draft, signed, signing_key, SignOptions(anchor="GIÁM ĐỐC", image=signature_png(tmp_path))
    )
    r = ld.post(
        f"/documents/{doc_id}/attachments/{att['id']}/versions",
        files={"file": ("x.pdf", signed.read_bytes(), "application/pdf")},
        data={"signed": "true"},
    )
    assert r.status_code == 200, r.text
    assert ld.post(f"/documents/{doc_id}/transitions", json={"action": "chuyen_van_thu"}).is_success

    with (
        client_for(demo_server, "vanthu") as clerk,
        pytest.raises(IssuanceCheckError, match="không gửi lên"),
    ):
        issue(clerk, doc_id, key=signing_key, seal_png=make_seal_png("Sở"))
    [entry] = vt.get(f"/documents/{doc_id}/number").json()["entries"]
    assert entry["status"] == "cancelled"
    assert "/Annots" in entry["cancel_reason"] and "không gửi lên" in entry["cancel_reason"]
    doc = vt.get(f"/documents/{doc_id}").json()
    assert doc["state"] == "cho_van_thu" and not doc["so_ky_hieu"]
    versions = next(a for a in doc["attachments"] if a["is_main"])["versions"]
    assert len(versions) == 2  # the draft and the leader's signed version: nothing uploaded
