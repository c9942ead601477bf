"""Thêm ý kiến xử lý: a processing opinion without moving the document."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, Static, TextArea

from kyso.tui.format import plain
from kyso.tui.screens.base import KysoModal

__all__ = ["OpinionScreen"]


class OpinionScreen(KysoModal):
    """Dismisses with the opinion text (stripped, not empty) or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Huỷ", id="opinion.cancel"),
        Binding("ctrl+s", "save", "Lưu ý kiến", id="opinion.save"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__(id="opinion")
        self.doc_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain("Ý kiến xử lý: ", self.doc_title), classes="dialog-title")
            yield TextArea(id="opinion-text", soft_wrap=True)
            yield Button("Lưu ý kiến", variant="primary", id="opinion-ok")
            yield Static("Ctrl+S: lưu · Esc: huỷ", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @on(Button.Pressed, "#opinion-ok")
    def action_save(self) -> None:
        """Lưu: keep the opinion (sent at the next sync)."""
        text = self.query_one(TextArea).text.strip()
        if not text:
            self.notify("Ý kiến không được để trống", severity="warning")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        """Huỷ."""
        self.dismiss(None)
