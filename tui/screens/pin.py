"""The PIN dialog: which token and certificate, how many documents, the PIN tries the
token reports; the PIN is masked and handed straight to the signing worker, never stored.

With a ``check`` (log in and out once), a wrong PIN is said in the dialog with the tries
left and asked again, instead of ending the flow on a result screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, Input, Static

from kyso.core.errors import KysoError, PinError, PinLockedError
from kyso.core.service.tokens import PIN_WARNINGS, TokenStatus
from kyso.tui.screens.base import KysoModal

__all__ = ["PinScreen"]

_STATE_OF_TRIES = {"ít": "count_low", "1": "final_try", "0": "locked"}
"""A refused PIN's ``tries_left`` → the PIN state it means."""


class PinScreen(KysoModal):
    """Dismisses with the PIN (a string) or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Huỷ", id="pin.cancel")]

    def __init__(
        self,
        token: TokenStatus,
        count: int = 1,
        pin_state: str = "",
        notes: tuple[str, ...] = (),
        check: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(id="pin")
        self.token = token
        self.count = count
        self.pin_state = pin_state or token.pin_state
        self.notes = notes
        """Pre-flight warnings shown before the PIN (e.g. no Decree 30 blanks found)."""
        self.check = check
        """Logs in and out with the PIN; raises :class:`PinError` when it is wrong."""
        self.refused = 0
        """Wrong PINs typed in this dialog."""
        self.closed = False

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
                lines.append(f"[yellow]{escape(token.message)}[/yellow]")
            # Notes quote document text (what a stamp covers): never read as markup.
            lines.extend(f"[yellow]⚠ {escape(note)}[/yellow]" for note in self.notes)
            yield Static("\n".join(lines), id="pin-info")
            yield Static(self._tries_text(), id="pin-tries")
            yield Static("", id="pin-error")
            yield Input(password=True, placeholder="PIN", id="pin-input")
            yield Button("Ký số", variant="primary", id="pin-ok")
            yield Static("Enter: ký · Esc: huỷ · PIN không được lưu", classes="dialog-hint")

    def _tries_text(self) -> str:
        """The PIN state's warning and the tries left, as the token reports them."""
        warning = PIN_WARNINGS.get(self.pin_state)
        if not warning:
            return ""
        tries = TokenStatus(pin_state=self.pin_state).tries_left
        return f"[b red]{warning}[/b red]\nSố lần thử PIN còn lại: {tries}"

    def on_mount(self) -> None:
        self._show("#pin-tries", self._tries_text())
        self._show("#pin-error", "")
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
        if self.check is None:
            self.closed = True
            self.dismiss(pin)
            return
        box.disabled = True
        self._show("#pin-error", "Đang kiểm tra PIN…")
        self._check(pin)

    def _show(self, selector: str, text: str) -> None:
        line = self.query_one(selector, Static)
        line.update(text)
        line.display = bool(text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="pin-check")
    def _check(self, pin: str) -> None:
        assert self.check is not None
        try:
            self.check(pin)
        except PinLockedError as exc:
            self.app.call_from_thread(self._locked, exc)
        except PinError as exc:
            self.app.call_from_thread(self._refused, exc)
        except KysoError as exc:  # token pulled out, …: say it, the user may retry
            self.app.call_from_thread(self._problem, exc.message)
        else:
            self.app.call_from_thread(self._accepted, pin)
        del pin

    def _accepted(self, pin: str) -> None:
        if self.is_attached and not self.closed:  # not cancelled while it was checked
            self.closed = True
            self.dismiss(pin)

    def _locked(self, error: PinLockedError) -> None:
        self.notify(error.message, title=error.title, severity="error", timeout=10)
        if not self.closed:
            self.closed = True
            self.dismiss(None)

    def _refused(self, error: PinError) -> None:
        self.refused += 1
        self.pin_state = _STATE_OF_TRIES.get(error.tries_left or "", self.pin_state)
        self._show("#pin-tries", self._tries_text())
        self._problem(f"{error.message} Nhập lại PIN.")

    def _problem(self, message: str) -> None:
        self._show("#pin-error", f"[b red]✘ {escape(message)}[/b red]")
        box = self.query_one("#pin-input", Input)
        box.disabled = False
        box.focus()

    def action_cancel(self) -> None:
        """Huỷ: close without signing."""
        self.query_one("#pin-input", Input).value = ""
        if not self.closed:
            self.closed = True
            self.dismiss(None)
