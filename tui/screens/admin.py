"""Mã PIN quản trị: the kiosk administrator's PIN, asked before anything that leaves
the locked-down station (quit, suspend, system commands, settings, files elsewhere)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from kyso.tui.format import plain
from kyso.tui.screens.base import KysoModal

__all__ = ["AdminPinScreen"]


class AdminPinScreen(KysoModal):
    """Dismisses with the PIN typed (a string) or None when cancelled; the caller checks
    it against the stored hash, so this screen never sees the hash."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Huỷ", id="admin.cancel")]

    def __init__(self, why: str) -> None:
        super().__init__(id="admin-pin")
        self.why = why

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="admin-box"):
            yield Static("Mã PIN quản trị", classes="dialog-title")
            yield Static(plain("Cần mã PIN quản trị để ", self.why, "."), id="admin-why")
            yield Input(password=True, placeholder="Mã PIN quản trị", id="admin-input")
            yield Static("Enter: xác nhận · Esc: huỷ", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#admin-input", Input).focus()

    @on(Input.Submitted, "#admin-input")
    def _submit(self) -> None:
        box = self.query_one("#admin-input", Input)
        pin = box.value
        box.value = ""
        self.dismiss(pin or None)

    def action_cancel(self) -> None:
        """Close without unlocking."""
        self.query_one("#admin-input", Input).value = ""
        self.dismiss(None)
