"""What every kyso screen shares: typed access to the app and its backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.screen import ModalScreen, Screen

from kyso.tui.backend import Backend

if TYPE_CHECKING:  # pragma: no cover
    from kyso.tui.app import KysoApp

__all__ = ["KysoModal", "KysoScreen"]


class _Access:
    @property
    def kyso(self) -> KysoApp:
        """The running :class:`KysoApp`."""
        return cast("KysoApp", cast(Any, self).app)

    @property
    def backend(self) -> Backend:
        """The app's backend (local store + use cases)."""
        return self.kyso.backend


class KysoScreen(_Access, Screen[Any]):
    """A full screen of the app."""


class KysoModal(_Access, ModalScreen[Any]):
    """A dialog over the current screen."""
