"""The kiosk's administrator PIN: asked before the ways out, counted, paused after too
many wrong tries, valid until the next lock."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kyso.core.kiosk import check_admin_pin

if TYPE_CHECKING:  # pragma: no cover
    from kyso.tui.app import KysoApp

__all__ = ["ADMIN_PAUSE", "MAX_ADMIN_TRIES", "AdminGate"]

MAX_ADMIN_TRIES = 5
ADMIN_PAUSE = 60.0
"""Seconds the admin PIN is refused after :data:`MAX_ADMIN_TRIES` wrong tries."""


class AdminGate:
    """Whether the administrator unlocked the station, and the PIN dialog that does it."""

    def __init__(self, app: KysoApp) -> None:
        self.app = app
        self.unlocked = False
        """The administrator PIN was entered (until the next lock)."""
        self.failures = 0
        self.paused_until = 0.0

    def require(self, then: Callable[[], Any], why: str) -> None:
        """Run ``then`` once the administrator PIN was entered (asked now if not yet)."""
        app = self.app
        if self.unlocked:
            then()
            return
        stored = app.settings.ui.kiosk_admin_pin_hash
        if not stored:
            app.notify(
                f"Không thể {why}: máy trạm chưa đặt mã PIN quản trị (ui.kiosk_admin_pin_hash).",
                title="Máy trạm kiosk",
                severity="warning",
            )
            return
        if time.monotonic() < self.paused_until:
            app.notify("Nhập sai quá nhiều lần; thử lại sau.", severity="error")
            return
        from kyso.tui.screens.admin import AdminPinScreen

        def checked(pin: str | None) -> None:
            if pin is None:
                return
            if check_admin_pin(pin, stored):
                self.failures = 0
                self.unlocked = True
                app.record("kiosk_admin")
                then()
                return
            self.failures += 1
            if self.failures >= MAX_ADMIN_TRIES:
                self.failures = 0
                self.paused_until = time.monotonic() + ADMIN_PAUSE
            app.notify("Sai mã PIN quản trị.", severity="error")

        app.push_screen(AdminPinScreen(why), checked)
