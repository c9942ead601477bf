"""Finding the Decree 30 blanks on a document's first page: "Số: …/KH-STTTT" and
"Đắk Nông, ngày … tháng … năm 20…".

Real drafts write them in many ways: Word puts a tab between "Số:" and "/KH-STTTT", so
they come out as separate text runs (or lines) at the same height; the blank may be
spaces, dots ("……", "......") or underscores; the text may be decomposed Unicode (NFD,
as some converters write it); "Số:" may have no space after it. So the page's text spans
are grouped into rows by their height on the page, each span NFC-normalised, and the
patterns are searched in the row's text; a match's box is the union of its spans.
On the Decree's header the number and the date share one row (number left, date right),
so the date is searched after the number's match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kyso.core.docs.placement import Box

__all__ = ["IssuanceSlots", "blanks_warning", "find_issuance_slots", "looks_like_decree30"]

_BLANK = r"[\s.…_\-]*"
_KY_HIEU = r"[A-ZĐ][A-Za-zĐđ0-9]*(?:\s*-\s*[A-ZĐ][A-Za-zĐđ0-9]*)+"
"""KH-STTTT, QĐ-UBND, TTr-SGDĐT, STTTT-VP (a công văn), NQ-HĐND…"""
_NUMBER = re.compile(rf"Số\s*:{_BLANK}\d*{_BLANK}/\s*(?P<kh>{_KY_HIEU})")
_DATE = re.compile(
    r"(?P<place>[^\W\d_][^,:/\d]*?)\s*,\s*ngày[\s.…_\d]*tháng[\s.…_\d]*năm"
    r"(?:\s*20[\s.…_\d]*|[\s.…_]*)"
)


@dataclass(frozen=True)
class IssuanceSlots:
    """Where the number and the date line are on the first page (PDF user space)."""

    page: int
    number_box: Box
    date_box: Box
    place: str
    number_size: float
    date_size: float


@dataclass(frozen=True)
class _Span:
    text: str
    bbox: tuple[float, float, float, float]
    size: float


def _rows(page) -> list[list[_Span]]:
    """The page's text spans grouped by height on the page, each row left to right."""
    import pymupdf

    spans = []
    for block in page.get_text("dict", flags=pymupdf.TEXTFLAGS_TEXT)["blocks"]:
        for line in block.get("lines", []):
            for span in line["spans"]:
                text = unicodedata.normalize("NFC", span["text"])
                if text.strip():
                    spans.append(_Span(text, tuple(span["bbox"]), float(span["size"])))
    spans.sort(key=lambda s: ((s.bbox[1] + s.bbox[3]) / 2, s.bbox[0]))
    rows: list[list[_Span]] = []
    for span in spans:
        middle = (span.bbox[1] + span.bbox[3]) / 2
        if rows:
            last = rows[-1][-1]
            if abs(middle - (last.bbox[1] + last.bbox[3]) / 2) <= 0.4 * max(span.size, 1):
                rows[-1].append(span)
                continue
        rows.append([span])
    return [sorted(row, key=lambda s: s.bbox[0]) for row in rows]


def _row_text(row: list[_Span]) -> tuple[str, list[int], list[int]]:
    """The row's text (spans joined by a space), per character its span's index, and
    where each span starts in the text."""
    text, owner, starts = "", [], []
    for index, span in enumerate(row):
        if text:
            text += " "
            owner.append(index)
        starts.append(len(text))
        text += span.text
        owner.extend([index] * len(span.text))
    return text, owner, starts


def _date_in(row: list[_Span], text: str, owner: list[int], starts: list[int], after: int):
    """The date line's (box, size, place) in the row, from ``after`` on. The place is cut
    at a wide gap, so text in the left column of the same row is not taken for it."""
    match = _DATE.search(text, after)
    if match is None:
        return None
    first, comma = owner[match.start("place")], owner[match.end("place") - 1]
    for i in range(comma, first, -1):
        if row[i].bbox[0] - row[i - 1].bbox[2] > 2 * max(row[i].size, 1):
            match = _DATE.match(text, starts[i]) or match
            break
    box, size = _union(row, owner, match.start("place"), match.end())
    return box, size, " ".join(match.group("place").split())


def _union(row: list[_Span], owner: list[int], start: int, end: int):
    used = {owner[i] for i in range(start, end) if not row[owner[i]].text.isspace()}
    boxes = [row[i].bbox for i in sorted(used)]
    size = max(row[i].size for i in used)
    return (
        (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        ),
        size,
    )


def find_issuance_slots(data) -> IssuanceSlots | None:
    """Find the blank "Số: …/KH-STTTT" line and the "…, ngày … tháng … năm …" line on
    the first page; None when the document has no such blanks. ``data`` is the PDF's
    bytes or an open PyMuPDF document."""
    import pymupdf

    from kyso.core.docs.pdf import open_mupdf

    doc = open_mupdf(data)
    try:
        page = doc[0]
        number = date = None
        for row in _rows(page):
            text, owner, starts = _row_text(row)
            after = 0
            if number is None and (match := _NUMBER.search(text)):
                number = _union(row, owner, match.start(), match.end())
                after = match.end()
            if date is None:
                date = _date_in(row, text, owner, starts, after)
            if number is not None and date is not None:
                break
        if number is None or date is None:
            return None
        inverse = ~page.transformation_matrix

        def to_pdf(bbox) -> Box:
            r = pymupdf.Rect(bbox)
            r = pymupdf.Rect(r.x0 - 6, r.y0 - 1, r.x1 + 6, r.y1 + 1) * inverse
            r.normalize()
            return (round(r.x0, 2), round(r.y0, 2), round(r.x1, 2), round(r.y1, 2))

        return IssuanceSlots(
            page=0,
            number_box=to_pdf(number[0]),
            date_box=to_pdf(date[0]),
            place=date[2],
            number_size=number[1],
            date_size=date[1],
        )
    finally:
        if doc is not data:
            doc.close()


def blanks_warning(loai_ky_hieu: str | None, slots: IssuanceSlots | None) -> str | None:
    """What to tell a leader before the PIN when a Decree 30 document (a type with a ký
    hiệu) has no blanks kyso can prepare; None when all is well. Signing stays allowed."""
    if slots is not None or not loai_ky_hieu:
        return None
    return (
        "Không tìm thấy chỗ trống số, ký hiệu (“Số: …/…”) và dòng “…, ngày … tháng … năm …” "
        "trên trang đầu: văn thư sẽ không điền được số, ngày vào văn bản sau khi ký (chỉ "
        "cấp số, hoặc soạn lại). Vẫn có thể ký."
    )


def looks_like_decree30(data) -> bool:
    """Page 1 carries the national heading of a Decree 30 document (for files that come
    without a document type, as in ``kyso sign``)."""
    from kyso.core.docs.pdf import open_mupdf

    doc = open_mupdf(data)
    try:
        text = " ".join(unicodedata.normalize("NFC", doc[0].get_text()).split()).upper()
    finally:
        if doc is not data:
            doc.close()
    return "XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
