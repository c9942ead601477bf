"""Damaged and restricted input, as a user meets it: pre-flight per file, one line per
bad file, the others signed; owner-password-only files; ``--repair`` on a copy."""

from __future__ import annotations

import hashlib

import pytest
from checks import pdfsig, qpdf_check
from checks import run_kyso as kyso
from fixtures_odd_pdf import (
    broken_xref_pdf,
    leading_junk_pdf,
    lying_count_pdf,
    owner_password_pdf,
    page_tree_cycle_pdf,
)
from fixtures_pdf import make_pdf
from fixtures_token import TEST_PIN, kyso_env

from kyso.core.docs.sign import SignJob, SignOptions, preflight, sign_file
from kyso.core.errors import DocumentError


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cli_batch_with_a_page_tree_cycle_and_a_lying_count_signs_the_others(softhsm, tmp_path):
    files = [
        make_pdf(tmp_path / "a.pdf", pages=1),
        page_tree_cycle_pdf(tmp_path / "vong-lap.pdf"),
        make_pdf(tmp_path / "b.pdf", pages=2),
        lying_count_pdf(tmp_path / "dem-sai.pdf"),
        make_pdf(tmp_path / "c.pdf", pages=1),
    ]
    out = tmp_path / "ra"
    out.mkdir()
    result = kyso(
        "sign", *files, "--out-dir", out, "--workers", "0", env=kyso_env(softhsm, KYSO_PIN=TEST_PIN)
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    bad_lines = [line for line in result.stderr.splitlines() if line.startswith("✗")]
    assert len(bad_lines) == 2, result.stderr
    assert "vong-lap.pdf" in bad_lines[0] and "vòng lặp" in bad_lines[0]
    assert "dem-sai.pdf" in bad_lines[1] and "/Count" in bad_lines[1]
    assert sorted(p.name for p in out.iterdir()) == ["a.pdf", "b.pdf", "c.pdf"]
    for path in out.iterdir():
        pdfsig(path)
    assert result.stdout.count("✓") == 3


@pytest.mark.parametrize("allow", [True, False])
@pytest.mark.parametrize("tool", ["qpdf", "pymupdf"])
def test_owner_password_only_file(tmp_path, signing_key, allow, tool):
    source = owner_password_pdf(
        make_pdf(tmp_path / "plain.pdf", pages=1),
        tmp_path / "owner.pdf",
        allow_changes=allow,
        tool=tool,
    )
    out = tmp_path / "signed.pdf"
    if not allow:
        with pytest.raises(DocumentError, match="giới hạn quyền"):
            sign_file(source, out, signing_key)
        assert not out.exists()
        return
    signed = sign_file(source, out, signing_key)
    assert signed.placement.page == 0
    pdfsig(out)
    qpdf_check(out)


def test_damaged_files_are_refused_with_a_hint_then_repaired_on_a_copy(softhsm, tmp_path):
    good = make_pdf(tmp_path / "goc.pdf", pages=1)
    junk = leading_junk_pdf(good, tmp_path / "rac.pdf")
    xref = broken_xref_pdf(good, tmp_path / "xref.pdf")
    before = {p: _sha(p) for p in (junk, xref)}
    ready, failed = preflight(
        [SignJob(junk, tmp_path / "o1.pdf"), SignJob(xref, tmp_path / "o2.pdf")], SignOptions()
    )
    assert not ready
    assert "trước %PDF-" in failed[0].error.message and "--repair" in failed[0].error.message
    assert "xref" in failed[1].error.message and "--repair" in failed[1].error.message

    out = tmp_path / "ra"
    out.mkdir()
    result = kyso(
        "sign", junk, xref, "--out-dir", out, "--repair", env=kyso_env(softhsm, KYSO_PIN=TEST_PIN)
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("đã sửa bằng qpdf") == 2
    for path in (out / "rac.pdf", out / "xref.pdf"):
        assert path.read_bytes().startswith(b"%PDF-")
        pdfsig(path)
        qpdf_check(path)
    assert {p: _sha(p) for p in (junk, xref)} == before, "inputs must never change"


def test_a_signed_damaged_file_is_never_rewritten(tmp_path, signing_key):
    signed = tmp_path / "da-ky.pdf"
    sign_file(make_pdf(tmp_path / "g.pdf", pages=1), signed, signing_key)
    junk = leading_junk_pdf(signed, tmp_path / "rac.pdf")
    with pytest.raises(DocumentError, match="đã có chữ ký nên không sửa"):
        sign_file(junk, tmp_path / "o.pdf", signing_key, SignOptions(repair=True))


def test_existing_field_reports_its_own_page(tmp_path, signing_key):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields

    source = make_pdf(tmp_path / "in.pdf", pages=3)
    with_field = tmp_path / "field.pdf"
    with source.open("rb") as fh:
        writer = IncrementalPdfFileWriter(fh)
        fields.append_signature_field(
            writer, fields.SigFieldSpec("ChuKyLanhDao", on_page=1, box=(100, 100, 300, 180))
        )
        with with_field.open("wb") as out:
            writer.write(out)
    signed = sign_file(
        with_field, tmp_path / "o.pdf", signing_key, SignOptions(field_name="ChuKyLanhDao")
    )
    assert signed.placement.page == 1 and signed.placement.rule == "field"
    assert signed.placement.pdf_box == pytest.approx((100, 100, 300, 180))
    pdfsig(tmp_path / "o.pdf")


def test_cli_on_a_rotated_page_says_the_rule_and_never_ticks_an_off_page_box(softhsm, tmp_path):
    from fixtures_odd_pdf import TITLE, geometry_pdf

    source = geometry_pdf(tmp_path / "ngang.pdf", rotate=90, anchor_at=(450, 350))
    env = kyso_env(softhsm, KYSO_PIN=TEST_PIN)
    ok = kyso("sign", source, "-o", tmp_path / "a.pdf", "--anchor", TITLE, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "✓" in ok.stdout and "trang 1, dưới dòng chữ neo" in ok.stdout
    # 842 wide as shown, 595 high: this box is on the MediaBox but off the shown page.
    off = kyso("sign", source, "-o", tmp_path / "b.pdf", "--box", "300,500,500,700", env=env)
    assert off.returncode == 1 and "✓" not in off.stdout
    assert "ngoài phần nhìn thấy" in off.stderr and "Traceback" not in off.stderr
    assert not (tmp_path / "b.pdf").exists()
