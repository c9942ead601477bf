"""A page of a PDF: its text and its thumbnail side by side.

The thumbnail goes through textual-image: the terminal's graphics protocol (sixel,
kitty) when ``images="auto"`` and the terminal has one, coloured half-blocks with
``"halfblock"`` (or when auto found nothing better), and no image at all with ``"off"``
(slow SSH links, kiosks without graphics). The widget only displays what it is given;
rendering happens in a worker of the screen that owns it.
"""

from __future__ import annotations

import io
import sys

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from kyso.tui.format import plain

__all__ = ["PagePreview", "image_widget_class"]


def image_widget_class(mode: str) -> type[Widget] | None:
    """The textual-image widget class for a mode, or None for text only.

    ``auto`` uses the protocol textual-image detected when it was imported before the
    app started (the terminal cannot be queried once Textual runs); if it was not
    imported then, half-blocks are used.
    """
    if mode == "off":
        return None
    try:
        if mode == "auto" and "textual_image.widget" in sys.modules:
            from textual_image.widget import Image

            return Image
        from textual_image.widget import HalfcellImage

        return HalfcellImage
    except Exception:  # no Pillow, odd terminal: fall back to text only
        return None


class PagePreview(Horizontal):
    """Text on the left, thumbnail on the right (text alone when images are off)."""

    DEFAULT_CSS = """
    PagePreview { height: 1fr; }
    PagePreview > #page-text { width: 1fr; border: round $primary; padding: 0 1; }
    PagePreview > #page-image { width: 1fr; border: round $secondary; align: center top; }
    PagePreview.-no-image > #page-image { display: none; }
    PagePreview #page-image-view { width: 100%; height: auto; }
    """

    def __init__(self, images: str = "auto", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.images = images
        self._image_class = image_widget_class(images)
        if self._image_class is None:
            self.add_class("-no-image")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="page-text", can_focus=False):
            yield Static("Đang tải trang…", id="page-text-body", markup=False)
        with VerticalScroll(id="page-image", can_focus=False):
            if self._image_class is not None:
                yield self._image_class(id="page-image-view")
            yield Static("", id="page-image-note")

    def set_image_share(self, percent: int) -> None:
        """Give the thumbnail ``percent`` of the width (the text takes the rest): the
        picture is drawn across its whole column, so a wider column is a bigger page."""
        if self._image_class is None:
            return
        self.query_one("#page-image").styles.width = f"{percent}%"

    @property
    def has_images(self) -> bool:
        """True when thumbnails are shown."""
        return self._image_class is not None

    def show_page(self, text: str, png: bytes | None, title: str = "") -> None:
        """Display one page: its text and (when images are on) its PNG thumbnail."""
        body = self.query_one("#page-text-body", Static)
        body.update(plain(text.strip() or "(trang không có chữ — có thể là bản quét)", lines=True))
        self.query_one("#page-text", VerticalScroll).border_title = title or "Nội dung"
        self.query_one("#page-text", VerticalScroll).scroll_home(animate=False)
        if self._image_class is None:
            return
        view = self.query_one("#page-image-view")
        note = self.query_one("#page-image-note", Static)
        if png is None:
            view.image = None  # type: ignore[attr-defined]
            note.update("Không có ảnh trang")
            return
        try:
            from PIL import Image as PILImage

            view.image = PILImage.open(io.BytesIO(png))  # type: ignore[attr-defined]
            note.update("")
        except Exception as exc:  # a broken thumbnail must not break the screen
            view.image = None  # type: ignore[attr-defined]
            note.update(plain("Không hiển thị được ảnh: ", exc))

    def show_error(self, message: str) -> None:
        """Replace the page with an error message."""
        self.query_one("#page-text-body", Static).update(message)
        if self._image_class is not None:
            self.query_one("#page-image-view").image = None  # type: ignore[attr-defined]
