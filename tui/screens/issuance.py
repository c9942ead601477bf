"""Phát hành: the clerk (văn thư) issues a document the leader signed.

The screen shows the number that will be taken from the registry book (số/ký hiệu), the
issuance date (today, editable), the "Chỉ điền số KH, ngày tháng năm" toggle, the seal
image, and the leader-signed file with where the number, the date line and the seal will
go (the boxes of :func:`kyso.core.issue_service.seal_preview`, drawn on a character map
of the page and on the thumbnail). "Áp dụng" asks the token PIN (not in only-number
mode), then issues in a worker and shows each step: download, allocate, sign, upload,
sync; then the result (số/ký hiệu, signatures checked) or the error, with what became of
the number (cancelled in the book by the service when the server refused).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Static

from kyso.core.errors import KysoError
from kyso.core.service.model import Document
from kyso.tui.format import plain, shorten
from kyso.tui.screens.base import KysoModal, KysoScreen
from kyso.tui.widgets.key_bar import KeyBar
from kyso.tui.widgets.page_preview import PagePreview

__all__ = [
    "STEPS",
    "IssuanceScreen",
    "ReasonScreen",
    "boxes_map",
    "date_words",
    "parse_date",
]

STEPS: dict[str, str] = {
    "download": "Tải văn bản",
    "allocate": "Lấy số",
    "sign": "Ký phát hành",
    "upload": "Gửi máy chủ",
    "sync": "Đồng bộ",
}
"""Issuance steps (as :func:`kyso.core.issue_service.issue` reports them) → labels."""

THUMB_WIDTH = 420
Box = tuple[float, float, float, float]


def parse_date(text: str) -> dt.date:
    """``27/11/2026`` (or ``2026-11-27``) → a date; :class:`ValueError` otherwise."""
    text = text.strip()
    if "/" in text:
        day, month, year = (int(part) for part in text.split("/"))
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text)


def date_words(day: dt.date) -> str:
    """``ngày 05 tháng 02 năm 2026`` (leading zero for days < 10 and months 1–2)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def boxes_map(
    boxes: list[tuple[Box, str]], size: tuple[float, float], cols: int = 20, rows: int = 12
) -> str:
    """A character map of a page with each box filled with its mark; where the seal
    (``█``) covers the leader's signature (``▒``) the cell shows ``▓``."""
    width, height = size
    lines = []
    for r in range(rows):
        top = height * (1 - r / rows)
        bottom = height * (1 - (r + 1) / rows)
        line = []
        for c in range(cols):
            left = width * c / cols
            right = width * (c + 1) / cols
            marks = [
                mark
                for (x0, y0, x1, y1), mark in boxes
                if left < x1 and right > x0 and bottom < y1 and top > y0
            ]
            if "█" in marks and "▒" in marks:
                line.append("▓")
            elif marks:
                line.append(marks[-1])
            else:
                line.append("·")
        lines.append("".join(line))
    return "\n".join(lines)


class IssuanceLoaded(Message):
    """A worker read the document, its number, the seal and the placement preview."""

    def __init__(
        self,
        doc: Document | None,
        info: Any,
        preview: Any,
        seal: tuple[bytes, str] | None,
        place: str,
        errors: dict[str, str],
    ) -> None:
        super().__init__()
        self.doc, self.info, self.preview, self.seal = doc, info, preview, seal
        self.place = place
        self.errors = errors


class PageLoaded(Message):
    """A worker rendered a page of the leader-signed file."""

    def __init__(
        self, page: int, count: int, size: tuple[float, float], text: str, png: bytes | None
    ) -> None:
        super().__init__()
        self.page, self.count, self.page_size, self.text, self.png = page, count, size, text, png

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PageLoaded)


class TokenChecked(Message):
    """The token the station would sign with was looked up and its certificate checked
    (before the PIN): ``presigned``, or ``refusal`` (one line)."""

    def __init__(self, status: Any, presigned: Any = None, refusal: str = "") -> None:
        super().__init__()
        self.status, self.presigned, self.refusal = status, presigned, refusal


class IssueStep(Message):
    """The issuance worker started a step."""

    def __init__(self, step: str, text: str) -> None:
        super().__init__()
        self.step, self.text = step, text


class IssueFinished(Message):
    """The issuance ended: ``result`` (an IssueResult) or ``error``; ``note`` says what
    was checked (signatures) or what became of the number."""

    def __init__(self, result: Any, error: str = "", note: str = "") -> None:
        super().__init__()
        self.result, self.error, self.note = result, error, note


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
        self.page = 0
        self.page_count = 0
        self.page_size = (595.0, 842.0)
        self.page_text = ""
        self._base_png: bytes | None = None
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
        yield PagePreview(self.kyso.images, id="issuance-page")
        yield Static("", id="issuance-progress")
        yield KeyBar(id="issuance-keys")

    def on_mount(self) -> None:
        self.set_focus(None)
        self._show_progress()
        self._load()

    # -- loading ---------------------------------------------------------------------

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="issuance-load",
        description="Đọc văn bản chờ phát hành",
    )
    def _load(self) -> None:
        service = self.service
        errors: dict[str, str] = {}

        def attempt(name: str, call: Any) -> Any:
            try:
                return call()
            except KysoError as exc:
                errors[name] = exc.message
                return None

        doc = attempt("doc", lambda: service.document(self.doc_id))
        info = attempt("number", lambda: service.number_info(self.doc_id))
        preview = attempt("preview", lambda: service.seal_preview(self.doc_id))
        seal = attempt("seal", lambda: service.seal_image(self.kyso.settings.signing.seal))
        place = ""
        if preview is not None:
            place = attempt("place", lambda: _place_of(preview.path)) or ""
        self.post_message(IssuanceLoaded(doc, info, preview, seal, place, errors))

    @on(IssuanceLoaded)
    def _loaded(self, message: IssuanceLoaded) -> None:
        self.doc, self.info, self.preview = message.doc, message.info, message.preview
        self.place = message.place
        self.problems = message.errors
        if message.seal is not None:
            self.seal_png, self.seal_source = message.seal
        self._show_info()
        self.refresh_bindings()
        if self.preview is not None:
            self.page = self.preview.page
            self._render_page(self.page)
        else:
            why = self.problems.get("preview", "Không đọc được tệp chính")
            self.query_one(PagePreview).show_error(f"Không xem trước được vị trí đóng dấu: {why}")

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="issuance-page",
        description="Hiển thị trang",
    )
    def _render_page(self, page: int) -> None:
        path = self.preview.path
        renderer = self.kyso.renderer
        view = self.query_one(PagePreview)
        try:
            doc = renderer.document(path)
            count = doc.page_count
            page = max(0, min(page, count - 1))
            info = doc.page_info(page)
            text = doc.page_text(page)
            png = renderer.thumbnail(path, page, THUMB_WIDTH) if view.has_images else None
        except KysoError as exc:
            self.app.call_from_thread(view.show_error, exc.message)
            return
        self.post_message(PageLoaded(page, count, (info.width, info.height), text, png))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        self.page, self.page_count, self.page_size = message.page, message.count, message.page_size
        self.page_text, self._base_png = message.text, message.png
        self.redraw()

    # -- display ---------------------------------------------------------------------

    @property
    def number_text(self) -> str:
        """The số/ký hiệu that will be used (held, else the preview), or ``…``."""
        if self.result is not None:
            return self.result.so_ky_hieu
        if self.info is None:
            return "…"
        if self.info.pending is not None:
            return self.info.pending.so_ky_hieu
        return self.info.preview or "…"

    def _show_info(self) -> None:
        # numbers, titles and problems come from the server or the file: literal text
        doc = self.doc
        title = (doc.trich_yeu if doc else "") or f"#{self.doc_id}"
        self.query_one("#issuance-title", Static).update(
            plain("Phát hành — ", doc.loai if doc else "", ": ", shorten(title, 90))
        )
        lines: list[Text] = []
        info = self.info
        if self.result is not None:
            lines.append(
                Text.assemble(
                    "Số/ký hiệu: ",
                    plain(self.result.so_ky_hieu, style="b"),
                    " (đã cấp, đã phát hành)",
                )
            )
        elif info is None:
            lines.append(plain("Số/ký hiệu: không lấy được (", self.problems.get("number"), ")"))
        elif info.pending is not None:
            lines.append(
                Text.assemble(
                    "Số/ký hiệu: ",
                    plain(info.pending.so_ky_hieu, style="b"),
                    " (đã giữ cho văn bản này, sẽ dùng lại)",
                )
            )
        elif info.preview:
            lines.append(
                Text.assemble(
                    "Số/ký hiệu sẽ lấy: ",
                    plain(info.preview, style="b"),
                    " (số tiếp theo trong sổ; cấp khi Áp dụng)",
                )
            )
        else:
            lines.append(Text("Số/ký hiệu: văn bản không chờ phát hành"))
        cancelled = [
            e.so_ky_hieu for e in (info.history if info else ()) if e.status == "cancelled"
        ]
        if cancelled:
            lines[-1].append_text(plain(" · số đã huỷ: ", ", ".join(cancelled)))
        if self.only_number:
            lines.append(Text("Con dấu: không ký số cơ quan (chỉ điền số KH, ngày tháng năm)"))
        elif self.seal_png is not None:
            lines.append(plain("Con dấu: ", self.seal_source))
        else:
            seal = self.problems.get("seal", "chưa có ảnh con dấu")
            lines.append(plain("Con dấu: ", seal, style="red"))
        if "doc" in self.problems:
            lines.append(plain(self.problems["doc"], style="red"))
        self.query_one("#issuance-info", Static).update(Text("\n").join(lines))

    def _boxes(self) -> list[tuple[Box, str, str]]:
        """(box, mark, label) of what goes on the shown page."""
        preview = self.preview
        if preview is None:
            return []
        found: list[tuple[Box, str, str]] = []
        if self.page == preview.page:
            found.append((preview.leader_box, "▒", "chữ ký lãnh đạo"))
            if not self.only_number:
                found.append((preview.seal_box, "█", "con dấu, chữ ký cơ quan"))
        if self.page == 0:
            if preview.number_box is not None:
                found.append((preview.number_box, "S", f"Số: {self.number_text}"))
            if preview.date_box is not None:
                where = f"{self.place}, " if self.place else "…, "
                found.append((preview.date_box, "N", where + date_words(self.date)))
        return found

    def redraw(self) -> None:
        """The page map with the boxes, the legend and the page's text; the thumbnail with
        the boxes and the seal drawn on it."""
        if self.preview is None:
            return
        boxes = self._boxes()
        legend = [f"{mark} {label}" for _box, mark, label in boxes]
        if any(m == "█" for _b, m, _l in boxes):
            legend.append("▓ con dấu trùm lên chữ ký")
        where = "trang chữ ký" if self.page == self.preview.page else "trang đầu"
        if self.page not in (0, self.preview.page):
            where = "không có ô nào trên trang này"
        page_map = boxes_map([(b, m) for b, m, _l in boxes], self.page_size).splitlines()
        rows = [
            f"{line}  {legend[i] if i < len(legend) else ''}".rstrip()
            for i, line in enumerate(page_map)
        ]
        text = (
            f"Trang {self.page + 1}/{self.page_count} ({where})\n"
            + "\n".join(rows)
            + "\n\n"
            + self.page_text
        )
        self.query_one(PagePreview).show_page(
            text, self._marked_png(boxes), title=f"Trang {self.page + 1}"
        )

    def _marked_png(self, boxes: list[tuple[Box, str, str]]) -> bytes | None:
        if self._base_png is None:
            return None
        from PIL import Image, ImageDraw

        image = Image.open(io.BytesIO(self._base_png)).convert("RGBA")
        scale = image.width / self.page_size[0]
        height = self.page_size[1]
        draw = ImageDraw.Draw(image)
        colours = {"▒": (30, 60, 220), "█": (220, 0, 0), "S": (0, 150, 60), "N": (0, 150, 60)}
        for (x0, y0, x1, y1), mark, _label in boxes:
            rect = (x0 * scale, (height - y1) * scale, x1 * scale, (height - y0) * scale)
            if mark == "█" and self.seal_png is not None:
                seal = Image.open(io.BytesIO(self.seal_png)).convert("RGBA")
                size = (max(1, int(rect[2] - rect[0])), max(1, int(rect[3] - rect[1])))
                seal = seal.resize(size)
                image.alpha_composite(seal, (int(rect[0]), int(rect[1])))
            draw.rectangle(rect, outline=colours.get(mark, (0, 0, 0)), width=2)
        out = io.BytesIO()
        image.convert("RGB").save(out, "PNG")
        return out.getvalue()

    def _show_progress(self) -> None:
        marks = {"done": "✔", "running": "▶", "failed": "✘"}
        steps = " · ".join(
            f"{marks.get(self.done.get(step, ''), '○')} {label}" for step, label in STEPS.items()
        )
        # the number, notices and errors come from the server: literal text, never markup
        tail = Text()
        if self.result is not None:
            r = self.result
            how = "đã ký số cơ quan và đóng dấu" if r.signed else "chỉ điền số, ngày"
            tail.append_text(
                plain(
                    f"✔ Đã phát hành: Số {r.so_ky_hieu}, ngày "
                    f"{r.date.strftime('%d/%m/%Y')} ({how})",
                    style="b green",
                )
            )
            if r.reused_number:
                tail.append(" · dùng lại số đã giữ")
            if self.note:
                tail.append_text(plain("\n", self.note, lines=True))
            if r.notice:
                tail.append_text(plain("\n", r.notice, lines=True, style="yellow"))
            if r.warning:
                tail.append_text(plain("\n", r.warning, lines=True, style="yellow"))
            tail.append("\nEsc: về hộp văn bản")
        elif self.error:
            tail.append_text(plain("✘ ", self.error, style="b red"))
            if self.note:
                tail.append_text(plain("\n", self.note, lines=True))
        elif self.running:
            tail.append_text(plain(self.current))
        else:
            mode = "không cần PIN" if self.only_number else "hỏi PIN token"
            tail.append(f"Enter: Áp dụng ({mode}) · d: sửa ngày · o: chỉ điền số, ngày")
        self.query_one("#issuance-progress", Static).update(Text.assemble(steps, "\n", tail))

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
            day = parse_date(box.value)
        except ValueError:
            self.notify(f"Ngày không hợp lệ: “{box.value}” (dạng dd/mm/yyyy)", severity="error")
            return False
        today = self.service.local_today()
        if abs(day.year - today.year) > 1:
            self.notify(
                "Ngày ban hành phải trong năm trước, năm nay hoặc năm sau", severity="error"
            )
            return False
        self.date = day
        box.value = day.strftime("%d/%m/%Y")
        self.redraw()
        return True

    def action_page(self, step: int) -> None:
        """Trang trước / trang sau."""
        target = self.page + step
        if self.preview is not None and 0 <= target < self.page_count:
            self._render_page(target)

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

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="issuance-token",
        description="Kiểm tra token",
    )
    def _check_token(self) -> None:
        from kyso.core.service.signing import presign_issuance_station

        status, app = self.service.token_status(), self.kyso
        checked = (None, "")
        if status.present:
            checked = presign_issuance_station(app.service, app.settings, app.key_label, app.record)
        self.post_message(TokenChecked(status, *checked))

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

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="issuance-run",
        description="Phát hành văn bản",
    )
    def _issue(self, pin_box: list[str | None], date: dt.date, only_number: bool) -> None:
        from kyso.core.service.signing import station_token_options

        settings = self.kyso.settings
        options = station_token_options(settings, self.kyso.key_label)
        reached: list[str] = []

        def on_step(step: str, text: str) -> None:
            reached.append(step)
            self.post_message(IssueStep(step, text))

        try:
            result = self.service.issue(
                self.doc_id,
                pin=pin_box.pop(),
                token_options=options,
                seal_png=None if only_number else self.seal_png,
                date=date,
                only_number=only_number,
                on_step=on_step,
                presigned=None if only_number else self.presigned,
            )
        except KysoError as exc:
            note = self._number_after_failure(reached)
            self.post_message(IssueFinished(None, exc.message, note))
            return
        note = _check_signatures(result)
        self.kyso.record(
            "issue",
            document_id=self.doc_id,
            so_ky_hieu=result.so_ky_hieu,
            date=result.date.isoformat(),
            only_number=only_number,
        )
        self.post_message(IssueFinished(result, note=note))

    def _number_after_failure(self, reached: list[str]) -> str:
        """What became of the number after a failed issuance (runs in the worker)."""
        if "allocate" not in reached:
            return "Chưa lấy số nào từ sổ đăng ký."
        try:
            info = self.service.number_info(self.doc_id)
        except KysoError:
            return "Không kiểm tra lại được sổ đăng ký (máy chủ không trả lời)."
        if info.pending is not None:
            return (
                f"Số {info.pending.so_ky_hieu} vẫn được giữ cho văn bản này; "
                "lần phát hành sau dùng lại số này (h: huỷ số)."
            )
        cancelled = [e for e in info.history if e.status == "cancelled"]
        if cancelled:
            return (
                f"Số {cancelled[-1].so_ky_hieu} đã được ghi là bị huỷ trong sổ đăng ký "
                "(số đã cấp không dùng lại)."
            )
        return ""

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

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="issuance-number",
        description="Đọc số văn bản",
    )
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

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="issuance-number",
        description="Huỷ số",
    )
    def _cancel(self, reason: str) -> None:
        entry = self.service.cancel_number(self.doc_id, reason)
        self.kyso.record("cancel_number", document_id=self.doc_id, so_ky_hieu=entry.so_ky_hieu)
        self.app.call_from_thread(
            self.notify, f"Số {entry.so_ky_hieu} đã ghi là bị huỷ", title="Sổ đăng ký"
        )
        self._reload_number()


class ReasonScreen(KysoModal):
    """Asks why a held number is cancelled; dismisses with the reason or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Huỷ", id="reason.cancel"),
    ]

    def __init__(self, number: str) -> None:
        super().__init__(id="issuance-reason")
        self.number = number

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain("Huỷ số ", self.number), classes="dialog-title")
            yield Static("Số bị huỷ được ghi trong sổ đăng ký và không cấp lại.")
            yield Input(placeholder="Lý do huỷ số", id="reason-input")
            yield Static("Enter: huỷ số · Esc: thôi", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#reason-input")
    def _submit(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.notify("Cần ghi lý do huỷ số", severity="warning")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        """Thôi: keep the number."""
        self.dismiss(None)


def _place_of(path: Path) -> str:
    """The place of the document's date line (``Đắk Nông``), or empty."""
    from kyso.core.docs.issuance import find_issuance_slots

    slots = find_issuance_slots(Path(path).read_bytes())
    return slots.place if slots is not None else ""


def _check_signatures(result: Any) -> str:
    """Verify the issued main file here too (the server already did before accepting)."""
    from kyso.core.docs.verify import verify_pdf

    try:
        report = verify_pdf(result.main)
    except (KysoError, OSError) as exc:
        return f"Không kiểm tra lại được chữ ký tại máy: {exc}"
    total = len(report.signatures)
    valid = sum(1 for s in report.signatures if s.valid and s.intact)
    if not total:
        return "Máy chủ đã kiểm tra và nhận bản phát hành (tệp không có chữ ký để kiểm tra lại)."
    state = "hợp lệ" if valid == total else "[red]CÓ CHỮ KÝ KHÔNG HỢP LỆ[/red]"
    return f"Kiểm tra tại máy: {valid}/{total} chữ ký {state} · máy chủ đã kiểm tra và nhận."
