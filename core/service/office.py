"""The e-office session as the front ends use it: log in and out, open the local cache,
sync, push right after an action, talk to the server, read who is who.

Thin typed facades over :mod:`kyso.core.sync` and :mod:`kyso.core.sessions`, so the CLI
never reaches into the sync client itself (import-linter keeps it that way).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kyso.core.sessions import LogoutResult
    from kyso.core.store import Store
    from kyso.core.store_rows import Conflict
    from kyso.core.sync import PushNote, Session, SyncClient, SyncReport

__all__ = [
    "client",
    "conflicts",
    "dismiss_conflicts",
    "forget_session",
    "load_session",
    "login",
    "logout",
    "open_store",
    "people",
    "push_after_action",
    "revoke_session",
    "save_session",
    "sync",
]


def load_session() -> Session:
    """The saved session; :class:`~kyso.core.errors.SyncError` when nobody is logged in."""
    from kyso.core.sync import load_session as load

    return load()


def save_session(server: str, username: str, token: str) -> Session:
    """Keep a session whose token was obtained elsewhere (the demo's cached logins)."""
    from kyso.core.sync import Session
    from kyso.core.sync import save_session as save

    session = Session(server, username, token)
    save(session)
    return session


def login(server: str, username: str, password: str, *, kiosk: bool = False) -> Session:
    """Log in, keep the session (0600 file) and fetch the profile and the users."""
    from kyso.core.sync import login as do_login

    return do_login(server, username, password, kiosk=kiosk)


def logout() -> LogoutResult:
    """End the saved session: revoked on the server (later when offline), file removed."""
    from kyso.core.sessions import end_session

    return end_session()


def forget_session() -> Session | None:
    """Remove the saved session at once and return it (None when nobody was logged in);
    :func:`revoke_session` then tells the server, off the UI thread, so a next user's
    login can never be removed by a slow revoke (the kiosk's lock)."""
    from kyso.core.sessions import detach_session

    return detach_session()


def revoke_session(session: Session) -> bool:
    """Revoke ``session``'s token on its server; when the server cannot be told, queue
    it for the next login or sync. True when the server was told."""
    from kyso.core.sessions import revoke_or_queue

    return revoke_or_queue(session)


def open_store(session: Session | None = None) -> Store:
    """The local cache of the saved (or given) session."""
    from kyso.core.sync_session import load_session as load

    return (session or load()).store()


def sync(session: Session | None = None, *, retries: int = 3) -> SyncReport:
    """Push the queued actions, then pull the changes, for the saved (or given) session."""
    from kyso.core.sync import sync as do_sync

    return do_sync(session, retries=retries)


def push_after_action(store: Store, session: Session | None = None) -> PushNote | None:
    """Try to send what was just queued: ``None`` when all went, else a note saying
    whether the actions wait in the outbox or were refused. Never raises ``SyncError``."""
    from kyso.core.sync import push_quietly

    return push_quietly(store, session)


def client(
    session: Session | None = None, store: Store | None = None, *, retries: int = 1
) -> SyncClient:
    """A client of the server for the saved (or given) session; use it in ``with``."""
    from kyso.core.sync import SyncClient

    if session is None and store is None:
        return SyncClient.from_saved(retries=retries)
    from kyso.core.sync import load_session as load

    return SyncClient(session or load(), store, retries=retries)


def people(store: Store) -> dict[str, str]:
    """User name → full name, from the users cached at login (and my own profile)."""
    names = {u["username"]: u.get("full_name") or u["username"] for u in store.users()}
    me = store.me() or {}
    if me.get("username") and me.get("full_name"):
        names.setdefault(me["username"], me["full_name"])
    return names


def conflicts(store: Store, *, include_dismissed: bool = False) -> list[Conflict]:
    """The actions the server refused, newest first (until dismissed)."""
    return store.conflicts(include_dismissed=include_dismissed)


def dismiss_conflicts(store: Store, conflict_ids: tuple[int, ...] | list[int]) -> None:
    """Hide conflicts the user has seen; an unknown id is a
    :class:`~kyso.core.errors.StoreError` (nothing is hidden then)."""
    from kyso.core.errors import StoreError

    known = {c.id for c in store.conflicts(include_dismissed=True)}
    unknown = [str(i) for i in conflict_ids if i not in known]
    if unknown:
        raise StoreError(f"Không có xung đột {', '.join(unknown)}.")
    for conflict_id in conflict_ids:
        store.dismiss_conflict(conflict_id)
