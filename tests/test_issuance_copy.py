"""Electronic copies (sao y, sao lục, trích sao) of an issued document, made with the
SoftHSM token and checked by pyHanko, pdfsig, qpdf, pdftotext and rendering."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from checks import page_text, pdfsig, qpdf_check
from issuance_helpers import kehoach_pdfs, signature_png

from kyso.core.clock import vn_now, vn_today
from kyso.core.docs.copy import make_copy, parse_pages
from kyso.core.docs.issue import IssueRequest, issue_main_document
from kyso.core.docs.issue_check import rendered_text
from kyso.core.docs.seal import make_seal_png
from kyso.core.docs.sign import SignOptions, sign_file
from kyso.core.docs.verify import verify_pdf
from kyso.core.errors import DocumentError

ORG = "Sở Thông tin và Truyền thông tỉnh Đắk Nông"


@pytest.fixture
def issued(tmp_path, signing_key) -> Path:
    folder = tmp_path / "issued"
    folder.mkdir()
    draft = folder / "draft.pdf"
    draft.write_bytes(kehoach_pdfs()[0])
    leader = folder / "leader.pdf"
    sign_file(
        draft, leader, signing_key, SignOptions(anchor="GIÁM ĐỐC", image=signature_png(folder))
    )
    out = folder / "issued.pdf"
    issue_main_document(
        leader, out, signing_key, IssueRequest("04/KH-STTTT", vn_today(), ORG, make_seal_png("Sở"))
    )
    return out


@pytest.mark.parametrize(
    ("form", "pages", "label", "signatures"),
    [
        ("sao-y", None, "SAO Y", 3),
        ("sao-luc", None, "SAO LỤC", 3),
        ("trich-sao", "1", "TRÍCH SAO", 1),
    ],
)
def test_copies_in_three_forms(issued, signing_key, tmp_path, form, pages, label, signatures):
    import pymupdf

    before = vn_now().replace(microsecond=0)
    out = tmp_path / f"{form}.pdf"
    number = "01/" + {"sao-y": "SY", "sao-luc": "SL", "trich-sao": "TS"}[form]
    result = make_copy(
        issued,
        out,
        signing_key,
        form=form,
        organization=ORG,
        pages=pages,
        number=number,
    )
    signed_at = dt.datetime.fromisoformat(result.signed_at)
    assert result.signed_at.endswith("+07:00") and before <= signed_at <= vn_now()
    shown = rendered_text(out.read_bytes())
    assert label in shown and ORG in shown and result.signed_at in shown
    text = " ".join(page_text(out, 1).split())
    assert label in text and result.signed_at in text and number in text
    with pymupdf.open(out) as doc:
        assert doc.page_count == (1 if form == "trich-sao" else pymupdf.open(issued).page_count)
        rect = doc[0].rect
        _x0, _y0, x1, y1 = result.box
        assert x1 > rect.width * 0.6 and y1 > rect.height * 0.85  # top right (PDF space)
        assert "Số: 04/KH-STTTT" in doc[0].get_text()  # the issued number stays visible
    report = verify_pdf(out)
    assert report.ok and len(report.signatures) == signatures
    assert pdfsig(out).count("Signature is Valid") == signatures
    qpdf_check(out)


def test_pages_and_forms_are_checked(issued, signing_key, tmp_path):
    assert parse_pages("1-3,5", 6) == (0, 1, 2, 4)
    with pytest.raises(DocumentError, match="không có"):
        parse_pages("2-9", 3)
    with pytest.raises(DocumentError, match="cần chọn trang"):
        make_copy(issued, tmp_path / "x.pdf", signing_key, form="trich-sao", organization=ORG)
    with pytest.raises(DocumentError, match="Hình thức sao"):
        make_copy(issued, tmp_path / "x.pdf", signing_key, form="ban-chinh", organization=ORG)
    assert not (tmp_path / "x.pdf").exists()


def test_kyso_copy_from_the_command_line(demo_server, signing_key, softhsm, tmp_path):
    """``kyso issue`` then ``kyso copy`` through the real executable and server."""
    import subprocess
    import sys

    from fixtures_token import TEST_PIN, kyso_env
    from issuance_helpers import session_for, to_clerk_over_http

    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1)
    session_for(demo_server, "vanthu")
    kyso = [str(Path(sys.executable).with_name("kyso"))]
    env = kyso_env(softhsm, KYSO_PIN=TEST_PIN)

    def run(*args: str):
        return subprocess.run([*kyso, *args], capture_output=True, text=True, env=env, timeout=180)

    issued = run("issue", str(doc_id), "--key", "signer")
    assert issued.returncode == 0, issued.stderr
    out = tmp_path / "trich-sao.pdf"
    result = run(
        "copy",
        str(doc_id),
        "--form",
        "trich-sao",
        "--pages",
        "1",
        "-o",
        str(out),
        "--key",
        "signer",
    )
    assert result.returncode == 0, result.stderr
    assert "TRÍCH SAO văn bản 03/KH-STTTT" in result.stdout
    assert pdfsig(out).count("Signature is Valid") == 1
    assert "TRÍCH SAO" in page_text(out, 1) and ORG in " ".join(page_text(out, 1).split())
    refused = run("copy", str(doc_id), "--form", "sao-y", "--pages", "1", "-o", str(out))
    assert refused.returncode == 1 and "Chỉ trích sao mới chọn trang" in refused.stderr
