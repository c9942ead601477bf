"""The PIN dialog: which token and certificate, how many documents; the PIN is masked and
handed straight to the signing worker, never stored."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, Input, Static

from kyso.core.service.model import TokenStatus
from kyso.tui.screens.base import KysoModal

__all__ = ["PinScreen"]

_PIN_STATES = {
    "count_low": "Cảnh báo: đã nhập sai PIN, còn ít lần thử",
    "final_try": "Cảnh báo: còn MỘT lần thử — sai nữa token sẽ bị khoá",
    "locked": "PIN đã bị khoá — liên hệ đơn vị cấp chứng thư",
}


class PinScreen(KysoModal):
    """Dismisses with the PIN (a string) or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Huỷ", id="pin.cancel")]

    def __init__(
        self, token: TokenStatus, count: int = 1, pin_state: str = "", notes: tuple[str, ...] = ()
    ) -> None:
        super().__init__(id="pin")
        self.token = token
        self.count = count
        self.pin_state = pin_state
        self.notes = notes
        """Pre-flight warnings shown before the PIN (e.g. no Decree 30 blanks found)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="pin-box"):
            yield Static("Nhập mã PIN của token", classes="dialog-title")
            token = self.token
            lines = [
                f"Token: {token.label or '(chưa xác định)'}",
                f"Chứng thư: {token.holder or '—'}",
                f"Hiệu lực đến: {token.valid_until or '—'}",
                f"Số văn bản sẽ ký: {self.count}",
            ]
            if not token.present and token.message:
                lines.append(f"[yellow]{token.message}[/yellow]")
            # Notes quote document text (what a stamp covers): never read as markup.
            lines.extend(f"[yellow]⚠ {escape(note)}[/yellow]" for note in self.notes)
            warning = _PIN_STATES.get(self.pin_state)
            if warning:
                lines.append(f"[b red]{warning}[/b red]")
            yield Static("\n".join(lines), id="pin-info")
            yield Input(password=True, placeholder="PIN", id="pin-input")
            yield Button("Ký số", variant="primary", id="pin-ok")
            yield Static("Enter: ký · Esc: huỷ · PIN không được lưu", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#pin-input", Input).focus()

    @on(Input.Submitted, "#pin-input")
    @on(Button.Pressed, "#pin-ok")
    def _submit(self) -> None:
        box = self.query_one("#pin-input", Input)
        pin = box.value
        box.value = ""
        if not pin:
            self.notify("Chưa nhập PIN", severity="warning")
            return
        self.dismiss(pin)

    def action_cancel(self) -> None:
        """Huỷ: close without signing."""
        self.query_one("#pin-input", Input).value = ""
        self.dismiss(None)
