"""``kyso issue`` and ``kyso export`` through the real executable, the real server and the
session's SoftHSM token (the 'signer' key stands in for the organization's)."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from checks import page_text, pdfsig
from fixtures_token import TEST_PIN, kyso_env
from issuance_helpers import session_for, to_clerk_over_http, vn_today

from kyso.core.edxml import EDXML_NS

KYSO = Path(sys.executable).with_name("kyso")


def kyso(softhsm, *args: str, input_: str | None = None, **env: str):
    """Run ``kyso`` with the session token's environment."""
    return subprocess.run(
        [str(KYSO), *args],
        input=None if input_ is None else input_ + "\n",
        capture_output=True,
        text=True,
        env=kyso_env(softhsm, **env),
        timeout=180,
    )


def test_issue_and_export_from_the_command_line(demo_server, signing_key, softhsm, tmp_path):
    signed_doc, number_only, with_seal, not_issued = to_clerk_over_http(
        demo_server, signing_key, tmp_path, 4
    )
    session_for(demo_server, "vanthu")
    result = kyso(softhsm, "issue", str(signed_doc), "--key", "signer", KYSO_PIN=TEST_PIN)
    assert result.returncode == 0, result.stderr
    when = vn_today().strftime("%d/%m/%Y")
    assert f"Số 03/KH-STTTT, ngày {when} (đã ký số cơ quan)" in result.stdout
    assert "con dấu mẫu (demo)" in result.stdout
    main = Path(result.stdout.split("Tệp chính:")[1].split()[0])
    assert pdfsig(main).count("Signature is Valid") == 2
    assert "Số: 03/KH-STTTT" in page_text(main, 1)

    seal = tmp_path / "dau.png"
    from kyso.core.docs.seal import make_seal_png

    seal.write_bytes(make_seal_png("Sở TTTT"))
    result = kyso(
        softhsm, "issue", str(with_seal), "--seal", str(seal), "--pin-stdin", input_=TEST_PIN
    )
    assert result.returncode == 0, result.stderr
    assert f"con dấu từ tệp {seal}" in result.stdout and "Số 04/KH-STTTT" in result.stdout

    result = kyso(
        softhsm,
        "issue",
        str(number_only),
        "--only-number",
        "--date",
        vn_today().isoformat(),
    )
    assert result.returncode == 0, result.stderr
    assert "Số 05/KH-STTTT" in result.stdout and "chỉ điền số, ngày" in result.stdout

    out = tmp_path / "vb.xml"
    result = kyso(softhsm, "export", str(signed_doc), "--edxml", str(out))
    assert result.returncode == 0, result.stderr
    ns = {"e": EDXML_NS}
    head = ET.parse(out).getroot().find("e:edXMLHeader/e:MessageHeader", ns)
    assert head.findtext("e:Code/e:CodeNumber", namespaces=ns) == "03"

    result = kyso(softhsm, "export", str(not_issued), "--edxml", str(tmp_path / "no.xml"))
    assert result.returncode == 1
    assert result.stderr.strip().startswith("kyso: ") and "chưa được ban hành" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "no.xml").exists()

    # A bad date is a usage error.
    bad = kyso(softhsm, "issue", str(not_issued), "--date", "27/11/2026")
    assert bad.returncode == 2


def test_a_leader_cannot_issue_from_the_command_line(demo_server, signing_key, softhsm, tmp_path):
    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1)
    session_for(demo_server, "ldso")
    result = kyso(softhsm, "issue", str(doc_id), "--key", "signer", KYSO_PIN=TEST_PIN)
    assert result.returncode == 1
    assert result.stderr.startswith("kyso: ") and "Chỉ văn thư" in result.stderr
    assert "Traceback" not in result.stderr
