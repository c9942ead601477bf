"""A token forwarded over a real SSH connection, as docs/remote.md tells users to do it.

A throw-away ``sshd`` (openssh-server) listens on 127.0.0.1 on a free port with its own
host key, config and authorized key, all in a temporary folder. The SoftHSM token is
exported by ``p11-kit server`` on a local socket, ``ssh -R`` forwards that socket into
the session, and ``kyso`` runs inside the session with ``P11_KIT_SERVER_ADDRESS``
pointing at the forwarded end and ``SOFTHSM2_CONF=/nonexistent``: the only way to the
token is through SSH.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from checks import pdfsig, qpdf_check
from fixtures_p11kit import start_p11_kit_server
from fixtures_token import SIGNER_CN, TEST_PIN

SSHD = "/usr/sbin/sshd"
KYSO_BIN = Path(sys.executable).parent / "kyso"


@dataclass
class Sshd:
    port: int
    folder: Path
    user_key: Path
    known_hosts: Path
    log: Path

    def ssh(self, *options: str, command: str, input: str | None = None, timeout: float = 120):
        """Run ``command`` over SSH as root on 127.0.0.1 (keys and host from this test)."""
        return subprocess.run(
            [
                "ssh",
                "-F",
                "/dev/null",
                "-p",
                str(self.port),
                "-i",
                str(self.user_key),
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                f"UserKnownHostsFile={self.known_hosts}",
                "-o",
                "ConnectTimeout=10",
                "-o",
                "ExitOnForwardFailure=yes",
                *options,
                "root@127.0.0.1",
                command,
            ],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kyso-test", "-f", str(path)],
        check=True,
        timeout=30,
    )


@pytest.fixture
def sshd():
    """A foreground sshd on 127.0.0.1:<free port>, stopped at teardown."""
    if not os.path.exists(SSHD) or shutil.which("ssh") is None:
        pytest.fail("openssh-server / openssh-client not installed: run `make test`")
    if os.geteuid() != 0:
        pytest.fail("the SSH test logs in as root to a throw-away sshd: run it as root")
    # Short: forwarded unix socket paths live here too (~100 bytes at most).
    folder = Path(f"/tmp/kyso-ssh-{os.getpid()}-{time.monotonic_ns()}")
    folder.mkdir(mode=0o700)
    host_key, user_key = folder / "host_key", folder / "user_key"
    _keygen(host_key)
    _keygen(user_key)
    authorized = folder / "authorized_keys"
    authorized.write_text((folder / "user_key.pub").read_text())
    port = _free_port()
    known_hosts = folder / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {(folder / 'host_key.pub').read_text()}")
    config = folder / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"PidFile {folder / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized}",
                "StrictModes no",
                "UsePAM no",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "AllowStreamLocalForwarding yes",
                "StreamLocalBindUnlink yes",
                "AllowTcpForwarding remote",  # "no" also refuses streamlocal -R
                "X11Forwarding no",
                "PrintMotd no",
                "LogLevel VERBOSE",
                "",
            ]
        )
    )
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation folder
    checked = subprocess.run(
        [SSHD, "-t", "-f", str(config)], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr
    log = folder / "sshd.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                pytest.fail(f"sshd exited: {log.read_text()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"sshd did not listen on 127.0.0.1:{port}: {log.read_text()}")
            time.sleep(0.1)
        yield Sshd(port, folder, user_key, known_hosts, log)
    finally:
        # sshd forks a child per connection: stop the whole group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def laptop_token(softhsm, sshd):
    """The laptop's side: p11-kit server exporting the SoftHSM token on a local socket."""
    fwd = start_p11_kit_server(softhsm, sshd.folder / "laptop.sock")
    yield fwd
    fwd.stop()


def remote_command(remote_socket: Path | None, home: Path, *kyso_args: str) -> str:
    """The command line run on the server: kyso with only the forwarded socket to go by."""
    env = {
        "SOFTHSM2_CONF": "/nonexistent",  # the server has no way to the local SoftHSM
        "KYSO_HOME": str(home),
        "LANG": "C.UTF-8",
    }
    if remote_socket is not None:
        env["P11_KIT_SERVER_ADDRESS"] = f"unix:path={remote_socket}"
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    return f"cd / && env {assignments} {shlex.join([str(KYSO_BIN), *kyso_args])}"


def test_sign_inside_an_ssh_session_through_a_forwarded_token(
    softhsm, sshd, laptop_token, pdf_path, tmp_path
):
    assert KYSO_BIN.exists(), KYSO_BIN
    remote_dir = sshd.folder / "run-user" / "p11-kit"  # stands for /run/user/<uid>/p11-kit
    remote_dir.mkdir(parents=True)
    remote_socket = remote_dir / "pkcs11"
    home = tmp_path / "remote-home"
    home.mkdir()
    forward = ("-R", f"{remote_socket}:{laptop_token.socket}")

    doctor = sshd.ssh(*forward, command=remote_command(remote_socket, home, "token", "doctor"))
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr + sshd.log.read_text()
    assert f"✓ socket {remote_socket}: có và trả lời" in doctor.stdout
    assert f"token {softhsm.label!r}" in doctor.stdout
    assert f"'signer' — {SIGNER_CN}: ký được" in doctor.stdout
    last = doctor.stdout.strip().splitlines()[-1]
    assert last.startswith("✓ Sẵn sàng ký") and "p11-kit-client.so" in last

    report = sshd.ssh(
        *forward, command=remote_command(remote_socket, home, "token", "doctor", "--json")
    )
    assert report.returncode == 0, report.stderr
    diagnosis = json.loads(report.stdout)
    assert diagnosis["forwarding"]["answers"] is True
    first = diagnosis["modules"][0]
    assert "p11-kit-client" in first["path"] and first["tokens"][0]["label"] == softhsm.label
    softhsm_module = [m for m in diagnosis["modules"] if m["name"] == "SoftHSM 2"]
    assert all(not m["tokens"] for m in softhsm_module)  # the local token is not reachable

    out = tmp_path / "ky-qua-ssh.pdf"
    signed = sshd.ssh(
        *forward,
        command=remote_command(
            remote_socket, home, "sign", str(pdf_path), "-o", str(out), "--key", "signer"
        )
        + " --pin-stdin",
        input=TEST_PIN + "\n",
    )
    assert signed.returncode == 0, signed.stdout + signed.stderr + sshd.log.read_text()
    assert "✓" in signed.stdout
    assert TEST_PIN not in signed.stdout + signed.stderr
    report = pdfsig(out)
    assert SIGNER_CN in report
    qpdf_check(out)


def test_doctor_inside_ssh_without_the_forward_says_how(softhsm, sshd, tmp_path):
    """The same session without ``ssh -R``: doctor names the missing socket and the fix."""
    remote_socket = sshd.folder / "run-user" / "p11-kit" / "pkcs11"
    home = tmp_path / "remote-home"
    home.mkdir()
    result = sshd.ssh(command=remote_command(remote_socket, home, "token", "doctor"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"Socket {remote_socket} không tồn tại" in result.stdout
    assert f"ssh -R {remote_socket}:" in result.stdout
    [summary] = [line for line in result.stderr.splitlines() if line.startswith("kyso:")]
    assert "Chưa ký được" in summary


def test_doctor_inside_ssh_with_no_address_suggests_forwarding(softhsm, sshd, tmp_path):
    """No token on the server and no P11_KIT_SERVER_ADDRESS: doctor notices the SSH
    session and gives the forwarding recipe instead of "plug the token in"."""
    home = tmp_path / "remote-home"
    home.mkdir()
    result = sshd.ssh(command=remote_command(None, home, "token", "doctor"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "P11_KIT_SERVER_ADDRESS: chưa đặt" in result.stdout
    assert "Đang trong phiên SSH" in result.stdout
    assert "ssh -R /run/user/0/p11-kit/pkcs11:${P11_KIT_SERVER_ADDRESS#*=}" in result.stdout
    assert "export P11_KIT_SERVER_ADDRESS=unix:path=/run/user/0/p11-kit/pkcs11" in result.stdout
