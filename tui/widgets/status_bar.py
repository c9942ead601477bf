"""One line at the bottom of the inbox: who I am, sync state, token state."""

from __future__ import annotations

import time

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from kyso.core.service.model import SyncStatus, TokenStatus, UserInfo
from kyso.core.textsafe import safe_line
from kyso.tui.labels import sync_label

__all__ = ["SYNCING_MIN_SECONDS", "StatusBar"]

SYNCING_MIN_SECONDS = 0.6
"""How long "đang đồng bộ…" stays up at least: a sync that answers in 50 ms must not
flash it for one frame."""

_SYNC_STYLE = {
    "synced": "green",
    "syncing": "yellow",
    "offline": "bold red",
    "conflict": "bold magenta",
    "never": "dim",
}


class StatusBar(Static):
    """Shows the user, the sync state (synced / syncing / offline N queued / conflict) and
    the token state (none / label, holder, valid until)."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    sync: reactive[SyncStatus] = reactive(SyncStatus, always_update=True)
    token: reactive[TokenStatus] = reactive(TokenStatus, always_update=True)
    user: reactive[UserInfo | None] = reactive(None)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown = SyncStatus()
        self._syncing_since: float | None = None
        self._later: SyncStatus | None = None

    @property
    def shown_sync(self) -> SyncStatus:
        """The sync state on screen (a finished sync waits until "đang đồng bộ…" has been
        up for :data:`SYNCING_MIN_SECONDS`)."""
        return self._shown

    def watch_sync(self, status: SyncStatus) -> None:
        if status.state == "syncing":
            if self._syncing_since is None:
                self._syncing_since = time.monotonic()
            self._later = None
            self._show(status)
            return
        if self._syncing_since is None:
            self._show(status)
            return
        left = SYNCING_MIN_SECONDS - (time.monotonic() - self._syncing_since)
        if left <= 0:
            self._syncing_since = None
            self._show(status)
            return
        if self._later is None:
            self.set_timer(left, self._show_later)
        self._later = status

    def _show_later(self) -> None:
        if self._later is not None:
            status, self._later = self._later, None
            self._syncing_since = None
            self._show(status)

    def _show(self, status: SyncStatus) -> None:
        self._shown = status
        self.refresh()

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.user is not None:
            # names, sync errors and token labels come from the server or the token
            text.append(safe_line(self.user.full_name), style="bold")
            text.append(safe_line(f" ({self.user.role_label})  "))
        text.append("Đồng bộ: ")
        sync = self._shown
        text.append(safe_line(sync_label(sync)), style=_SYNC_STYLE.get(sync.state, ""))
        text.append("  Token: ")
        text.append(safe_line(self.token.text), style="green" if self.token.present else "yellow")
        return text
