"""``kyso demo``'s fast start: the session and synced store of the demo user come from
the demo cache (:func:`kyso.cli.demo_cache.cached_client`) and the server runs in a child
process that the app does not wait for.

Importing FastAPI and starting uvicorn took most of a warm demo launch; in a process of
its own it happens on the other core while the app draws the cached inbox.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["presynced_session", "server_process", "wait_for_server"]


def presynced_session(home: Path, username: str) -> Any:
    """A session on a new free port with the cached synced store of ``username`` moved to
    that server's store path, or ``None`` when the demo cache has no client data."""
    from kyso.cli.demo_cache import cached_client
    from kyso.config.locations import data_dir
    from kyso.core.service.office import save_session
    from kyso.core.store import store_path
    from kyso.server.runner import free_port

    found = cached_client(home, username)
    if found is None:
        return None
    store, token = found
    server = f"http://127.0.0.1:{free_port()}"
    target = store_path(data_dir(), server, username)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(store, target)
    return save_session(server, username, token)


@contextmanager
def server_process(data: Path, url: str) -> Iterator[None]:
    """The demo server (uvicorn) on ``url``'s port in a child process, stopped on exit; a
    parent killed outright takes it along (Linux: the parent-death signal)."""
    port = url.rsplit(":", 1)[1]
    env = {**os.environ, "KYSO_SERVER_DATA": str(data), "KYSO_SERVER_SEED_DEMO": "1"}
    command = [sys.executable, "-m", "uvicorn", "--factory", "kyso.server.app:app_from_env"]
    command += ["--host", "127.0.0.1", "--port", port, "--log-level", "warning"]
    with open(data / "server.log", "ab") as log:
        process = subprocess.Popen(
            [*command, "--no-access-log"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            preexec_fn=_die_with_parent,  # the demo has started no thread yet
        )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _die_with_parent() -> None:
    """In the child: SIGTERM when the parent dies (Linux ``prctl``; elsewhere nothing)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def wait_for_server(url: str, timeout: float = 30) -> bool:
    """Whether the server at ``url`` accepts connections within ``timeout`` seconds."""
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, int(port)), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False
