"""Màn hình chào of the kiosk station: insert the token, then log in.

Shown at start and after every lock. It holds nothing of the previous user: the fields
are empty, and the only status it shows is the token's and why the station locked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Center, Vertical
from textual.widgets import Button, Input, Static

from kyso.tui.format import plain
from kyso.tui.screens.base import KysoScreen

if TYPE_CHECKING:  # pragma: no cover
    from kyso.tui.kiosk import KioskApp

__all__ = ["WelcomeScreen"]


class WelcomeScreen(KysoScreen):
    """Token status, server, user name and password; Enter logs in."""

    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(self, server: str = "", note: str = "") -> None:
        super().__init__(id="welcome")
        self.server = server
        self.note = note
        from kyso.tui.kiosk import console_is_bare

        # the Linux console's fonts have no circled digits or check marks
        self.marks = ("1.", "2.", "") if console_is_bare() else ("①", "②", " ✔")

    @property
    def station(self) -> KioskApp:
        """The running kiosk app."""
        return cast("KioskApp", cast(Any, self).app)

    def compose(self) -> ComposeResult:
        with Center(id="welcome-center"), Vertical(id="welcome-box"):
            yield Static("kyso — MÁY TRẠM KÝ SỐ", id="welcome-title")
            yield Static("", id="welcome-token")
            step = f"{self.marks[1]} Đăng nhập hệ thống quản lý văn bản"
            yield Static(step, classes="welcome-step")
            yield Input(
                self.server,
                placeholder="Máy chủ: https://…",
                id="welcome-server",
                disabled=bool(self.server),
            )
            yield Input(placeholder="Tên đăng nhập", id="welcome-user")
            yield Input(placeholder="Mật khẩu", password=True, id="welcome-password")
            yield Button("Đăng nhập", variant="primary", id="welcome-login")
            yield Static(plain(self.note), id="welcome-note")
            yield Static("", id="welcome-hint")

    def on_mount(self) -> None:
        minutes = self.station.settings.ui.kiosk_idle_minutes
        self.query_one("#welcome-hint", Static).update(
            f"Tự khoá sau {minutes:g} phút không dùng hoặc khi rút token."
        )
        self.show_token(self.station.token_state)
        self.query_one("#welcome-server" if not self.server else "#welcome-user", Input).focus()

    def show_token(self, state: bool | str | None) -> None:
        """Step ①: whether a token is plugged in (``None``: still looking).

        The state is the token's or the system's own words: literal text, never markup."""
        mark = f"{self.marks[0]} "
        if state is True:
            text = Text.assemble(mark, "Token: ", ("đã cắm", "bold"), self.marks[2])
        elif state is None:
            text = plain(mark, "Đang tìm token…")
        else:
            text = Text.assemble(mark, ("Hãy cắm token ký số", "bold"), " — ", plain(state))
        self.query_one("#welcome-token", Static).update(text)

    def show_note(self, text: str) -> None:
        """A line under the form: why the station locked, or why the login failed."""
        self.query_one("#welcome-note", Static).update(plain(text))

    def busy(self, busy: bool) -> None:
        """Disable the button while a login runs."""
        button = self.query_one("#welcome-login", Button)
        button.disabled = busy
        button.label = "Đang đăng nhập…" if busy else "Đăng nhập"

    def clear(self) -> None:
        """Empty the user name and password (after an idle time on this screen)."""
        self.query_one("#welcome-user", Input).value = ""
        self.query_one("#welcome-password", Input).value = ""

    @on(Input.Submitted, "#welcome-server")
    def _server_done(self) -> None:
        self.query_one("#welcome-user", Input).focus()

    @on(Input.Submitted, "#welcome-user")
    def _user_done(self) -> None:
        self.query_one("#welcome-password", Input).focus()

    @on(Input.Submitted, "#welcome-password")
    @on(Button.Pressed, "#welcome-login")
    def _submit(self) -> None:
        server = self.query_one("#welcome-server", Input).value.strip()
        user = self.query_one("#welcome-user", Input).value.strip()
        box = self.query_one("#welcome-password", Input)
        password = box.value
        box.value = ""
        if not server or not user or not password:
            self.show_note("Nhập đủ máy chủ, tên đăng nhập và mật khẩu.")
            return
        self.station.kiosk_login(server, user, password)
