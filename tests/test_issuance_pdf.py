"""The clerk's marks on a leader-signed Decree 30 document, checked by pyHanko and poppler."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from checks import page_text, pdfsig, qpdf_check

from kyso.core.docs.issuance import (
    DATE_FIELD,
    NUMBER_FIELD,
    find_issuance_slots,
    format_date_line,
    format_so_ky_hieu,
)
from kyso.core.docs.issue import IssueRequest, issue_appendix, issue_main_document
from kyso.core.docs.seal import make_seal_png
from kyso.core.docs.sign import SignOptions, sign_file
from kyso.core.docs.verify import verify_pdf
from kyso.core.errors import DocumentError

ORG = "Sở Thông tin và Truyền thông tỉnh Đắk Nông"


@pytest.fixture(scope="module")
def kehoach(tmp_path_factory) -> tuple[Path, Path]:
    """The seed's Kế hoạch (blank number and date) and its appendix, as the server seeds them."""
    from kyso.server.demo_docs import DEMO_DOCUMENTS, render_appendix, render_document

    doc = next(d for d in DEMO_DOCUMENTS if "Tết trồng cây" in d.trich_yeu)
    folder = tmp_path_factory.mktemp("kehoach")
    main = folder / "ke-hoach.pdf"
    main.write_bytes(render_document(doc))
    appendix = folder / "phu-luc.pdf"
    appendix.write_bytes(render_appendix(doc) or render_document(doc))
    return main, appendix


@pytest.fixture(scope="module")
def signature_png(tmp_path_factory) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(
        [(10, 100), (80, 20), (150, 90), (290, 30)], fill=(20, 40, 200, 255), width=6
    )
    path = tmp_path_factory.mktemp("img") / "chu-ky.png"
    image.save(path)
    return path


@pytest.fixture
def leader_signed(kehoach, signature_png, signing_key, tmp_path) -> Path:
    out = tmp_path / "leader.pdf"
    sign_file(kehoach[0], out, signing_key, SignOptions(anchor="GIÁM ĐỐC", image=signature_png))
    return out


def test_number_and_date_formats_follow_decree_30():
    assert format_so_ky_hieu(5, "KH", "STTTT") == "05/KH-STTTT"
    assert format_so_ky_hieu(123, "CV", "STTTT", unit_ky_hieu="VP") == "123/STTTT-VP"
    assert (
        format_date_line("Đắk Nông", dt.date(2026, 2, 5)) == "Đắk Nông, ngày 05 tháng 02 năm 2026"
    )
    assert (
        format_date_line("Đắk Nông", dt.date(2026, 11, 27)) == "Đắk Nông, ngày 27 tháng 11 năm 2026"
    )
    assert format_date_line("Huế", dt.date(2026, 3, 9)) == "Huế, ngày 09 tháng 3 năm 2026"


def test_blanks_are_found_on_the_first_page(kehoach):
    slots = find_issuance_slots(kehoach[0].read_bytes())
    assert slots is not None and slots.place == "Đắk Nông"
    assert slots.number_box[0] < slots.date_box[0]  # number on the left, date on the right


def test_leader_signature_carries_the_empty_fields(leader_signed):
    from pyhanko.pdf_utils.reader import PdfFileReader

    with leader_signed.open("rb") as fh:
        fields = {
            str(f.get_object()["/T"]): f.get_object()
            for f in PdfFileReader(fh).root["/AcroForm"]["/Fields"]
        }
        assert {NUMBER_FIELD, DATE_FIELD} <= set(fields)
        assert "/V" not in fields[NUMBER_FIELD]
    assert verify_pdf(leader_signed).signatures[0].covers_whole_document


def test_issuance_keeps_the_leader_signature_valid(leader_signed, signing_key, tmp_path):
    issued = tmp_path / "issued.pdf"
    today = dt.date.today()
    result = issue_main_document(
        leader_signed,
        issued,
        signing_key,
        IssueRequest("01/KH-STTTT", today, ORG, make_seal_png("Sở Thông tin và Truyền thông")),
    )
    leader, org = verify_pdf(issued).signatures
    assert leader.intact and leader.valid and leader.changes_after == "FORM_FILLING"
    assert org.covers_whole_document and org.field == "ToChuc_PhatHanh"
    out = pdfsig(issued)
    assert out.count("Signature is Valid") == 2
    qpdf_check(issued)
    text = page_text(issued, 1)
    assert "Số: 01/KH-STTTT" in text
    assert format_date_line("Đắk Nông", today) in text
    # The seal covers the left third of the leader's image (the left 45 % of its box).
    lx0, ly0, lx1, ly1 = result.leader_box
    sx0, sy0, sx1, sy1 = result.seal_box
    image_width = (lx1 - lx0) * 0.45
    assert sx0 < lx0 < sx1
    assert sx1 == pytest.approx(lx0 + image_width / 3, abs=0.5)
    assert sy0 < (ly0 + ly1) / 2 < sy1
    assert sx1 - sx0 == pytest.approx(102, abs=0.5)  # 36 mm, real size


def test_only_number_fills_without_a_new_signature(leader_signed, tmp_path):
    issued = tmp_path / "so.pdf"
    issue_main_document(
        leader_signed,
        issued,
        None,
        IssueRequest("07/KH-STTTT", dt.date(2026, 1, 2), ORG, only_number=True),
    )
    [leader] = verify_pdf(issued).signatures
    assert leader.intact and leader.valid and leader.changes_after == "FORM_FILLING"
    assert "Số: 07/KH-STTTT" in page_text(issued, 1)
    pdfsig(issued)


def test_a_document_the_leader_has_not_signed_is_refused(kehoach, signing_key, tmp_path):
    out = tmp_path / "no.pdf"
    with pytest.raises(DocumentError, match="chưa có chữ ký của lãnh đạo"):
        issue_main_document(
            kehoach[0], out, signing_key, IssueRequest("01/KH-STTTT", dt.date.today(), ORG, b"")
        )
    assert not out.exists()


def test_appendix_is_signed_top_right_without_image(kehoach, signing_key, tmp_path):
    out = tmp_path / "pl.pdf"
    result = issue_appendix(kehoach[1], out, signing_key, "01/KH-STTTT")
    _x0, _y0, x1, y1 = result.seal_box
    assert x1 > 500 and y1 > 780  # top right of an A4 page
    assert verify_pdf(out).ok
    pdfsig(out)
    text = page_text(out, 1)
    assert "Số: 01/KH-STTTT" in text and "Thời gian ký:" in text
