"""Flows that span screens, run for the app by a small controller (:class:`Flows`, held
as ``app.flows``): sync, marks, signing, transitions.

The use cases are the service's (:mod:`kyso.core.service`); this module only orders
the dialogs and runs each blocking step in a worker. The PIN goes from its dialog to
the batch screen and nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kyso.core.errors import KysoError
from kyso.core.service.model import ACTION_LABELS, Document, InboxRow, SyncStatus
from kyso.tui.messages import DocumentChanged, SyncStatusChanged, TokenStatusChanged

if TYPE_CHECKING:  # pragma: no cover
    from kyso.tui.app import KysoApp

__all__ = ["Flows"]


class Flows:
    """The app's multi-step flows; each blocking step runs in a worker of the app."""

    def __init__(self, app: KysoApp) -> None:
        self.app = app

    def _thread(self, call: Any, *, group: str, description: str, exclusive: bool = False) -> Any:
        return self.app.run_worker(
            call,
            thread=True,
            exclusive=exclusive,
            exit_on_error=False,
            group=group,
            description=description,
        )

    # -- people and token ------------------------------------------------------------

    def refresh_user_names(self) -> None:
        """Map usernames to full names for display."""
        app = self.app

        def read() -> None:
            names = app.service.user_names()
            app.call_from_thread(setattr, app, "user_names", names)

        self._thread(read, group="users", description="Đọc danh sách cán bộ")

    def refresh_token_status(self) -> None:
        """Look for the token the station would sign with (no PIN)."""
        app = self.app

        def look() -> None:
            status = app.service.token_status()
            app.token_status = status
            app.call_from_thread(app.broadcast, TokenStatusChanged(status))

        self._thread(look, group="token-status", description="Tìm token", exclusive=True)

    # -- store actions ---------------------------------------------------------------

    def set_marked(self, doc_ids: list[int], marked: bool) -> None:
        """Đánh dấu / bỏ đánh dấu."""
        app = self.app

        def mark() -> None:
            for doc_id in doc_ids:
                doc = app.service.set_marked(doc_id, marked)
                app.record("mark", document_id=doc_id, marked=marked)
                app.call_from_thread(app.broadcast, DocumentChanged(doc))
            app.call_from_thread(app.refresh_views)

        self._thread(mark, group="store-write", description="Đánh dấu")

    def sync_now(self) -> None:
        """Push the outbox, pull changes, report the new state."""
        app = self.app

        def sync() -> None:
            app.call_from_thread(app.broadcast, SyncStatusChanged(SyncStatus(state="syncing")))
            status = app.service.sync()
            app.call_from_thread(app.broadcast, SyncStatusChanged(status))
            app.call_from_thread(app.refresh_views)
            if status.message:
                title = "Xung đột" if status.state == "conflict" else "Đồng bộ"
                app.call_from_thread(
                    app.notify, status.message, title=title, severity="warning", timeout=8
                )

        self._thread(sync, group="sync", description="Đồng bộ", exclusive=True)

    def workflow_commands(self, doc: Document | InboxRow) -> list[tuple[str, str, Any]]:
        """Palette commands "Xử lý: <action>" for what my role may do to ``doc`` now."""
        try:
            actions = self.app.service.allowed_actions(doc)
        except KysoError:
            return []
        return [
            (
                f"Xử lý: {ACTION_LABELS.get(a, a)}",
                "Chuyển văn bản đang chọn",
                lambda a=a: self.start_transition(doc.id, a),
            )
            for a in actions
        ]

    # -- signing ---------------------------------------------------------------------

    def start_signing(
        self, doc_ids: list[int], choose_position: bool = True, after: Any = None
    ) -> None:
        """Pre-flight → position → checks before the PIN → PIN → batch, each a screen."""
        self.app.run_worker(
            self._signing(doc_ids, choose_position, after),
            exclusive=True,
            exit_on_error=False,
            group="sign-flow",
            description="Ký số",
        )

    async def _signing(self, doc_ids: list[int], choose_position: bool, after: Any) -> None:
        """The pre-flight (role and state, file, placement) runs before any dialog; the
        token, the stamp and the certificate are checked before the PIN: a refusal stops
        there (one line, no PIN dialog); certificate warnings are shown and signing goes
        on at the planned PAdES level."""
        from kyso.core.service.sign_plan import nothing_to_sign, prepare_items, replan_item
        from kyso.core.service.signing import check_before_pin, pin_check, station_setup
        from kyso.tui.screens.batch import BatchScreen
        from kyso.tui.screens.pin import PinScreen
        from kyso.tui.screens.placement import PlacementScreen
        from kyso.tui.screens.sign_plan import SignPlanScreen

        app = self.app
        app.notify("Đang kiểm tra văn bản trước khi ký…", timeout=2)
        items = await self._thread(
            lambda: prepare_items(app.service, doc_ids),
            group="preflight",
            description="Kiểm tra trước khi ký",
        ).wait()
        problems = nothing_to_sign(items)
        if problems:
            app.notify(problems, title="Không ký được", severity="error", timeout=10)
            return
        ready = [i for i in items if not i.problem]
        # Each document was placed on its own (its type's remembered box → the signer's
        # title → the default corner). One document opens on its page to confirm the box;
        # a batch shows the whole list with any covered text before the PIN.
        if choose_position and len(doc_ids) == 1:
            first = ready[0]
            placement = await app.push_screen_wait(
                PlacementScreen(first.path, first.placement, title=first.title, loai=first.loai)
            )
            if placement is None:
                app.notify("Đã huỷ ký số", timeout=3)
                return
            await self._thread(
                lambda: replan_item(app.service, first, placement),
                group="preflight",
                description="Kiểm tra vị trí",
            ).wait()
        elif choose_position and not await app.push_screen_wait(SignPlanScreen(items)):
            app.notify("Đã huỷ ký số", timeout=3)
            return
        token = await self._thread(
            app.service.token_status, group="preflight", description="Kiểm tra token"
        ).wait()
        app.token_status = token
        app.broadcast(TokenStatusChanged(token))
        setup = station_setup(app.settings, app.key_label)
        checked, refusal = await self._thread(
            lambda: check_before_pin(token, setup, app.record),
            group="preflight",
            description="Kiểm tra chứng thư số",
        ).wait()
        if refusal:  # no PIN dialog, nothing signed
            title = "Token" if not token.ready else "Không ký được"
            app.notify(refusal, title=title, severity="error", timeout=10)
            return
        if checked.warnings:
            lines = "\n".join(checked.warnings)
            app.notify(lines, title="Chứng thư số", severity="warning", timeout=10)
        notes = tuple(f"{i.title}: {note}" for i in ready for note in i.notes)
        check = pin_check(app.settings, app.key_label)  # a wrong PIN is asked again there
        pin = await app.push_screen_wait(PinScreen(token, len(ready), notes=notes, check=check))
        if pin is None:
            app.notify("Đã huỷ ký số", timeout=3)
            return
        await app.push_screen(BatchScreen(items, None, pin, after=after, presigned=checked))
        del pin

    # -- transitions -----------------------------------------------------------------

    def start_transition(self, doc_id: int, action: str | None = None) -> None:
        """Choose an allowed action (``action`` preselected), a recipient and an opinion;
        then apply it."""
        self.app.run_worker(
            self._transition(doc_id, action),
            exclusive=True,
            exit_on_error=False,
            group="transition-flow",
            description="Chuyển",
        )

    async def _transition(self, doc_id: int, action: str | None) -> None:
        from kyso.tui.screens.transition import TransitionScreen

        app = self.app

        def load() -> tuple[Document, list[str], list[Any]]:
            doc = app.service.document(doc_id)
            return doc, app.service.allowed_actions(doc), app.service.users()

        doc, actions, users = await self._thread(
            load, group="transition-load", description="Đọc văn bản"
        ).wait()
        if not actions:
            app.notify(
                "Vai trò của bạn không có thao tác chuyển nào cho văn bản này",
                severity="warning",
                timeout=5,
            )
            return
        choice = await app.push_screen_wait(TransitionScreen(doc, actions, users, action))
        if choice is None:
            return
        if choice.sign_first:
            app.notify("Ký trước, rồi chuyển", timeout=3)
            self.start_signing(
                [doc_id],
                after=lambda: self.apply_transition(doc_id, choice.action, choice.to, choice.note),
            )
            return
        self.apply_transition(doc_id, choice.action, choice.to, choice.note)

    def apply_transition(self, doc_id: int, action: str, to: str | None, note: str) -> Any:
        """Record a transition with its opinion (the note, recorded once) in the outbox,
        then sync. Returns the worker."""
        app = self.app

        def apply() -> None:
            doc = app.service.transition(doc_id, action, to, note.strip())
            app.record(
                "transition", document_id=doc_id, to=to, transition=action, note=note.strip()
            )
            app.call_from_thread(app.broadcast, DocumentChanged(doc))
            app.call_from_thread(
                app.notify, f"{ACTION_LABELS.get(action, action)}: đã ghi, chờ đồng bộ", timeout=4
            )
            app.call_from_thread(app.refresh_views)
            app.call_from_thread(self.sync_now)

        return self._thread(apply, group="store-write", description="Chuyển văn bản")
