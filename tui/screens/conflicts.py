"""Xung đột: actions the server refused (someone else moved the document, or the action
was not allowed). Shown until dismissed; the local copy already shows the server's state."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from kyso.core.service.model import ACTION_LABELS, ConflictInfo
from kyso.tui.format import datetime_vn, plain
from kyso.tui.screens.base import KysoScreen
from kyso.tui.widgets.key_bar import KeyBar

__all__ = ["ConflictsScreen"]

_KINDS = {"transition": "Chuyển", "opinion": "Ý kiến", "mark": "Đánh dấu", "upload": "Tải lên"}


class _Read(Message):
    def __init__(self, conflicts: list[ConflictInfo]) -> None:
        super().__init__()
        self.conflicts = conflicts


class ConflictsScreen(KysoScreen):
    """`x` dismisses the highlighted conflict."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Đóng", id="conflicts.close"),
        Binding("x", "dismiss_one", "Đã xem", id="conflicts.dismiss"),
    ]

    def __init__(self) -> None:
        super().__init__(id="conflicts")

    def compose(self) -> ComposeResult:
        yield Static("Thao tác bị máy chủ từ chối", id="conflicts-title")
        yield DataTable(id="conflicts-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar(id="conflicts-keys")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Lúc", "Văn bản", "Thao tác", "Loại", "Lý do")
        table.focus()
        self.reload()

    def reload(self) -> None:
        """Read the conflicts from the store."""
        self._read()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="conflicts",
        description="Đọc xung đột",
    )
    def _read(self) -> None:
        self.post_message(_Read(self.service.conflicts()))

    @on(_Read)
    def _show(self, message: _Read) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for c in message.conflicts:
            what = _KINDS.get(c.kind, c.kind)
            action = c.payload.get("action")
            if action:
                what += f": {ACTION_LABELS.get(action, action)}"
            why = "xung đột" if c.reason == "conflict" else f"bị từ chối ({c.status})"
            table.add_row(
                *map(plain, (datetime_vn(c.at), f"#{c.document_id}", what, why)),
                plain(c.message),
                key=str(c.id),
            )
        count = len(message.conflicts)
        self.query_one("#conflicts-title", Static).update(
            f"Thao tác bị máy chủ từ chối: {count}" if count else "Không có xung đột"
        )

    def action_dismiss_one(self) -> None:
        """Đã xem: hide the highlighted conflict."""
        table = self.query_one(DataTable)
        if not table.rows:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self._dismiss(int(key))

    @work(thread=True, exit_on_error=False, group="conflicts-write", description="Ẩn xung đột")
    def _dismiss(self, conflict_id: int) -> None:
        self.service.dismiss_conflict(conflict_id)
        self.app.call_from_thread(self.reload)
        status = self.service.sync_status()
        from kyso.tui.messages import SyncStatusChanged

        self.app.call_from_thread(self.kyso.broadcast, SyncStatusChanged(status))

    def action_back(self) -> None:
        """Đóng."""
        self.dismiss(None)
