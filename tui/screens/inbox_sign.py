"""The inbox's "Ký số": offered to roles that sign, dimmed while none of the target
documents may be signed now, and following the cursor; a part of
:class:`~kyso.tui.screens.inbox.InboxScreen`."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

__all__ = ["InboxSign"]


class InboxSign:
    """Ký số for the inbox screen (which provides ``target_ids``, ``document``, the
    service and the flows)."""

    _sign_offered: bool | str | None = "unknown"
    """What "Ký số" was last refreshed as (True, None: dimmed, False: hidden)."""

    if TYPE_CHECKING:  # pragma: no cover - provided by the screen
        service: Any
        kyso: Any

        def target_ids(self) -> list[int]: ...
        def document(self, doc_id: int) -> Any: ...
        def notify(self, *args: Any, **kwargs: Any) -> None: ...
        def refresh_bindings(self) -> None: ...

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ "Ký số" is not offered to a role that never signs, and is dimmed while none of
        the target documents is one I may sign now (the server would refuse it)."""
        if action == "sign":
            if not self.service.may_sign():
                return False
            with contextlib.suppress(Exception):  # before the table is mounted
                targets = self.target_ids()
                if targets and not any(not self._sign_refusal(i) for i in targets):
                    return None
            return True
        return super().check_action(action, parameters)  # type: ignore[misc]

    def _sign_refusal(self, doc_id: int) -> str:
        """Why I may not sign this document now (empty when I may)."""
        doc = self.document(doc_id)
        return "" if doc is None else self.service.sign_refusal(doc)

    def _follow_sign(self) -> None:
        """Let the footer's "Ký số" follow the documents under the cursor: bindings are
        refreshed (and the footer drawn again) only when that changes it."""
        offered = self.check_action("sign", ())
        if offered != self._sign_offered:
            self._sign_offered = offered
            self.refresh_bindings()

    def action_sign(self) -> None:
        """Ký số token: sign the selected documents (or the one under the cursor)."""
        ids = self.target_ids()
        if not ids:
            self.notify("Chưa chọn văn bản nào", severity="warning")
            return
        refusals = [r for r in map(self._sign_refusal, ids) if r]
        if len(refusals) == len(ids):  # nothing I may sign: said before any PIN
            self.notify(refusals[0], title="Không ký được", severity="warning", timeout=6)
            return
        self.kyso.flows.start_signing(ids)
