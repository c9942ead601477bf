"""A yes/no question over the current screen (Enter or y: đồng ý, Esc or n: huỷ)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kyso.tui.format import plain
from kyso.tui.screens.base import KysoModal

__all__ = ["ConfirmScreen"]


class ConfirmScreen(KysoModal):
    """Dismisses with True (đồng ý) or False (huỷ)."""

    AREA = "Xác nhận"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "Huỷ", id="confirm.no"),
        Binding("y", "answer(True)", "Đồng ý", id="confirm.yes"),
    ]

    def __init__(self, title: str, question: str, yes: str = "Đồng ý") -> None:
        super().__init__(id="confirm")
        self.title_text = title
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.title_text), classes="dialog-title")
            yield Static(plain(self.question, lines=True), id="confirm-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, variant="error", id="confirm-yes")
                yield Button("Huỷ", id="confirm-no")
            yield Static("y: đồng ý · Esc/n: huỷ", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, yes: bool) -> None:
        """Đồng ý / huỷ."""
        self.dismiss(yes)
