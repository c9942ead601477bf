"""The issuance screen: the number, the date, the seal and the page, then the run."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Checkbox, Input, Label, Static

from kyso.core.service.model import Document
from kyso.tui.screens.base import KysoScreen
from kyso.tui.screens.issuance import tasks
from kyso.tui.screens.issuance.messages import (
    IssuanceLoaded,
    IssueFinished,
    IssueStep,
    PageLoaded,
    TokenChecked,
)
from kyso.tui.screens.issuance.page_map import (
    Box,
    issue_date,
    page_boxes,
)
from kyso.tui.screens.issuance.panels import (
    STEPS,
    info_text,
    number_text,
    progress_text,
    title_text,
)
from kyso.tui.screens.issuance.reason import ReasonScreen
from kyso.tui.screens.issuance.seal_page import SealPage
from kyso.tui.screens.issuance.tasks import in_thread
from kyso.tui.widgets.key_bar import KeyBar

__all__ = ["IssuanceScreen"]


class IssuanceScreen(KysoScreen):
    """Cấp số, điền ngày, đóng dấu và ký số cơ quan for one document."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "Áp dụng", id="issuance.apply"),
        Binding("escape", "close", "Đóng", id="issuance.close"),
        Binding("o", "toggle_only", "Chỉ điền số, ngày", id="issuance.only_number"),
        Binding("d", "edit_date", "Sửa ngày", id="issuance.date"),
        Binding("pagedown", "page(1)", "Trang sau", id="issuance.next"),
        Binding("pageup", "page(-1)", "Trang trước", id="issuance.previous"),
        Binding("h", "cancel_number", "Huỷ số đang giữ", id="issuance.cancel_number"),
    ]

    def __init__(self, doc_id: int, *, today: dt.date | None = None) -> None:
        super().__init__(id="issuance")
        self.doc_id = doc_id
        self.date: dt.date = today  # type: ignore[assignment]  # None → the service's day, in compose
        self.only_number = False
        self.doc: Document | None = None
        self.info: Any = None
        self.preview: Any = None
        self.seal_png: bytes | None = None
        self.seal_source = ""
        self.place = ""
        self.problems: dict[str, str] = {}
        self.running = False
        self.done: dict[str, str] = {}
        """Step → ``done``, ``running`` or ``failed``."""
        self.result: Any = None
        self.error = ""
        self.note = ""
        """What was checked after success, or what became of the number after a failure."""
        self.current = ""
        self.presigned: Any = None
        """The organisation's certificate checked before the PIN, and the PAdES level."""

    def compose(self) -> ComposeResult:
        if self.date is None:
            self.date = self.service.local_today()
        yield Static("Phát hành văn bản", id="issuance-title")
        yield Static("Đang đọc văn bản và sổ đăng ký…", id="issuance-info")
        with Horizontal(id="issuance-form"):
            yield Label("Ngày ban hành:", id="issuance-date-label")
            yield Input(
                self.date.strftime("%d/%m/%Y"),
                id="issuance-date",
                compact=True,
                disabled=True,  # until `d`: the screen's keys must reach the screen
            )
            only = Checkbox("Chỉ điền số KH, ngày tháng năm", id="issuance-only", compact=True)
            only.can_focus = False
            yield only
        yield SealPage(self.kyso.images, id="issuance-page")
        yield Static("", id="issuance-progress")
        yield KeyBar(id="issuance-keys")

    def on_mount(self) -> None:
        self.set_focus(None)
        self._show_progress()
        self._load()

    # -- loading ---------------------------------------------------------------------

    @in_thread("issuance-load", "Đọc văn bản chờ phát hành")
    def _load(self) -> None:
        seal = self.kyso.settings.signing.seal
        self.post_message(tasks.load(self.service, self.doc_id, seal))

    @on(IssuanceLoaded)
    def _loaded(self, message: IssuanceLoaded) -> None:
        self.doc, self.info, self.preview = message.doc, message.info, message.preview
        self.place = message.place
        self.problems = message.errors
        if message.seal is not None:
            self.seal_png, self.seal_source = message.seal
        self._show_info()
        self.refresh_bindings()
        view = self.query_one(SealPage)
        if self.preview is not None:
            view.page = self.preview.page
            view.load(self.kyso.renderer, self.preview.path, view.page)
        else:
            why = self.problems.get("preview", "Không đọc được tệp chính")
            view.show_error(f"Không xem trước được vị trí đóng dấu: {why}")

    @on(PageLoaded)
    def _page_shown(self, _message: PageLoaded) -> None:
        self.redraw()

    @property
    def page(self) -> int:
        """The page shown (0-based)."""
        return self.query_one(SealPage).page

    @property
    def page_size(self) -> tuple[float, float]:
        """The shown page's size in points."""
        return self.query_one(SealPage).page_size

    # -- display ---------------------------------------------------------------------

    @property
    def number_text(self) -> str:
        """The số/ký hiệu that will be used (held, else the preview), or ``…``."""
        return number_text(self.info, self.result)

    def _show_info(self) -> None:
        self.query_one("#issuance-title", Static).update(title_text(self.doc, self.doc_id))
        text = info_text(
            info=self.info,
            result=self.result,
            problems=self.problems,
            only_number=self.only_number,
            has_seal=self.seal_png is not None,
            seal_source=self.seal_source,
        )
        self.query_one("#issuance-info", Static).update(text)

    def _boxes(self) -> list[tuple[Box, str, str]]:
        """(box, mark, label) of what goes on the shown page."""
        return page_boxes(
            self.preview,
            self.page,
            only_number=self.only_number,
            number_text=self.number_text,
            place=self.place,
            date=self.date,
        )

    def redraw(self) -> None:
        """The page with the boxes of what goes on it (and the seal on the thumbnail)."""
        if self.preview is not None:
            self.query_one(SealPage).draw(self._boxes(), self.preview.page, self.seal_png)

    def _marked_png(self, boxes: list[tuple[Box, str, str]]) -> bytes | None:
        return self.query_one(SealPage).marked(boxes, self.seal_png)

    def _show_progress(self) -> None:
        text = progress_text(
            done=self.done,
            result=self.result,
            error=self.error,
            note=self.note,
            running=self.running,
            current=self.current,
            only_number=self.only_number,
        )
        self.query_one("#issuance-progress", Static).update(text)

    # -- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Apply and the toggles wait (shown dimmed) while issuing and after success;
        cancelling the number shows only while one is held for the document."""
        busy = self.running or self.result is not None
        if busy and action in ("apply", "toggle_only", "edit_date", "cancel_number"):
            return None
        if action == "cancel_number":  # shown only while a number is held
            return self.info is not None and self.info.pending is not None
        return True

    def action_toggle_only(self) -> None:
        """Chỉ điền số KH, ngày tháng năm: no organization signature, no seal, no PIN."""
        self.only_number = not self.only_number
        self.query_one("#issuance-only", Checkbox).value = self.only_number
        self._show_info()
        self._show_progress()
        self.redraw()

    @on(Checkbox.Changed, "#issuance-only")
    def _only_clicked(self, event: Checkbox.Changed) -> None:
        if event.value != self.only_number:
            self.action_toggle_only()

    def action_edit_date(self) -> None:
        """Sửa ngày ban hành (dd/mm/yyyy)."""
        box = self.query_one("#issuance-date", Input)
        box.disabled = False
        box.focus()

    @on(Input.Submitted, "#issuance-date")
    def _date_done(self, event: Input.Submitted) -> None:
        if self._read_date():
            event.input.disabled = True
            self.set_focus(None)

    def _read_date(self) -> bool:
        box = self.query_one("#issuance-date", Input)
        try:
            day = issue_date(box.value, self.service.local_today())
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return False
        self.date = day
        box.value = day.strftime("%d/%m/%Y")
        self.redraw()
        return True

    def action_page(self, step: int) -> None:
        """Trang trước / trang sau."""
        target = self.page + step
        view = self.query_one(SealPage)
        if self.preview is not None and 0 <= target < view.page_count:
            view.load(self.kyso.renderer, self.preview.path, target)

    def action_close(self) -> None:
        """Đóng (not while issuing); Esc in the date box leaves the box."""
        box = self.query_one("#issuance-date", Input)
        if not box.disabled:
            box.value = self.date.strftime("%d/%m/%Y")
            box.disabled = True
            self.set_focus(None)
            return
        if self.running:
            self.notify("Đang phát hành — chờ xong", severity="warning")
            return
        self.dismiss(self.result)

    def action_apply(self) -> None:
        """Áp dụng: PIN (unless only number and date), then issue in a worker."""
        if self.running or self.result is not None:
            return
        if self.info is None or (self.info.pending is None and not self.info.preview):
            why = self.problems.get("number") or "văn bản không chờ phát hành"
            self.notify(why, title="Không phát hành được", severity="error")
            return
        if not self.query_one("#issuance-date", Input).disabled and not self._read_date():
            return
        self.query_one("#issuance-date", Input).disabled = True
        self.set_focus(None)
        if self.only_number:
            self._start(None)
            return
        if self.seal_png is None:
            why = self.problems.get("seal", "chưa có ảnh con dấu")
            self.notify(why, title="Không có con dấu", severity="error")
            return
        self._check_token()

    @in_thread("issuance-token", "Kiểm tra token")
    def _check_token(self) -> None:
        self.post_message(tasks.check_token(self.kyso))

    @on(TokenChecked)
    def _token_checked(self, message: TokenChecked) -> None:
        from kyso.tui.messages import TokenStatusChanged
        from kyso.tui.screens.pin import PinScreen

        token = message.status
        self.kyso.token_status = token
        self.kyso.broadcast(TokenStatusChanged(token))
        if not token.ready:  # no token, or its PIN is locked
            self.notify(
                token.message or "Không tìm thấy token", title="Token", severity="error", timeout=10
            )
            return
        if message.refusal:  # no PIN dialog, no number taken
            self.notify(message.refusal, title="Không phát hành được", severity="error", timeout=10)
            return
        self.presigned = message.presigned
        if self.presigned is not None and self.presigned.warnings:
            lines = "\n".join(self.presigned.warnings)
            self.notify(lines, title="Chứng thư số", severity="warning", timeout=10)

        def got_pin(pin: str | None) -> None:
            if pin is None:
                self.notify("Đã huỷ phát hành", timeout=3)
                return
            self._start(pin)

        self.app.push_screen(PinScreen(token, 1, token.pin_state), got_pin)

    def _start(self, pin: str | None) -> None:
        self.running = True
        self.error = self.note = ""
        self.done = {}
        self.current = "Đang phát hành…"
        self._show_progress()
        self.refresh_bindings()
        # The worker keeps its arguments: hand it a box it empties.
        self._issue([pin], self.date, self.only_number)

    @in_thread("issuance-run", "Phát hành văn bản")
    def _issue(self, pin_box: list[str | None], date: dt.date, only_number: bool) -> None:
        finished = tasks.issue(
            self.kyso,
            self.doc_id,
            pin=pin_box.pop(),
            date=date,
            only_number=only_number,
            seal_png=self.seal_png,
            presigned=self.presigned,
            post=self.post_message,
        )
        self.post_message(finished)

    @on(IssueStep)
    def _step(self, message: IssueStep) -> None:
        for step, state in self.done.items():
            if state == "running":
                self.done[step] = "done"
        self.done[message.step] = "running"
        self.current = f"▶ {message.text}…"
        self._show_progress()

    @on(IssueFinished)
    def _finished(self, message: IssueFinished) -> None:
        self.running = False
        self.note = message.note
        if message.result is not None:
            self.result = message.result
            self.done = {step: "done" for step in STEPS}
            self.notify(f"Đã phát hành: Số {self.result.so_ky_hieu}", title="Phát hành", timeout=6)
            self._show_info()
            self.redraw()
        else:
            self.error = message.error
            for step, state in self.done.items():
                if state == "running":
                    self.done[step] = "failed"
            self.notify(message.error, title="Phát hành không thành công", severity="error")
            self._reload_number()
        self._show_progress()
        self.refresh_bindings()
        self.kyso.refresh_views()

    @in_thread("issuance-number", "Đọc số văn bản")
    def _reload_number(self) -> None:
        info = self.service.number_info(self.doc_id)
        self.app.call_from_thread(self._number_reloaded, info)

    def _number_reloaded(self, info: Any) -> None:
        self.info = info
        self._show_info()
        self.refresh_bindings()

    def action_cancel_number(self) -> None:
        """Huỷ số đang giữ cho văn bản (ghi bị huỷ trong sổ, không dùng lại)."""
        if self.info is None or self.info.pending is None:
            return
        number = self.info.pending.so_ky_hieu

        def got_reason(reason: str | None) -> None:
            if reason:
                self._cancel(reason)

        self.app.push_screen(ReasonScreen(number), got_reason)

    @in_thread("issuance-number", "Huỷ số")
    def _cancel(self, reason: str) -> None:
        entry = self.service.cancel_number(self.doc_id, reason)
        self.kyso.record("cancel_number", document_id=self.doc_id, so_ky_hieu=entry.so_ky_hieu)
        self.app.call_from_thread(
            self.notify, f"Số {entry.so_ky_hieu} đã ghi là bị huỷ", title="Sổ đăng ký"
        )
        self._reload_number()
