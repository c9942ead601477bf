"""My queued actions applied to a document's JSON: the optimistic guess of what the
server will answer (its answer replaces the guess on the next push or pull)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _next_state(
    doc: dict[str, Any], action: str, to: str | None, context: _Context
) -> tuple[str, str | None]:
    """The state and holder an action leads to, as far as the client can tell.

    Uses the shared table in :mod:`kyso.core.workflow`; the server has the last word
    (its answer replaces this guess on the next push or pull).
    """
    from kyso.core import workflow as wf

    state, holder = doc.get("state") or "", doc.get("holder")
    rules = [r for r in wf.RULES if r.action == action and state in r.from_states]
    if context.role:
        rules = [r for r in rules if r.role == context.role] or rules
    if not rules:
        return state, to or holder
    rule = rules[0]
    new_state = rule.to_state.value if rule.to_state is not None else state
    if rule.recipient in (wf.Recipient.KEEP, wf.Recipient.NAMED):
        return new_state, holder
    if to:
        return new_state, to
    if rule.recipient == wf.Recipient.DRAFTER:
        return new_state, doc.get("nguoi_soan")
    for user in context.users:
        if rule.recipient_role is not None and user.get("role") == rule.recipient_role.value:
            return new_state, user.get("username")
    return new_state, None


@dataclass(frozen=True)
class _Context:
    """What the optimistic guesses need to know about me and my organization."""

    username: str
    role: str | None = None
    users: tuple[dict[str, Any], ...] = ()


def _apply_action(
    doc: dict[str, Any], kind: str, payload: dict[str, Any], context: _Context, at: str
) -> dict[str, Any]:
    """``doc`` with one of my queued actions applied (a new dict; ``doc`` is untouched)."""
    doc = dict(doc)
    username = context.username
    if kind == "transition":
        action, to = payload.get("action", ""), payload.get("to")
        doc["state"], doc["holder"] = _next_state(doc, action, to, context)
        note = payload.get("note") or ""
        if note:
            doc["opinions"] = [
                *(doc.get("opinions") or ()),
                {"id": None, "author": username, "text": note, "at": at, "pending": True},
            ]
        doc["flow"] = [
            *(doc.get("flow") or ()),
            {
                "from": username,
                "to": to,
                "action": action,
                "note": payload.get("note") or "",
                "at": at,
                "pending": True,
            },
        ]
    elif kind == "opinion":
        doc["opinions"] = [
            *(doc.get("opinions") or ()),
            {
                "id": None,
                "author": username,
                "text": payload.get("text") or "",
                "at": at,
                "pending": True,
            },
        ]
    elif kind == "mark":
        doc["marked"] = bool(payload.get("marked"))
    elif kind == "upload":
        atts = []
        for att in doc.get("attachments") or ():
            if att.get("id") == payload.get("attachment_id"):
                versions = list(att.get("versions") or ())
                n = max((v.get("n", 0) for v in versions), default=0) + 1
                versions.append(
                    {
                        "n": n,
                        "sha256": payload.get("sha256"),
                        "size": payload.get("size") or 0,
                        "uploaded_by": username,
                        "uploaded_at": at,
                        "signed": True,
                        "note": payload.get("note") or "",
                        "pending": True,
                    }
                )
                att = {**att, "versions": versions}
            atts.append(att)
        doc["attachments"] = atts
    return doc
