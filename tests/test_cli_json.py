"""JSON from the clerk's commands (``kyso issue --json``, ``kyso export --json``): ISO
dates, paths, against the real server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from checks import pdfsig
from fixtures_token import TEST_PIN, kyso_env
from issuance_helpers import session_for, to_clerk_over_http, vn_today

KYSO = Path(sys.executable).with_name("kyso")


def test_issue_export_and_copy_in_json(demo_server, signing_key, softhsm, tmp_path):
    [doc_id] = to_clerk_over_http(demo_server, signing_key, tmp_path, 1)
    session_for(demo_server, "vanthu")

    def kyso(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(KYSO), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=kyso_env(softhsm, KYSO_PIN=TEST_PIN),
            timeout=180,
        )

    issued = kyso("issue", str(doc_id), "--only-number", "--json")
    assert issued.returncode == 0, issued.stderr
    data = json.loads(issued.stdout)
    assert data["document_id"] == doc_id and data["signed"] is False
    assert data["date"] == vn_today().isoformat()
    assert data["so_ky_hieu"].endswith("/KH-STTTT") and Path(data["main"]).is_file()
    out = tmp_path / "goi.xml"
    exported = kyso("export", str(doc_id), "--edxml", str(out), "--json")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout) == {"document_id": doc_id, "edxml": str(out)}
    assert out.read_bytes().startswith(b"<?xml")

    copy = tmp_path / "sao-y.pdf"
    copied = kyso(
        "copy", str(doc_id), "--form", "sao-y", "-o", str(copy), "--key", "signer", "--json"
    )
    assert copied.returncode == 0, copied.stderr
    made = json.loads(copied.stdout)
    assert (made["document_id"], made["form"], made["output"]) == (doc_id, "SAO Y", str(copy))
    assert made["pages"][0] == 1 and made["signed_at"]
    pdfsig(copy)
