"""The leader-signed file on the issuance screen, page by page, with where the number,
the date line and the seal go: a character map and its legend beside the page's text,
and the boxes (with the seal image) drawn on the thumbnail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on

from kyso.core.errors import KysoError
from kyso.tui.screens.issuance import tasks
from kyso.tui.screens.issuance.messages import PageLoaded
from kyso.tui.screens.issuance.page_map import Box, marked_png, page_text
from kyso.tui.screens.issuance.tasks import in_thread
from kyso.tui.widgets.page_preview import PagePreview

__all__ = ["SealPage"]


class SealPage(PagePreview):
    """A page of the previewed file; the screen says which boxes go on it."""

    def __init__(self, images: str = "auto", *, id: str | None = None) -> None:
        super().__init__(images, id=id)
        self.page = 0
        self.page_count = 0
        self.page_size = (595.0, 842.0)
        self.page_text = ""
        self.base_png: bytes | None = None

    @in_thread("issuance-page", "Hiển thị trang")
    def load(self, renderer: Any, path: Path, page: int) -> None:
        """Render ``page`` of ``path`` in a worker; :class:`PageLoaded` follows."""
        try:
            loaded = tasks.read_page(renderer, path, page, self.has_images)
        except KysoError as exc:
            self.app.call_from_thread(self.show_error, exc.message)
            return
        self.post_message(loaded)

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        # the message goes on to the screen, which draws the boxes
        self.page, self.page_count, self.page_size = message.page, message.count, message.page_size
        self.page_text, self.base_png = message.text, message.png

    def marked(self, boxes: list[tuple[Box, str, str]], seal_png: bytes | None) -> bytes | None:
        """The thumbnail with ``boxes`` drawn on it (None without a thumbnail)."""
        return marked_png(self.base_png, self.page_size, boxes, seal_png)

    def draw(self, boxes: list[tuple[Box, str, str]], signed_page: int, seal: bytes | None) -> None:
        """Show the page map with ``boxes``, the legend, the page's text and the marked
        thumbnail."""
        text = page_text(
            boxes,
            page=self.page,
            signed_page=signed_page,
            page_count=self.page_count,
            page_size=self.page_size,
            text=self.page_text,
        )
        self.show_page(text, self.marked(boxes, seal), title=f"Trang {self.page + 1}")
