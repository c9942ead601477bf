"""Open PDFs, read page text and render page thumbnails, with an LRU cache.

Plain Python (no Textual): the app calls it from worker threads, the CLI and the
benchmarks call it directly. PyMuPDF is imported only when a PDF is first opened, so
importing this module costs nothing at start-up.

Pages are numbered from 0 here (as in PyMuPDF); the UI shows ``page + 1``.

Thumbnails are cached by ``(file sha256, page, width)`` in memory and optionally on disk
(:mod:`kyso.core.docs.thumbnails`, whose names are imported here too).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyso.core.docs.thumbnails import CacheKey, ThumbnailCache, file_sha256
from kyso.core.errors import DocumentError

if TYPE_CHECKING:  # pragma: no cover
    import pymupdf

__all__ = [
    "MAX_THUMBNAIL_WIDTH",
    "MIN_THUMBNAIL_WIDTH",
    "CacheKey",
    "PageInfo",
    "PdfDocument",
    "Renderer",
    "ThumbnailCache",
    "file_sha256",
    "open_pdf",
]

MIN_THUMBNAIL_WIDTH = 16
"""Narrowest thumbnail, in pixels."""
MAX_THUMBNAIL_WIDTH = 2400
"""Widest thumbnail, in pixels (a zoomed A4 page at about 200 dpi)."""


@dataclass(frozen=True)
class PageInfo:
    """Size of one page in PDF points (1/72 inch), after rotation."""

    number: int
    """Page number, from 0."""
    width: float
    height: float


class PdfDocument:
    """An open PDF: page count, text and thumbnails of its pages.

    Use :func:`open_pdf` to make one. Thread-safe: PyMuPDF is not, so every call takes
    the document's lock. Close it (or use it as a context manager) when done.
    """

    def __init__(self, path: Path, sha256: str, doc: pymupdf.Document) -> None:
        self.path = path
        self.sha256 = sha256
        self._doc = doc
        self._lock = threading.Lock()
        self.page_count: int = doc.page_count

    def __enter__(self) -> PdfDocument:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the file."""
        with self._lock:
            if not self._doc.is_closed:
                self._doc.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran."""
        return bool(self._doc.is_closed)

    def _page(self, number: int) -> Any:
        if self._doc.is_closed:
            raise DocumentError(f"Tệp {self.path.name} đã đóng")
        if not 0 <= number < self.page_count:
            raise DocumentError(
                f"Trang {number + 1} không có: {self.path.name} có {self.page_count} trang"
            )
        try:
            return self._doc.load_page(number)
        except Exception as exc:  # PyMuPDF raises plain RuntimeError/ValueError
            raise DocumentError(
                f"Không đọc được trang {number + 1} của {self.path.name}: {exc}"
            ) from None

    def page_info(self, number: int) -> PageInfo:
        """Size of a page in points."""
        with self._lock:
            rect = self._page(number).rect
            return PageInfo(number, float(rect.width), float(rect.height))

    def page_text(self, number: int) -> str:
        """The text of a page, line by line with its word spaces (:mod:`.text`)."""
        from kyso.core.docs.text import page_text

        with self._lock:
            page = self._page(number)
            try:
                return page_text(page)
            except Exception as exc:
                raise DocumentError(
                    f"Không lấy được chữ trang {number + 1} của {self.path.name}: {exc}"
                ) from None

    def render_png(self, number: int, width: int) -> bytes:
        """The page as a PNG ``width`` pixels wide (height keeps the page's proportions)."""
        import pymupdf

        width = _clamp_width(width)
        with self._lock:
            page = self._page(number)
            try:
                scale = width / max(float(page.rect.width), 1.0)
                pixmap = page.get_pixmap(matrix=pymupdf.Matrix(scale, scale), alpha=False)
                return bytes(pixmap.tobytes("png"))
            except Exception as exc:
                raise DocumentError(
                    f"Không hiển thị được trang {number + 1} của {self.path.name}: {exc}"
                ) from None


def _clamp_width(width: int) -> int:
    return max(MIN_THUMBNAIL_WIDTH, min(MAX_THUMBNAIL_WIDTH, int(width)))


def open_pdf(path: str | os.PathLike[str], *, sha256: str | None = None) -> PdfDocument:
    """Open a PDF for reading, or raise :class:`DocumentError` saying what is wrong.

    Refused with a clear message: a missing file, a 0-byte file, a file that is not a
    PDF, an encrypted PDF, a PDF that only opens after repair (broken or truncated),
    and a PDF with no pages.
    """
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DocumentError(f"Không tìm thấy tệp {name}") from None
    except OSError as exc:
        raise DocumentError(f"Không đọc được tệp {name}: {exc.strerror}") from None
    if path.is_dir():
        raise DocumentError(f"{name} là một thư mục, không phải tệp PDF")
    if size == 0:
        raise DocumentError(f"Tệp {name} rỗng (0 byte)")
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise DocumentError(f"Không đọc được tệp {name}: {exc.strerror}") from None
    if b"%PDF-" not in head:
        raise DocumentError(f"Tệp {name} không phải là PDF")
    digest = sha256 or file_sha256(path)

    import pymupdf

    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception:
        raise DocumentError(f"Tệp {name} bị hỏng, không mở được") from None
    try:
        if doc.needs_pass:  # an owner password alone (restrictions) still opens
            raise DocumentError(f"Tệp {name} được mã hoá (có mật khẩu); hãy gửi bản không mã hoá")
        if doc.is_repaired:
            raise DocumentError(f"Tệp {name} bị hỏng (thiếu hoặc sai cấu trúc PDF)")
        if doc.page_count == 0:
            raise DocumentError(f"Tệp {name} không có trang nào")
    except BaseException:
        doc.close()
        raise
    return PdfDocument(path, digest, doc)


class Renderer:
    """Opens PDFs on demand and renders thumbnails through a :class:`ThumbnailCache`.

    Keeps up to ``max_open`` documents open (least recently used closed first). Safe to
    call from several worker threads.
    """

    def __init__(
        self,
        cache: ThumbnailCache | None = None,
        *,
        disk: bool = False,
        max_open: int = 4,
    ) -> None:
        if cache is None:
            folder = None
            if disk:
                from kyso.config.locations import cache_dir

                folder = cache_dir() / "thumbnails"
            cache = ThumbnailCache(folder=folder)
        self.cache = cache
        self.max_open = max_open
        self._open: OrderedDict[Path, PdfDocument] = OrderedDict()
        self._lock = threading.Lock()

    def document(self, path: str | os.PathLike[str]) -> PdfDocument:
        """The open document for ``path`` (opened now if needed)."""
        key = Path(path).resolve()
        with self._lock:
            doc = self._open.get(key)
            if doc is not None and not doc.closed:
                self._open.move_to_end(key)
                return doc
        doc = open_pdf(key)
        with self._lock:
            existing = self._open.get(key)
            if existing is not None and not existing.closed:
                doc.close()
                return existing
            self._open[key] = doc
            while len(self._open) > self.max_open:
                _, old = self._open.popitem(last=False)
                old.close()
        return doc

    def forget(self, path: str | os.PathLike[str]) -> None:
        """Close ``path`` if open (e.g. after the file was replaced by a signed version)."""
        key = Path(path).resolve()
        with self._lock:
            doc = self._open.pop(key, None)
        if doc is not None:
            doc.close()

    def page_count(self, path: str | os.PathLike[str]) -> int:
        """Number of pages of the PDF at ``path``."""
        return self.document(path).page_count

    def page_text(self, path: str | os.PathLike[str], page: int) -> str:
        """Text of one page."""
        return self.document(path).page_text(page)

    def thumbnail(self, path: str | os.PathLike[str], page: int, width: int) -> bytes:
        """PNG of one page ``width`` pixels wide, from the cache when it is there."""
        doc = self.document(path)
        key = CacheKey(doc.sha256, page, _clamp_width(width))
        data = self.cache.get(key)
        if data is None:
            data = doc.render_png(page, key.width)
            self.cache.put(key, data)
        return data

    def prefetch(
        self, path: str | os.PathLike[str], page: int, width: int, count: int = 2
    ) -> list[int]:
        """Render the ``count`` pages after ``page`` into the cache; returns those rendered.

        Errors on a page are swallowed here: the page will show its error when it is
        actually viewed.
        """
        doc = self.document(path)
        rendered = []
        for number in _next_pages(page, count, doc.page_count):
            key = CacheKey(doc.sha256, number, _clamp_width(width))
            if key in self.cache:
                continue
            try:
                self.cache.put(key, doc.render_png(number, key.width))
            except DocumentError:
                continue
            rendered.append(number)
        return rendered

    def close(self) -> None:
        """Close every open document."""
        with self._lock:
            docs = list(self._open.values())
            self._open.clear()
        for doc in docs:
            doc.close()

    @contextmanager
    def session(self) -> Iterator[Renderer]:
        """``with renderer.session():`` closes every document on the way out."""
        try:
            yield self
        finally:
            self.close()


def _next_pages(page: int, count: int, page_count: int) -> Iterable[int]:
    return range(page + 1, min(page + 1 + max(count, 0), page_count))
