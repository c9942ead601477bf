"""Electronic copies (bản sao điện tử) of an issued document, Decree 30/2020 Phụ lục I
Phần II: "sao y", "sao lục" (the whole document) and "trích sao" (chosen pages).

The copy carries the copying organisation's signature at the top right of page 1 as
the reader sees it, no image, in a Times-metric serif, 10 pt, black: the copy form
("SAO Y" / "SAO LỤC" / "TRÍCH SAO"), the organisation's name and the signing time in
ISO 8601 with the +07:00 offset. A sao y / sao lục is an incremental update of the issued
file, so the original signatures stay valid; a trích sao is a new file of the chosen
pages (signed as a new document by the organisation). The copy's number in the copies
book (ký hiệu SY / SL / TS) is given by the server; this module only makes the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from kyso.core.atomic import write_atomic
from kyso.core.clock import VN_TZ
from kyso.core.docs.issuance import SharedFont, attachment_box, serif_font_path
from kyso.core.docs.issue_check import Mark, check_issued
from kyso.core.docs.issue_geometry import RotatedStyle, page_frame
from kyso.core.docs.pdf import open_reader, read_pdf_bytes
from kyso.core.errors import DocumentError, OutputError

__all__ = ["COPY_FORMS", "CopyForm", "CopyResult", "make_copy", "parse_pages"]

COPY_FIELD = "ToChuc_BanSao"


@dataclass(frozen=True)
class CopyForm:
    label: str
    """What the stamp says: ``SAO Y``."""
    ky_hieu: str
    """The copies book's ký hiệu: ``SY``."""


COPY_FORMS = {
    "sao-y": CopyForm("SAO Y", "SY"),
    "sao-luc": CopyForm("SAO LỤC", "SL"),
    "trich-sao": CopyForm("TRÍCH SAO", "TS"),
}


@dataclass(frozen=True)
class CopyResult:
    output: Path
    form: CopyForm
    signed_at: str
    """ISO 8601 with the offset, as written on the copy."""
    pages: tuple[int, ...]
    """0-based pages of the original the copy holds."""
    box: tuple[float, float, float, float]


def parse_pages(text: str, page_count: int) -> tuple[int, ...]:
    """``"1-3,5"`` → (0, 1, 2, 4); a page outside the document is a :class:`DocumentError`."""
    pages: list[int] = []
    for part in text.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        try:
            start, end = int(first), int(last or first)
        except ValueError:
            raise DocumentError(f"Trang không hợp lệ: “{part}” (vd. 1-3,5)") from None
        if not 1 <= start <= end <= page_count:
            raise DocumentError(f"Trang {part} không có (văn bản có {page_count} trang)")
        pages.extend(p - 1 for p in range(start, end + 1) if p - 1 not in pages)
    return tuple(pages)


def _iso_now() -> str:
    return dt.datetime.now(VN_TZ).replace(microsecond=0).isoformat()


def _style():
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    return TextStampStyle(
        stamp_text="%(text)s",
        text_box_style=TextBoxStyle(
            font=SharedFont(serif_font_path(), 10), font_size=10, leading=11
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(2, 2, 2, 2),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
        border_width=0,
    )


def _extract(data: bytes, pages: tuple[int, ...]) -> bytes:
    """A new PDF of the chosen pages (trích sao)."""
    import pymupdf

    with pymupdf.open(stream=data, filetype="pdf") as doc:
        doc.select(list(pages))
        # The original's signatures cannot survive a page extraction: their appearances
        # (seal, leader's image, number and date) become page content, the fields go.
        doc.bake(annots=True, widgets=True)
        return doc.tobytes(garbage=3, deflate=True)


def make_copy(
    source: Path,
    output: Path,
    key,
    *,
    form: str,
    organization: str,
    pages: str | None = None,
    number: str | None = None,
    ltv=None,
) -> CopyResult:
    """Make the electronic copy of ``source`` (an issued PDF) into ``output``.

    ``form``: ``sao-y``, ``sao-luc`` or ``trich-sao`` (which needs ``pages``, e.g.
    ``"1-3"``). ``number``: the copy's số/ký hiệu from the copies book, written above
    the form when given. ``key`` is a token signing key of the organisation; ``ltv``
    the PAdES plan made before the PIN (:func:`kyso.core.docs.presign.presign_issuance`).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from kyso.core.docs.issue import sign_into

    if form not in COPY_FORMS:
        raise DocumentError(f"Hình thức sao không có: {form} (sao-y, sao-luc, trich-sao)")
    if Path(source).resolve() == Path(output).resolve():
        raise OutputError(f"Không ghi đè tệp gốc {source}; chọn tệp ra khác")
    kind = COPY_FORMS[form]
    data = read_pdf_bytes(source)
    reader = open_reader(data, Path(source))
    count = int(reader.root["/Pages"]["/Count"])
    if form == "trich-sao":
        if not pages:
            raise DocumentError("Trích sao cần chọn trang (vd. --pages 1-3)")
        chosen = parse_pages(pages, count)
        data = _extract(data, chosen)
        reader = open_reader(data, Path(source))
    elif pages:
        raise DocumentError("Chỉ trích sao mới chọn trang; sao y, sao lục sao toàn văn.")
    else:
        chosen = tuple(range(count))
    frame = page_frame(reader.find_page_for_modification(0)[0].get_object())
    lines = [kind.label, organization]
    if number:
        lines.insert(0, f"Số: {number}")
    signed_at = _iso_now()
    lines.append(signed_at)
    box = attachment_box(frame, width=230.0, height=11.0 * len(lines) + 6)
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    payload = sign_into(
        writer,
        key,
        COPY_FIELD,
        box,
        0,
        RotatedStyle(_style(), frame.rotate),
        {"text": "\n".join(lines)},
        reason=f"{kind.label.capitalize()} điện tử",
        ltv=ltv,
    )
    check_issued(
        payload,
        name=Path(source).name,
        texts=(kind.label, signed_at),
        marks=(Mark(0, box, "chữ ký của cơ quan trên bản sao"),),
    )
    write_atomic(output, payload)
    return CopyResult(Path(output), kind, signed_at, chosen, box)
