"""The Decree 30 blanks as real drafts write them: found, and the leader's signature
prepares the number/date fields over them (SoftHSM token)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from kyso.core.docs.issuance import DATE_FIELD, NUMBER_FIELD, find_issuance_slots
from kyso.core.docs.issuance_blanks import blanks_warning
from kyso.core.docs.sign import SignOptions, sign_file

ROW = 118.0
"""Baseline of the number / date row, in MuPDF's top-down points."""


def decree_pdf(number_runs, date_runs, *, nfd: bool = False) -> bytes:
    """A one-page Decree 30 header whose number and date rows are drawn as the given
    text runs ``(x, text)``, all on one baseline, like Word's tabbed header."""
    import pymupdf

    from kyso.core.docs.issuance import serif_font_path

    def norm(text: str) -> str:
        return unicodedata.normalize("NFD" if nfd else "NFC", text)

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_font(fontname="F0", fontfile=serif_font_path())
    for x, y, text in (
        (70, 60, "UBND TỈNH ĐẮK NÔNG"),
        (300, 60, "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (60, 78, "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"),
        (340, 78, "Độc lập - Tự do - Hạnh phúc"),
        (230, 200, "KẾ HOẠCH"),
        (60, 240, "Triển khai nhiệm vụ năm 2026 của Sở, gồm số liệu: 12/2025/NĐ-CP."),
        (400, 560, "GIÁM ĐỐC"),
    ):
        page.insert_text((x, y), norm(text), fontname="F0", fontsize=13)
    for x, text in (*number_runs, *date_runs):
        page.insert_text((x, ROW), norm(text), fontname="F0", fontsize=13)
    return doc.tobytes()


VARIANTS = {
    "one run": ([(60, "Số: /KH-STTTT")], [(300, "Đắk Nông, ngày   tháng   năm 2026")]),
    "split runs (tab)": (
        [(60, "Số:"), (140, "/KH-STTTT")],
        [(300, "Đắk Nông,"), (362, "ngày"), (410, "tháng"), (470, "năm 2026")],
    ),
    "dotted": ([(60, "Số: ....../KH-STTTT")], [(300, "Đắk Nông, ngày …… tháng …… năm 20……")]),
    "underscores": ([(60, "Số: ____/QĐ-UBND")], [(300, "Đắk Nông, ngày ___ tháng ___ năm 20__")]),
    "no space": ([(60, "Số:/TTr-SGDĐT")], [(300, "Đắk Nông, ngày tháng năm 2026")]),
    "công văn": ([(60, "Số:      /STTTT-VP")], [(300, "Đắk Nông, ngày   tháng   năm 2026")]),
}


@pytest.mark.parametrize("nfd", [False, True], ids=["NFC", "NFD"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_blank_variants_are_found(variant, nfd):
    number_runs, date_runs = VARIANTS[variant]
    slots = find_issuance_slots(decree_pdf(number_runs, date_runs, nfd=nfd))
    assert slots is not None, variant
    assert slots.place == "Đắk Nông"  # NFC, and not the left column's "Số: …" text
    # number box on the left over the blank, date box on the right, both on the row
    assert slots.number_box[2] < slots.date_box[0] + 1
    assert slots.number_box[0] < 62 and slots.date_box[0] > 290
    for box in (slots.number_box, slots.date_box):
        assert box[1] < 842 - ROW < box[3]
    if variant == "split runs (tab)":
        assert slots.number_box[2] > 140 + 40  # covers "/KH-STTTT", not only "Số:"


def test_body_text_and_missing_blanks_are_not_taken_for_blanks():
    import pymupdf

    doc = pymupdf.open(stream=decree_pdf([], []), filetype="pdf")
    assert find_issuance_slots(doc) is None  # "12/2025/NĐ-CP" in the body is not a blank
    assert "Không tìm thấy chỗ trống" in blanks_warning("KH", None)
    assert blanks_warning(None, None) is None
    slots = find_issuance_slots(decree_pdf(*VARIANTS["one run"]))
    assert blanks_warning("KH", slots) is None


@pytest.mark.parametrize("variant", ["split runs (tab)", "dotted", "underscores", "no space"])
def test_leader_signature_adds_the_fields_for_each_variant(variant, signing_key, tmp_path):
    source = tmp_path / "draft.pdf"
    source.write_bytes(decree_pdf(*VARIANTS[variant], nfd=variant == "dotted"))
    out = tmp_path / "signed.pdf"
    sign_file(source, out, signing_key, SignOptions(page=1, box=(350, 200, 550, 280)))
    with Path(out).open("rb") as fh:
        reader = PdfFileReader(fh)
        names = {str(f.get_object()["/T"]) for f in reader.root["/AcroForm"]["/Fields"]}
        annots = {a.idnum for a in reader.root["/Pages"]["/Kids"][0]["/Annots"]}
        fields = {str(f.get_object()["/T"]): f.idnum for f in reader.root["/AcroForm"]["/Fields"]}
    assert {NUMBER_FIELD, DATE_FIELD} <= names
    assert {fields[NUMBER_FIELD], fields[DATE_FIELD]} <= annots


def test_the_leader_is_told_before_the_pin_when_blanks_are_missing(tmp_path):
    """The app's pre-flight: a Decree 30 type whose first page has no blanks gets a
    warning (not a problem: it can still be signed); one with blanks gets none."""
    from fixtures_app import make_service

    from kyso.core.service.sign_plan import prepare_items

    service = make_service(tmp_path)
    first, second = (d.id for d in service.documents("inbox")[:2])
    for doc_id, data in ((first, decree_pdf([], [])), (second, decree_pdf(*VARIANTS["dotted"]))):
        att = service.document(doc_id).attachments[0]
        service.attachment_file(doc_id, att.id).write_bytes(data)
    items = {i.document_id: i for i in prepare_items(service, [first, second])}
    assert items[first].loai and not items[first].problem
    assert "Không tìm thấy chỗ trống" in items[first].warning
    assert items[second].warning == ""


def test_kyso_sign_warns_before_the_pin_and_still_signs(softhsm, tmp_path):
    from checks import run_kyso
    from fixtures_token import TEST_PIN, kyso_env

    source = tmp_path / "qd.pdf"
    source.write_bytes(decree_pdf([], []))
    out = tmp_path / "qd-ky.pdf"
    env = kyso_env(softhsm, KYSO_PIN=TEST_PIN)
    result = run_kyso("sign", source, "-o", out, "--key", "signer", env=env)
    assert result.returncode == 0, result.stderr
    assert "Không tìm thấy chỗ trống" in result.stderr and out.exists()
    blanks = tmp_path / "kh.pdf"
    blanks.write_bytes(decree_pdf(*VARIANTS["one run"]))
    result = run_kyso("sign", blanks, "-o", tmp_path / "kh-ky.pdf", "--key", "signer", env=env)
    assert result.returncode == 0 and "chỗ trống" not in result.stderr
