"""A token forwarded through p11-kit, exactly as an SSH-forwarded token looks."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

import pytest


def p11_kit_client_module() -> str | None:
    arch = sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu"
    for path in (f"/usr/lib/{arch}/pkcs11/p11-kit-client.so", "/usr/lib/pkcs11/p11-kit-client.so"):
        if os.path.exists(path):
            return path
    return None


@dataclass
class ForwardedToken:
    socket: Path
    address: str
    client_module: str
    process: subprocess.Popen

    def stop(self) -> None:
        """Stop the server and every per-client child it forked (the link drops)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def start_p11_kit_server(softhsm, socket: Path) -> ForwardedToken:
    """``p11-kit server`` exporting the SoftHSM token on a unix socket."""
    client = p11_kit_client_module()
    if shutil.which("p11-kit") is None or client is None:
        pytest.fail("p11-kit / p11-kit-modules not installed: run `make test`")
    env = {**os.environ, **softhsm.env}
    process = subprocess.Popen(
        ["p11-kit", "server", "-f", "-n", str(socket), "--provider", softhsm.module]
        + [f"pkcs11:token={softhsm.label}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # p11-kit forks a child per client: stop the whole group
    )
    deadline = time.monotonic() + 10
    while not socket.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            err = process.stderr.read().decode() if process.stderr else ""
            process.kill()
            pytest.fail(f"p11-kit server did not start: {err}")
        time.sleep(0.05)
    return ForwardedToken(socket, f"unix:path={socket}", client, process)


@pytest.fixture
def forwarded_token(softhsm, tmp_path):
    """A running p11-kit server for the session token; stopped after the test."""
    # unix socket paths are limited to ~100 bytes; tmp_path can be longer
    short = Path(f"/tmp/kyso-p11-{os.getpid()}-{time.monotonic_ns()}")
    short.mkdir()
    fwd = start_p11_kit_server(softhsm, short / "p11.sock")
    yield fwd
    fwd.stop()
    shutil.rmtree(short, ignore_errors=True)
