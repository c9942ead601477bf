"""The link to a forwarded token: where its socket is, whether it answers, and coming back.

A token forwarded over SSH reaches kyso through ``p11-kit-client.so`` and the unix socket
named by ``P11_KIT_SERVER_ADDRESS``. When the SSH session or the ``p11-kit server`` on
the laptop goes away, every call into the module fails (``CKR_DEVICE_ERROR``) and keeps
failing even after the socket comes back: python-pkcs11 keeps one initialised copy of
each module per process, and p11-kit-client does not reconnect by itself. Re-initialising
the module (``C_Finalize`` + ``C_Initialize``) makes it connect again.

Only call :func:`reset_module` once every session opened on that module is closed (the
``open_token`` context has exited): re-initialising invalidates all of them, and a stale
session handle could otherwise close a new session that reused its number.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

__all__ = [
    "ADDRESS_VARIABLE",
    "LinkProbe",
    "default_socket_path",
    "link_went_stale",
    "parse_server_address",
    "probe_socket",
    "reset_module",
    "wait_for_link",
]

ADDRESS_VARIABLE = "P11_KIT_SERVER_ADDRESS"
"""The environment variable p11-kit-client.so reads to find the forwarded socket."""

_PROBE_TIMEOUT = 3.0


def default_socket_path(uid: int | None = None) -> Path:
    """Where the p11-kit convention puts a forwarded socket: ``/run/user/<uid>/p11-kit/pkcs11``."""
    runtime = os.environ.get("XDG_RUNTIME_DIR") if uid is None else None
    base = (
        Path(runtime) if runtime else Path("/run/user") / str(os.getuid() if uid is None else uid)
    )
    return base / "p11-kit" / "pkcs11"


def parse_server_address(value: str) -> Path | None:
    """The socket path of a ``unix:path=/run/user/1000/p11-kit/pkcs11`` address.

    Returns None for any other transport (``vsock:``…) or a malformed value. p11-kit
    percent-encodes unusual characters in the path, so the path is unquoted.
    """
    value = value.strip()
    if not value.startswith("unix:"):
        return None
    for part in value[len("unix:") :].split(","):
        key, _, raw = part.partition("=")
        if key.strip() == "path" and raw:
            return Path(unquote(raw))
    return None


@dataclass(frozen=True)
class LinkProbe:
    """What connecting to the forwarded socket showed."""

    path: Path
    state: str
    """``answers``, ``missing``, ``not_socket``, ``refused``, ``closed`` (connected, then
    the other end hung up: ssh forwards but nothing listens behind it), ``timeout``,
    ``denied`` or ``error``."""
    detail: str = ""
    """The operating system's words, when there are any."""
    protocol: int | None = None
    """The p11-kit RPC protocol version the server answered with."""

    @property
    def answers(self) -> bool:
        """A p11-kit server answered the handshake."""
        return self.state == "answers"


def probe_socket(path: Path, timeout: float = _PROBE_TIMEOUT) -> LinkProbe:
    """Connect to a p11-kit server socket and do the one-byte version handshake.

    The p11-kit RPC transport starts with the client sending its protocol version as one
    byte and the server answering with one byte. Nothing else is sent; the server drops
    the connection when it is closed. Never blocks longer than ``timeout`` seconds.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return LinkProbe(path, "missing")
    except PermissionError as exc:
        return LinkProbe(path, "denied", exc.strerror or "")
    except OSError as exc:
        return LinkProbe(path, "error", exc.strerror or str(exc))
    if not stat.S_ISSOCK(mode):
        return LinkProbe(path, "not_socket")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(str(path))
        except TimeoutError:
            return LinkProbe(path, "timeout")
        except OSError as exc:
            if exc.errno in (errno.ECONNREFUSED, errno.ENOENT):
                return LinkProbe(path, "refused", exc.strerror or "")
            if exc.errno in (errno.EACCES, errno.EPERM):
                return LinkProbe(path, "denied", exc.strerror or "")
            return LinkProbe(path, "error", exc.strerror or str(exc))
        try:
            sock.sendall(b"\x00")
            reply = sock.recv(1)
        except TimeoutError:
            return LinkProbe(path, "timeout")
        except (ConnectionResetError, BrokenPipeError):
            return LinkProbe(path, "closed")
        except OSError as exc:
            return LinkProbe(path, "error", exc.strerror or str(exc))
        if not reply:
            return LinkProbe(path, "closed")
        return LinkProbe(path, "answers", protocol=reply[0])
    finally:
        sock.close()


def wait_for_link(
    path: Path,
    timeout: float,
    *,
    interval: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> LinkProbe:
    """Probe ``path`` until a p11-kit server answers or ``timeout`` seconds have passed.

    Returns the last probe, so the caller can say why the link did not come back.
    """
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        probe = probe_socket(path, timeout=max(0.1, min(_PROBE_TIMEOUT, remaining)))
        if probe.answers or remaining <= 0:
            return probe
        sleep(min(interval, max(0.0, deadline - time.monotonic())))


def reset_module(path: str) -> bool:
    """Re-initialise a module this process already loaded, so it reconnects.

    Returns False when the module was never loaded here (nothing to do). Every session
    opened on it before becomes invalid: call this only after they are closed. The
    next ``pkcs11.lib(path)`` (which ``open_token`` uses) initialises it again.
    """
    import pkcs11

    loaded = getattr(pkcs11, "_loaded", None)  # python-pkcs11 >= 0.8 keeps one per path
    if loaded is not None and path not in loaded:
        return False
    try:
        lib = pkcs11.lib(path)  # the copy already loaded in this process
    except Exception:  # it does not even load: nothing to reset
        return False
    # C_Finalize on a module whose link is dead may itself fail; the module is marked
    # uninitialised either way, and that is all that matters here.
    with contextlib.suppress(Exception):
        lib.finalize()
    return True


def link_went_stale(lib: Any, module_path: str, error: BaseException) -> bool:
    """After ``error`` while looking for a token: is the module's link stale?

    True when the module reported the token or link gone (a :class:`TokenRemovedError`),
    or when it is ``p11-kit-client.so`` and shows no slot at all: p11-kit-client reads
    the forwarded slots once, in ``C_Initialize``, so if the link was down then it shows
    none until re-initialised. A module that still shows a slot is not touched, so a
    session open on it is never cut.
    """
    from kyso.core.errors import TokenRemovedError

    if isinstance(error, TokenRemovedError):
        return True
    if "p11-kit-client" not in Path(module_path).name:
        return False
    try:
        return not lib.get_slots()
    except Exception:  # the module fails outright: stale as well
        return True
