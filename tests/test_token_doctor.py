"""`kyso token doctor` and reconnecting to a forwarded token, run as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from checks import pdfsig
from checks import run_kyso as kyso
from fixtures_p11kit import start_p11_kit_server
from fixtures_pdf import make_pdf
from fixtures_token import SIGNER_CN, TEST_PIN, kyso_env


@pytest.fixture
def short_dir():
    """A directory with a short path: unix socket paths are limited to ~100 bytes."""
    path = Path(f"/tmp/kyso-doc-{os.getpid()}-{time.monotonic_ns()}")
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def no_local_token(**extra: str) -> dict[str, str]:
    """An environment where the only way to a token is a forwarded socket."""
    env = {**os.environ, "SOFTHSM2_CONF": "/nonexistent"}
    env.pop("KYSO_MODULE", None)
    env.pop("P11_KIT_SERVER_ADDRESS", None)
    env.update(extra)
    return env


def test_doctor_healthy_softhsm(softhsm):
    result = kyso("token", "doctor", env=kyso_env(softhsm))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"token {softhsm.label!r}" in result.stdout
    assert f"'signer' — {SIGNER_CN}: ký được" in result.stdout
    assert "'expired'" in result.stdout and "đã hết hạn" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("✓ Sẵn sàng ký")
    assert result.stderr == ""


def test_doctor_json_finds_the_token_without_kyso_module(softhsm):
    """Nothing chosen: every known module is probed; SoftHSM has the token."""
    env = {**os.environ, **softhsm.env}
    env.pop("P11_KIT_SERVER_ADDRESS", None)
    result = kyso("token", "doctor", "--json", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    states = {m["name"]: m["state"] for m in report["modules"]}
    assert states["SoftHSM 2"] == "loaded"
    assert states["p11-kit client (forwarded token)"] == "needs_forwarding"
    [token] = [t for m in report["modules"] for t in m["tokens"]]
    assert token["label"] == softhsm.label
    assert token["usable"] == ["signer"]
    assert report["forwarding"]["address"] is None


def test_doctor_missing_module_path(softhsm, tmp_path):
    missing = tmp_path / "libkhongco.so"
    result = kyso("token", "doctor", "--module", missing, env=kyso_env(softhsm))
    assert result.returncode == 1
    assert f"Module PKCS#11 không tồn tại: {missing} (từ --module)" in result.stdout
    assert softhsm.module in result.stdout  # the fix names the module that is there
    [line] = result.stderr.splitlines()
    assert line.startswith("kyso: Chưa ký được: Module PKCS#11 không tồn tại")


def test_doctor_module_that_is_not_a_pkcs11_library(softhsm, tmp_path):
    fake = tmp_path / "driver.so"
    fake.write_text("#!/bin/sh\necho bộ cài\n")
    result = kyso("token", "doctor", "--module", fake, "--json", env=kyso_env(softhsm))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    [chosen] = [m for m in report["modules"] if m["source"] == "--module"]
    assert chosen["state"] == "load_error"
    assert "không phải tệp ELF" in chosen["error"]


def test_doctor_module_with_a_missing_dependency(softhsm, tmp_path):
    """The loader's own words name the library; the fix says how to find its package.

    The module is SoftHSM with one of its needed libraries renamed (same length, in the
    dynamic string table) to one that does not exist.
    """
    data = Path(softhsm.module).read_bytes()
    needed = b"libcrypto.so.3\x00"
    assert data.count(needed) == 1, "SoftHSM no longer links libcrypto.so.3"
    broken = tmp_path / "libbroken.so"
    broken.write_bytes(data.replace(needed, b"libkysoxx.so.3\x00"))
    result = kyso("token", "doctor", "--module", broken, env=kyso_env(softhsm))
    assert result.returncode == 1
    assert "thiếu thư viện libkysoxx.so.3" in result.stdout
    assert "apt-file search libkysoxx.so.3" in result.stdout


def test_missing_library_with_a_known_package():
    from kyso.core.token.doctor import explain_load_error

    error = "OS exception while loading /x.so: libpcsclite.so.1: cannot open shared object file"
    finding = explain_load_error("/usr/lib/softhsm/libsofthsm2.so", error)
    assert finding.message.endswith("thiếu thư viện libpcsclite.so.1.")
    assert finding.fix == ("sudo apt install libpcsclite1 pcscd",)


def test_doctor_module_for_another_architecture(softhsm, tmp_path):
    arm = tmp_path / "libarm64.so"
    data = bytearray(Path(softhsm.module).read_bytes())
    data[18:20] = (183).to_bytes(2, "little")  # e_machine = EM_AARCH64
    arm.write_bytes(bytes(data))
    result = kyso("token", "doctor", "--module", arm, env=kyso_env(softhsm))
    assert result.returncode == 1
    assert "arm64 (aarch64)" in result.stdout and "sai kiến trúc" in result.stdout


def test_doctor_forwarded_socket_that_is_gone(softhsm, short_dir):
    sock = short_dir / "pkcs11"
    env = no_local_token(P11_KIT_SERVER_ADDRESS=f"unix:path={sock}")
    result = kyso("token", "doctor", env=env)
    assert result.returncode == 1
    assert f"Socket {sock} không tồn tại" in result.stdout
    assert f"ssh -R {sock}:" in result.stdout
    assert f"export P11_KIT_SERVER_ADDRESS=unix:path={sock}" in result.stdout
    assert len(result.stderr.splitlines()) == 1


def test_doctor_forwarded_socket_left_behind(softhsm, short_dir):
    """A socket file nobody listens on (the SSH session that made it has ended)."""
    sock = short_dir / "pkcs11"
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(sock))
    stale.close()
    env = no_local_token(P11_KIT_SERVER_ADDRESS=f"unix:path={sock}")
    result = kyso("token", "doctor", "--json", env=env)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["forwarding"]["state"] == "refused"
    [client] = [m for m in report["modules"] if "p11-kit-client" in (m["path"] or "")]
    assert client["state"] == "link_down"  # not loaded against a dead link
    text = json.dumps(report["findings"], ensure_ascii=False)
    assert "không trả lời" in text and f"ssh -R {sock}:" in text
    assert "StreamLocalBindUnlink yes" in text


def test_doctor_forwarded_socket_with_nobody_behind_it(softhsm, short_dir):
    """ssh -R is up but nothing runs on the laptop: ssh accepts, then hangs up."""
    sock = short_dir / "pkcs11"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(sock))
    listener.listen(8)
    # Accept and close in a child process so the doctor's connection sees EOF.
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import socket,sys\n"
            "s=socket.socket(fileno=int(sys.argv[1]))\n"
            "s.settimeout(60)\n"
            "while True:\n"
            "    c,_=s.accept(); c.close()\n",
            str(listener.fileno()),
        ],
        pass_fds=[listener.fileno()],
    )
    try:
        env = no_local_token(P11_KIT_SERVER_ADDRESS=f"unix:path={sock}")
        result = kyso("token", "doctor", "--json", env=env)
    finally:
        child.kill()
        child.wait()
        listener.close()
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["forwarding"]["state"] == "closed"
    assert "p11-kit server trên máy có token chưa chạy" in report["summary"]


def test_doctor_sees_the_forwarded_token(softhsm, forwarded_token):
    env = no_local_token(P11_KIT_SERVER_ADDRESS=forwarded_token.address)
    result = kyso("token", "doctor", "--json", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["forwarding"]["answers"] is True
    first = report["modules"][0]
    assert first["path"] == forwarded_token.client_module and first["state"] == "loaded"
    assert first["tokens"][0]["label"] == softhsm.label
    assert "p11-kit-client.so" in report["summary"]


def test_locked_pin_finding_says_ask_the_ca():
    """SoftHSM never locks its user PIN, so the token's reported state is built here."""
    import datetime as dt

    from kyso.core.token.doctor import CertificateCheck, TokenCheck, token_findings

    cert = CertificateCheck("signer", "01", SIGNER_CN, dt.datetime(2030, 1, 1), True, None)
    token = TokenCheck("/usr/lib/vendor.so", 0, "VNPT", "", "", "", "locked", False, (cert,))
    assert token.usable == ()
    [finding] = token_findings(token)
    assert finding.level == "error" and "mã PIN đã bị khoá" in finding.message
    assert "liên hệ nơi cấp chứng thư (CA)" in finding.fix[0]


RECONNECT_SCRIPT = textwrap.dedent(
    """
    import os, signal, subprocess, sys, time
    from pathlib import Path
    from kyso.core.errors import TokenError
    from kyso.core.token.reconnect import parse_server_address, wait_for_link
    from kyso.core.token.session import TokenOptions, open_token
    from kyso.core.docs.sign import SignJob, SignOptions, sign_batch

    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    options = TokenOptions(module=os.environ["CLIENT"])
    pin = os.environ["KYSO_PIN"]

    def sign(name):
        with open_token(options, pin=pin) as s:
            key = s.signing_key("signer")
            batch = sign_batch([SignJob(src, out / name)], key, SignOptions(), session=s)
        return batch

    print("first", sign("a.pdf").results[0].ok, flush=True)
    os.killpg(int(os.environ["P11_SERVER_PID"]), signal.SIGKILL)  # the link drops
    try:
        sign("b.pdf")
        print("while down: signed?!", flush=True)
    except TokenError as exc:
        print("while down", type(exc).__name__, exc.message, flush=True)
    print("READY", flush=True)          # the test starts the server again now
    sys.stdin.readline()
    probe = wait_for_link(parse_server_address(os.environ["P11_KIT_SERVER_ADDRESS"]), 30)
    print("link", probe.state, flush=True)
    print("again", sign("c.pdf").results[0].ok, flush=True)
    """
)


def test_a_process_reconnects_when_the_socket_returns(softhsm, forwarded_token, tmp_path):
    """In one process (the app): sign, the link drops, it comes back, sign again."""
    src = make_pdf(tmp_path / "vb.pdf", pages=1)
    out = tmp_path / "out"
    out.mkdir()
    env = no_local_token(
        P11_KIT_SERVER_ADDRESS=forwarded_token.address,
        KYSO_PIN=TEST_PIN,
        CLIENT=forwarded_token.client_module,
        P11_SERVER_PID=str(forwarded_token.process.pid),
    )
    child = subprocess.Popen(
        [sys.executable, "-c", RECONNECT_SCRIPT, str(src), str(out)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    restarted = None
    try:
        lines = []
        while (line := child.stdout.readline()) and line.strip() != "READY":
            lines.append(line.strip())
        if line.strip() != "READY":  # the script failed: show why
            child.kill()
            pytest.fail("\n".join(lines) + child.communicate(timeout=30)[1])
        # While the link is down, opening the token fails with a token error (no hang).
        assert lines[0] == "first True"
        assert lines[1].startswith("while down Token"), lines
        forwarded_token.process.wait(timeout=30)
        forwarded_token.socket.unlink(missing_ok=True)
        restarted = start_p11_kit_server(softhsm, forwarded_token.socket)
        stdout, stderr = child.communicate("\n", timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if restarted is not None:
            restarted.stop()
    assert child.returncode == 0, stderr
    assert stdout.splitlines() == ["link answers", "again True"], stdout + stderr
    assert sorted(p.name for p in out.iterdir()) == ["a.pdf", "c.pdf"]
    pdfsig(out / "a.pdf")
    pdfsig(out / "c.pdf")


def test_new_run_signs_after_the_link_drops_mid_batch_and_returns(
    softhsm, forwarded_token, tmp_path
):
    """The link drops mid-batch (signed files stay signed, the rest reported); once the
    p11-kit server is back on the same socket, a new `kyso sign` run succeeds."""
    files = [make_pdf(tmp_path / f"lo{i}.pdf", pages=1) for i in range(4)]
    out = tmp_path / "out"
    out.mkdir()
    script = textwrap.dedent(
        """
        import os, signal, sys
        from pathlib import Path
        from kyso.core.token.session import TokenOptions, open_token
        from kyso.core.docs.sign import SignJob, SignOptions, sign_batch

        out = Path(sys.argv[1]); files = [Path(p) for p in sys.argv[2:]]
        def drop_after_first(result, done, total):
            if done == 1:
                os.killpg(int(os.environ["P11_SERVER_PID"]), signal.SIGKILL)
        with open_token(TokenOptions(module=os.environ["CLIENT"]), pin=os.environ["KYSO_PIN"]) as s:
            batch = sign_batch([SignJob(f, out / f.name) for f in files], s.signing_key("signer"),
                               SignOptions(), on_result=drop_after_first, session=s)
        for r in batch.results:
            print(r.job.source.name, "ok" if r.ok else "not signed")
        print("STOPPED", type(batch.stopped).__name__ if batch.stopped else None)
        """
    )
    env = no_local_token(
        P11_KIT_SERVER_ADDRESS=forwarded_token.address,
        KYSO_PIN=TEST_PIN,
        CLIENT=forwarded_token.client_module,
        P11_SERVER_PID=str(forwarded_token.process.pid),
    )
    dropped = subprocess.run(
        [sys.executable, "-c", script, str(out), *map(str, files)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dropped.returncode == 0, dropped.stderr
    assert dropped.stdout.splitlines()[0] == "lo0.pdf ok"
    assert dropped.stdout.splitlines()[-1] == "STOPPED TokenRemovedError"
    assert [p.name for p in out.iterdir()] == ["lo0.pdf"]

    # While the link is down a new run fails with a clear message, and doctor says why.
    forwarded_token.process.wait(timeout=30)
    down = kyso("sign", files[1], "-o", out / "x.pdf", "--key", "signer", env=env)
    assert down.returncode == 1 and not (out / "x.pdf").exists()
    doctor = kyso("token", "doctor", "--json", env=env)
    assert doctor.returncode == 1
    assert json.loads(doctor.stdout)["forwarding"]["state"] == "refused"

    forwarded_token.socket.unlink(missing_ok=True)
    restarted = start_p11_kit_server(softhsm, forwarded_token.socket)
    try:
        rest = kyso("sign", *files[1:], "--out-dir", out, "--key", "signer", env=env)
    finally:
        restarted.stop()
    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert sorted(p.name for p in out.iterdir()) == [f"lo{i}.pdf" for i in range(4)]
    for path in out.iterdir():
        pdfsig(path)
