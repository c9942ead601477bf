"""Where the visible signature goes: a page and a box in PDF points.

The box is in PDF user space (origin bottom-left, as pyHanko expects). It comes from an
explicit box, from an anchor text (the box is put just below the first match, centred
on it — the signer's title line in a Decree 30 signature block), or from the user's
remembered default.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kyso.core.errors import PlacementError

__all__ = [
    "DEFAULT_BOX_SIZE",
    "Box",
    "Placement",
    "parse_box",
    "resolve_placement",
]

Box = tuple[float, float, float, float]

DEFAULT_BOX_SIZE = (200.0, 80.0)
"""Width and height of a stamp placed by anchor or default, in points."""


@dataclass(frozen=True)
class Placement:
    """A signature box: zero-based page index and (x0, y0, x1, y1) in PDF points."""

    page: int
    box: Box

    def to_json(self) -> dict:
        return {"page": self.page + 1, "box": list(self.box)}


def parse_box(text: str) -> Box:
    """``"x0,y0,x1,y1"`` → a normalised box; a bad value is a :class:`PlacementError`."""
    try:
        x0, y0, x1, y1 = (float(part) for part in text.split(","))
    except ValueError:
        raise PlacementError(f"Hộp chữ ký không hợp lệ {text!r}: cần x0,y0,x1,y1") from None
    box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    if box[2] - box[0] < 10 or box[3] - box[1] < 10:
        raise PlacementError(f"Hộp chữ ký quá nhỏ: {text}")
    return box


def _page_index(page: int, page_count: int) -> int:
    """1-based page number (−1 = last) → zero-based index."""
    index = page_count - 1 if page == -1 else page - 1
    if page == 0 or not 0 <= index < page_count:
        raise PlacementError(f"Trang {page} không có (tài liệu có {page_count} trang)")
    return index


def resolve_placement(
    data,
    *,
    page: int = -1,
    box: Box | None = None,
    anchor: str | None = None,
    default: Placement | None = None,
    size: tuple[float, float] = DEFAULT_BOX_SIZE,
    path: Path | None = None,
) -> Placement:
    """The box to sign in. ``data`` is the PDF's bytes or an open PyMuPDF document.

    ``page`` is 1-based (−1 = last). With ``anchor``, pages are searched from ``page``
    (or, when ``page`` is the default −1, from the last page backwards, where signature
    blocks are), and the box is placed under the first match.
    """
    from kyso.core.docs.pdf import open_mupdf

    doc = open_mupdf(data)
    try:
        count = doc.page_count
        if anchor:
            order = range(count - 1, -1, -1) if page == -1 else [_page_index(page, count)]
            for index in order:
                pdf_page = doc[index]
                hits = pdf_page.search_for(anchor)
                if hits:
                    # Searching back from the end, the first match is the page's last
                    # one: the signature block sits below any mention in the body
                    # ("GIÁM ĐỐC SỞ …" in a Quyết định's articles).
                    hit = hits[-1] if page == -1 else hits[0]
                    return Placement(index, _below(pdf_page, hit, size))
            where = "tài liệu" if page == -1 else f"trang {page}"
            raise PlacementError(f"Không tìm thấy chữ {anchor!r} trong {where}")
        if box is not None:
            index = _page_index(page, count)
            _check_inside(doc[index], box, page)
            return Placement(index, box)
        if default is not None:
            index = min(default.page, count - 1) if page == -1 else _page_index(page, count)
            return Placement(index, default.box)
        index = _page_index(page, count)
        return Placement(index, _bottom_right(doc[index], size))
    finally:
        if doc is not data:
            doc.close()


def _to_pdf_space(page, rect) -> Box:
    """A MuPDF rect (top-left origin, rotation applied) → PDF user-space box."""
    import pymupdf

    r = pymupdf.Rect(rect) * ~page.transformation_matrix
    r.normalize()
    return (round(r.x0, 2), round(r.y0, 2), round(r.x1, 2), round(r.y1, 2))


def _below(page, hit, size: tuple[float, float]) -> Box:
    import pymupdf

    width, height = size
    centre = (hit.x0 + hit.x1) / 2
    left = max(page.rect.x0 + 4, min(centre - width / 2, page.rect.x1 - width - 4))
    top = hit.y1 + 4
    bottom = min(top + height, page.rect.y1 - 4)
    return _to_pdf_space(page, pymupdf.Rect(left, top, left + width, bottom))


def _bottom_right(page, size: tuple[float, float]) -> Box:
    import pymupdf

    width, height = size
    r = page.rect
    return _to_pdf_space(
        page, pymupdf.Rect(r.x1 - width - 36, r.y1 - height - 36, r.x1 - 36, r.y1 - 36)
    )


def _check_inside(page, box: Box, page_number: int) -> None:
    import pymupdf

    media = pymupdf.Rect(page.mediabox)
    x0, y0, x1, y1 = box
    if x0 < media.x0 - 1 or y0 < media.y0 - 1 or x1 > media.x1 + 1 or y1 > media.y1 + 1:
        raise PlacementError(
            f"Hộp chữ ký {box} nằm ngoài trang {page_number} "
            f"({media.x0:g},{media.y0:g},{media.x1:g},{media.y1:g})"
        )
