"""A stamp never covers the document's text silently, and a document without a
remembered box is placed by the signer's own title line.

:func:`covered_text` reads the words under a placement (as the reader sees the page);
the anchor line the stamp was placed by and the blank number/date lines the clerk fills
later are not body text. :func:`place_for_signer` is the default order the app's batch
and ``kyso sign`` share: remembered box → the signer's title (chức danh) → the default
corner; :func:`plan_placement` adds the overlap warning the user accepts before the PIN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kyso.core.docs.page_frame import PageFrame
from kyso.core.docs.placement import Placement, resolve_placement
from kyso.core.errors import PlacementError

__all__ = [
    "PlannedPlacement",
    "covered_text",
    "overlap_warning",
    "place_for_signer",
    "plan_placement",
    "signer_notes",
    "title_anchors",
]

_BLANK_LINE = re.compile(r"^\s*Số\s*:|ngày[\s.…_\d]*tháng[\s.…_\d]*năm|[.…_]{3,}|…", re.IGNORECASE)
"""The number line ("Số: …/KH-STTTT"), the date line and dotted fill-in lines."""
MIN_COVER = 0.25
"""A word counts as covered when at least this share of it lies under the stamp."""
SHOWN = 80
"""How many characters of covered text a warning quotes."""


@dataclass(frozen=True)
class PlannedPlacement:
    """Where a document will be signed, and what the signer should know first."""

    placement: Placement
    warning: str = ""
    """Empty, or the text the stamp would cover (the user may accept it)."""


def title_anchors(title: str) -> list[str]:
    """The anchor texts for a signer's title: as written and in capitals (a Decree 30
    signature block prints "GIÁM ĐỐC"); empty for no title."""
    title = " ".join((title or "").split())
    return list(dict.fromkeys(t for t in (title.upper(), title) if t))


def _squash(text: str) -> str:
    import unicodedata

    return "".join(unicodedata.normalize("NFC", text).casefold().split())


def _share_under(word: tuple[float, float, float, float], box) -> float:
    x0, y0 = max(word[0], box[0]), max(word[1], box[1])
    x1, y1 = min(word[2], box[2]), min(word[3], box[3])
    if x1 <= x0 or y1 <= y0:
        return 0.0
    area = max((word[2] - word[0]) * (word[3] - word[1]), 1e-6)
    return (x1 - x0) * (y1 - y0) / area


def covered_text(data, placement: Placement, *, ignore: tuple[str, ...] = ()) -> list[str]:
    """The text lines (only their covered words) under ``placement``'s box. ``data`` is
    the PDF's bytes or an open PyMuPDF document. Lines containing one of ``ignore``
    (the anchor) and blank number/date lines are skipped."""
    from kyso.core.docs.pdf import open_mupdf
    from kyso.core.docs.text import page_words

    skip = [s for s in (_squash(t) for t in ignore) if s]
    doc = open_mupdf(data)
    try:
        page = doc[placement.page]
        frame = PageFrame.from_page(page)
        found = []
        for line in page_words(page):
            text = " ".join(w.text for w in line)
            squashed = _squash(text)
            if any(s in squashed for s in skip) or _BLANK_LINE.search(text):
                continue
            under = [
                w.text
                for w in line
                if _share_under(frame.from_top_left((w.x0, w.y0, w.x1, w.y1)), placement.box)
                >= MIN_COVER
            ]
            if under:
                found.append(" ".join(under))
        return found
    finally:
        if doc is not data:
            doc.close()


def overlap_warning(data, placement: Placement, *, ignore: tuple[str, ...] = ()) -> str:
    """One line when the stamp covers text (empty when it covers none)."""
    lines = covered_text(data, placement, ignore=ignore)
    if not lines:
        return ""
    quoted = " / ".join(lines)
    if len(quoted) > SHOWN:
        quoted = quoted[: SHOWN - 1].rstrip() + "…"
    return f"Con dấu ở trang {placement.page + 1} che chữ của văn bản: «{quoted}»"


def place_for_signer(
    data, *, remembered: Placement | None = None, title: str = "", page: int = -1
) -> Placement:
    """The signer's default order: the remembered box (moved inside the page if it must
    be), else under the signer's title line, else the default corner."""
    if remembered is not None:
        try:
            return resolve_placement(data, page=page, default=remembered)
        except PlacementError:
            pass  # does not fit this document: fall through to the title
    for anchor in title_anchors(title):
        try:
            return resolve_placement(data, page=page, anchor=anchor)
        except PlacementError:
            continue
    return resolve_placement(data, page=page)


def plan_placement(
    data, *, remembered: Placement | None = None, title: str = "", page: int = -1
) -> PlannedPlacement:
    """:func:`place_for_signer` plus the overlap check (the title line is not body text)."""
    from kyso.core.docs.pdf import open_mupdf

    doc = open_mupdf(data)
    try:
        placement = place_for_signer(doc, remembered=remembered, title=title, page=page)
        warning = overlap_warning(doc, placement, ignore=tuple(title_anchors(title)))
        return PlannedPlacement(placement, warning)
    finally:
        if doc is not data:
            doc.close()


def signer_notes(doc, slots, placement: Placement | None, anchor: str | None) -> tuple[bool, str]:
    """What the signing pre-flight tells the signer before the PIN, from the open
    document: a Decree 30 heading whose blanks (``slots``) were not found, and the text
    the stamp would cover (the anchor line itself and blank number/date lines are not
    counted)."""
    from kyso.core.docs.issuance_blanks import looks_like_decree30

    blanks_missing = slots is None and looks_like_decree30(doc)
    overlap = ""
    if placement is not None and placement.rule != "field":
        overlap = overlap_warning(doc, placement, ignore=(anchor,) if anchor else ())
    return blanks_missing, overlap
