"""Kiosk mode: the app as a shared signing station (``kyso tui --kiosk``).

:class:`KioskApp` is :class:`~kyso.tui.app.KysoApp` locked down:

* no way out to a shell: quit (q, Ctrl+Q, Ctrl+C), suspend (Ctrl+Z), the palette's
  system commands (quit, theme, screenshot…), the settings page, the station's audit
  log and saving a file outside the user's folder all ask for the administrator PIN
  (``ui.kiosk_admin_pin_hash``); with no hash configured they are simply refused;
* it starts on the welcome screen (insert the token, log in) and each user works in
  their own store;
* it locks after ``ui.kiosk_idle_minutes`` without a key or a mouse event, at once when
  the token is pulled out (polled off the UI thread every :attr:`TOKEN_POLL_SECONDS`),
  or on F12: every screen is closed, the store is closed, previews and thumbnails are
  dropped (they are kept in memory only), the saved session is forgotten, and the
  welcome screen comes back;
* a large high-contrast theme (``kyso-high-contrast``), used by default on a bare Linux
  console (``TERM=linux``), where images are always off.

The policy itself (PIN hash, idle clock, token presence) is :mod:`kyso.core.kiosk`; the
theme is :mod:`kyso.tui.kiosk_look`, the palette :mod:`kyso.tui.kiosk_commands` and the
administrator PIN :mod:`kyso.tui.kiosk_admin`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import events, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from kyso.config.settings import Settings
from kyso.core.errors import KysoError
from kyso.core.kiosk import IdleClock, token_present
from kyso.core.service.api import Service, SignedOut
from kyso.core.service.model import TokenStatus
from kyso.tui.app import KysoApp
from kyso.tui.commands import KysoCommands
from kyso.tui.kiosk_admin import AdminGate
from kyso.tui.kiosk_commands import KioskCommands
from kyso.tui.kiosk_look import HIGH_CONTRAST, console_is_bare

__all__ = ["HIGH_CONTRAST", "KioskApp", "KioskCommands", "console_is_bare"]

_KEEP_ON_LOCK = {"kiosk-lock", "kiosk-token", "sign-batch"}
"""Workers a lock leaves running (a batch is told to stop and waited for)."""
_BATCH_WAIT = 30.0
"""Seconds a lock waits for a stopping batch before closing the user's store."""


class KioskApp(KysoApp):
    """The station: welcome screen, per-user sessions, locks, no way out."""

    CSS_PATH: ClassVar[Any] = [KysoApp.CSS_PATH, Path(__file__).with_name("kiosk.tcss")]
    COMMANDS: ClassVar[set[Any]] = (KysoApp.COMMANDS - {KysoCommands}) | {KioskCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Thoát", id="app.quit", show=False, priority=True),
        Binding("ctrl+q", "quit", "Thoát", id="kiosk.quit", show=False, priority=True),
        Binding("ctrl+z", "suspend_process", "Tạm dừng", id="kiosk.suspend", show=False),
        Binding("f12", "lock", "Khoá máy", id="kiosk.lock", priority=True),
    ]
    TOKEN_POLL_SECONDS: ClassVar[float] = 2.0
    """How often the token's presence is checked (in a thread)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        images: str | None = None,
        key_label: str | None = None,
        module: str | None = None,
        token_check: Callable[[], bool | str] | None = None,
        token_poll: float | None = None,
        require_token: bool = True,
    ) -> None:
        """``token_check`` answers ``True`` or why there is no token (default:
        :func:`kyso.core.kiosk.token_present` on ``module``); ``require_token`` refuses
        a login while no token is plugged in."""
        settings = settings or Settings()
        theme = settings.ui.theme
        bare = console_is_bare()
        if bare:
            images = "off"
            if theme in ("", "textual-dark"):
                theme = HIGH_CONTRAST.name
        # KysoApp sets the theme before this app can register its own: hand it none.
        super().__init__(
            SignedOut(),
            settings=replace(settings, ui=replace(settings.ui, theme="")),
            images=images or settings.ui.images,
            key_label=key_label,
        )
        self.settings = settings
        self.register_theme(HIGH_CONTRAST)
        if theme and theme in self.available_themes:
            self.theme = theme
        self.module = module or settings.token.module or None
        self.token_check = token_check or partial(token_present, self.module)
        self.token_poll = token_poll or self.TOKEN_POLL_SECONDS
        self.require_token = require_token
        self.idle = IdleClock.minutes(settings.ui.kiosk_idle_minutes)
        self.session: Any = None
        """The logged-in :class:`kyso.core.sync.Session`, None while locked."""
        self.gate = AdminGate(self)
        self.token_state: bool | str | None = None
        """The last presence check: True, why not, or None before the first."""
        self.locked = True
        self._token_worker: Any = None

    @property
    def admin(self) -> bool:
        """The administrator PIN was entered (until the next lock)."""
        return self.gate.unlocked

    @admin.setter
    def admin(self, value: bool) -> None:
        self.gate.unlocked = value

    # -- start ------------------------------------------------------------------------

    def on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # not KysoApp's inbox: the welcome screen first
        if console_is_bare():
            self.add_class("-bare-console")  # plain box drawing (kiosk.tcss)
        if self.settings.ui.keymap:
            self.set_keymap(self.settings.ui.keymap)
        from kyso.tui.screens.welcome import WelcomeScreen

        self.push_screen(WelcomeScreen(self.settings.server.url))
        self.set_interval(min(1.0, max(0.05, self.idle.timeout / 4)), self._check_idle)
        self.set_interval(self.token_poll, self._poll_token)
        self._poll_token()

    @property
    def renderer(self) -> Any:
        """Page renderer whose thumbnails stay in memory (dropped on every lock)."""
        if self._renderer is None:
            from kyso.core.docs.render import Renderer

            self._renderer = Renderer(disk=False)
        return self._renderer

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.idle.touch()
        await super().on_event(event)

    # -- login ------------------------------------------------------------------------

    def kiosk_login(self, server: str, username: str, password: str) -> None:
        """Log in from the welcome screen (the work runs in a thread)."""
        if self.require_token and self.token_state is not True:
            self._welcome_note("Hãy cắm token ký số trước khi đăng nhập.")
            return
        welcome = self._welcome()
        if welcome is not None:
            welcome.busy(True)
            welcome.show_note("")
        self._login(server, username, password)

    @work(thread=True, exclusive=True, exit_on_error=False, group="kiosk-login")
    def _login(self, server: str, username: str, password: str) -> None:
        from kyso.core.service.store_service import StoreService

        try:
            # Offline after the login, the user works on what the store has; the inbox says so.
            service = StoreService.login(
                server, username, password, kiosk=True, key_label=self.key_label, module=self.module
            )
        except KysoError as exc:
            self.call_from_thread(self._login_failed, exc.message)
            return
        self.call_from_thread(self._start_session, service.session, service)

    def _login_failed(self, message: str) -> None:
        welcome = self._welcome()
        if welcome is not None:
            welcome.busy(False)
            welcome.show_note(message)

    def _start_session(self, session: Any, service: Service) -> None:
        from kyso.tui.screens.inbox import InboxScreen

        if not self.locked or self._welcome() is None:  # a lock raced the login
            service.close()
            return
        self.session = session
        self.service = service
        self.locked = False
        self.idle.touch()
        self.user_names = {}
        self.record("kiosk_login")
        self.switch_screen(InboxScreen())
        self.flows.refresh_user_names()
        self.flows.refresh_token_status()

    # -- lock -------------------------------------------------------------------------

    def action_lock(self) -> None:
        """Khoá máy: end the session now."""
        if not self.locked:
            self.request_lock("Đã khoá máy.")

    def request_lock(self, note: str) -> None:
        """End the session (if any), clear everything of it, show the welcome screen."""
        if self.locked:
            return
        self.locked = True
        self.run_worker(self._lock(note), group="kiosk-lock", exit_on_error=False)

    async def _lock(self, note: str) -> None:
        from kyso.core.service.office import forget_session, revoke_session
        from kyso.tui.screens.batch import BatchScreen
        from kyso.tui.screens.welcome import WelcomeScreen

        self.record("kiosk_lock", reason=note)
        for screen in self.screen_stack:
            if isinstance(screen, BatchScreen):
                screen.action_stop()  # a batch stops after the file in flight
        for worker in list(self.workers):
            if worker.group not in _KEEP_ON_LOCK:
                worker.cancel()
        old = self.service
        self.service = SignedOut()
        self.session = None
        self.admin = False
        self.token_status = TokenStatus()
        self.user_names = {}
        self.clear_notifications()
        with contextlib.suppress(OSError):
            # The file goes now; the token is revoked on the server off the UI thread
            # (queued for a later login when the server cannot be reached).
            ended = forget_session()
            if ended is not None:
                threading.Thread(
                    target=_quietly, args=(revoke_session, ended), name="kiosk-revoke", daemon=True
                ).start()
        if self._renderer is not None:
            self._renderer.close()
            self._renderer.cache.clear()
            self._renderer = None
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(WelcomeScreen(self.settings.server.url, note))
        # A stopping batch still writes the signed file in flight to the user's store.
        for _ in range(int(_BATCH_WAIT / 0.1)):
            if not self._batch_running():
                break
            await asyncio.sleep(0.1)
        old.close()  # after its screens and batch are gone, so none reads it any more
        self.idle.touch()

    def _batch_running(self) -> bool:
        return any(w.group == "sign-batch" and not w.is_finished for w in self.workers)

    def _check_idle(self) -> None:
        if not self.idle.expired():
            return
        if self._batch_running():  # signing 30 files is not leaving the station
            self.idle.touch()
            return
        if not self.locked:
            minutes = self.settings.ui.kiosk_idle_minutes
            self.request_lock(f"Đã khoá vì không dùng {minutes:g} phút.")
        else:
            welcome = self._welcome()
            if welcome is not None and self.screen is welcome:
                welcome.clear()
            self.admin = False
            self.idle.touch()

    # -- token presence ---------------------------------------------------------------

    def _poll_token(self) -> None:
        if self._token_worker is not None and not self._token_worker.is_finished:
            return
        self._token_worker = self._check_token()

    @work(thread=True, exit_on_error=False, group="kiosk-token", description="Kiểm tra token")
    def _check_token(self) -> None:
        try:
            state = self.token_check()
        except Exception as exc:  # a check that fails is a token we cannot use
            state = f"{type(exc).__name__}: {exc}"
        self.call_from_thread(self._token_checked, state)

    def _token_checked(self, state: bool | str) -> None:
        changed = state != self.token_state
        self.token_state = state
        if state is not True and not self.locked:
            self.request_lock(f"Đã khoá vì token đã được rút ra ({state}).")
        welcome = self._welcome()
        if welcome is not None and changed:
            welcome.show_token(state)

    # -- the administrator ------------------------------------------------------------

    def require_admin(self, then: Callable[[], Any], why: str) -> None:
        """Run ``then`` once the administrator PIN was entered (asked now if not yet)."""
        self.gate.require(then, why)

    def action_admin(self) -> None:
        """Quản trị: enter the administrator PIN (system commands become available)."""
        self.require_admin(
            lambda: self.notify("Đã mở quyền quản trị đến lần khoá máy sau.", timeout=4),
            "mở quyền quản trị",
        )

    async def action_quit(self) -> None:
        """Thoát: only for the administrator."""
        self.require_admin(self.exit, "thoát ứng dụng")

    def action_suspend_process(self) -> None:
        """Ctrl+Z: only for the administrator."""
        self.require_admin(super().action_suspend_process, "tạm dừng ứng dụng")

    def action_help_quit(self) -> None:
        """Ctrl+C: say that the station does not quit."""
        self.notify(
            "Đây là máy trạm ký số dùng chung: cần mã PIN quản trị để thoát (q).",
            title="Máy trạm kiosk",
            timeout=4,
        )

    def action_settings(self) -> None:
        """Cài đặt: the station's config is the administrator's."""
        self.require_admin(super().action_settings, "mở cài đặt máy trạm")

    def action_audit(self) -> None:
        """Nhật ký máy trạm: every user's actions, so the administrator's."""
        self.require_admin(super().action_audit, "xem nhật ký máy trạm")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's system commands (quit, theme, screenshot…) for the administrator only."""
        if self.admin:
            yield from super().get_system_commands(screen)

    # -- files ------------------------------------------------------------------------

    def download_folder(self) -> Path:
        """Where this user's copies of attachments go: their folder in the data folder."""
        from kyso.config.locations import data_dir

        user = self.service.user.username or "_"
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in user)
        folder = data_dir() / "kiosk" / safe
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder

    def save_copy(self, source: Path, target: Path) -> None:
        """Tải file, only inside the user's folder unless the administrator unlocked."""
        folder = self.download_folder().resolve()
        resolved = Path(target).expanduser().resolve()
        if not self.admin and not resolved.is_relative_to(folder):
            raise KysoError(f"Máy trạm kiosk chỉ lưu tệp vào {folder}.", title="Tải file")
        super().save_copy(source, resolved)

    # -- helpers ----------------------------------------------------------------------

    def _welcome(self) -> Any:
        from kyso.tui.screens.welcome import WelcomeScreen

        for screen in self.screen_stack:
            if isinstance(screen, WelcomeScreen):
                return screen
        return None

    def _welcome_note(self, text: str) -> None:
        welcome = self._welcome()
        if welcome is not None:
            welcome.show_note(text)


def run_kiosk(*, images: str | None = None, key_label: str | None = None) -> None:
    """Start the station with the user's config (``kyso tui --kiosk``)."""
    from kyso.config.settings import load_settings

    settings = load_settings()
    mode = "off" if console_is_bare() else (images or settings.ui.images)
    if mode != "off":
        try:  # textual-image must query the terminal before the app starts
            import textual_image.widget  # noqa: F401
        except Exception:
            mode = "off"
    KioskApp(settings, images=mode, key_label=key_label).run()


def _quietly(func: Any, *args: Any) -> None:
    """Run ``func`` in a background thread where nobody could show its error."""
    with contextlib.suppress(Exception):
        func(*args)
