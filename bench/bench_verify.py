"""Verification benchmark: ``kyso verify`` of 100 signed files (one process, the strict
verdict, trust checked) against a loop of ``pyhanko sign validate`` (one process per
file, as a script would run it, with the same trust root and difference analysis).

Both include process start. The files are signed once, in process, on a fresh SoftHSM
token (B-B, visible stamp); the pyHanko loop runs on 20 of them (enough for a stable
per-file figure).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

PIN = "123456"
BATCH = 100
CLI_SAMPLE = 20


def _signed_files(work: Path) -> tuple[list[Path], Path]:
    from fixtures_pdf import make_pdf

    from kyso.core.token.provision import Identity, make_pki, make_softhsm_token

    pki = make_pki([Identity("signer", "Nguyễn Văn Ký", title="Giám đốc")])
    ca = pki.write_ca(work / "ca.pem")
    token = make_softhsm_token(work / "token", pki, pin=PIN)
    source, out = work / "in", work / "signed"
    source.mkdir()
    out.mkdir()
    files = [make_pdf(source / f"vb-{i:03d}.pdf", pages=3) for i in range(BATCH)]
    # Signed by `kyso sign` in its own process: SoftHSM reads its configuration once per
    # process, and an earlier benchmark in this one has already loaded another token.
    env = {**os.environ, **token.env, "KYSO_PIN": PIN, "KYSO_MODULE": token.module}
    kyso = str(Path(sys.executable).parent / "kyso")
    subprocess.run(
        [kyso, "sign", *map(str, files), "--out-dir", str(out), "--page", "1"],
        env=env,
        check=True,
        capture_output=True,
    )
    return sorted(out.iterdir()), ca


def _kyso_verify(files: list[Path], ca: Path) -> float:
    kyso = str(Path(sys.executable).parent / "kyso")
    start = time.perf_counter()
    subprocess.run(
        [kyso, "verify", *map(str, files), "--trust", str(ca)], check=True, capture_output=True
    )
    return (time.perf_counter() - start) / len(files)


def _pyhanko_loop(files: list[Path], ca: Path) -> float:
    pyhanko = str(Path(sys.executable).parent / "pyhanko")
    start = time.perf_counter()
    for path in files:
        done = subprocess.run(
            [pyhanko, "sign", "validate", "--executive-summary", "--no-revocation-check"]
            + ["--trust", str(ca), str(path)],
            capture_output=True,
            text=True,
        )
        assert "VALID" in done.stdout, done.stdout + done.stderr
    return (time.perf_counter() - start) / len(files)


def run(work: Path) -> list[dict]:
    """Run the verification benchmark; rows of name, value, unit, target, pass."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    files, ca = _signed_files(work)
    ours = _kyso_verify(files, ca)
    theirs = _pyhanko_loop(files[:CLI_SAMPLE], ca)
    return [
        {
            "name": f"kyso verify, {BATCH} signed files, per file (strict verdict, trust, "
            "incl. process start)",
            "value": ours * 1000,
            "unit": "ms",
        },
        {"name": "pyhanko sign validate loop, per file", "value": theirs * 1000, "unit": "ms"},
        {
            "name": "speed-up of kyso verify over the pyHanko CLI loop",
            "value": theirs / ours,
            "unit": "×",
            "target": "≥ 20×",
            "pass": theirs / ours >= 20,
        },
    ]


if __name__ == "__main__":
    for row in run(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/kyso-bench-verify")):
        print(row)
