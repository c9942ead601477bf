"""Applying a workflow transition to a document (used by the API and the demo seed)."""

from __future__ import annotations

import sqlite3

from fastapi import HTTPException

from kyso.core.workflow import (
    Action,
    Recipient,
    Role,
    State,
    TransitionDenied,
    check_transition,
)
from kyso.server.access import grant, visible_row
from kyso.server.auth import CurrentUser
from kyso.server.db import now_iso, touch

__all__ = ["USE_ISSUE", "apply_transition", "main_signed"]

USE_ISSUE = (
    "Số chỉ được cấp từ sổ đăng ký văn bản đi: hãy lấy số (POST /documents/{doc_id}/number) "
    "rồi phát hành (POST /documents/{doc_id}/issue; trong ứng dụng: phím p, dòng lệnh: "
    "kyso issue {doc_id})."
)


def _user_in_org(conn: sqlite3.Connection, org_id: int, username: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT username, role FROM users WHERE username = ? AND org_id = ?", (username, org_id)
    ).fetchone()
    if row is None:
        raise HTTPException(400, f"Không có người nhận “{username}” trong cơ quan.")
    return row


def main_signed(conn: sqlite3.Connection, doc_id: int) -> bool:
    row = conn.execute(
        "SELECT v.signed FROM attachments a JOIN versions v ON v.attachment_id = a.id"
        " WHERE a.doc_id = ? AND a.is_main = 1 ORDER BY v.n DESC LIMIT 1",
        (doc_id,),
    ).fetchone()
    return bool(row and row[0])


def apply_transition(
    conn: sqlite3.Connection,
    user: CurrentUser,
    doc_id: int,
    action: Action,
    *,
    to_user: str | None = None,
    note: str = "",
    so: int | None = None,
    at: str | None = None,
) -> None:
    """Take ``action`` on the document as ``user``, inside the caller's transaction.

    Raises ``HTTPException``: 404 not visible, 403 role or holder, 409 state
    (or unsigned main file), 400 bad recipient. ``ban_hanh`` is a 409 pointing to the
    issuance endpoint: numbers come from the registry book only (a transition carries no
    issued file, so the number and date could not be on the document nor the
    organisation's signature checked); ``so`` is refused the same way.
    """
    doc = visible_row(conn, user, doc_id)
    try:
        rule = check_transition(
            user.role, doc["state"], action, is_holder=doc["holder"] == user.username
        )
    except TransitionDenied as exc:
        raise HTTPException(409 if exc.reason == "state" else 403, exc.message) from None
    if action == Action.BAN_HANH or so is not None:
        raise HTTPException(409, USE_ISSUE.format(doc_id=doc_id))
    if rule.requires_signed_main and not main_signed(conn, doc_id):
        raise HTTPException(409, "Tệp chính chưa được ký số: hãy ký trước khi chuyển.")
    holder = doc["holder"]
    if rule.recipient == Recipient.ROLE:
        if to_user:
            target = _user_in_org(conn, user.org_id, to_user)
            if target["role"] != rule.recipient_role:
                raise HTTPException(400, f"Người nhận “{to_user}” không đúng vai trò.")
            to = to_user
        else:
            row = conn.execute(
                "SELECT username FROM users WHERE org_id = ? AND role = ? ORDER BY id LIMIT 1",
                (user.org_id, rule.recipient_role),
            ).fetchone()
            if row is None:
                raise HTTPException(409, "Cơ quan chưa có người nhận cho bước này.")
            to = row[0]
        holder = to
    elif rule.recipient == Recipient.DRAFTER:
        to = doc["nguoi_soan"]
        if to_user and to_user != to:
            target = _user_in_org(conn, user.org_id, to_user)
            if target["role"] != Role.CHUYEN_VIEN:
                raise HTTPException(400, f"Người nhận “{to_user}” không phải chuyên viên.")
            to = to_user
        holder = to
    elif rule.recipient == Recipient.NAMED:
        if not to_user:
            raise HTTPException(400, "Luân chuyển cần người nhận (to).")
        to = _user_in_org(conn, user.org_id, to_user)["username"]
    else:
        to = user.username
    at = at or now_iso()
    state = (rule.to_state or State(doc["state"])).value
    conn.execute("UPDATE documents SET state = ?, holder = ? WHERE id = ?", (state, holder, doc_id))
    note = note.strip()
    conn.execute(
        "INSERT INTO flow (doc_id, from_user, to_user, action, note, at) VALUES (?, ?, ?, ?, ?, ?)",
        (doc_id, user.username, to, action.value, note, at),
    )
    if note:
        conn.execute(
            "INSERT INTO opinions (doc_id, author, text, at) VALUES (?, ?, ?, ?)",
            (doc_id, user.username, note, at),
        )
    grant(conn, doc_id, to)
    touch(conn, doc_id, at=at)
