"""Where the visible signature goes: a page and a box, as the reader sees the page.

Boxes are given and shown in the reader frame of :mod:`kyso.core.docs.page_frame`
(bottom-left origin of the visible page, after /Rotate and CropBox); each placement
also carries the same box in PDF user space, which is what the widget /Rect and pyHanko
use, and the page rotation the stamp must be turned by. The box comes from an explicit
box, an existing signature field, an anchor text (the signer's title line in a
Decree 30 signature block), the user's remembered position, or the default corner —
and the placement says which rule placed it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from kyso.core.docs.page_frame import Box, PageFrame
from kyso.core.errors import PlacementError

__all__ = [
    "DEFAULT_BOX_SIZE",
    "MIN_BOX_SIZE",
    "RULES",
    "Box",
    "Placement",
    "find_text",
    "parse_box",
    "resolve_placement",
]

DEFAULT_BOX_SIZE = (200.0, 80.0)
"""Width and height of a stamp placed by anchor or default, in points."""
MIN_BOX_SIZE = (140.0, 56.0)
"""The smallest stamp an anchor may fall back to: its three lines stay legible."""

GAP = 4.0
"""Space between the anchor text and the stamp, and between the stamp and the edge."""

RULES = {
    "box": "hộp chỉ định",
    "field": "trường chữ ký có sẵn",
    "below": "dưới dòng chữ neo",
    "right": "bên phải dòng chữ neo",
    "left": "bên trái dòng chữ neo",
    "above": "trên dòng chữ neo",
    "remembered": "vị trí đã nhớ",
    "remembered-shifted": "vị trí đã nhớ, dời vào trong trang",
    "default": "góc dưới bên phải (mặc định)",
}
"""What each placement rule means, in the words the CLI and the app print."""


@dataclass(frozen=True)
class Placement:
    """A signature box on a zero-based page.

    ``box`` is in the reader frame; ``pdf_box`` the same box in PDF user space (the
    widget /Rect); ``rotation`` the page's /Rotate the stamp is turned by; ``rule`` how
    the box was chosen (a key of :data:`RULES`).
    """

    page: int
    box: Box
    pdf_box: Box = field(default=None)  # type: ignore[assignment]
    rotation: int = 0
    rule: str = "box"

    def __post_init__(self) -> None:
        if self.pdf_box is None:  # an unrotated page at the origin: the same box
            object.__setattr__(self, "pdf_box", tuple(self.box))

    @property
    def size(self) -> tuple[float, float]:
        """Width and height of the stamp as the reader sees it."""
        return (self.box[2] - self.box[0], self.box[3] - self.box[1])

    @property
    def rule_text(self) -> str:
        """The rule in Vietnamese (``dưới dòng chữ neo``)."""
        return RULES.get(self.rule, self.rule)

    def to_json(self) -> dict:
        return {
            "page": self.page + 1,
            "box": list(self.box),
            "pdf_box": list(self.pdf_box),
            "rotation": self.rotation,
            "rule": self.rule,
        }


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


def _place(index: int, frame: PageFrame, box: Box, rule: str) -> Placement:
    box = tuple(round(v, 2) for v in box)  # type: ignore[assignment]
    return Placement(index, box, frame.to_pdf(box), frame.rotation, rule)


def resolve_placement(
    data,
    *,
    page: int = -1,
    box: Box | None = None,
    anchor: str | None = None,
    default: Placement | None = None,
    size: tuple[float, float] = DEFAULT_BOX_SIZE,
    path: Path | None = None,
    field_name: str | None = None,
) -> Placement:
    """The box to sign in. ``data`` is the PDF's bytes or an open PyMuPDF document.

    ``page`` is 1-based (−1 = last). ``field_name`` naming an existing signature field
    wins (its own page and rect). With ``anchor``, pages are searched from ``page`` (or,
    when ``page`` is the default −1, from the last page backwards, where signature
    blocks are). Boxes are in the reader frame and must lie inside the visible page.
    """
    from kyso.core.docs.pdf import open_mupdf

    doc = open_mupdf(data)
    try:
        count = doc.page_count
        if field_name:
            found = _existing_field(doc, field_name)
            if found is not None:
                return found
        if anchor:
            return _by_anchor(doc, anchor, page, size)
        if box is not None:
            index = _page_index(page, count)
            frame = PageFrame.from_page(doc[index])
            if not frame.contains(box):
                raise PlacementError(
                    f"Hộp chữ ký {_fmt(box)} nằm ngoài phần nhìn thấy của trang {index + 1} "
                    f"({frame.describe()}, đã tính CropBox và góc xoay trang)"
                )
            return _place(index, frame, box, "box")
        if default is not None:
            index = min(default.page, count - 1) if page == -1 else _page_index(page, count)
            frame = PageFrame.from_page(doc[index])
            if frame.contains(default.box):
                return _place(index, frame, default.box, "remembered")
            moved = frame.shift_inside(default.box, GAP)
            if moved is None:
                raise PlacementError(
                    f"Vị trí đã nhớ {_fmt(default.box)} không vừa trang {index + 1} "
                    f"({frame.describe()}); hãy chọn lại vị trí"
                )
            return _place(index, frame, moved, "remembered-shifted")
        index = _page_index(page, count)
        return _place(index, *_bottom_right(PageFrame.from_page(doc[index]), size, index))
    finally:
        if doc is not data:
            doc.close()


def _fmt(box: Box) -> str:
    return ",".join(f"{v:g}" for v in box)


def _existing_field(doc, name: str) -> Placement | None:
    """The page and box of an existing signature field's widget, or None."""
    for index in range(doc.page_count):
        page = doc[index]
        for widget in page.widgets() or ():
            if widget.field_name == name:
                frame = PageFrame.from_page(page)
                return _place(index, frame, frame.from_mupdf(widget.rect), "field")
    return None


def _bottom_right(frame: PageFrame, size: tuple[float, float], index: int):
    width, height = size
    box = (frame.width - width - 36, 36.0, frame.width - 36, 36.0 + height)
    if not frame.contains(box):
        box = frame.shift_inside(box, GAP)  # a small page: as far right and down as fits
        if box is None:
            raise PlacementError(
                f"Trang {index + 1} quá nhỏ ({frame.describe()}) cho con dấu "
                f"{width:g}×{height:g} điểm"
            )
    return frame, box, "default"


def _squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).casefold().split())


def find_text(page, text: str) -> list[Box]:
    """Where ``text`` appears on a PyMuPDF page, as boxes in the shown page's top-left
    coordinates. Both sides are NFC-normalised and compared without case or spaces,
    so a match runs across text runs however the PDF split them."""
    from kyso.core.docs.text import page_words

    wanted = _squash(text)
    if not wanted:
        return []
    hits = []
    for line in page_words(page):
        squashed, owner = "", []
        for n, word in enumerate(line):
            part = _squash(word.text)
            squashed += part
            owner += [n] * len(part)
        start = squashed.find(wanted)
        while start != -1:
            words = line[owner[start] : owner[start + len(wanted) - 1] + 1]
            hits.append(
                (words[0].x0, min(w.y0 for w in words), words[-1].x1, max(w.y1 for w in words))
            )
            start = squashed.find(wanted, start + 1)
    return hits


def _search(page, frame: PageFrame, anchor: str) -> list[Box]:
    """Hits of ``anchor`` in the reader frame. MuPDF's own search (fast, in C) is tried
    with both Unicode forms first; the word-by-word match of :func:`find_text` (runs
    split or glued any way) only when it finds nothing."""
    for form in ("NFC", "NFD"):
        hits = page.search_for(unicodedata.normalize(form, anchor))
        if hits:
            return [frame.from_mupdf(hit) for hit in hits]
    return [frame.from_top_left(hit) for hit in find_text(page, anchor)]


def _by_anchor(doc, anchor: str, page: int, size: tuple[float, float]) -> Placement:
    count = doc.page_count
    order = range(count - 1, -1, -1) if page == -1 else [_page_index(page, count)]
    for index in order:
        pdf_page = doc[index]
        frame = PageFrame.from_page(pdf_page)
        hits = _search(pdf_page, frame, anchor)
        if not hits:
            continue
        # Searching back from the end, the first match is the page's last one: the
        # signature block sits below any mention in the body ("GIÁM ĐỐC SỞ …").
        hit = hits[-1] if page == -1 else hits[0]
        placed = _around(frame, hit, size)
        if placed is None:
            raise PlacementError(
                f"Không đủ chỗ cho con dấu quanh chữ {anchor!r} ở trang {index + 1} "
                f"(tối thiểu {MIN_BOX_SIZE[0]:g}×{MIN_BOX_SIZE[1]:g} điểm); "
                "hãy dùng --box"
            )
        return _place(index, frame, placed[0], placed[1])
    where = "tài liệu" if page == -1 else f"trang {page}"
    raise PlacementError(f"Không tìm thấy chữ {anchor!r} trong {where}")


def _around(frame: PageFrame, hit: Box, size: tuple[float, float]) -> tuple[Box, str] | None:
    """The first box of the stamp's size that fits inside the page next to the anchor:
    below it, then right, left, above; then the same at the minimum size."""
    hx0, hy0, hx1, hy1 = hit
    sizes = [size]
    if size[0] > MIN_BOX_SIZE[0] or size[1] > MIN_BOX_SIZE[1]:
        sizes.append((min(size[0], MIN_BOX_SIZE[0]), min(size[1], MIN_BOX_SIZE[1])))
    for w, h in sizes:
        cx, cy = (hx0 + hx1) / 2, (hy0 + hy1) / 2
        candidates = {
            "below": (cx - w / 2, hy0 - GAP - h),
            "right": (hx1 + GAP, cy - h / 2),
            "left": (hx0 - GAP - w, cy - h / 2),
            "above": (cx - w / 2, hy1 + GAP),
        }
        for rule, (x, y) in candidates.items():
            # Slide along the anchor's side to stay on the page, never across it.
            if rule in ("below", "above"):
                x = min(max(x, GAP), frame.width - GAP - w)
            else:
                y = min(max(y, GAP), frame.height - GAP - h)
            box = (x, y, x + w, y + h)
            inside = (
                x >= GAP - 1e-6
                and y >= GAP - 1e-6
                and x + w <= frame.width - GAP + 1e-6
                and y + h <= frame.height - GAP + 1e-6
            )
            if inside and not _overlaps(box, hit):
                return box, rule
    return None


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
