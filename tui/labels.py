"""What the status bar says, in Vietnamese, about the service's statuses."""

from __future__ import annotations

from kyso.core.service.model import SyncStatus
from kyso.tui.format import date_vn, time_vn

__all__ = ["last_sync_text", "sync_label"]


def sync_label(status: SyncStatus) -> str:
    """One short Vietnamese phrase for the sync state."""
    if status.state == "syncing":
        return "đang đồng bộ…"
    if status.state == "offline":
        return f"ngoại tuyến, {status.queued} chờ gửi"
    if status.state == "conflict":
        return f"xung đột: {status.conflicts}"
    if status.state == "never":
        return "chưa đồng bộ"
    when = last_sync_text(status)
    done = f"đồng bộ lúc {when}" if when else "đã đồng bộ"
    if status.queued:
        return f"{done}, {status.queued} chờ gửi"
    return done


def last_sync_text(status: SyncStatus) -> str:
    """When the last sync succeeded, Vietnam time: ``HH:MM`` today, else
    ``HH:MM dd/mm/yyyy``; empty when never."""
    from kyso.core.clock import vn_today

    when = time_vn(status.last_sync)
    if not when:
        return ""
    day = date_vn(status.last_sync)
    return when if day == f"{vn_today():%d/%m/%Y}" else f"{when} {day}"
