"""Long-term signatures: `kyso sign` of 100 files at B-B, B-T and B-LT, each checking the
certificate with the local OCSP responder before the PIN (the test PKI of
tests/fixtures_revocation.py: a delegated OCSP responder, a CRL over HTTP, a local TSA).

B-T is measured too, so that the ratio shows what the timestamp costs (one TSA round
trip per file, inherent to B-T and B-LT) apart from what B-LT adds (the DSS, with the
revocation answers fetched once per batch). Wall times are the best of two interleaved
rounds (the machine is shared); CPU is that of the `kyso` process and its workers,
which the TSA and the responders, running elsewhere, do not add to.
"""

from __future__ import annotations

import http.server
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from bench_sign import BOX, PIN, _make_inputs  # noqa: E402

LEVELS = ("B-B", "B-T", "B-LT")
ROUNDS = 2


def _servers(work: Path):
    """The PKI, the CRL server, the OCSP responder and the TSA; a stop function."""
    import fixtures_revocation as fr

    from kyso.core.token.provision import TestPki, make_pki, make_softhsm_token

    crl_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), fr._Files)
    threading.Thread(target=crl_server.serve_forever, daemon=True).start()
    ocsp = f"http://127.0.0.1:{fr.free_port()}/"
    crl = f"http://127.0.0.1:{crl_server.server_address[1]}/ca.crl"
    pki = make_pki(fr._identities(ocsp, crl)[:1], ca_name="kyso LTV CA", ca_days=365 * 30)
    ltv = fr.LtvPki(pki, TestPki(b"", b""), ocsp, crl, work)
    ltv.tsa_cert_der, ltv.tsa_key_der = fr._tsa(pki, ocsp, crl)
    pki.write_ca(ltv.ca_pem)
    fr._Files.files["/ca.crl"] = fr._index_and_crl(ltv, set())
    log = work / "ocsp.log"
    responder = subprocess.Popen(
        ["openssl", "ocsp", "-index", str(work / "index.txt"), "-port", ocsp.split(":")[2][:-1]]
        + fr._responder(pki, work)
        + ["-CA", str(ltv.ca_pem), "-ndays", "1", "-text"],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    while b"waiting for OCSP" not in log.read_bytes():
        time.sleep(0.05)
    tsa, tsa_url = fr.serve_tsa(ltv)
    token = make_softhsm_token(work / "token", pki, pin=PIN)

    def stop() -> None:
        responder.terminate()
        responder.wait(timeout=5)
        tsa.shutdown()
        crl_server.shutdown()

    def fetches() -> tuple[int, int]:
        ocsp_requests = log.read_text(errors="replace").count("OCSP Request Data")
        return ocsp_requests, sum(fr._Files.hits.values())

    return ltv, token, tsa_url, fetches, stop


def run(work: Path) -> list[dict]:
    """Rows: per-file wall and CPU at each level, the ratios, the fetches of one batch."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    files, _big = _make_inputs(work)
    ltv, token, tsa_url, fetches, stop = _servers(work)
    box = ",".join(str(v) for v in BOX)
    env = {**os.environ, **token.env, "KYSO_PIN": PIN, "KYSO_MODULE": token.module}
    wall: dict[str, list[float]] = {level: [] for level in LEVELS}
    cpu: dict[str, list[float]] = {level: [] for level in LEVELS}
    fetched: dict[str, tuple[int, int]] = {}

    def batch(level: str, out: Path) -> None:
        out.mkdir()
        extra = ["--timestamp-url", tsa_url] if level != "B-B" else []
        before, used = fetches(), resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).parent / "kyso"), "sign", *map(str, files)]
            + ["--out-dir", str(out), "--page", "1", "--box", box, "--key", "good"]
            + ["--trust", str(ltv.ca_pem), "--level", level, *extra],
            env=env,
            check=True,
            capture_output=True,
        )
        wall[level].append((time.perf_counter() - start) / len(files))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[level].append(
            (after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime) / len(files)
        )
        now = fetches()
        fetched[level] = (now[0] - before[0], now[1] - before[1])

    try:
        for n in range(ROUNDS):
            for level in LEVELS:
                batch(level, work / f"out-{level}-{n}")
    finally:
        stop()
    best = {level: min(times) * 1000 for level, times in wall.items()}
    cpu_ms = {level: min(times) * 1000 for level, times in cpu.items()}
    ocsp_requests, crl_requests = fetched["B-LT"]
    rows: list[dict] = []
    for level in LEVELS:
        name = f"kyso sign 100 files at {level}, per file"
        rows.append({"name": name, "value": best[level], "unit": "ms"})
    for level in LEVELS:
        rows.append(
            {
                "name": f"kyso CPU per file at {level} (kyso and its workers)",
                "value": cpu_ms[level],
                "unit": "ms",
            }
        )
    rows += [
        {
            "name": "B-LT / B-B",
            "value": best["B-LT"] / best["B-B"],
            "unit": "×",
            "target": "≤ 1.3×",
            "pass": best["B-LT"] / best["B-B"] <= 1.3,
            "what": "wall time of the same 100 files; B-LT includes one TSA request per file",
        },
        {
            "name": "B-LT / B-T (what the DSS adds to a timestamped signature)",
            "value": best["B-LT"] / best["B-T"],
            "unit": "×",
        },
        {
            "name": "B-LT / B-B, kyso's CPU",
            "value": cpu_ms["B-LT"] / cpu_ms["B-B"],
            "unit": "×",
        },
        {
            "name": "OCSP + CRL requests of one 100-file B-LT batch",
            "value": ocsp_requests + crl_requests,
            "unit": "requests",
            "what": f"{ocsp_requests} OCSP, {crl_requests} CRL: once per certificate and "
            "worker, not per file",
        },
    ]
    return rows


if __name__ == "__main__":
    for row in run(Path(os.environ.get("TMPDIR", "/tmp")) / "kyso-bench-ltv"):
        print(row)
