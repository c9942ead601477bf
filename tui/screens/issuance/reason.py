"""The dialog asking why a number held for a document is cancelled."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from kyso.tui.format import plain
from kyso.tui.screens.base import KysoModal

__all__ = ["ReasonScreen"]


class ReasonScreen(KysoModal):
    """Asks why a held number is cancelled; dismisses with the reason or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Huỷ", id="reason.cancel"),
    ]

    def __init__(self, number: str) -> None:
        super().__init__(id="issuance-reason")
        self.number = number

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain("Huỷ số ", self.number), classes="dialog-title")
            yield Static("Số bị huỷ được ghi trong sổ đăng ký và không cấp lại.")
            yield Input(placeholder="Lý do huỷ số", id="reason-input")
            yield Static("Enter: huỷ số · Esc: thôi", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#reason-input")
    def _submit(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.notify("Cần ghi lý do huỷ số", severity="warning")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        """Thôi: keep the number."""
        self.dismiss(None)
