"""The server's tunable rules: token lifetimes and login throttling.

:func:`create_app` takes a :class:`ServerSettings`; ``app_from_env`` and ``kyso server``
read it from ``KYSO_SERVER_*`` environment variables. Tests shorten the delays so a
throttled login can be retried within seconds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from kyso.core.errors import KysoError

__all__ = ["ServerSettings"]


@dataclass(frozen=True)
class ServerSettings:
    """Rules the server enforces on sessions."""

    token_hours: float = 30 * 24
    """Lifetime of a bearer token from a normal login (30 days)."""
    kiosk_token_hours: float = 8
    """Lifetime of a token from a shared signing station (``"kiosk": true`` at login)."""
    login_free_failures: int = 5
    """Wrong passwords for one user name before logins are delayed."""
    address_free_failures: int = 20
    """Wrong passwords from one client address (any user name) before it is delayed."""
    login_delay_seconds: float = 2.0
    """First delay after the free failures; it doubles with every further failure."""
    login_max_delay_seconds: float = 15 * 60
    """The delay never grows past this."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ServerSettings:
        """Settings from ``KYSO_SERVER_TOKEN_HOURS``, ``KYSO_SERVER_KIOSK_TOKEN_HOURS``,
        ``KYSO_SERVER_LOGIN_FREE_FAILURES``, ``KYSO_SERVER_ADDRESS_FREE_FAILURES``,
        ``KYSO_SERVER_LOGIN_DELAY_SECONDS``, ``KYSO_SERVER_LOGIN_MAX_DELAY_SECONDS``."""
        env = os.environ if environ is None else environ
        values: dict[str, float | int] = {}
        for name, kind in (
            ("token_hours", float),
            ("kiosk_token_hours", float),
            ("login_free_failures", int),
            ("address_free_failures", int),
            ("login_delay_seconds", float),
            ("login_max_delay_seconds", float),
        ):
            raw = env.get(f"KYSO_SERVER_{name.upper()}")
            if raw is None or raw == "":
                continue
            try:
                value = kind(raw)
            except ValueError:
                raise KysoError(
                    f"KYSO_SERVER_{name.upper()} không hợp lệ: {raw!r}", title="Máy chủ"
                ) from None
            if value < 0:
                raise KysoError(f"KYSO_SERVER_{name.upper()} phải ≥ 0.", title="Máy chủ")
            values[name] = value
        return cls(**values)
