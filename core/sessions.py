"""Ending sessions and keeping the session file private.

* :func:`end_session` (= :func:`detach_session` + :func:`revoke_or_queue`) revokes the
  saved bearer token on the server
  (``POST /auth/logout``) and removes the local session file. Offline, the file is
  removed all the same and the token is kept in a 0600 "pending revoke" list;
  :func:`retry_pending_revokes` (run at every login and sync) revokes it later.
* :func:`protect` keeps the data folder 0700 and the session files 0600, repairing
  looser modes; each repair leaves one notice (:mod:`kyso.core.notices`) for the front
  end to show once.

Tokens are never printed, logged or put in a message.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kyso.config.locations import data_dir
from kyso.core.atomic import write_atomic
from kyso.core.notices import add_notice

if TYPE_CHECKING:
    import httpx

    from kyso.core.sync import Session

__all__ = [
    "LogoutResult",
    "detach_session",
    "end_session",
    "pending_file",
    "protect",
    "retry_pending_revokes",
    "revoke_or_queue",
]

PENDING_FILE = "pending-revokes.json"
_TIMEOUT = 5.0


def pending_file() -> Path:
    """The 0600 list of tokens still to revoke on their server."""
    return data_dir() / PENDING_FILE


def _tighten(path: Path, wanted: int) -> bool:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return False
    if mode & ~wanted:
        os.chmod(path, wanted)
        return True
    return False


def protect() -> None:
    """Make the data folder 0700 and the session files in it 0600 (repairs are noticed)."""
    folder = data_dir()
    fixed = []
    if _tighten(folder, 0o700):
        fixed.append(f"thư mục {folder} → 0700")
    from kyso.core.sync_session import SESSION_FILE  # not kyso.core.sync: no HTTP client

    for name in (SESSION_FILE, PENDING_FILE):
        if _tighten(folder / name, 0o600):
            fixed.append(f"{folder / name} → 0600")
    if fixed:
        add_notice(
            "Quyền truy cập quá rộng đã được sửa (người khác trên máy có thể đọc phiên đăng "
            "nhập): " + ", ".join(fixed) + "."
        )


@dataclass(frozen=True)
class LogoutResult:
    """What :func:`end_session` did."""

    was_logged_in: bool
    revoked: bool
    """The server confirmed the token is no longer valid."""
    message: str


def _revoke(server: str, token: str, verify_tls: bool, transport=None) -> bool:
    """Whether the server has forgotten ``token`` (401: it already had)."""
    import httpx

    from kyso.core.sync import API

    try:
        with httpx.Client(
            base_url=server + API, timeout=_TIMEOUT, verify=verify_tls, transport=transport
        ) as http:
            response = http.post("/auth/logout", headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError:
        return False
    return response.status_code in (200, 204, 401)


def _read_pending() -> list[dict[str, object]]:
    try:
        items = json.loads(pending_file().read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [i for i in items if isinstance(i, dict) and "server" in i and "token" in i]


def _write_pending(items: list[dict[str, object]]) -> None:
    if items:
        write_atomic(pending_file(), json.dumps(items).encode(), mode=0o600)
    else:
        pending_file().unlink(missing_ok=True)


def detach_session() -> Session | None:
    """Remove the local session file at once; return the session it held (or ``None``).

    The kiosk lock calls this on the UI thread, then :func:`revoke_or_queue` in a thread,
    so a next user's login can never be removed by a slow revoke."""
    from kyso.core.errors import SyncError
    from kyso.core.sync import load_session, session_file

    try:
        session: Session | None = load_session()
    except SyncError:
        session = None
    session_file().unlink(missing_ok=True)  # a damaged file goes too
    return session


def revoke_or_queue(session: Session, transport: httpx.BaseTransport | None = None) -> bool:
    """Revoke ``session``'s token; when the server cannot be told, queue it for later."""
    revoked = _revoke(session.server, session.token, session.verify_tls, transport)
    if not revoked:
        pending = _read_pending()
        pending.append(
            {"server": session.server, "token": session.token, "verify_tls": session.verify_tls}
        )
        _write_pending(pending)
    return revoked


def end_session(transport: httpx.BaseTransport | None = None) -> LogoutResult:
    """Log out: remove the local session (always) and revoke the token on the server."""
    session = detach_session()
    if session is None:
        return LogoutResult(False, False, "Chưa đăng nhập.")
    revoked = revoke_or_queue(session, transport)
    if revoked:
        return LogoutResult(True, True, f"Đã đăng xuất {session.username} ({session.server}).")
    return LogoutResult(
        True,
        False,
        f"Đã đăng xuất {session.username} trên máy này; chưa báo được máy chủ "
        f"{session.server}, phiên sẽ được thu hồi khi kết nối lại.",
    )


def retry_pending_revokes(transport: httpx.BaseTransport | None = None) -> int:
    """Revoke the tokens left by an offline logout; return how many are still pending."""
    pending = _read_pending()
    if not pending:
        return 0
    left = [
        item
        for item in pending
        if not _revoke(
            str(item["server"]), str(item["token"]), bool(item.get("verify_tls", True)), transport
        )
    ]
    _write_pending(left)
    return len(left)
