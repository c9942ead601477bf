"""The kyso terminal app: a thin shell that holds the service and pushes screens.

The use cases are the service's (:mod:`kyso.core.service`); flows that span several
screens (signing, transitions, sync) are run by ``app.flows`` (:mod:`kyso.tui.flows`);
each screen lives in its own module under ``screens/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from kyso.config.settings import Settings
from kyso.core.atomic import write_atomic
from kyso.core.errors import KysoError
from kyso.core.service.api import Service
from kyso.core.service.model import TokenStatus
from kyso.core.textsafe import safe_line, safe_lines
from kyso.tui.commands import (
    KysoCommands,
    KysoPalette,
    KysoSystemCommands,
    ThemeCommands,
    system_commands,
)

__all__ = ["KysoApp"]


class KysoApp(App[None]):
    """Hộp văn bản, xem trước, ký số token, chuyển văn bản."""

    TITLE = "kyso — ký số văn bản"
    CSS_PATH = Path(__file__).with_name("kyso.tcss")
    COMMANDS: ClassVar[set[Any]] = {KysoSystemCommands, KysoCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Thoát", id="app.quit", priority=True),
        Binding("question_mark", "help", "Phím tắt", id="app.help"),
        Binding("ctrl+p", "command_palette", "Lệnh", id="app.palette", show=False),
        Binding("ctrl+t", "token", "Token", id="app.token"),
        Binding("comma", "settings", "Cài đặt", id="app.settings"),
        Binding("ctrl+l", "audit", "Nhật ký", id="app.audit"),
    ]

    def __init__(
        self,
        service: Service,
        *,
        settings: Settings | None = None,
        images: str | None = None,
        key_label: str | None = None,
        greeting: str = "",
    ) -> None:
        super().__init__()
        self.service = service
        self.settings = settings or Settings()
        self.images = images or self.settings.ui.images
        self.key_label = key_label
        self.greeting = greeting
        """Which key on the token to sign with (None: the only usable one)."""
        self.token_status = TokenStatus()
        self.user_names: dict[str, str] = {}
        self._renderer: Any = None
        self._audit: Any = None
        from kyso.tui.flows import Flows

        self.flows = Flows(self)
        """The multi-screen flows (signing, transitions, sync, marks)."""
        if self.settings.ui.theme:
            self.theme = self.settings.ui.theme

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast is plain text: its message often quotes a document or the server
        (``markup`` is accepted for Textual's signature and ignored)."""
        del markup
        super().notify(
            safe_lines(message),
            title=safe_line(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_mount(self) -> None:
        from kyso.tui.screens.inbox import InboxScreen

        if self.settings.ui.keymap:
            self.set_keymap(self.settings.ui.keymap)
        self.push_screen(InboxScreen())
        if self.greeting:
            self.notify(self.greeting, title="kyso", timeout=10)
        from kyso.core.notices import pop_notices

        for notice in pop_notices():  # a repaired file mode, a damaged cache rebuilt
            self.notify(notice, title="kyso", severity="warning", timeout=15)
        self.flows.refresh_user_names()
        # Looking for the token loads PKCS#11 modules: not while the first frame is drawn.
        self.call_after_refresh(self.flows.refresh_token_status)

    @property
    def renderer(self) -> Any:
        """The shared page renderer (PyMuPDF is imported on first use, in a worker)."""
        if self._renderer is None:
            from kyso.core.docs.render import Renderer

            self._renderer = Renderer(disk=True)
        return self._renderer

    @property
    def audit(self) -> Any:
        """The station's audit log (:class:`kyso.core.audit.AuditLog`)."""
        if self._audit is None:
            from kyso.core.audit import AuditLog

            self._audit = AuditLog()
        return self._audit

    # -- what every screen and flow shares -------------------------------------------

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """Show a failed worker's error as a notification: title + message, no traceback."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, KysoError):
            self.notify(error.message, title=error.title, severity="error", timeout=8)
        else:
            description = event.worker.description or event.worker.name
            self.notify(
                f"{description}: {type(error).__name__}: {error}",
                title="Lỗi",
                severity="error",
                timeout=8,
            )

    def record(self, action: str, **fields: Any) -> None:
        """Append to the audit log (any thread); a failure is shown, never fatal."""
        try:
            self.audit.append(action, user=self.service.user.username, **fields)
        except KysoError as exc:
            try:
                self.call_from_thread(self.notify, exc.message, title=exc.title, severity="warning")
            except RuntimeError:  # already on the app's thread
                self.notify(exc.message, title=exc.title, severity="warning")

    def broadcast(self, message: Any) -> None:
        """Send a message to every screen on the stack (status bars listen)."""
        for screen in self.screen_stack:
            screen.post_message(message)

    def refresh_views(self) -> None:
        """Ask every screen that shows store data to read it again."""
        for screen in self.screen_stack:
            reload = getattr(screen, "reload", None)
            if callable(reload):
                reload()

    def save_copy(self, source: Path, target: Path) -> None:
        """Tải file: copy an attachment to a folder the user chose."""
        write_atomic(target, source.read_bytes())

    # -- the palette in Vietnamese -----------------------------------------------------

    def action_command_palette(self) -> None:
        """Bảng lệnh (Ctrl+P)."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(KysoPalette(id="--command-palette"))

    def search_themes(self) -> None:
        """Đổi giao diện: the themes by their Vietnamese names."""
        self.push_screen(KysoPalette(providers=[ThemeCommands], placeholder="Tìm giao diện…"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The app-wide palette commands, in Vietnamese."""
        yield from system_commands(self, screen)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Chụp màn hình into the pictures folder (the browser's downloads in web mode)."""
        if self.is_web:
            self.deliver_screenshot(filename, path)
            return
        from kyso.tui.screenshot import save_screenshot

        save_screenshot(self)

    def action_audit(self) -> None:
        """Open Nhật ký máy trạm."""
        from kyso.tui.screens.audit import AuditScreen

        self.push_screen(AuditScreen())

    def action_help(self) -> None:
        """Show every key of the current screen."""
        from kyso.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_token(self) -> None:
        """Open the token (driver) screen."""
        from kyso.tui.screens.token import TokenScreen

        self.push_screen(TokenScreen())

    def action_settings(self) -> None:
        """Open Thông tin cá nhân."""
        from kyso.tui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen())

    def on_unmount(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
        self.service.close()
