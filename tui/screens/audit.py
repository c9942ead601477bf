"""Nhật ký máy trạm: the hash-chained local audit log, newest first, with its check."""

from __future__ import annotations

import json
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from kyso.tui.format import datetime_vn
from kyso.tui.screens.base import KysoScreen

__all__ = ["AuditScreen"]

_ACTIONS = {
    "view": "Xem trang",
    "sign": "Ký số",
    "transition": "Chuyển",
    "mark": "Đánh dấu",
    "download": "Tải file",
}


class _Read(Message):
    def __init__(self, entries: list, ok: bool, summary: str) -> None:
        super().__init__()
        self.entries, self.ok, self.summary = entries, ok, summary


class AuditScreen(KysoScreen):
    """Read-only view; `r` reads the file again."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Đóng", id="audit.close"),
        Binding("r", "reload", "Đọc lại", id="audit.reload"),
    ]

    def __init__(self) -> None:
        super().__init__(id="audit")

    def compose(self) -> ComposeResult:
        yield Static("Nhật ký máy trạm", id="audit-title")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(
            "#", "Lúc", "Người", "Việc", "Văn bản", "Băm tệp", "Chi tiết", "Nơi"
        )
        self.action_reload()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="audit-read",
        description="Đọc nhật ký",
    )
    def action_reload(self) -> None:
        """Đọc lại the log and check its chain."""
        log = self.kyso.audit
        ok, summary = log.verify()
        self.post_message(_Read(log.entries(), ok, summary))

    @on(_Read)
    def _show(self, message: _Read) -> None:
        mark = "✔" if message.ok else "✘"
        self.query_one("#audit-title", Static).update(
            f"Nhật ký máy trạm — {mark} {message.summary}"
        )
        table = self.query_one(DataTable)
        table.clear()
        for e in reversed(message.entries):
            table.add_row(
                str(e.seq),
                datetime_vn(e.at),
                e.user,
                _ACTIONS.get(e.action, e.action),
                "" if e.document_id is None else f"#{e.document_id}",
                e.sha256[:12],
                json.dumps(e.detail, ensure_ascii=False)[:60],
                e.origin,
            )

    def action_back(self) -> None:
        """Đóng."""
        self.dismiss(None)
