"""The saved session: who is logged in where (server URL, user name, bearer token).

The session lives in a 0600 file in the data folder. The token is never logged, printed
or put in an exception message. Part of :mod:`kyso.core.sync`, which re-exports it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from kyso.config.locations import data_dir
from kyso.core.atomic import write_atomic
from kyso.core.errors import AuthError, KysoError, SyncError
from kyso.core.store import Store, store_path

__all__ = [
    "API",
    "SESSION_FILE",
    "Session",
    "load_session",
    "logout",
    "save_session",
    "session_file",
]

API = "/api/v1"
SESSION_FILE = "session.json"

# ---------------------------------------------------------------- session


@dataclass(frozen=True)
class Session:
    """Who is logged in where. ``token`` is left out of ``repr`` on purpose."""

    server: str
    """Base URL of the server, without ``/api/v1``."""
    username: str
    token: str = field(repr=False)
    """The bearer token. Never print or log it."""
    verify_tls: bool = True
    """Verify the server's TLS certificate."""

    def store(self) -> Store:
        """Open this session's local cache."""
        return Store(store_path(data_dir(), self.server, self.username), self.username)


def session_file() -> Path:
    """The 0600 file holding the current session."""
    return data_dir() / SESSION_FILE


def save_session(session: Session) -> None:
    """Write the session to its 0600 file (atomically)."""
    data = json.dumps(
        {
            "server": session.server,
            "username": session.username,
            "token": session.token,
            "verify_tls": session.verify_tls,
        }
    ).encode()
    write_atomic(session_file(), data, mode=0o600)


def load_session() -> Session:
    """The saved session; :class:`SyncError` when nobody is logged in.

    Looser modes on the data folder or the file are repaired first
    (:func:`kyso.core.sessions.protect`)."""
    from kyso.core.sessions import protect

    protect()
    path = session_file()
    try:
        raw = json.loads(path.read_text("utf-8"))
        return Session(
            str(raw["server"]),
            str(raw["username"]),
            str(raw["token"]),
            bool(raw.get("verify_tls", True)),
        )
    except FileNotFoundError:
        raise AuthError("Chưa đăng nhập; hãy chạy `kyso login --server URL --user TÊN`.") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise SyncError(f"Tệp phiên đăng nhập {path} bị hỏng; hãy chạy `kyso login` lại.") from None


def logout() -> str:
    """End the saved session: the token is revoked on the server (later when offline) and
    the local file removed; the local cache and its outbox stay. Returns a message."""
    from kyso.core.sessions import end_session

    return end_session().message


def _normalize_server(server: str) -> str:
    server = (server or "").strip().rstrip("/")
    if server.endswith(API):
        server = server[: -len(API)]
    if not server.startswith(("http://", "https://")):
        raise SyncError(f"Địa chỉ máy chủ phải bắt đầu bằng http:// hoặc https://: {server!r}")
    return server


def _default_verify() -> bool:
    try:
        from kyso.config.settings import load_settings

        return load_settings().server.verify_tls
    except KysoError:
        return True
