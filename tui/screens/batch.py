"""Ký số hàng loạt: one PIN, one token session, a progress bar and per-document results.

The table shows each result in short; the pane under it shows the highlighted
document's whole reason (Enter shows it too). `r` signs again only what failed for a
reason a second try may fix (token, signing, store), never a file or placement error."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, ProgressBar, Static

from kyso.core.errors import KysoError
from kyso.core.service.sign_items import (
    FAILURE_KINDS,
    RETRYABLE,
    BatchOutcome,
    SignItem,
    SignItemResult,
    failure_kind,
)
from kyso.tui.format import plain
from kyso.tui.messages import SignFinished, SignProgress
from kyso.tui.screens.base import KysoScreen
from kyso.tui.widgets.key_bar import KeyBar

__all__ = ["BatchScreen"]


class BatchScreen(KysoScreen):
    """Runs the batch as soon as it opens; `r` retries only the failed documents."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Đóng", id="batch.close"),
        Binding("s", "stop", "Dừng", id="batch.stop"),
        Binding("r", "retry", "Ký lại tệp lỗi", id="batch.retry"),
        Binding("enter", "detail", "Chi tiết", id="batch.detail"),
    ]

    def __init__(
        self,
        items: list[SignItem],
        placement: Any,
        pin: str | None,
        after: Any = None,
        presigned: Any = None,
    ) -> None:
        super().__init__(id="batch")
        self.items = items
        self.placement = placement
        self._pin: str | None = pin
        self.after = after
        self.presigned = presigned  # the certificate checked before the PIN, and the level
        self.outcome: BatchOutcome | None = None
        self.running = False
        self._cancel = threading.Event()
        self._results: dict[str, SignItemResult] = {}

    def compose(self) -> ComposeResult:
        yield Static(f"Ký số {len(self.items)} văn bản", id="batch-title")
        yield ProgressBar(total=len(self.items), show_eta=False, id="batch-progress")
        yield Static("Đang đăng nhập token…", id="batch-current")
        yield DataTable(id="batch-results", cursor_type="row", zebra_stripes=True)
        yield Static("", id="batch-detail")
        yield Static("", id="batch-summary")
        yield KeyBar(id="batch-keys")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Văn bản", width=28, key="doc")
        table.add_column("Kết quả", width=16, key="state")
        table.add_column("Chi tiết", key="detail")
        for item in self.items:
            table.add_row(
                plain(item.title), plain("chờ"), plain(item.problem), key=f"{item.document_id}"
            )
        pin, self._pin = self._pin, None
        self.start(self.items, pin)

    def start(self, items: list[SignItem], pin: str | None) -> None:
        """Run a batch over ``items`` (in a worker)."""
        self.running = True
        self._cancel.clear()
        self.query_one(ProgressBar).update(total=len(items), progress=0)
        # The worker keeps its arguments; hand it a box it empties, so the PIN lives
        # only until the token login.
        self._run(items, [pin])

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="sign-batch",
        description="Ký số hàng loạt",
    )
    def _run(self, items: list[SignItem], pin_box: list[str | None]) -> None:
        from kyso.config.locations import data_dir
        from kyso.core.service.signing import run_batch, station_token_options

        settings = self.kyso.settings
        options = station_token_options(settings, self.kyso.key_label)

        def progress(result: SignItemResult, done: int, total: int) -> None:
            self.post_message(SignProgress(done, total, result.item.title, result))

        try:
            outcome = run_batch(
                self.service,
                items,
                pin=pin_box.pop(),  # run_batch drops it right after the token login
                placement=self.placement,
                token_options=options,
                image=settings.signing.image,
                reason=settings.signing.reason,
                out_dir=data_dir() / "signed",
                on_result=progress,
                cancel=self._cancel,
                audit=self.kyso.record,
                presigned=self.presigned,
            )
        except KysoError as exc:
            kind = failure_kind(exc)
            outcome = BatchOutcome(
                [SignItemResult(i, False, exc.message, skipped=True, kind=kind) for i in items],
                stopped=f"{exc.title}: {exc.message}",
            )
            for item in items:
                self.kyso.record(
                    "sign_failed",
                    document_id=item.document_id,
                    reason=exc.message,
                    failure=kind,
                    retryable=kind in RETRYABLE,
                )
        self.post_message(SignFinished(outcome.results, outcome.stopped))

    @on(SignProgress)
    def _progress(self, message: SignProgress) -> None:
        self.query_one(ProgressBar).update(progress=message.done)
        self.query_one("#batch-current", Static).update(
            plain(f"{message.done}/{message.total}: {message.current}")
        )
        result: SignItemResult = message.result
        self._show_result(result)

    def _show_result(self, result: SignItemResult) -> None:
        table = self.query_one(DataTable)
        key = f"{result.item.document_id}"
        self._results[key] = result
        if result.ok:
            state = "✔ đã ký"
        elif result.kind == "stopped":
            state = "… chưa ký"
        else:
            state = "✘ lỗi" if result.retryable else "✘ không ký được"
        try:
            table.update_cell(key, "state", state)
            table.update_cell(key, "detail", plain(result.message))
        except Exception:  # the row may be gone after a retry list change
            pass
        if table.row_count and table.cursor_row >= 0:
            self._show_detail(table.cursor_row)

    @on(DataTable.RowHighlighted, "#batch-results")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    @on(DataTable.RowSelected, "#batch-results")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._show_detail(event.cursor_row)

    def detail_text(self, row: int) -> str:
        """The whole story of one row: document, result, reason, and whether `r` helps."""
        item = self.items[row] if 0 <= row < len(self.items) else None
        if item is None:
            return ""
        result = self._results.get(f"{item.document_id}")
        lines = [item.title]
        if item.placement is not None:
            from kyso.tui.screens.sign_plan import describe_placement

            lines.append("Vị trí: " + describe_placement(item))
        if result is None:
            lines.append(item.problem or "Chờ ký")
        elif result.ok:
            lines.append(result.message)
        else:
            lines.append(f"Lỗi ({FAILURE_KINDS.get(result.kind, result.kind)}): {result.message}")
            lines.append(
                "r: ký lại được" if result.retryable else "Ký lại cũng không được: cần sửa tệp"
            )
        return "\n".join(lines)

    def _show_detail(self, row: int) -> None:
        self.query_one("#batch-detail", Static).update(plain(self.detail_text(row), lines=True))

    def action_detail(self) -> None:
        """Chi tiết: the highlighted document's whole reason."""
        self._show_detail(self.query_one(DataTable).cursor_row)

    @on(SignFinished)
    def _finished(self, message: SignFinished) -> None:
        self.running = False
        self.outcome = BatchOutcome(list(message.results), message.stopped)
        for result in message.results:
            self._show_result(result)
        done = self.outcome.signed
        failed = len(self.outcome.failed)
        again = len(self.outcome.retryable)
        summary = f"Đã ký {done}/{len(message.results)} văn bản"
        if failed:
            summary += f" · {failed} chưa ký"
            summary += f" (r: ký lại {again})" if again else " (không ký lại được: xem Chi tiết)"
        if message.stopped:
            summary += f"\nDừng: {message.stopped}"
        self.query_one("#batch-summary", Static).update(summary)
        self.query_one("#batch-current", Static).update("Xong" if not failed else "Kết thúc")
        self.notify(summary, title="Ký số", severity="information" if not failed else "warning")
        self.kyso.refresh_views()
        self.kyso.flows.refresh_token_status()  # tries left after a wrong PIN
        if done:
            self.kyso.flows.sync_now()
        if not failed and self.after is not None:
            self.after()

    def action_stop(self) -> None:
        """Dừng: finish the current file and stop."""
        if self.running:
            self._cancel.set()

    def action_retry(self) -> None:
        """Ký lại: ask the PIN again and sign only what a second try may fix."""
        if self.running or self.outcome is None or not self.outcome.failed:
            return
        failed = self.outcome.retryable
        if not failed:
            self.notify("Các tệp lỗi không ký lại được (xem Chi tiết)", severity="warning")
            return
        from kyso.tui.screens.pin import PinScreen

        def got_pin(pin: str | None) -> None:
            if pin is not None:
                self.start(failed, pin)

        from kyso.core.service.signing import pin_check

        token = self.kyso.token_status
        if token.locked:
            self.notify(token.message, title="PIN", severity="error", timeout=10)
            return
        check = pin_check(self.kyso.settings, self.kyso.key_label)
        self.app.push_screen(PinScreen(token, len(failed), check=check), got_pin)

    def action_close(self) -> None:
        """Đóng (after the batch; Dừng first while it runs)."""
        if self.running:
            self.notify("Đang ký — nhấn s để dừng trước", severity="warning")
            return
        self.dismiss(None)
