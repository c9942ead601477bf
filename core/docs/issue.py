"""Issue a signed document: fill number and date, sign as the organisation.

The main document gets its number and date in the fields prepared when the leader
signed, and the organisation's signature with the seal over the left third of the
leader's image, all in one incremental update. Each appendix (a separate PDF) gets the
organisation's signature at the top right of its first page: the main document's
số/ký hiệu and the time, serif 10, black, no image.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from kyso.core.atomic import write_atomic
from kyso.core.docs.issuance import (
    DATE_FIELD,
    NUMBER_FIELD,
    SharedFont,
    attachment_box,
    fill_issuance_fields,
    find_issuance_slots,
    format_date_line,
    leader_widget,
    placed_seal_box,
    serif_font_path,
)
from kyso.core.docs.issue_check import Mark, check_issued
from kyso.core.docs.issue_geometry import RotatedStyle, page_frame
from kyso.core.docs.ltv import LtvPlan, level_metadata
from kyso.core.docs.pdf import open_reader, open_writer, read_pdf_bytes
from kyso.core.docs.sign import run_pdf_signer
from kyso.core.docs.stamp import format_signing_time
from kyso.core.errors import DocumentError, OutputError, SigningError

__all__ = ["IssueRequest", "IssuedFile", "issue_appendix", "issue_main_document"]

ORG_FIELD = "ToChuc_PhatHanh"
APPENDIX_FIELD = "ToChuc_PhuLuc"


@dataclass(frozen=True)
class IssueRequest:
    """What the clerk issues."""

    so_ky_hieu: str
    """``05/KH-STTTT``, from the registry book."""
    date: dt.date
    organization: str
    """The organisation's name written next to the seal."""
    seal_png: bytes | None = None
    """The seal image; required unless ``only_number``."""
    only_number: bool = False
    """"Chỉ điền số KH, ngày tháng năm": number and date, no organisation signature."""
    place: str | None = None
    """Place for the date line; default: the one printed in the blank line."""


@dataclass(frozen=True)
class IssuedFile:
    source: Path
    output: Path
    signed: bool
    seal_box: tuple[float, float, float, float] | None
    leader_box: tuple[float, float, float, float] | None
    signed_at: str | None
    notice: str | None = None
    """Something the clerk should know (the seal moved inward from the page's edge)."""


def _serif_style(template: str, size: int, x_align: str, y_align: str, margins, **extra):
    """A borderless text stamp in the Times-metric serif, shrunk to fit its box."""
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    return TextStampStyle(
        stamp_text=template,
        text_box_style=TextBoxStyle(
            font=SharedFont(serif_font_path(), size),  # one subset with the number field
            font_size=size,  # the size drawn: pyHanko syncs the engine to the style's
            leading=size + 1,
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment[x_align],
            y_align=layout.AxisAlignment[y_align],
            margins=layout.Margins(*margins),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
        border_width=0,
        **extra,
    )


def _org_style(seal_png: bytes):
    """The seal fills the widget; the organisation and the time are set small along
    its lower edge (the widget overlaps the leader's image, so nothing goes beside)."""
    from pyhanko.pdf_utils import layout

    from kyso.core.docs.seal_image import seal_image

    return _serif_style(
        "%(org)s\n%(signed_at)s",
        6,
        "ALIGN_MID",
        "ALIGN_MIN",
        (4, 4, 2, 1),
        background=seal_image(seal_png),
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(0.5, 0.5, 0.5, 0.5),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
    )


def _appendix_style():
    """Main document's số/ký hiệu and the time, serif 10, black, no image."""
    return _serif_style(
        "Số: %(so)s\nThời gian ký: %(signed_at)s", 10, "ALIGN_MAX", "ALIGN_MID", (2, 2, 2, 2)
    )


def sign_into(
    writer,
    key,
    field: str,
    box,
    page: int,
    style,
    params: dict,
    *,
    reason: str = "",
    ltv: LtvPlan | None = None,
) -> bytes:
    """Sign as the organisation into a new visible field ``field`` (PAdES, SHA-256), at
    the level of ``ltv`` (the plan made before the PIN; None: B-B)."""
    from pyhanko.sign import fields, signers

    timestamper, level = level_metadata(ltv, None)
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason or "Phát hành văn bản",
        **level,
    )
    spec = fields.SigFieldSpec(sig_field_name=field, on_page=page, box=box)
    pdf_signer = signers.PdfSigner(
        meta, key.signer, timestamper=timestamper, stamp_style=style, new_field_spec=spec
    )
    # A timestamp token needs as much room again as the signature.
    reserved = 32768 if timestamper is not None else 16384
    return run_pdf_signer(pdf_signer, writer, params, bytes_reserved=reserved, what="Ký phát hành")


def _check_paths(source: Path, output: Path):
    """The input's bytes and a reader over them; broken, encrypted or same-as-output
    inputs are refused. The reader only reads: the update's writer takes it over
    (:func:`kyso.core.docs.pdf.open_writer`) rather than parsing the file again."""
    if Path(source).resolve() == Path(output).resolve():
        raise OutputError(f"Không ghi đè tệp gốc {source}; chọn tệp ra khác")
    data = read_pdf_bytes(source)
    return data, open_reader(data, Path(source))


def issue_main_document(
    source: Path, output: Path, key, request: IssueRequest, *, ltv: LtvPlan | None = None
) -> IssuedFile:
    """Fill "Số: …" and the date line; unless ``only_number``, sign as the organisation
    with the seal over the leader's image, at the level of ``ltv`` (B-LTA when a TSA is
    configured; see :func:`kyso.core.docs.presign.presign_issuance`). ``key`` may be
    None with ``only_number``."""
    data, reader = _check_paths(source, output)
    leader = leader_widget(reader)
    if leader is None:
        raise DocumentError("Văn bản chưa có chữ ký của lãnh đạo: chưa phát hành được.")
    place = request.place
    if place is None:
        slots = find_issuance_slots(data)
        place = slots.place if slots else None
    if place is None:
        raise DocumentError("Không tìm thấy dòng địa danh, ngày tháng trên trang đầu")
    writer = open_writer(data, reader)
    number_line = f"Số: {request.so_ky_hieu}"
    date_line = format_date_line(place, request.date)
    fill_issuance_fields(writer, number_line, date_line)
    marks = _field_marks(writer)
    if request.only_number:
        out = BytesIO()
        writer.write(out)
        _check_main(out.getvalue(), source, number_line, date_line, marks)
        write_atomic(output, out.getvalue())
        return IssuedFile(source, output, False, None, leader[1], None)
    if request.seal_png is None or key is None:
        raise SigningError("Cần ảnh con dấu và khoá của cơ quan để ký phát hành")
    frame = page_frame(writer.find_page_for_modification(leader[0])[0].get_object())
    box, notice = placed_seal_box(leader[1], frame)
    signed_at = format_signing_time()
    style = RotatedStyle(_org_style(request.seal_png), frame.rotate)
    payload = sign_into(
        writer,
        key,
        ORG_FIELD,
        box,
        leader[0],
        style,
        {"org": request.organization, "signed_at": signed_at},
        ltv=ltv,
    )
    marks = (*marks, Mark(leader[0], box, "con dấu của cơ quan"))
    _check_main(payload, source, number_line, date_line, marks)
    write_atomic(output, payload)
    return IssuedFile(source, output, True, box, leader[1], signed_at, notice)


def _field_marks(writer) -> tuple[Mark, ...]:
    """The number and date widgets as marks on page 1 (their /Rect as written)."""
    marks = []
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        name = str(field.get("/T"))
        if name in (NUMBER_FIELD, DATE_FIELD):
            what = "ô số, ký hiệu" if name == NUMBER_FIELD else "ô ngày tháng"
            marks.append(Mark(0, tuple(float(v) for v in field["/Rect"]), what))
    return tuple(marks)


def _check_main(payload: bytes, source: Path, number_line: str, date_line: str, marks) -> None:
    check_issued(
        payload,
        name=Path(source).name,
        fields={NUMBER_FIELD: number_line, DATE_FIELD: date_line},
        texts=(number_line, date_line),
        marks=tuple(marks),
    )


def issue_appendix(
    source: Path, output: Path, key, so_ky_hieu: str, *, ltv: LtvPlan | None = None
) -> IssuedFile:
    """Sign an appendix as the organisation: top right of page 1, no image, at the level
    of ``ltv`` like the main document."""
    data, reader = _check_paths(source, output)
    frame = page_frame(reader.find_page_for_modification(0)[0].get_object())
    box = attachment_box(frame)
    signed_at = format_signing_time()
    writer = open_writer(data, reader)
    payload = sign_into(
        writer,
        key,
        APPENDIX_FIELD,
        box,
        0,
        RotatedStyle(_appendix_style(), frame.rotate),
        {"so": so_ky_hieu, "signed_at": signed_at},
        ltv=ltv,
    )
    check_issued(
        payload,
        name=Path(source).name,
        texts=(f"Số: {so_ky_hieu}",),
        marks=(Mark(0, box, "chữ ký của cơ quan trên phụ lục"),),
    )
    write_atomic(output, payload)
    return IssuedFile(source, output, True, box, None, signed_at)
