"""The strict verdict on a corpus of files tampered with after a SoftHSM signature.

Each case is checked against kyso's verdict and an independent oracle: pyHanko's own
validation (bottom line, modification level) and poppler's ``pdfsig``.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
import tamper
from checks import pdfsig, run_kyso
from fixtures_pdf import make_pdf
from fixtures_token import TEST_PIN, kyso_env

from kyso.core.clock import VN_TZ, vn_now
from kyso.core.docs.sign import SignOptions, sign_file
from kyso.core.docs.verify import verify_pdf

# case → (kyso modifications word of the signature or None when it is gone,
#         pyHanko's modification level, pyHanko's bottom line)
EXPECTED = {
    "text_added": ("other", "OTHER", False),
    "contents_replaced": ("other", "OTHER", False),
    "annotation_added": ("other", "OTHER", False),
    "annotation_added_cleanly": ("other", "OTHER", False),
    "appearance_blanked": ("other", "OTHER", False),
    "signature_removed": (None, None, None),
    "info_changed": ("signatures", "LTA_UPDATES", True),
    "bytes_appended": ("none", "NONE", True),
}
# Where kyso is stricter than pyHanko's bottom line, on purpose (see core/docs/revisions).
STRICTER_THAN_PYHANKO = {"bytes_appended"}
DETAIL = {
    "text_added": "Trang 1: nội dung trang bị thay đổi",
    "contents_replaced": "Trang 1: nội dung trang bị thay đổi",
    "annotation_added": "Trang 1: thêm",
    "annotation_added_cleanly": "Trang 1: thêm 1 chú thích",
    "appearance_blanked": "Hình hiển thị của chữ ký bị thay đổi",
    "bytes_appended": "byte lạ",
}


@pytest.fixture(scope="module")
def corpus(softhsm, tmp_path_factory) -> Path:
    """signed.pdf (one signature), twice.pdf (two) and every tampered variant."""
    from kyso.core.token.session import TokenOptions, open_token

    work = tmp_path_factory.mktemp("corpus")
    source = make_pdf(work / "in.pdf", pages=2)
    with open_token(TokenOptions(module=softhsm.module), pin=TEST_PIN) as session:
        key = session.signing_key("signer")
        sign_file(source, work / "signed.pdf", key)
        sign_file(work / "signed.pdf", work / "twice.pdf", key, SignOptions(page=1))
    for name, make in tamper.CASES.items():
        make(work / "signed.pdf", work / f"{name}.pdf")
    return work


def _pyhanko(path: Path, ca_pem: Path):
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = x509.Certificate.load(pem.unarmor(ca_pem.read_bytes())[2])
    with path.open("rb") as fh:
        reader = PdfFileReader(fh, strict=False)
        return [
            validate_pdf_signature(sig, ValidationContext(trust_roots=[root]), skip_diff=False)
            for sig in reader.embedded_signatures
        ]


def test_the_untouched_file_is_ok_for_kyso_pyhanko_and_poppler(corpus, ca_pem):
    report = verify_pdf(corpus / "signed.pdf", trust=[ca_pem.read_bytes()])
    assert report.ok and report.trust_checked
    [sig] = report.signatures
    assert (sig.modifications, sig.trusted, sig.reasons) == ("none", True, ())
    [status] = _pyhanko(corpus / "signed.pdf", ca_pem)
    assert status.bottom_line
    assert "Total document signed" in pdfsig(corpus / "signed.pdf")


@pytest.mark.parametrize("case", list(tamper.CASES))
def test_tampered_file(corpus, ca_pem, case):
    path = corpus / f"{case}.pdf"
    words, level, bottom_line = EXPECTED[case]
    report = verify_pdf(path, trust=[ca_pem.read_bytes()])
    statuses = _pyhanko(path, ca_pem)
    if words is None:  # the signature is gone: pyHanko sees none, kyso says it was removed
        assert statuses == [] and report.signatures == ()
        assert not report.ok
        assert any("Signature1" in p and "xoá" in p for p in report.problems)
        poppler = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
        assert "Signature #" not in poppler.stdout  # poppler no longer sees it either
        return
    [status] = statuses
    [sig] = report.signatures
    assert status.modification_level.name == level
    assert status.bottom_line is bottom_line
    assert sig.modifications == words
    assert sig.intact and sig.valid and sig.trusted, "the signed bytes themselves are intact"
    if case == "info_changed":  # metadata only: pyHanko and kyso both accept it
        assert report.ok and sig.ok
        return
    assert not report.ok and not sig.ok
    assert sig.reasons and all(isinstance(r, str) and r for r in sig.reasons)
    assert any(DETAIL[case] in r for r in sig.reasons), sig.reasons
    if case in STRICTER_THAN_PYHANKO:
        assert status.bottom_line and report.problems
    # poppler agrees the signature no longer covers the whole file.
    assert "Not total document signed" in pdfsig(path)


def test_a_second_signature_keeps_the_first_ok(corpus, ca_pem):
    report = verify_pdf(corpus / "twice.pdf", trust=[ca_pem.read_bytes()])
    first, second = report.signatures
    assert report.ok
    assert first.modifications == "signatures" and second.modifications == "none"
    assert [s.bottom_line for s in _pyhanko(corpus / "twice.pdf", ca_pem)] == [True, True]


def test_tampering_after_the_second_signature_fails_both(corpus, ca_pem, tmp_path):
    path = tamper.text_added(corpus / "twice.pdf", tmp_path / "twice-text.pdf")
    report = verify_pdf(path, trust=[ca_pem.read_bytes()])
    assert [s.ok for s in report.signatures] == [False, False]
    assert [s.modifications for s in report.signatures] == ["other", "other"]


def test_removing_the_second_signature_fails_the_file(corpus, ca_pem, tmp_path):
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO((corpus / "twice.pdf").read_bytes()), strict=False)
    acroform = writer.root["/AcroForm"]
    acroform["/Fields"] = generic.ArrayObject(list(acroform.raw_get("/Fields"))[:1])
    writer.update_container(acroform)
    out = tmp_path / "dropped.pdf"
    buf = BytesIO()
    writer.write(buf)
    out.write_bytes(buf.getvalue())
    report = verify_pdf(out, trust=[ca_pem.read_bytes()])
    assert [s.field for s in report.signatures] == ["Signature1"]
    assert not report.ok
    assert any("Signature2" in p for p in report.problems)


def test_issued_document_stays_ok(softhsm, ca_pem, tmp_path):
    """The clerk fills the number and date fields the leader's revision prepared, then
    signs for the organisation: both signatures stay OK."""
    from kyso.core.docs.issue import IssueRequest, issue_main_document
    from kyso.core.docs.seal import make_seal_png
    from kyso.core.token.session import TokenOptions, open_token
    from kyso.server.demo_docs import DEMO_DOCUMENTS, render_document

    doc = next(d for d in DEMO_DOCUMENTS if "Tết trồng cây" in d.trich_yeu)
    main = tmp_path / "ke-hoach.pdf"
    main.write_bytes(render_document(doc))
    with open_token(TokenOptions(module=softhsm.module), pin=TEST_PIN) as session:
        key = session.signing_key("signer")
        sign_file(main, tmp_path / "leader.pdf", key, SignOptions(anchor="GIÁM ĐỐC"))
        request = IssueRequest(
            "01/KH-STTTT", vn_now().date(), "Sở TT&TT", make_seal_png("Sở Thông tin")
        )
        issue_main_document(tmp_path / "leader.pdf", tmp_path / "issued.pdf", key, request)
    report = verify_pdf(tmp_path / "issued.pdf", trust=[ca_pem.read_bytes()])
    leader, org = report.signatures
    assert report.ok, [s.reasons for s in report.signatures]
    assert leader.modifications == "form_filling" and org.modifications == "none"


def _certify(key, source: Path, out: Path, permission) -> Path:
    from io import BytesIO

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    meta = signers.PdfSignatureMetadata(
        field_name="ChungNhan", certify=True, docmdp_permissions=permission
    )
    buf = BytesIO()
    signers.PdfSigner(meta, key.signer).sign_pdf(
        IncrementalPdfFileWriter(BytesIO(source.read_bytes())), output=buf
    )
    out.write_bytes(buf.getvalue())
    return out


def test_certified_documents_report_and_enforce_their_docmdp(softhsm, ca_pem, tmp_path):
    from pyhanko.sign.fields import MDPPerm

    from kyso.core.docs.docmdp import docmdp_permission
    from kyso.core.token.session import TokenOptions, open_token

    source = make_pdf(tmp_path / "in.pdf", pages=1)
    trust = [ca_pem.read_bytes()]
    with open_token(TokenOptions(module=softhsm.module), pin=TEST_PIN) as session:
        key = session.signing_key("signer")
        locked = _certify(key, source, tmp_path / "p1.pdf", MDPPerm.NO_CHANGES)
        fillable = _certify(key, source, tmp_path / "p2.pdf", MDPPerm.FILL_FORMS)
        sign_file(fillable, tmp_path / "p2-signed.pdf", key, SignOptions(page=1))
    assert docmdp_permission(locked) == 1 and docmdp_permission(source) is None
    assert docmdp_permission(fillable.read_bytes()) == 2
    report = verify_pdf(locked, trust=trust)
    assert report.ok and report.docmdp == 1
    # P=2 allows filling fields, but not a new visible signature field (ISO 32000-2,
    # pyHanko's default policy): kyso and pyHanko agree.
    p2 = verify_pdf(tmp_path / "p2-signed.pdf", trust=trust)
    assert p2.docmdp == 2 and not p2.signatures[0].ok and p2.signatures[1].ok
    assert any("P=2" in r for r in p2.signatures[0].reasons)
    assert _pyhanko(tmp_path / "p2-signed.pdf", ca_pem)[0].docmdp_ok is False
    # P=1 forbids everything: text added by an editor breaks it, pyHanko agrees.
    edited = tamper.text_added(locked, tmp_path / "p1-edited.pdf")
    after = verify_pdf(edited, trust=trust)
    assert not after.ok
    assert any("P=1" in r for r in after.signatures[0].reasons)
    assert _pyhanko(edited, ca_pem)[0].docmdp_ok is False


def test_untrusted_root_is_not_ok(corpus, tmp_path):
    from kyso.core.token.provision import Identity, make_pki

    other = make_pki([Identity("x", "Người Lạ")])
    report = verify_pdf(corpus / "signed.pdf", trust=[other.ca_cert_pem])
    [sig] = report.signatures
    assert sig.trusted is False and not sig.ok and not report.ok
    assert any("tin cậy" in r for r in sig.reasons)


def test_without_anchors_trust_is_not_checked(corpus):
    report = verify_pdf(corpus / "signed.pdf")
    [sig] = report.signatures
    assert sig.trusted is None and not report.trust_checked
    assert "chưa kiểm tra nơi cấp tin cậy" in sig.summary


def test_cli_json_fields_and_exit_codes(softhsm, corpus, ca_pem):
    env = kyso_env(softhsm)
    good = run_kyso("verify", corpus / "twice.pdf", "--trust", ca_pem, "--json", env=env)
    assert good.returncode == 0, good.stderr
    [report] = json.loads(good.stdout)
    first = report["signatures"][0]
    assert set(first) >= {
        "ok",
        "intact",
        "valid",
        "trusted",
        "modifications",
        "level",
        "revocation",
        "signed_at",
        "signer",
        "field",
        "reasons",
    }
    assert first["level"] == "B-B" and first["revocation"] == "unknown"
    signed_at = dt.datetime.fromisoformat(first["signed_at"])
    assert signed_at.utcoffset() == VN_TZ.utcoffset(None)
    assert abs(vn_now() - signed_at) < dt.timedelta(hours=1)
    bad = run_kyso("verify", corpus / "text_added.pdf", "--trust", ca_pem, "--json", env=env)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    [tampered] = json.loads(bad.stdout)
    assert tampered["ok"] is False
    assert tampered["signatures"][0]["modifications"] == "other"
    text = run_kyso("verify", corpus / "appearance_blanked.pdf", "--trust", ca_pem, env=env)
    assert text.returncode == 1
    assert "Hình hiển thị của chữ ký bị thay đổi" in text.stdout


def test_cli_without_anchors_says_trust_was_not_checked(softhsm, corpus):
    env = kyso_env(softhsm)
    plain = run_kyso("verify", corpus / "signed.pdf", env=env)
    assert plain.returncode == 1
    assert "CHƯA kiểm tra nơi cấp tin cậy" in plain.stderr
    assert "Traceback" not in plain.stderr
    skipped = run_kyso("verify", corpus / "signed.pdf", "--no-trust-check", env=env)
    assert skipped.returncode == 0, skipped.stderr
    tampered = run_kyso("verify", corpus / "text_added.pdf", "--no-trust-check", env=env)
    assert tampered.returncode == 1


def test_cli_trust_add_list_remove_round_trip(softhsm, corpus, ca_pem, tmp_path):
    from kyso.core.docs.trust import fingerprint, load_certificates

    env = kyso_env(softhsm, KYSO_HOME=str(tmp_path / "home"))
    [cert] = load_certificates(ca_pem.read_bytes())
    fp = fingerprint(cert)
    assert json.loads(run_kyso("trust", "list", "--json", env=env).stdout) == []
    added = run_kyso("trust", "add", ca_pem, env=env)
    assert added.returncode == 0, added.stderr
    assert ":".join(fp[i : i + 2] for i in range(0, 8, 2)) in added.stdout
    [listed] = json.loads(run_kyso("trust", "list", "--json", env=env).stdout)
    assert listed["fingerprint"] == fp and listed["kind"] == "root"
    assert "kyso Test CA" in listed["subject"]
    # The configured anchor is used without --trust.
    assert run_kyso("verify", corpus / "signed.pdf", env=env).returncode == 0
    removed = run_kyso("trust", "remove", fp[:16], env=env)
    assert removed.returncode == 0, removed.stderr
    assert json.loads(run_kyso("trust", "list", "--json", env=env).stdout) == []
    assert run_kyso("verify", corpus / "signed.pdf", env=env).returncode == 1
    missing = run_kyso("trust", "remove", "DEADBEEFDEADBEEF", env=env)
    assert missing.returncode == 1 and "Không có chứng thư" in missing.stderr
