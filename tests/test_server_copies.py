"""Electronic copies through the real server and the SoftHSM token (issue 11, item 6).

The copies book numbers copies with one sequence for all forms (Decree 30, Phụ lục I
Phần II): sao y, sao lục, trích sao of one document get 01/SY, 02/SL, 03/TS. Each copy is
checked by the server (strict verdict, the organisation's bound certificate, the
issuance output check) and stored as a "Bản sao" document related to the original.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from checks import page_text, pdfsig, qpdf_check
from issuance_helpers import api, client_for, session_for, to_clerk_over_http

from kyso.core.clock import vn_today
from kyso.core.copy_service import (
    allocate_copy_number,
    copies_book,
    copy_and_upload,
    upload_copy,
)
from kyso.core.docs.copy import make_copy
from kyso.core.docs.seal import make_seal_png
from kyso.core.docs.verify import verify_pdf
from kyso.core.errors import DocumentError
from kyso.core.issue_service import issue

ORG = "Sở Thông tin và Truyền thông"


@pytest.fixture
def issued_doc(demo_server, signing_key, tmp_path) -> tuple[int, Path]:
    """A Kế hoạch issued by vanthu with the token (the seed already issued 01 and 02)."""
    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1)
    with client_for(demo_server, "vanthu") as vt:
        result = issue(vt, doc_id, key=signing_key, seal_png=make_seal_png("Sở"))
    return doc_id, result.main


def test_three_forms_numbered_in_one_sequence_and_related(
    demo_server, issued_doc, signing_key, tmp_path
):
    doc_id, source = issued_doc
    vt_http = api(demo_server, "vanthu")
    year = vn_today().year
    made = []
    with client_for(demo_server, "vanthu") as vt:
        for form, pages in (("sao-y", None), ("sao-luc", None), ("trich-sao", "1")):
            out = tmp_path / f"{form}.pdf"
            made.append(
                copy_and_upload(
                    vt, doc_id, source, out, signing_key, form=form, organization=ORG, pages=pages
                )
            )
        book = copies_book(vt, year)

    assert [m.so_ky_hieu for m in made] == ["01/SY-STTTT", "02/SL-STTTT", "03/TS-STTTT"]
    assert [(e["so_ky_hieu"], e["status"]) for e in book] == [
        (m.so_ky_hieu, "issued") for m in made
    ]
    original = vt_http.get(f"/documents/{doc_id}").json()
    for copy in made:
        doc = copy.document
        assert doc["loai"] == "Bản sao" and doc["state"] == "da_ban_hanh"
        assert doc["so_ky_hieu"] == copy.so_ky_hieu and doc["so"] is None
        assert doc["related"] == [doc_id] and doc["id"] in original["related"]
        out = copy.result.output
        [att] = doc["attachments"]
        stored = vt_http.get(f"/documents/{doc['id']}/attachments/{att['id']}/versions/1/content")
        assert stored.content == out.read_bytes()
        signatures = 1 if copy.result.form.ky_hieu == "TS" else 3  # leader, org, copy
        report = pdfsig(out)
        assert report.count("Signature is Valid") == signatures and "Invalid" not in report
        qpdf_check(out)
        verdict = verify_pdf(out)
        assert verdict.ok and len(verdict.signatures) == signatures
        shown = " ".join(page_text(out, 1).split())
        assert f"Số: {copy.so_ky_hieu}" in shown and copy.result.form.label in shown
    # The outgoing book's sequence is untouched by the copies book.
    assert vt_http.get(f"/documents/{doc_id}").json()["so_ky_hieu"] == "03/KH-STTTT"


def test_copies_are_the_clerks_and_the_server_checks_them(
    demo_server, issued_doc, signing_key, tmp_path
):
    doc_id, source = issued_doc
    for user in ("ldso", "chuyenvien"):
        r = api(demo_server, user).post(
            f"/documents/{doc_id}/copies/number", json={"form": "sao-y"}
        )
        assert r.status_code == 403 and "văn thư" in r.json()["detail"], r.text
    assert api(demo_server, "chuyenvien").get(f"/copies/{vn_today().year}").status_code == 403

    with client_for(demo_server, "vanthu") as vt:
        entry, created = allocate_copy_number(vt, doc_id, "sao-y")
        assert created and entry["so_ky_hieu"] == "01/SY-STTTT"
        # A copy without its number on it (made by a client that skipped the number).
        unnumbered = make_copy(
            source, tmp_path / "x.pdf", signing_key, form="sao-y", organization=ORG
        )
        with pytest.raises(DocumentError, match="không có chữ “Số: 01/SY-STTTT”"):
            upload_copy(vt, doc_id, entry["so_ky_hieu"], unnumbered.output)
        again, created = allocate_copy_number(vt, doc_id, "sao-y")
        assert not created and again["id"] == entry["id"]  # still held: retry
        # A non-clerk cannot upload a copy even with the number.
        r = api(demo_server, "ldso").post(
            f"/documents/{doc_id}/copies",
            files={"file": ("x.pdf", unnumbered.output.read_bytes(), "application/pdf")},
            data={"so_ky_hieu": entry["so_ky_hieu"]},
        )
        assert r.status_code == 403
        # The retry through the service cancels nothing and takes the held number.
        done = copy_and_upload(
            vt, doc_id, source, tmp_path / "sao-y.pdf", signing_key, form="sao-y", organization=ORG
        )
        assert done.reused and done.so_ky_hieu == "01/SY-STTTT"
        # A failed copy cancels its number; the next copy gets the next one.
        with pytest.raises(DocumentError):
            copy_and_upload(
                vt,
                doc_id,
                source,
                tmp_path / "ts.pdf",
                signing_key,
                form="trich-sao",
                organization=ORG,
                pages="9",
            )
        book = copies_book(vt, vn_today().year)
    assert [(e["so_ky_hieu"], e["status"]) for e in book] == [
        ("01/SY-STTTT", "issued"),
        ("02/TS-STTTT", "cancelled"),
    ]
    assert "Trang 9 không có" in book[1]["cancel_reason"]


def test_kyso_copy_upload_from_the_command_line(demo_server, issued_doc, softhsm, tmp_path):
    from fixtures_token import TEST_PIN, kyso_env

    doc_id, _source = issued_doc
    session_for(demo_server, "vanthu")
    out = tmp_path / "sao-luc.pdf"
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("kyso")),
            "copy",
            str(doc_id),
            "--form",
            "sao-luc",
            "-o",
            str(out),
            "--key",
            "signer",
            "--upload",
        ],
        capture_output=True,
        text=True,
        env=kyso_env(softhsm, KYSO_PIN=TEST_PIN),
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "SAO LỤC số 01/SL-STTTT" in result.stdout and f"liên quan văn bản {doc_id}" in result.stdout
    )
    original = api(demo_server, "vanthu").get(f"/documents/{doc_id}").json()
    [copy_id] = original["related"]
    copy = api(demo_server, "vanthu").get(f"/documents/{copy_id}").json()
    assert copy["so_ky_hieu"] == "01/SL-STTTT" and copy["related"] == [doc_id]
    assert pdfsig(out).count("Signature is Valid") == 3
