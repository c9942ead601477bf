"""The clerk's marks on a signed document (Decree 30/2020, Art. 15 and Phụ lục I).

Why text fields: after the leader has signed, the number ("Số: 05/KH-STTTT") and the
date line must appear in their blank places without breaking the leader's signature.
Any new page content after a signature is a disallowed change, and so is creating a
new non-signature form field; *filling* a form field that already existed when the
leader signed is allowed (ISO 32000 DocMDP "form filling", pyHanko's FORM_FILLING
level; poppler still reports the signature valid). So kyso adds two empty read-only
text fields over the blanks in the same revision as the leader's signature
(:func:`add_issuance_fields`), and the clerk fills them (:func:`fill_issuance_fields`)
in the incremental update that also carries the organisation's signature, whose
widget shows the seal over the left third of the leader's image. A separate appendix
gets the organisation's signature at the top right of its first page, without image.
"""

from __future__ import annotations

import datetime as dt
import weakref
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from kyso.core.docs.issuance_blanks import IssuanceSlots, find_issuance_slots
from kyso.core.docs.issue_geometry import PageFrame, move_inside, reader_top_right
from kyso.core.docs.placement import Box
from kyso.core.errors import DocumentError

__all__ = [
    "DATE_FIELD",
    "NUMBER_FIELD",
    "IssuanceSlots",
    "SharedFont",
    "add_issuance_fields",
    "attachment_box",
    "fill_issuance_fields",
    "find_issuance_slots",
    "format_date_line",
    "format_so_ky_hieu",
    "leader_widget",
    "placed_seal_box",
    "seal_box",
    "serif_font_path",
]

NUMBER_FIELD = "kyso_so_ky_hieu"
DATE_FIELD = "kyso_ngay_ban_hanh"

_SERIF_DIRS = (
    "/usr/share/fonts/truetype/liberation2",
    "/usr/share/fonts/truetype/liberation",
)


def format_so_ky_hieu(
    number: int, loai_ky_hieu: str, org_ky_hieu: str, *, unit_ky_hieu: str | None = None
) -> str:
    """``05/KH-STTTT``; a công văn (``loai_ky_hieu`` CV) is ``123/STTTT-VP``.

    Numbers below 10 get a leading zero (Art. 15).
    """
    if number < 1:
        raise ValueError("số văn bản bắt đầu từ 01")
    digits = f"{number:02d}"
    if loai_ky_hieu.upper() == "CV":
        suffix = f"{org_ky_hieu}-{unit_ky_hieu}" if unit_ky_hieu else org_ky_hieu
        return f"{digits}/{suffix}"
    return f"{digits}/{loai_ky_hieu}-{org_ky_hieu}"


def format_date_line(place: str, day: dt.date) -> str:
    """``Đắk Nông, ngày 05 tháng 02 năm 2026``: a leading zero for days below 10 and
    for months 1 and 2 (Decree 30, Phụ lục I)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _field_names(writer) -> set[str]:
    form = writer.root.get("/AcroForm")
    if form is None:
        return set()
    return {str(f.get_object().get("/T")) for f in form.get_object().get("/Fields", [])}


def add_issuance_fields(writer, slots: IssuanceSlots) -> bool:
    """Add the two empty read-only text fields over the blanks (before the leader
    signs, in the same revision). Returns False when they are already there."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name, pdf_string

    if {NUMBER_FIELD, DATE_FIELD} <= _field_names(writer):
        return False
    page_ref = writer.find_page_for_modification(slots.page)[0]
    root = writer.root
    if "/AcroForm" not in root:
        root[pdf_name("/AcroForm")] = writer.add_object(
            generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        )
        writer.update_root()
    form = root["/AcroForm"]
    form_obj = form.get_object()
    fields = form_obj.setdefault(pdf_name("/Fields"), generic.ArrayObject())
    for name, box in ((NUMBER_FIELD, slots.number_box), (DATE_FIELD, slots.date_box)):
        widget = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/FT"): pdf_name("/Tx"),
                pdf_name("/T"): pdf_string(name),
                pdf_name("/Ff"): generic.NumberObject(1),  # read-only for viewers
                pdf_name("/F"): generic.NumberObject(4),  # print
                pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in box),
                pdf_name("/P"): page_ref,
                pdf_name("/DA"): pdf_string("/Helv 0 Tf 0 g"),
            }
        )
        ref = writer.add_object(widget)
        fields.append(ref)
        # pyHanko's own registration: an indirect /Annots array is updated itself
        # (updating only the page would drop the widgets from it).
        writer.register_annotation(page_ref, ref)
    writer.update_container(form_obj if isinstance(form, generic.IndirectObject) else root)
    if isinstance(fields, generic.IndirectObject):
        writer.update_container(fields.get_object())
    return True


@lru_cache(maxsize=2)
def serif_font_path(italic: bool = False) -> str:
    """A Times-metric serif (Liberation Serif) cut down to Vietnamese and cached;
    Noto Sans when the system has no Liberation fonts (Debian: fonts-liberation2)."""
    from kyso.core.docs.stamp import font_path, subset_font_file

    name = "LiberationSerif-Italic.ttf" if italic else "LiberationSerif-Regular.ttf"
    for folder in _SERIF_DIRS:
        source = Path(folder) / name
        if source.exists():
            return subset_font_file(source)
    return font_path()


class SharedFont:
    """A pyHanko font engine factory that gives every stamp of one writer the same
    engine for a font file, so the number field and the organisation's stamp embed one
    subset of the serif instead of one each (embedding is the costly part of a stamp)."""

    _engines: ClassVar[weakref.WeakKeyDictionary] = weakref.WeakKeyDictionary()

    def __init__(self, font_file: str, font_size: int) -> None:
        self.font_file = font_file
        self.font_size = font_size

    def create_font_engine(self, writer, obj_stream=None):
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

        engines = self._engines.setdefault(writer, {})
        engine = engines.get(self.font_file)
        if engine is None:
            factory = GlyphAccumulatorFactory(self.font_file, font_size=self.font_size)
            engine = engines[self.font_file] = factory.create_font_engine(writer, obj_stream)
        return engine


def _text_appearance(writer, box: Box, text: str, *, size: float, italic: bool, align: str):
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.content import RawContent
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    width, height = box[2] - box[0], box[3] - box[1]
    white = RawContent(
        f"1 1 1 rg 0 0 {width:.2f} {height:.2f} re f".encode(),
        box=layout.BoxConstraints(width=width, height=height),
    )
    x_align = (
        layout.AxisAlignment.ALIGN_MID if align == "center" else layout.AxisAlignment.ALIGN_MIN
    )
    style = TextStampStyle(
        stamp_text="%(text)s",
        text_box_style=TextBoxStyle(
            font=SharedFont(serif_font_path(italic), round(size)),
            # TextBoxStyle's own size is the one drawn (pyHanko syncs the engine to it)
            font_size=round(size),
            leading=round(size),
            # no inner padding: the box is the blank line itself
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MIN,
                margins=layout.Margins(0, 0, 0, 0),
            ),
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=x_align,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=6, right=2, top=0, bottom=0),
            # The box is the blank line itself: keep the Decree's type size.
            inner_content_scaling=layout.InnerScaling.NO_SCALING,
        ),
        border_width=0,
        background=white,
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins(0, 0, 0, 0),
        ),
    )
    return style.create_stamp(
        writer, layout.BoxConstraints(width=width, height=height), {"text": text}
    )


def fill_issuance_fields(writer, number_line: str, date_line: str | None) -> None:
    """Fill the fields added at the leader's signature: ``"Số: 05/KH-STTTT"`` (size 13)
    and the italic date line. A document without them is refused."""
    from pyhanko.pdf_utils.generic import pdf_name, pdf_string

    form = writer.root.get("/AcroForm")
    found = {}
    if form is not None:
        for ref in form.get_object().get("/Fields", []):
            field = ref.get_object()
            name = str(field.get("/T"))
            if name in (NUMBER_FIELD, DATE_FIELD):
                found[name] = (ref, field)
    if NUMBER_FIELD not in found or (date_line is not None and DATE_FIELD not in found):
        raise DocumentError(
            "Văn bản không có ô số/ngày do kyso chuẩn bị khi lãnh đạo ký; "
            "không điền số được mà giữ nguyên chữ ký."
        )
    values = [(NUMBER_FIELD, number_line, 13, False, "left")]
    if date_line is not None:
        values.append((DATE_FIELD, date_line, 13, True, "center"))
    for name, text, size, italic, align in values:
        ref, field = found[name]
        box = tuple(float(v) for v in field["/Rect"])
        stamp = _text_appearance(writer, box, text, size=size, italic=italic, align=align)
        field[pdf_name("/V")] = pdf_string(text)
        stamp.apply_appearance(field)
        writer.update_container(field)


def _page_indexes(reader) -> dict[int, int]:
    """Object number of each page → its index, from one walk of the page tree."""
    indexes: dict[int, int] = {}

    def walk(node_ref) -> None:
        node = node_ref.get_object()
        if node.get("/Type") == "/Pages":
            for kid in node["/Kids"]:
                walk(kid)
        else:
            indexes[node_ref.idnum] = len(indexes)

    walk(reader.root.raw_get("/Pages"))
    return indexes


def leader_widget(source) -> tuple[int, Box] | None:
    """Page index and /Rect of the last visible signature (the leader's), if any.
    ``source`` is the PDF's bytes or a pyHanko reader over them."""
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    reader = PdfFileReader(BytesIO(source), strict=False) if isinstance(source, bytes) else source
    pages = None
    found = None
    for _name, value, field_ref in enumerate_sig_fields(reader):
        field = field_ref.get_object()
        if value is None or "/Rect" not in field or "/P" not in field:
            continue  # empty field, or a widget kept apart from its field
        rect = tuple(float(v) for v in field["/Rect"])
        if rect[2] - rect[0] > 1 and rect[3] - rect[1] > 1:
            pages = pages if pages is not None else _page_indexes(reader)
            found = (pages.get(field.raw_get("/P").idnum, 0), rect)
    return found


SEAL_SIZE = 102.0
"""36 mm, the real size of a Sở's seal, in points."""
IMAGE_SHARE = 0.45
"""Share of the signer's box that kyso's stamp gives to the signature image."""


def seal_box(leader: Box, *, seal: float = SEAL_SIZE) -> Box:
    """The organisation's widget, the seal at its real size, placed so that it covers
    the left third of the leader's signature image (Phụ lục I)."""
    x0, y0, x1, y1 = leader
    image_width = (x1 - x0) * IMAGE_SHARE
    seal_right = x0 + image_width / 3
    centre_y = (y0 + y1) / 2
    return (
        round(seal_right - seal, 2),
        round(centre_y - seal / 2, 2),
        round(seal_right, 2),
        round(centre_y + seal / 2, 2),
    )


def attachment_box(frame: PageFrame, *, width: float = 190.0, height: float = 34.0) -> Box:
    """Top right of the first page as the reader sees it (/Rotate and CropBox applied),
    where an appendix gets the organisation's signature."""
    return reader_top_right(frame, width, height, 16.0)


def placed_seal_box(leader: Box, frame: PageFrame) -> tuple[Box, str | None]:
    """:func:`seal_box`, moved inward when it would leave the visible page (the leader's
    box near an edge); the second value says so in words, None when not moved."""
    box = seal_box(leader)
    moved = move_inside(frame, box)
    if moved == box:
        return box, None
    return moved, (
        "Chữ ký lãnh đạo sát mép trang: con dấu được dời vào trong trang "
        f"({abs(moved[0] - box[0]) + abs(moved[1] - box[1]):.0f} pt) để không bị cắt."
    )
