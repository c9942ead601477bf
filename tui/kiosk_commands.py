"""The kiosk station's command palette: the app's commands minus the ways out."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from kyso.tui.commands import KysoCommands, command_name, screen_bindings

__all__ = ["BLOCKED_IDS", "KioskCommands"]

BLOCKED_IDS = {"app.quit", "kiosk.quit", "kiosk.suspend", "app.settings", "app.audit"}
"""Bindings the palette leaves out unless the administrator unlocked the station."""


class KioskCommands(KysoCommands):
    """The app's commands minus the ways out, plus lock and administrator."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        app = self.app
        admin = getattr(app, "admin", False)
        hidden: set[str] = set()
        if not admin:
            for node, binding in screen_bindings(self.screen):
                if binding.id in BLOCKED_IDS:
                    hidden.add(command_name(self.screen, node, binding))
        found = [c for c in super()._commands() if c[0] not in hidden]
        if getattr(app, "session", None) is not None:
            found.append(("Máy trạm: Khoá máy", "Phím F12", partial(app.run_action, "lock")))
        if not admin:
            found.append(
                (
                    "Máy trạm: Quản trị",
                    "Nhập mã PIN quản trị để mở các lệnh hệ thống",
                    partial(app.run_action, "admin"),
                )
            )
        return found
