"""Login throttling: per user name and per client address, with a growing delay.

After ``free`` wrong passwords for a key, each further attempt must wait
``delay · 2^(failures − free)`` seconds (capped) after the last failure; an attempt
inside that wait is answered 429 with ``Retry-After`` before the password is even
checked, so a fast guesser gets nowhere. A success clears the user name's count; an
address's count fades once it has been quiet for the longest delay.
In memory: a restarted server starts counting again, which is acceptable for a delay.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException

from kyso.server.settings import ServerSettings

__all__ = ["LoginThrottle"]


@dataclass
class _Entry:
    failures: int = 0
    last: float = 0.0


class LoginThrottle:
    """Counts failed logins by user name and by client address."""

    def __init__(
        self, settings: ServerSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def _keys(self, username: str, address: str) -> list[tuple[str, int]]:
        s = self._settings
        return [
            (f"user:{username.casefold()}", s.login_free_failures),
            (f"addr:{address}", s.address_free_failures),
        ]

    def _wait(self, entry: _Entry, free: int, now: float) -> float:
        over = entry.failures - free
        if over < 0:
            return 0.0
        s = self._settings
        delay = min(s.login_delay_seconds * 2.0 ** min(over, 40), s.login_max_delay_seconds)
        return max(0.0, entry.last + delay - now)

    def check(self, username: str, address: str) -> None:
        """429 with ``Retry-After`` when this user name or address must still wait."""
        now = self._clock()
        with self._lock:
            wait = 0.0
            for key, free in self._keys(username, address):
                entry = self._entries.get(key)
                if entry is not None:
                    wait = max(wait, self._wait(entry, free, now))
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise HTTPException(
                429,
                f"Đăng nhập sai quá nhiều lần; hãy thử lại sau {seconds} giây.",
                headers={"Retry-After": str(seconds)},
            )

    def failed(self, username: str, address: str) -> None:
        """Count a wrong password."""
        now = self._clock()
        forget = self._settings.login_max_delay_seconds * 2
        with self._lock:
            for key, _free in self._keys(username, address):
                entry = self._entries.setdefault(key, _Entry())
                if entry.failures and now - entry.last > forget:
                    entry.failures = 0
                entry.failures += 1
                entry.last = now
            if len(self._entries) > 100_000:  # a flood of made-up names: keep memory bounded
                cutoff = now - forget
                self._entries = {k: e for k, e in self._entries.items() if e.last >= cutoff}

    def succeeded(self, username: str) -> None:
        """The user logged in: their name's count starts again."""
        with self._lock:
            self._entries.pop(f"user:{username.casefold()}", None)
