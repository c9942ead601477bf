"""`?`: every key of the screen below and of the app, and what its marks mean."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from kyso.tui.commands import screen_bindings
from kyso.tui.screens.base import KysoModal

__all__ = ["HelpScreen"]


class HelpScreen(KysoModal):
    """A table of keys, what they do, and their binding ids (for the keymap)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Đóng", id="help.close"),
        Binding("question_mark", "dismiss", "Đóng", show=False, id="help.close2"),
    ]

    def __init__(self, below: Any) -> None:
        super().__init__(id="help")
        self.below = below

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static("Phím tắt", id="help-title")
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            legend = getattr(self.below, "legend_text", None)
            if callable(legend):
                yield Static(f"[b]Ký hiệu[/b]\n{escape(legend())}", id="help-legend")
            yield Static(
                "Esc: đóng · Ctrl+P: bảng lệnh · đổi phím trong [ui.keymap]", id="help-hint"
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Phím", "Việc", "Mã (keymap)")
        for _node, binding in screen_bindings(self.below):
            table.add_row(self.app.get_key_display(binding), binding.description, binding.id)
        table.focus()

    async def action_dismiss(self, result: Any = None) -> None:
        self.dismiss(None)
