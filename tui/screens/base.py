"""What every kyso screen shares: typed access to the app and its service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.screen import ModalScreen, Screen

from kyso.core.service.api import Service

if TYPE_CHECKING:  # pragma: no cover
    from kyso.tui.app import KysoApp

__all__ = ["KysoModal", "KysoScreen"]


class _Access:
    @property
    def kyso(self) -> KysoApp:
        """The running :class:`KysoApp`."""
        return cast("KysoApp", cast(Any, self).app)

    @property
    def service(self) -> Service:
        """The app's service (local store + use cases)."""
        return self.kyso.service


class KysoScreen(_Access, Screen[Any]):
    """A full screen of the app."""


class KysoModal(_Access, ModalScreen[Any]):
    """A dialog over the current screen."""
