"""One check the commands that listen share: can this address be bound?"""

from __future__ import annotations

import socket

from kyso.core.errors import KysoError

__all__ = ["check_port"]


def check_port(host: str, port: int, *, title: str) -> None:
    """A clear one-line :class:`KysoError` (shown under ``title``) instead of the server's
    traceback when ``host:port`` cannot be used (taken, or not an address of this
    machine). ``host`` may be an IPv6 literal in brackets."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
    except OSError as exc:
        raise KysoError(
            f"Không mở được {host}:{port} ({exc.strerror or exc}); cổng đang được dùng?",
            title=title,
        ) from None
