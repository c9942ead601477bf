"""``kyso sign --doc``: a leader signs an inbox document from the command line against the
real server and the session's SoftHSM token, then sends it on with one opinion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from checks import pdfsig, qpdf_check
from fixtures_token import TEST_PIN, kyso_env
from issuance_helpers import api, create_kehoach, kehoach_pdfs, session_for

KYSO = Path(sys.executable).with_name("kyso")
NOTE = "Đồng ý ban hành; chuyển Văn thư phát hành."


def kyso(softhsm, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``kyso`` with the session token's environment (no terminal: no PIN prompt)."""
    return subprocess.run(
        [str(KYSO), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=kyso_env(softhsm, **env),
        timeout=240,
    )


def _waiting_for_leader(server) -> int:
    """chuyenvien drafts the Kế hoạch and sends it to the leader (plain API)."""
    doc_id = create_kehoach(server, with_appendix=False)
    r = api(server, "chuyenvien").post(
        f"/documents/{doc_id}/transitions", json={"action": "trinh_lanh_dao_so"}
    )
    assert r.status_code == 200, r.text
    return doc_id


def _pyhanko_status(data: bytes, ca_pem: Path):
    from io import BytesIO

    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = x509.Certificate.load(pem.unarmor(ca_pem.read_bytes())[2])
    reader = PdfFileReader(BytesIO(data), strict=False)
    return [
        validate_pdf_signature(sig, ValidationContext(trust_roots=[root]), skip_diff=False)
        for sig in reader.embedded_signatures
    ]


def test_sign_doc_then_send_to_the_clerk(demo_server, softhsm, ca_pem, tmp_path):
    doc_id = _waiting_for_leader(demo_server)
    session_for(demo_server, "ldso")
    assert kyso(softhsm, "sync").returncode == 0

    result = kyso(
        softhsm,
        "sign",
        "--doc",
        str(doc_id),
        "--key",
        "signer",
        "--then",
        "chuyen_van_thu",
        "--note",
        NOTE,
        KYSO_PIN=TEST_PIN,
    )
    assert result.returncode == 0, result.stderr
    assert f"✓ Văn bản {doc_id}" in result.stdout
    # the Kế hoạch has the leader's title line: the box goes under it
    assert "dưới dòng chữ neo" in result.stdout, result.stdout
    assert "Đã đồng bộ với máy chủ." in result.stdout

    ld = api(demo_server, "ldso")
    doc = ld.get(f"/documents/{doc_id}").json()
    assert doc["state"] == "cho_van_thu" and doc["holder"] == "vanthu"
    main = next(a for a in doc["attachments"] if a["is_main"])
    latest = main["versions"][-1]
    assert latest["signed"] and latest["uploaded_by"] == "ldso" and len(main["versions"]) == 2
    content = ld.get(
        f"/documents/{doc_id}/attachments/{main['id']}/versions/{latest['n']}/content"
    ).content
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(content)
    assert "Signature is Valid" in pdfsig(signed)
    qpdf_check(signed)
    [status] = _pyhanko_status(content, ca_pem)
    assert status.bottom_line and status.intact and status.valid
    # the note is the transition's, kept once as the opinion
    assert [o["text"] for o in doc["opinions"]] == [NOTE]
    assert doc["flow"][-1]["action"] == "chuyen_van_thu"

    listed = kyso(softhsm, "inbox", "--all", "--json")
    [row] = [r for r in __import__("json").loads(listed.stdout) if r["id"] == doc_id]
    assert row["pending"] == 0 and row["signed"] and row["state"] == "cho_van_thu"


def test_sign_doc_refused_before_the_pin(demo_server, softhsm):
    """A chuyên viên may not upload a signed version: told before any PIN is asked
    (no KYSO_PIN and no terminal, so a PIN prompt would fail differently)."""
    doc_id = _waiting_for_leader(demo_server)
    draft = create_kehoach(demo_server, with_appendix=False)
    session_for(demo_server, "chuyenvien")
    assert kyso(softhsm, "sync").returncode == 0
    result = kyso(softhsm, "sign", "--doc", str(draft), "--doc", str(doc_id), "--key", "signer")
    assert result.returncode == 1
    # the server's rule for a signed upload (kyso.core.workflow.sign_refusal), both documents
    assert result.stderr.count("Chuyên viên không ký số văn bản") == 2
    assert "Không văn bản nào ký được" in result.stderr
    assert "PIN" not in result.stderr and "Traceback" not in result.stderr
    doc = api(demo_server, "chuyenvien").get(f"/documents/{draft}").json()
    assert len(doc["attachments"][0]["versions"]) == 1


def test_sign_doc_usage(softhsm, offline_store):
    result = kyso(softhsm, "sign", "--doc", "1", "--note", "x")
    assert result.returncode == 2
    assert "--note đi cùng --then" in result.stderr
    both = kyso(softhsm, "sign", "a.pdf", "--doc", "1")
    assert both.returncode == 2 and "--doc không dùng cùng tệp PDF" in both.stderr
    bad = kyso(softhsm, "sign", "--doc", "1", "--then", "ky_bua")
    assert bad.returncode == 1 and "Thao tác không hợp lệ: 'ky_bua'" in bad.stderr
    nobody = kyso(softhsm, "sign", "--doc", "1", "--then", "luan_chuyen")
    assert nobody.returncode == 1 and "Luân chuyển cần người nhận (--to)." in nobody.stderr


def test_sign_doc_batch_in_json_at_the_remembered_place(demo_server, softhsm, tmp_path):
    """Two documents and one unknown id: the two are signed at the box remembered for
    their type, the unknown one is reported, the exit code says not all were signed;
    without --then the documents stay with the leader and get no opinion."""
    import json

    from kyso.core.docs.pdf import check_pdf
    from kyso.core.docs.placement import Placement

    first, second = _waiting_for_leader(demo_server), _waiting_for_leader(demo_server)
    session = session_for(demo_server, "ldso")
    assert kyso(softhsm, "sync").returncode == 0
    draft = tmp_path / "draft.pdf"  # not downloaded yet: `sign --doc` fetches it
    draft.write_bytes(kehoach_pdfs()[0])
    pages = check_pdf(draft).page_count
    with session.store() as store:
        doc = store.document(first)
        store.placements.remember(doc.loai, pages, Placement(0, (60.0, 60.0, 260.0, 140.0)))

    result = kyso(
        softhsm,
        "sign",
        "--doc",
        str(first),
        "--doc",
        "999999",
        "--doc",
        str(second),
        "--key",
        "signer",
        "--json",
        KYSO_PIN=TEST_PIN,
    )
    assert result.returncode == 1
    assert "1/3 văn bản không ký được" in result.stderr
    data = json.loads(result.stdout)
    assert data["signed"] == 2 and data["sync"] == "ok"
    by_id = {d["id"]: d for d in data["documents"]}
    assert not by_id[999999]["ok"] and "999999" in by_id[999999]["message"]
    for doc_id in (first, second):
        assert by_id[doc_id]["ok"] and by_id[doc_id]["transition"] is None
        assert by_id[doc_id]["placement"]["page"] == 1
        assert by_id[doc_id]["placement"]["rule"] == "remembered"
        served = api(demo_server, "ldso").get(f"/documents/{doc_id}").json()
        assert served["state"] == "cho_lanh_dao_so" and served["opinions"] == []
        assert next(a for a in served["attachments"] if a["is_main"])["versions"][-1]["signed"]


def test_sign_doc_without_a_token_is_said_before_the_pin(demo_server, softhsm, tmp_path):
    """No token plugged in (SoftHSM with an empty token folder): one line, no PIN asked
    (none is given and there is no terminal), nothing queued."""
    doc_id = _waiting_for_leader(demo_server)
    session = session_for(demo_server, "ldso")
    assert kyso(softhsm, "sync").returncode == 0
    empty = tmp_path / "tokens"
    empty.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {empty}\nobjectstore.backend = file\n")
    result = kyso(softhsm, "sign", "--doc", str(doc_id), SOFTHSM2_CONF=str(conf))
    assert result.returncode == 1
    assert "token" in result.stderr.lower() and "Cần PIN" not in result.stderr
    assert "Traceback" not in result.stderr
    with session.store() as store:
        assert store.outbox_size() == 0
