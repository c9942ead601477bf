"""Flows that span screens, run by the app: sync, marks, signing, transitions.

Each blocking step is a thread worker that reports by message or by return value; the
multi-screen flows are async workers that wait for each dialog in turn.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.worker import Worker, WorkerState

from kyso.core.errors import KysoError
from kyso.tui.backend import TokenStatus
from kyso.tui.messages import DocumentChanged, SyncStatusChanged, TokenStatusChanged

if TYPE_CHECKING:  # pragma: no cover
    from kyso.tui.app import KysoApp

__all__ = ["AppActions", "report_worker_error"]


def report_worker_error(node: Any, event: Worker.StateChanged) -> None:
    """Show a failed worker's error as a notification: title + message, no traceback."""
    if event.state != WorkerState.ERROR:
        return
    error = event.worker.error
    if isinstance(error, KysoError):
        node.app.notify(error.message, title=error.title, severity="error", timeout=8)
    else:
        description = event.worker.description or event.worker.name
        node.app.notify(
            f"{description}: {type(error).__name__}: {error}",
            title="Lỗi",
            severity="error",
            timeout=8,
        )


class AppActions:
    """Mixed into :class:`KysoApp`."""

    def _kyso(self) -> KysoApp:
        return self  # type: ignore[return-value]

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)

    def record(self, action: str, **fields: Any) -> None:
        """Append to the audit log (any thread); a failure is shown, never fatal."""
        app = self._kyso()
        try:
            app.audit.append(action, user=app.backend.user.username, **fields)
        except KysoError as exc:
            try:
                app.call_from_thread(app.notify, exc.message, title=exc.title, severity="warning")
            except RuntimeError:  # already on the app's thread
                app.notify(exc.message, title=exc.title, severity="warning")

    def broadcast(self, message: Any) -> None:
        """Send a message to every screen on the stack (status bars listen)."""
        for screen in self._kyso().screen_stack:
            screen.post_message(message)

    # -- people and token ------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="users", description="Đọc danh sách cán bộ")
    def refresh_user_names(self) -> None:
        """Map usernames to full names for display."""
        app = self._kyso()
        names = {u["username"]: u.get("full_name") or u["username"] for u in app.backend.users()}
        names.setdefault(app.backend.user.username, app.backend.user.full_name)
        app.call_from_thread(setattr, app, "user_names", names)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="token-status",
        description="Tìm token",
    )
    def refresh_token_status(self) -> None:
        """Look for the token the station would sign with (no PIN)."""
        app = self._kyso()
        status = app.backend.token_status()
        app.token_status = status
        app.call_from_thread(app.broadcast, TokenStatusChanged(status))

    # -- store actions ---------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="store-write", description="Đánh dấu")
    def set_marked(self, doc_ids: list[int], marked: bool) -> None:
        """Đánh dấu / bỏ đánh dấu."""
        app = self._kyso()
        for doc_id in doc_ids:
            doc = app.backend.set_marked(doc_id, marked)
            app.record("mark", document_id=doc_id, marked=marked)
            app.call_from_thread(app.broadcast, DocumentChanged(doc))
        app.call_from_thread(app.refresh_views)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync", description="Đồng bộ")
    def sync_now(self) -> None:
        """Push the outbox, pull changes, report the new state."""
        app = self._kyso()
        from kyso.tui.backend import SyncStatus

        app.call_from_thread(app.broadcast, SyncStatusChanged(SyncStatus(state="syncing")))
        status = app.backend.sync()
        app.call_from_thread(app.broadcast, SyncStatusChanged(status))
        app.call_from_thread(app.refresh_views)
        if status.message:
            title = "Xung đột" if status.state == "conflict" else "Đồng bộ"
            app.call_from_thread(
                app.notify, status.message, title=title, severity="warning", timeout=8
            )

    def workflow_commands(self, doc: Any) -> list[tuple[str, str, Any]]:
        """Palette commands "Xử lý: <action>" for what my role may do to ``doc`` now."""
        from kyso.tui.backend import ACTION_LABELS

        app = self._kyso()
        try:
            actions = app.backend.allowed_actions(doc)
        except KysoError:
            return []
        return [
            (
                f"Xử lý: {ACTION_LABELS.get(a, a)}",
                "Chuyển văn bản đang chọn",
                lambda a=a: app.start_transition(doc["id"], a),
            )
            for a in actions
        ]

    def refresh_views(self) -> None:
        """Ask every screen that shows store data to read it again."""
        for screen in self._kyso().screen_stack:
            reload = getattr(screen, "reload", None)
            if callable(reload):
                reload()

    # -- signing ---------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="sign-flow", description="Ký số")
    async def start_signing(
        self, doc_ids: list[int], choose_position: bool = True, after: Any = None
    ) -> None:
        """Pre-flight → position → certificate check → PIN → batch, each step a screen.

        The certificate is checked before the PIN: a refusal stops here (one line, no
        PIN dialog); its warnings (days left, trust or revocation not checked, level
        lowered) are shown and signing goes on at the planned PAdES level."""
        from kyso.tui.screens.batch import BatchScreen
        from kyso.tui.screens.pin import PinScreen
        from kyso.tui.screens.placement import PlacementScreen
        from kyso.tui.screens.sign_plan import SignPlanScreen
        from kyso.tui.sign_plan import prepare_items, replan_item
        from kyso.tui.signing import pin_check, presign_station, stamp_problem

        app = self._kyso()
        app.notify("Đang kiểm tra văn bản trước khi ký…", timeout=2)
        worker = app.run_worker(
            lambda: prepare_items(app.backend, doc_ids),
            thread=True,
            exit_on_error=False,
            group="preflight",
            description="Kiểm tra trước khi ký",
        )
        items = await worker.wait()
        ready = [i for i in items if not i.problem]
        if not ready:
            problems = "; ".join(f"{i.title}: {i.problem}" for i in items)
            app.notify(problems, title="Không ký được", severity="error", timeout=10)
            return
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
            await app.run_worker(
                lambda: replan_item(app.backend, first, placement),
                thread=True,
                exit_on_error=False,
                group="preflight",
                description="Kiểm tra vị trí",
            ).wait()
        elif choose_position and not await app.push_screen_wait(SignPlanScreen(items)):
            app.notify("Đã huỷ ký số", timeout=3)
            return
        token = await app.run_worker(
            app.backend.token_status,
            thread=True,
            exit_on_error=False,
            group="preflight",
            description="Kiểm tra token",
        ).wait()
        app.token_status = token
        app.broadcast(TokenStatusChanged(token))
        if not token.ready:  # no token, or its PIN is locked: said before any PIN dialog
            app.notify(
                token.message or "Không tìm thấy token", title="Token", severity="error", timeout=10
            )
            return
        problem = await app.run_worker(
            lambda: stamp_problem(token.holder, app.settings.signing.image),
            thread=True,
            exit_on_error=False,
            group="preflight",
            description="Kiểm tra con dấu",
        ).wait()
        if problem:
            app.notify(problem, title="Không ký được", severity="error", timeout=10)
            return
        checked, refusal = await app.run_worker(
            lambda: presign_station(app.settings, app.key_label, app.record),
            thread=True,
            exit_on_error=False,
            group="preflight",
            description="Kiểm tra chứng thư số",
        ).wait()
        if refusal:  # no PIN dialog, nothing signed
            app.notify(refusal, title="Không ký được", severity="error", timeout=10)
            return
        if checked.warnings:
            lines = "\n".join(checked.warnings)
            app.notify(lines, title="Chứng thư số", severity="warning", timeout=10)
        notes = tuple(f"{i.title}: {note}" for i in ready for note in i.notes)
        check = pin_check(app.settings, app.key_label)
        pin = await app.push_screen_wait(PinScreen(token, len(ready), notes=notes, check=check))
        if pin is None:
            app.notify("Đã huỷ ký số", timeout=3)
            return
        await app.push_screen(BatchScreen(items, None, pin, after=after, presigned=checked))
        del pin

    # -- transitions -----------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="transition-flow", description="Chuyển")
    async def start_transition(self, doc_id: int, action: str | None = None) -> None:
        """Choose an allowed action (``action`` preselected), a recipient and an opinion;
        then apply it."""
        from kyso.tui.screens.transition import TransitionScreen

        app = self._kyso()

        def load() -> tuple[Any, list[str], list[dict[str, Any]]]:
            doc = app.backend.document(doc_id)
            return doc, app.backend.allowed_actions(doc), app.backend.users()

        doc, actions, users = await app.run_worker(
            load,
            thread=True,
            exit_on_error=False,
            group="transition-load",
            description="Đọc văn bản",
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
            app.start_signing(
                [doc_id],
                after=lambda: self.apply_transition(doc_id, choice.action, choice.to, choice.note),
            )
            return
        self.apply_transition(doc_id, choice.action, choice.to, choice.note)

    @work(thread=True, exit_on_error=False, group="store-write", description="Chuyển văn bản")
    def apply_transition(self, doc_id: int, action: str, to: str | None, note: str) -> None:
        """Record a transition (and its opinion) in the store's outbox."""
        from kyso.tui.backend import ACTION_LABELS

        app = self._kyso()
        # The transition's note becomes its opinion in the store and on the server.
        doc = app.backend.transition(doc_id, action, to, note.strip())
        app.record("transition", document_id=doc_id, to=to, transition=action, note=note.strip())
        app.call_from_thread(app.broadcast, DocumentChanged(doc))
        app.call_from_thread(
            app.notify, f"{ACTION_LABELS.get(action, action)}: đã ghi, chờ đồng bộ", timeout=4
        )
        app.call_from_thread(app.refresh_views)
        app.call_from_thread(app.sync_now)

    def save_copy(self, source: Path, target: Path) -> None:
        """Tải file: copy an attachment to a folder the user chose."""
        from kyso.core.atomic import write_atomic

        write_atomic(target, source.read_bytes())

    def token_status_for_pin(self) -> TokenStatus:
        """What the PIN dialog shows."""
        return self._kyso().token_status
