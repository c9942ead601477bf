"""One-time notices from core for whichever front end runs (CLI: stderr; app: a toast).

Core never prints; it leaves a short Vietnamese line here (a repaired file mode, a
damaged cache moved aside) and the front end shows each once.
"""

from __future__ import annotations

import threading

__all__ = ["add_notice", "pop_notices"]

_lock = threading.Lock()
_notices: list[str] = []


def add_notice(message: str) -> None:
    """Leave ``message`` for the front end."""
    with _lock:
        _notices.append(message)


def pop_notices() -> list[str]:
    """The notices left since the last call (each is shown once)."""
    with _lock:
        out = list(_notices)
        _notices.clear()
    return out
