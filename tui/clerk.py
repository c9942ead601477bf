"""The clerk's (văn thư) keys on the inbox: Phát hành the document under the cursor and
Sổ đăng ký. A base of :class:`kyso.tui.screens.inbox.InboxScreen` (Textual merges the
bindings of screen base classes only); the keys exist only for the ``van_thu`` role:
``check_action`` hides them from the footer, the help and the palette of every other role."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from kyso.tui.screens.base import KysoScreen

__all__ = ["CLERK_ACTIONS", "ClerkKeys"]

CLERK_ACTIONS = frozenset({"issue", "registry"})
"""Actions only a văn thư may run."""


class ClerkKeys(KysoScreen):
    """``p`` Phát hành, ``b`` Sổ đăng ký (văn thư only)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "issue", "Phát hành", id="issuance.open"),
        Binding("b", "registry", "Sổ đăng ký", id="registry.open"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the clerk's actions from every other role."""
        if action in CLERK_ACTIONS:
            return self.service.user.role == "van_thu"
        return True

    def action_issue(self) -> None:
        """Phát hành the document under the cursor (waiting for the clerk)."""
        from kyso.core.service.model import STATE_LABELS
        from kyso.tui.screens.issuance import IssuanceScreen

        screen: Any = self
        doc_id = screen.current_id()
        if doc_id is None:
            screen.notify("Không có văn bản chờ phát hành", severity="warning")
            return
        doc = next((d for d in screen.documents if d.id == doc_id), None)
        state = doc.state if doc is not None else ""
        if state != "cho_van_thu":
            label = STATE_LABELS.get(state, state)
            screen.notify(
                f"Văn bản đang ở trạng thái “{label}”: chỉ phát hành văn bản đã được lãnh đạo "
                "ký và chuyển văn thư.",
                severity="warning",
            )
            return
        screen.app.push_screen(IssuanceScreen(doc_id))

    def action_registry(self) -> None:
        """Sổ đăng ký văn bản đi."""
        from kyso.tui.screens.registry import RegistryScreen

        screen: Any = self
        screen.app.push_screen(RegistryScreen())
