"""Chọn vị trí trước khi ký số: move the signature box on the page with the keyboard.

Arrows move the box, shift+arrows resize it, `a` snaps it under the signer's title line,
page up/down change page, Enter ("Áp dụng") accepts and remembers the position as the
default for this document type and page count (in the local store). The box is in
PDF points as the reader sees the page (origin bottom-left).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from kyso.core.errors import KysoError
from kyso.tui.format import plain
from kyso.tui.screens.base import KysoScreen
from kyso.tui.widgets.key_bar import KeyBar
from kyso.tui.widgets.page_preview import PagePreview

__all__ = ["PlacementScreen", "page_map"]

STEP = 10.0
"""Points moved or resized per key press."""
THUMB_WIDTH = 420
ANCHORS = ("GIÁM ĐỐC", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "CHÁNH VĂN PHÒNG", "TRƯỞNG PHÒNG")
"""Title lines tried after the signer's own title."""


def page_map(
    box: tuple[float, float, float, float],
    size: tuple[float, float],
    cols: int = 24,
    rows: int = 16,
) -> str:
    """A small character map of the page with the box drawn as ``█``."""
    width, height = size
    x0, y0, x1, y1 = box
    lines = []
    for r in range(rows):
        top = height * (1 - r / rows)
        bottom = height * (1 - (r + 1) / rows)
        line = []
        for c in range(cols):
            left = width * c / cols
            right = width * (c + 1) / cols
            inside = left < x1 and right > x0 and bottom < y1 and top > y0
            line.append("█" if inside else "·")
        lines.append("".join(line))
    return "\n".join(lines)


class PageLoaded(Message):
    """A worker read a page for placement."""

    def __init__(
        self,
        page: int,
        count: int,
        size: tuple[float, float],
        text: str,
        png: bytes | None,
        anchor_box: Any = None,
        error: str = "",
    ) -> None:
        super().__init__()
        self.page, self.count, self.page_size, self.text = page, count, size, text
        self.png, self.anchor_box, self.error = png, anchor_box, error


class PlacementScreen(KysoScreen):
    """Dismisses with a :class:`kyso.core.docs.placement.Placement` or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "Áp dụng", id="placement.apply"),
        Binding("escape", "cancel", "Huỷ", id="placement.cancel"),
        Binding("a", "anchor", "Theo chức danh", id="placement.anchor"),
        Binding("up", "move(0,1)", "Lên", show=False, id="placement.up"),
        Binding("down", "move(0,-1)", "Xuống", show=False, id="placement.down"),
        Binding("left", "move(-1,0)", "Trái", show=False, id="placement.left"),
        Binding("right", "move(1,0)", "Phải", show=False, id="placement.right"),
        Binding("shift+up", "resize(0,-1)", "Thấp hơn", show=False, id="placement.shorter"),
        Binding("shift+down", "resize(0,1)", "Cao hơn", show=False, id="placement.taller"),
        Binding("shift+left", "resize(-1,0)", "Hẹp hơn", show=False, id="placement.narrower"),
        Binding("shift+right", "resize(1,0)", "Rộng hơn", show=False, id="placement.wider"),
        Binding("pagedown", "page(1)", "Trang sau", id="placement.next"),
        Binding("pageup", "page(-1)", "Trang trước", id="placement.previous"),
    ]

    def __init__(
        self, path: Path | None, default: Any = None, *, title: str = "", loai: str = ""
    ) -> None:
        super().__init__(id="placement")
        self.path = Path(path) if path else None
        self.default = default
        self.doc_title = title
        self.loai = loai
        self.page = default.page if default is not None else -1
        self.page_count = 0
        self.page_size = (595.0, 842.0)
        self.box: tuple[float, float, float, float] | None = (
            tuple(default.box) if default is not None else None  # type: ignore[assignment]
        )
        self.text = ""
        self._base_png: bytes | None = None
        self._seq = 0

    def compose(self) -> ComposeResult:
        yield Static("Chọn vị trí trước khi ký số", id="placement-title")
        yield PagePreview(self.kyso.images, id="placement-page")
        yield Static(
            "←↑↓→ di chuyển · Shift+←↑↓→ đổi cỡ · a: theo chức danh · "
            "PgUp/PgDn: trang · Enter: Áp dụng",
            id="placement-hint",
        )
        yield KeyBar(id="placement-keys")

    def on_mount(self) -> None:
        self._request(self.page, self.box is None)

    def _request(self, page: int, find_anchor: bool) -> None:
        self._seq += 1
        self._load(page, find_anchor, self._seq)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="placement",
        description="Đọc trang để đặt chữ ký",
    )
    def _load(self, page: int, find_anchor: bool, seq: int = 0) -> None:
        if self.path is None:
            self.post_message(PageLoaded(0, 0, self.page_size, "", None, error="Không có tệp"))
            return
        renderer = self.kyso.renderer
        try:
            doc = renderer.document(self.path)
            count = doc.page_count
            page = count - 1 if page < 0 else max(0, min(page, count - 1))
            info = doc.page_info(page)
            anchor_box = self._find_anchor(page + 1) if find_anchor else None
            if anchor_box is not None:
                page = anchor_box.page
                info = doc.page_info(page)
            text = doc.page_text(page)
            png = renderer.thumbnail(self.path, page, THUMB_WIDTH)
        except KysoError as exc:
            self.post_message(PageLoaded(0, 0, self.page_size, "", None, error=exc.message))
            return
        loaded = PageLoaded(page, count, (info.width, info.height), text, png, anchor_box)
        loaded.seq = seq
        self.post_message(loaded)

    def _find_anchor(self, page: int | None = None) -> Any:
        """The placement under the signer's title line, or None (runs in a worker)."""
        from kyso.core.docs.placement import resolve_placement

        data = self.path.read_bytes() if self.path else b""
        title = (self.service.user.title or "").strip()
        candidates = [t for t in (title.upper(), title) if t] + list(ANCHORS)
        for anchor in candidates:
            try:
                return resolve_placement(data, anchor=anchor)
            except KysoError:
                continue
        return None

    @on(PageLoaded)
    def _loaded(self, message: PageLoaded) -> None:
        if getattr(message, "seq", self._seq) != self._seq:
            return  # a page asked for before the latest request
        if message.error:
            self.query_one(PagePreview).show_error(message.error)
            return
        self.page, self.page_count, self.page_size = message.page, message.count, message.page_size
        self.text = message.text
        self._base_png = message.png
        if message.anchor_box is not None:
            self.box = tuple(message.anchor_box.box)  # type: ignore[assignment]
        if self.box is None:
            w = self.page_size[0]
            self.box = (w - 236.0, 36.0, w - 36.0, 116.0)
        self.redraw()

    def redraw(self) -> None:
        """Show the page with the box drawn on it and its coordinates."""
        if self.box is None:
            return
        x0, y0, x1, y1 = self.box
        info = (
            f"Trang {self.page + 1}/{self.page_count} · hộp chữ ký "
            f"({x0:.0f}, {y0:.0f}) – ({x1:.0f}, {y1:.0f}) pt · cỡ {x1 - x0:.0f}×{y1 - y0:.0f}\n\n"
            + page_map(self.box, self.page_size)
            + "\n\n"
            + self.text
        )
        self.query_one(PagePreview).show_page(
            info, self._boxed_png(), title=f"Trang {self.page + 1}"
        )
        self.query_one("#placement-title", Static).update(
            plain("Chọn vị trí trước khi ký số — ", self.doc_title)
        )

    def _boxed_png(self) -> bytes | None:
        if self._base_png is None or self.box is None:
            return None
        from PIL import Image, ImageDraw

        image = Image.open(io.BytesIO(self._base_png)).convert("RGB")
        scale = image.width / self.page_size[0]
        x0, y0, x1, y1 = self.box
        h = self.page_size[1]
        rect = (x0 * scale, (h - y1) * scale, x1 * scale, (h - y0) * scale)
        draw = ImageDraw.Draw(image)
        draw.rectangle(rect, outline=(220, 0, 0), width=3)
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()

    def action_move(self, dx: int, dy: int) -> None:
        """Move the box by one step, keeping it on the page."""
        if self.box is None:
            return
        x0, y0, x1, y1 = self.box
        w, h = self.page_size
        ddx = max(-x0, min(w - x1, dx * STEP))
        ddy = max(-y0, min(h - y1, dy * STEP))
        self.box = (x0 + ddx, y0 + ddy, x1 + ddx, y1 + ddy)
        self.redraw()

    def action_resize(self, dx: int, dy: int) -> None:
        """Grow or shrink the box (its top-left corner stays)."""
        if self.box is None:
            return
        x0, y0, x1, y1 = self.box
        w, _h = self.page_size
        x1 = max(x0 + 40, min(w, x1 + dx * STEP))
        y0 = max(0.0, min(y1 - 20, y0 - dy * STEP))
        self.box = (x0, y0, x1, y1)
        self.redraw()

    def action_page(self, step: int) -> None:
        """Put the box on another page."""
        target = self.page + step
        if 0 <= target < self.page_count:
            self._request(target, False)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="placement-anchor",
        description="Tìm chức danh người ký",
    )
    def action_anchor(self) -> None:
        """Snap the box under the signer's title line."""
        found = self._find_anchor()
        if found is None:
            self.app.call_from_thread(
                self.notify, "Không tìm thấy dòng chức danh trong văn bản", severity="warning"
            )
            return
        self.box = tuple(found.box)  # type: ignore[assignment]
        if found.page != self.page:
            self.app.call_from_thread(self._request, found.page, False)
        else:
            self.app.call_from_thread(self.redraw)

    def action_apply(self) -> None:
        """Áp dụng: accept the position and remember it."""
        if self.box is None:
            return
        from kyso.core.docs.placement import Placement

        placement = Placement(self.page, tuple(round(v, 2) for v in self.box))
        try:
            self.service.placements().remember(self.loai, self.page_count, placement)
        except KysoError as exc:
            self.notify(f"Không lưu được vị trí mặc định: {exc.message}", severity="warning")
        self.dismiss(placement)

    def action_cancel(self) -> None:
        """Huỷ ký số."""
        self.dismiss(None)
