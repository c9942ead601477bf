"""Passwords, bearer tokens and the current user.

Passwords are hashed with scrypt (random salt, parameters stored with the hash) and
compared in constant time. Tokens are random; only their SHA-256 is stored, so a copy of
the database does not let anyone log in. Neither is ever logged.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kyso.core.workflow import Role
from kyso.server.db import VN_TZ, Database, now_iso

__all__ = [
    "CurrentUser",
    "create_org",
    "create_user",
    "current_user",
    "hash_password",
    "issue_token",
    "load_user",
    "login",
    "revoke_token",
    "token_user",
    "verify_password",
]

TOKEN_DAYS = 30
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_bearer = HTTPBearer(auto_error=False, description="Mã phiên từ POST /api/v1/auth/login")


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64) for ``password``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by :func:`hash_password`."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# Checked against when the user name is unknown, so both cases take the same time.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class CurrentUser:
    """The authenticated user of a request."""

    id: int
    username: str
    full_name: str
    role: Role
    title: str
    unit: str
    org_id: int
    org_name: str
    org_ky_hieu: str
    cert_der: bytes | None

    def to_api(self) -> dict[str, object]:
        """The API's ``User`` object."""
        return {
            "username": self.username,
            "full_name": self.full_name,
            "role": self.role.value,
            "title": self.title,
            "org": {"id": self.org_id, "name": self.org_name, "ky_hieu": self.org_ky_hieu},
        }


_USER_SQL = """
SELECT u.id, u.username, u.full_name, u.role, u.title, u.unit, u.org_id, u.cert_der,
       u.password_hash, o.name AS org_name, o.ky_hieu AS org_ky_hieu
FROM users u JOIN orgs o ON o.id = u.org_id
"""


def _user_from_row(row: sqlite3.Row) -> CurrentUser:
    return CurrentUser(
        id=row["id"],
        username=row["username"],
        full_name=row["full_name"],
        role=Role(row["role"]),
        title=row["title"],
        unit=row["unit"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        org_ky_hieu=row["org_ky_hieu"],
        cert_der=row["cert_der"],
    )


def load_user(conn: sqlite3.Connection, username: str) -> CurrentUser | None:
    """The user named ``username``, or ``None``."""
    row = conn.execute(_USER_SQL + " WHERE u.username = ?", (username,)).fetchone()
    return None if row is None else _user_from_row(row)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def login(
    db: Database, username: str, password: str, *, hours: float = TOKEN_DAYS * 24
) -> tuple[str, CurrentUser] | None:
    """A new token (valid ``hours``) and the user, or ``None`` when the name or password
    is wrong."""
    with db.connect() as conn:
        row = conn.execute(_USER_SQL + " WHERE u.username = ?", (username,)).fetchone()
    if row is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, row["password_hash"]):
        return None
    user = _user_from_row(row)
    return issue_token(db, user.id, hours=hours), user


def issue_token(db: Database, user_id: int, *, hours: float = TOKEN_DAYS * 24) -> str:
    """A fresh bearer token for ``user_id``, valid for ``hours`` (default 30 days)."""
    token = secrets.token_urlsafe(32)
    now = dt.datetime.now(VN_TZ)
    expires = (now + dt.timedelta(hours=hours)).isoformat(timespec="seconds")
    with db.write() as conn:
        conn.execute(
            "INSERT INTO tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (_token_hash(token), user_id, now.isoformat(timespec="seconds"), expires),
        )
    return token


def revoke_token(db: Database, token: str) -> bool:
    """Forget ``token`` (logout); whether it was still known."""
    with db.write() as conn:
        cur = conn.execute("DELETE FROM tokens WHERE token_hash = ?", (_token_hash(token),))
    return cur.rowcount > 0


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> CurrentUser:
    """FastAPI dependency: the user of the bearer token, or 401.

    Async on purpose: one indexed read, run on the event loop rather than sent to the
    thread pool and back (half the cost of an empty poll of the changes feed)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("Chưa đăng nhập (thiếu mã phiên).")
    db: Database = request.app.state.db
    with db.connect() as conn:
        user = token_user(conn, credentials.credentials)
    if user is None:
        raise _unauthorized("Phiên đăng nhập không hợp lệ hoặc đã hết hạn.")
    return user


def token_user(conn: sqlite3.Connection, token: str) -> CurrentUser | None:
    """The user of the bearer ``token``, or ``None`` when it is unknown or expired."""
    row = conn.execute(
        _USER_SQL + " JOIN tokens t ON t.user_id = u.id WHERE t.token_hash = ?"
        " AND t.expires_at > ?",
        (_token_hash(token), now_iso()),
    ).fetchone()
    return None if row is None else _user_from_row(row)


def create_org(
    conn: sqlite3.Connection, name: str, ky_hieu: str, *, parent: str = "", place: str = ""
) -> int:
    """Add an organization; return its id."""
    cur = conn.execute(
        "INSERT INTO orgs (name, ky_hieu, parent, place) VALUES (?, ?, ?, ?)",
        (name, ky_hieu, parent, place),
    )
    return int(cur.lastrowid)


def create_user(
    conn: sqlite3.Connection,
    org_id: int,
    username: str,
    password: str,
    *,
    full_name: str,
    role: Role | str,
    title: str = "",
    unit: str = "",
    password_hash: str | None = None,
) -> int:
    """Add a user (the password is stored as a scrypt hash); return its id."""
    cur = conn.execute(
        "INSERT INTO users (org_id, username, full_name, role, title, unit, password_hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            org_id,
            username,
            full_name,
            Role(role).value,
            title,
            unit,
            password_hash or hash_password(password),
        ),
    )
    return int(cur.lastrowid)
