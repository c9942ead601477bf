"""One line at the bottom of the inbox: who I am, sync state, token state."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from kyso.tui.backend import SyncStatus, TokenStatus, UserInfo

__all__ = ["StatusBar"]

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

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.user is not None:
            text.append(f"{self.user.full_name}", style="bold")
            text.append(f" ({self.user.role_label})  ")
        text.append("Đồng bộ: ")
        text.append(self.sync.label, style=_SYNC_STYLE.get(self.sync.state, ""))
        text.append("  Token: ")
        text.append(self.token.text, style="green" if self.token.present else "yellow")
        return text
