"""Xem: the pages of an attachment, text and thumbnail side by side."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Static

from kyso.core.errors import KysoError
from kyso.tui.format import plain
from kyso.tui.screens.base import KysoScreen
from kyso.tui.widgets.key_bar import KeyBar
from kyso.tui.widgets.page_preview import PagePreview

__all__ = ["ZOOM_SHARES", "ZOOM_WIDTHS", "PreviewScreen"]

ZOOM_WIDTHS = (240, 360, 520, 760, 1100)
"""Thumbnail widths in pixels, one per zoom step."""
ZOOM_SHARES = (35, 50, 60, 70, 80)
"""The thumbnail's share of the screen width (per cent), one per zoom step; the text
takes the rest."""


class PageRendered(Message):
    """A worker rendered a page (or failed to)."""

    def __init__(
        self, page: int, count: int, text: str, png: bytes | None, error: str = ""
    ) -> None:
        super().__init__()
        self.page = page
        self.count = count
        self.text = text
        self.png = png
        self.error = error

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PageRendered)


class PreviewScreen(KysoScreen):
    """Page up/down, zoom, jump to a page; rendering in workers, next pages prefetched."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Đóng", id="preview.close"),
        Binding("pagedown,n", "next_page", "Trang sau", id="preview.next"),
        Binding("pageup,p", "previous_page", "Trang trước", id="preview.previous"),
        Binding("plus,equals_sign", "zoom(1)", "Phóng to", id="preview.zoom_in"),
        Binding("minus", "zoom(-1)", "Thu nhỏ", id="preview.zoom_out"),
        Binding("g", "goto", "Đến trang", id="preview.goto"),
    ]

    def __init__(self, path: Path, name: str = "", doc_id: int | None = None) -> None:
        super().__init__(id="preview")
        self.doc_id = doc_id
        self._viewed: set[tuple[str, int]] = set()
        self.path = Path(path)
        self.file_name = name or self.path.name
        self.page = 0
        self.page_count = 0
        self.zoom = 1

    def compose(self) -> ComposeResult:
        yield Static(plain(f"Xem: {self.file_name}"), id="preview-title")
        # Disabled while hidden, so it never takes the keys meant for the screen.
        yield Input(placeholder="Đến trang số…", id="preview-goto", type="integer", disabled=True)
        yield PagePreview(self.kyso.images, id="preview-page")
        yield KeyBar(
            (
                "preview.next",
                "preview.previous",
                "preview.zoom_in",
                "preview.zoom_out",
                "preview.goto",
                "preview.close",
            ),
            id="preview-keys",
        )

    def on_mount(self) -> None:
        self.query_one(PagePreview).set_image_share(ZOOM_SHARES[self.zoom])
        self.render_page()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Zoom only exists with thumbnails (text alone already takes the whole width)."""
        if action == "zoom":
            previews = self.query(PagePreview)
            return bool(previews) and previews.first().has_images
        return True

    def render_page(self) -> None:
        """Render the current page at the current zoom (in a worker)."""
        self._render_worker(self.page, ZOOM_WIDTHS[self.zoom])

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="preview",
        description="Hiển thị trang",
    )
    def _render_worker(self, page: int, width: int) -> None:
        renderer = self.kyso.renderer
        want_image = self.query_one(PagePreview).has_images
        try:
            count = renderer.page_count(self.path)
            page = max(0, min(page, count - 1))
            text = renderer.page_text(self.path, page)
            png = renderer.thumbnail(self.path, page, width) if want_image else None
        except KysoError as exc:
            self.post_message(PageRendered(page, 0, "", None, error=exc.message))
            return
        self.post_message(PageRendered(page, count, text, png))
        sha = renderer.document(self.path).sha256
        if (sha, page) not in self._viewed:
            self._viewed.add((sha, page))
            self.kyso.record(
                "view", document_id=self.doc_id, sha256=sha, page=page + 1, file=self.file_name
            )
        if want_image:
            renderer.prefetch(self.path, page, width, count=2)

    @on(PageRendered)
    def _rendered(self, message: PageRendered) -> None:
        if not message.error and message.page != self.page and self.page_count:
            return  # an older page finishing after a newer request
        preview = self.query_one(PagePreview)
        if message.error:
            preview.show_error(message.error)
            self.query_one("#preview-title", Static).update(
                plain(f"Xem: {self.file_name} — không mở được")
            )
            return
        self.page, self.page_count = message.page, message.count
        preview.show_page(message.text, message.png, title=f"Trang {self.page + 1}")
        self.query_one("#preview-title", Static).update(
            plain(
                f"Xem: {self.file_name} — trang {self.page + 1}/{self.page_count}"
                + (f" · thu phóng {self.zoom + 1}/{len(ZOOM_WIDTHS)}" if preview.has_images else "")
            )
        )

    def action_back(self) -> None:
        """Back to the document."""
        goto = self.query_one("#preview-goto", Input)
        if goto.has_class("-visible"):
            goto.remove_class("-visible")
            goto.disabled = True
            self.set_focus(None)
            return
        self.dismiss(None)

    def action_next_page(self) -> None:
        """Trang sau."""
        if self.page + 1 < self.page_count:
            self.page += 1
            self.render_page()

    def action_previous_page(self) -> None:
        """Trang trước."""
        if self.page > 0:
            self.page -= 1
            self.render_page()

    def action_zoom(self, step: int) -> None:
        """Phóng to / thu nhỏ the thumbnail."""
        zoom = max(0, min(len(ZOOM_WIDTHS) - 1, self.zoom + step))
        if zoom != self.zoom:
            self.zoom = zoom
            self.query_one(PagePreview).set_image_share(ZOOM_SHARES[zoom])
            self.render_page()

    def action_goto(self) -> None:
        """Đến trang: type a page number."""
        box = self.query_one("#preview-goto", Input)
        box.disabled = False
        box.add_class("-visible")
        box.value = ""
        box.focus()

    @on(Input.Submitted, "#preview-goto")
    def _goto(self, event: Input.Submitted) -> None:
        event.input.remove_class("-visible")
        event.input.disabled = True
        self.set_focus(None)
        try:
            number = int(event.value)
        except ValueError:
            return
        if not 1 <= number <= max(self.page_count, 1):
            self.notify(f"Không có trang {number} (có {self.page_count} trang)", severity="warning")
            return
        self.page = number - 1
        self.render_page()
