"""Token loss of any kind stops a batch with one "token removed" error (issue 14): here
the SoftHSM token's storage directory disappears mid-batch (its own fresh token, so the
session token of the other tests is left alone)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from fixtures_pdf import make_pdf
from fixtures_token import TEST_PIN

from kyso.core.token.provision import make_softhsm_token

STORAGE_SCRIPT = textwrap.dedent(
    """
    import shutil, sys
    from pathlib import Path
    from kyso.core.token.session import TokenOptions, open_token
    from kyso.core.docs.sign import SignJob, SignOptions, sign_batch
    from kyso.core.docs.parallel import sign_batch_parallel

    out, storage = Path(sys.argv[1]), Path(sys.argv[2])
    files = [Path(p) for p in sys.argv[3:]]

    def storage_gone_after_first(result, done, total):
        if done == 1:
            shutil.rmtree(storage)

    with open_token(TokenOptions(), pin="{pin}") as s:
        key = s.signing_key("signer")
        jobs = [SignJob(f, out / f.name) for f in files]
        if "{workers}" == "0":
            batch = sign_batch(jobs, key, SignOptions(), on_result=storage_gone_after_first,
                               session=s)
        else:
            batch = sign_batch_parallel(jobs, key, SignOptions(), workers={workers},
                                        on_result=storage_gone_after_first)
    for r in batch.results:
        print(r.job.source.name, "ok" if r.ok else ("skipped" if r.skipped else "failed"),
              type(r.error).__name__ if r.error else "")
    print("STOPPED", type(batch.stopped).__name__ if batch.stopped else None)
    """
)


@pytest.mark.parametrize("workers", ["0", "2"])
def test_token_storage_gone_mid_batch_stops_cleanly(pki, tmp_path, workers):
    token = make_softhsm_token(tmp_path / "hsm", pki, pin=TEST_PIN)
    storage = next(
        line.split("=", 1)[1].strip()
        for line in token.conf.read_text().splitlines()
        if line.strip().startswith("directories.tokendir")
    )
    files = [make_pdf(tmp_path / f"st{i}.pdf", pages=1) for i in range(6)]
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, **token.env, "KYSO_MODULE": token.module}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            STORAGE_SCRIPT.replace("{pin}", TEST_PIN).replace("{workers}", workers),
            str(out),
            storage,
            *map(str, files),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "STOPPED TokenRemovedError", result.stdout
    signed = [line.split()[0] for line in lines[:-1] if " ok" in line]
    if workers == "0":  # one file at a time: the first signed, the second failed, rest skipped
        assert signed == ["st0.pdf"]
        assert lines[1].startswith("st1.pdf failed TokenRemovedError")
        assert all(line.startswith(f"st{i}.pdf skipped") for i, line in enumerate(lines[2:-1], 2))
    else:  # the files in flight may finish; the rest is never tried
        assert sum(" skipped" in line for line in lines) >= 1
    # one clear reason, not "Lỗi token khi ký (ObjectHandleInvalid)" for every file
    assert "ObjectHandleInvalid" not in result.stdout + result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(signed)  # nothing half-written
