"""The page as the reader sees it, and the way back to PDF user space.

A viewer shows a page's CropBox (clipped to its MediaBox), turned clockwise by the
page's /Rotate. Users, anchors and remembered positions speak in that *reader frame*:
origin at the bottom-left corner of the visible page, x to the right, y up, in points
— on an unrotated page whose CropBox is the MediaBox at the origin this is exactly PDF
user space, so boxes given the old way keep their meaning. pyHanko and the widget
/Rect speak *PDF user space* (unrotated, untranslated). :class:`PageFrame` maps
between the two; it is pure arithmetic, so issuance and placement share it.

The stamp must read upright: its appearance is drawn in the reader frame and turned
with the page by the matrix :attr:`PageFrame.appearance_matrix` (the value of the
form XObject's /Matrix; /MK /R of the widget carries the same rotation).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Box", "PageFrame"]

Box = tuple[float, float, float, float]

_MAX_PARENTS = 64
"""Page trees are shallow; deeper means a cycle or a hostile file."""


def _normal(box) -> Box:
    x0, y0, x1, y1 = (float(v) for v in box)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


@dataclass(frozen=True)
class PageFrame:
    """One page's visible area and rotation.

    ``crop`` is the CropBox clipped to the MediaBox, in PDF user space;
    ``rotation`` the page's /Rotate normalised to 0, 90, 180 or 270 (clockwise).
    """

    crop: Box
    rotation: int = 0

    @classmethod
    def from_boxes(cls, mediabox, cropbox=None, rotate: int = 0) -> PageFrame:
        """A frame from the raw /MediaBox, /CropBox and /Rotate values (inherited
        values already resolved). A CropBox outside the MediaBox is clipped to it; one
        that does not overlap it at all is ignored, as viewers do."""
        media = _normal(mediabox)
        crop = media
        if cropbox is not None:
            c = _normal(cropbox)
            clipped = (max(c[0], media[0]), max(c[1], media[1]), min(c[2], media[2]),
                       min(c[3], media[3]))  # fmt: skip
            if clipped[2] - clipped[0] > 0 and clipped[3] - clipped[1] > 0:
                crop = clipped
        rotation = int(rotate or 0) % 360
        if rotation % 90:
            rotation = 0  # not a multiple of 90: viewers ignore it, so do we
        return cls(crop, rotation)

    @classmethod
    def from_page(cls, page) -> PageFrame:
        """The frame of a PyMuPDF page, read from the page dictionary and its parents
        (/MediaBox, /CropBox and /Rotate are inheritable)."""
        doc, xref = page.parent, page.xref
        found: dict[str, str] = {}
        seen: set[int] = set()
        while xref and xref not in seen and len(seen) < _MAX_PARENTS:
            seen.add(xref)
            for key in ("MediaBox", "CropBox", "Rotate"):
                if key not in found:
                    kind, value = doc.xref_get_key(xref, key)
                    if kind not in ("null", "dict"):
                        found[key] = value
            kind, value = doc.xref_get_key(xref, "Parent")
            xref = int(value.split()[0]) if kind == "xref" else 0
        media = _numbers(found.get("MediaBox")) or (0.0, 0.0, 612.0, 792.0)
        crop = _numbers(found.get("CropBox"))
        rotate = found.get("Rotate", "0")
        try:
            angle = int(float(rotate))
        except ValueError:
            angle = 0
        return cls.from_boxes(media, crop, angle)

    @property
    def width(self) -> float:
        """Width of the page as the reader sees it, in points."""
        w, h = self.crop[2] - self.crop[0], self.crop[3] - self.crop[1]
        return h if self.rotation in (90, 270) else w

    @property
    def height(self) -> float:
        """Height of the page as the reader sees it, in points."""
        w, h = self.crop[2] - self.crop[0], self.crop[3] - self.crop[1]
        return w if self.rotation in (90, 270) else h

    @property
    def reader_box(self) -> Box:
        """The whole visible page in the reader frame."""
        return (0.0, 0.0, self.width, self.height)

    def point_to_pdf(self, u: float, v: float) -> tuple[float, float]:
        """A reader-frame point → PDF user space."""
        cx0, cy0, cx1, cy1 = self.crop
        if self.rotation == 90:
            return cx1 - v, cy0 + u
        if self.rotation == 180:
            return cx1 - u, cy1 - v
        if self.rotation == 270:
            return cx0 + v, cy1 - u
        return cx0 + u, cy0 + v

    def point_to_reader(self, x: float, y: float) -> tuple[float, float]:
        """A PDF user-space point → the reader frame."""
        cx0, cy0, cx1, cy1 = self.crop
        if self.rotation == 90:
            return y - cy0, cx1 - x
        if self.rotation == 180:
            return cx1 - x, cy1 - y
        if self.rotation == 270:
            return cy1 - y, x - cx0
        return x - cx0, y - cy0

    def to_pdf(self, box: Box) -> Box:
        """A reader-frame box → the PDF user-space box (what a widget /Rect holds)."""
        x0, y0 = self.point_to_pdf(box[0], box[1])
        x1, y1 = self.point_to_pdf(box[2], box[3])
        return _rounded(_normal((x0, y0, x1, y1)))

    def to_reader(self, rect: Box) -> Box:
        """A PDF user-space box (e.g. a widget /Rect) → the reader frame."""
        x0, y0 = self.point_to_reader(rect[0], rect[1])
        x1, y1 = self.point_to_reader(rect[2], rect[3])
        return _rounded(_normal((x0, y0, x1, y1)))

    def from_mupdf(self, rect) -> Box:
        """A box in PyMuPDF's page coordinates (unrotated, from the CropBox's top-left
        corner, y down: search hits, words, widget rects) → the reader frame."""
        x0, y0, x1, y1 = (float(v) for v in rect)
        cx0, _, _, cy1 = self.crop
        return self.to_reader((cx0 + x0, cy1 - y1, cx0 + x1, cy1 - y0))

    def from_top_left(self, rect) -> Box:
        """A box on the shown page measured from its top-left corner, y down (the
        words of :mod:`kyso.core.docs.text`) → the reader frame."""
        x0, y0, x1, y1 = (float(v) for v in rect)
        return _normal((x0, self.height - y1, x1, self.height - y0))

    def contains(self, box: Box, tolerance: float = 0.5) -> bool:
        """True when a reader-frame box lies inside the visible page."""
        x0, y0, x1, y1 = box
        return (
            x0 >= -tolerance
            and y0 >= -tolerance
            and x1 <= self.width + tolerance
            and y1 <= self.height + tolerance
        )

    def shift_inside(self, box: Box, margin: float = 0.0) -> Box | None:
        """The box moved (not resized) to lie inside the visible page, at least
        ``margin`` from its edges; None when it is too big to fit."""
        x0, y0, x1, y1 = box
        w, h = x1 - x0, y1 - y0
        if w > self.width - 2 * margin + 1e-6 or h > self.height - 2 * margin + 1e-6:
            return None
        nx = min(max(x0, margin), self.width - margin - w)
        ny = min(max(y0, margin), self.height - margin - h)
        return (nx, ny, nx + w, ny + h)

    @property
    def appearance_matrix(self) -> tuple[float, float, float, float, float, float]:
        """/Matrix of an appearance drawn upright in the reader frame: a turn of
        ``rotation`` degrees counter-clockwise undoes the viewer's clockwise turn."""
        return {
            0: (1.0, 0.0, 0.0, 1.0, 0.0, 0.0),
            90: (0.0, 1.0, -1.0, 0.0, 0.0, 0.0),
            180: (-1.0, 0.0, 0.0, -1.0, 0.0, 0.0),
            270: (0.0, -1.0, 1.0, 0.0, 0.0, 0.0),
        }[self.rotation]

    def describe(self) -> str:
        """The visible page for messages: ``0,0,595,842`` (reader frame, points)."""
        return f"0,0,{self.width:g},{self.height:g}"


def _rounded(box: Box) -> Box:
    return (round(box[0], 2), round(box[1], 2), round(box[2], 2), round(box[3], 2))


def _numbers(text: str | None) -> Box | None:
    if not text:
        return None
    try:
        values = [float(v) for v in text.strip("[] ").split()]
    except ValueError:
        return None
    return (values[0], values[1], values[2], values[3]) if len(values) == 4 else None
