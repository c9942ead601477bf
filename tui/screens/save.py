"""Tải file: ask where to save a copy of an attachment."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from kyso.tui.format import plain
from kyso.tui.screens.base import KysoModal

__all__ = ["SaveScreen"]


class SaveScreen(KysoModal):
    """A path box; Enter saves, Esc cancels. Dismisses with the path or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Huỷ", id="save.cancel")]

    def __init__(
        self, name: str, *, title: str = "Tải file — lưu bản sao vào:", folder: Path | None = None
    ) -> None:
        super().__init__(id="save")
        self.file_name = name
        self.title_text = title
        self.folder = folder
        """Where the path starts (default: the Downloads folder)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.title_text), classes="dialog-title")
            # kiosk hook (tui/kiosk.py): the app may name the folder copies go to
            hook = getattr(self.app, "download_folder", None)
            start = hook() if callable(hook) else self.folder or Path.home() / "Downloads"
            yield Input(str(start / self.file_name), id="save-path")
            yield Static("Enter: lưu · Esc: huỷ", classes="dialog-hint")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
