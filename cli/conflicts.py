"""``kyso conflicts``: the actions the server refused, as the app's Xung đột screen lists
them (someone else moved the document, or the action was not allowed)."""

from __future__ import annotations

import click

from kyso.cli.common import echo, echo_json

__all__ = ["conflict_json", "conflicts"]

_KINDS = {"transition": "Chuyển", "opinion": "Ý kiến", "mark": "Đánh dấu", "upload": "Tải lên"}


def _what(kind: str, payload: dict) -> str:
    from kyso.core.workflow import ACTION_LABELS, Action

    what = _KINDS.get(kind, kind)
    action = payload.get("action") if isinstance(payload, dict) else None
    if action:
        try:
            what += f": {ACTION_LABELS[Action(action)]}"
        except ValueError:
            what += f": {action}"
    return what


def conflict_json(c) -> dict:  # c: kyso.core.store_rows.Conflict
    """A conflict as ``--json`` prints it (``at`` in ISO 8601)."""
    payload = c.payload if isinstance(c.payload, dict) else {}
    return {
        "id": c.id,
        "document_id": c.document_id,
        "kind": c.kind,
        "action": payload.get("action"),
        "reason": c.reason,
        "status": c.status,
        "message": c.message,
        "at": c.at,
        "payload": c.payload,
    }


@click.command()
@click.option("--all", "include_dismissed", is_flag=True, help="Cả những xung đột đã xem.")
@click.option(
    "--dismiss",
    "dismiss",
    multiple=True,
    type=int,
    metavar="ID",
    help="Đánh dấu đã xem (ẩn) xung đột ID; lặp lại được.",
)
@click.option("--json", "as_json", is_flag=True, help="In JSON (thời điểm theo ISO 8601).")
def conflicts(include_dismissed: bool, dismiss: tuple[int, ...], as_json: bool) -> None:
    """Thao tác bị máy chủ từ chối (xung đột), mới nhất trước; bản trên máy đã theo máy chủ."""
    from kyso.core.dates import datetime_vn
    from kyso.core.service.office import conflicts as read_conflicts
    from kyso.core.service.office import dismiss_conflicts, open_store

    with open_store() as store:
        if dismiss:
            dismiss_conflicts(store, dismiss)
        rows = read_conflicts(store, include_dismissed=include_dismissed)
    if as_json:
        echo_json([conflict_json(c) for c in rows])
        return
    if dismiss:
        echo(f"Đã ẩn {len(dismiss)} xung đột.")
    if not rows:
        echo("Không có xung đột.")
        return
    for c in rows:
        why = "xung đột" if c.reason == "conflict" else f"bị từ chối ({c.status})"
        echo(
            f"{c.id:>4} {datetime_vn(c.at):<16} văn bản {c.document_id:<6} "
            f"{_what(c.kind, c.payload):<28} {why}: {c.message}"
        )
