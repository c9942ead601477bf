"""Page geometry for issuance: the visible area of a page and how the reader sees it.

A page shows its CropBox (clipped to the MediaBox), turned clockwise by /Rotate. The
organisation's marks must lie inside that area, and an appendix's stamp goes top right
*as the reader sees the page*: on a landscape page made by /Rotate 90 that corner is the
user-space top left. The appearance of a widget turns with the page, so on a rotated
page its content is turned back by the appearance's /Matrix to read upright.

Kept to what issuance needs (:mod:`kyso.core.docs.placement` does general placement).
"""

from __future__ import annotations

from dataclasses import dataclass

from kyso.core.docs.placement import Box

__all__ = [
    "PageFrame",
    "RotatedStyle",
    "inside",
    "move_inside",
    "page_frame",
    "reader_top_right",
]


@dataclass(frozen=True)
class PageFrame:
    """The visible area of a page in PDF user space and its display rotation."""

    crop: Box
    rotate: int
    """0, 90, 180 or 270: degrees the viewer turns the page clockwise."""


def _inherited(page, key: str):
    """``key`` of the page, or of the nearest /Pages ancestor (ISO 32000 7.7.3.4)."""
    node = page
    for _ in range(64):  # a page tree deeper than this is broken
        if node is None:
            return None
        node = node.get_object()
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None


def _box(value) -> Box | None:
    if value is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in value)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def page_frame(page) -> PageFrame:
    """The frame of a pyHanko page dictionary (inherited entries included)."""
    media = _box(_inherited(page, "/MediaBox")) or (0.0, 0.0, 612.0, 792.0)
    crop = _box(_inherited(page, "/CropBox")) or media
    crop = (
        max(crop[0], media[0]),
        max(crop[1], media[1]),
        min(crop[2], media[2]),
        min(crop[3], media[3]),
    )
    rotate = int(_inherited(page, "/Rotate") or 0) % 360
    return PageFrame(crop, rotate if rotate in (0, 90, 180, 270) else 0)


def reader_top_right(frame: PageFrame, width: float, height: float, margin: float) -> Box:
    """A box ``width`` × ``height`` as the reader sees it, ``margin`` from the top and the
    right edge of the page as displayed, in user space."""
    cx0, cy0, cx1, cy1 = frame.crop
    if frame.rotate == 90:  # reader's top edge is user x = cx0, right edge user y = cy1
        box = (cx0 + margin, cy1 - margin - width, cx0 + margin + height, cy1 - margin)
    elif frame.rotate == 180:
        box = (cx0 + margin, cy0 + margin, cx0 + margin + width, cy0 + margin + height)
    elif frame.rotate == 270:  # top edge user x = cx1, right edge user y = cy0
        box = (cx1 - margin - height, cy0 + margin, cx1 - margin, cy0 + margin + width)
    else:
        box = (cx1 - margin - width, cy1 - margin - height, cx1 - margin, cy1 - margin)
    return tuple(round(v, 2) for v in box)  # type: ignore[return-value]


def inside(frame: PageFrame, box: Box, tolerance: float = 0.5) -> bool:
    """Whether ``box`` lies wholly in the visible area."""
    cx0, cy0, cx1, cy1 = frame.crop
    x0, y0, x1, y1 = box
    return (
        x0 >= cx0 - tolerance
        and y0 >= cy0 - tolerance
        and x1 <= cx1 + tolerance
        and y1 <= cy1 + tolerance
    )


def move_inside(frame: PageFrame, box: Box, margin: float = 4.0) -> Box:
    """``box`` shifted (not resized) so it lies ``margin`` inside the visible area;
    unchanged when it already does."""
    cx0, cy0, cx1, cy1 = frame.crop
    x0, y0, x1, y1 = box
    dx = max(0.0, cx0 + margin - x0) - max(0.0, x1 - (cx1 - margin))
    dy = max(0.0, cy0 + margin - y0) - max(0.0, y1 - (cy1 - margin))
    if not dx and not dy:
        return box
    return (round(x0 + dx, 2), round(y0 + dy, 2), round(x1 + dx, 2), round(y1 + dy, 2))


_TURN_BACK = {
    90: (0, 1, -1, 0, 0, 0),
    180: (-1, 0, 0, -1, 0, 0),
    270: (0, -1, 1, 0, 0, 0),
}
"""Appearance /Matrix turning content counter-clockwise by the page's /Rotate, so the
viewer's clockwise turn brings it upright (ISO 32000 12.5.5 fits the result to /Rect)."""


class RotatedStyle:
    """A pyHanko stamp style drawn upright on a page with /Rotate: the stamp is laid out
    in the reader's width and height and its appearance turned back by /Matrix."""

    def __init__(self, style, rotate: int) -> None:
        self.style = style
        self.rotate = rotate

    def create_stamp(self, writer, box, text_params: dict):
        from pyhanko.pdf_utils.layout import BoxConstraints

        if self.rotate in (90, 270):
            box = BoxConstraints(width=box.height, height=box.width)
        stamp = self.style.create_stamp(writer, box, text_params)
        return _TurnedStamp(stamp, self.rotate) if self.rotate else stamp


class _TurnedStamp:
    def __init__(self, stamp, rotate: int) -> None:
        self._stamp = stamp
        self._rotate = rotate

    def apply_appearance(self, annot_dict) -> None:
        from pyhanko.pdf_utils import generic

        ref = self._stamp.register()
        ref.get_object()[generic.pdf_name("/Matrix")] = generic.ArrayObject(
            generic.NumberObject(v) for v in _TURN_BACK[self._rotate]
        )
        self._stamp.apply_appearance(annot_dict)
