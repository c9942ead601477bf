"""Checks on the issued PDFs a clerk uploads, before the server accepts an issuance.

The main document must be the leader-signed version with the clerk's incremental update
on top: the earlier bytes unchanged (so the leader's signature is still there), every
signature intact and valid, the leader's signature followed by nothing worse than form
filling, the number field filled with exactly ``"Số: <so_ky_hieu>"`` and the date field
with the allocated date, and — unless the clerk chose "Chỉ điền số KH, ngày tháng năm" —
exactly one new signature (the organization's) covering the whole file. Each appendix
must extend its latest version with one new signature covering the whole file.

Anything else is a 422 with the reason in Vietnamese. The checks run outside the write
transaction (they take a fraction of a second); the route re-checks inside it that
nothing changed meanwhile.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from io import BytesIO

from fastapi import HTTPException

__all__ = ["Recipients", "check_issued_appendix", "check_issued_main", "read_recipients"]

_FINE_AFTER_LEADER = {"NONE", "LTA_UPDATES", "FORM_FILLING"}


def _reject(reason: str) -> HTTPException:
    return HTTPException(422, f"Bản phát hành không được chấp nhận: {reason}")


def _signature_fields(data: bytes) -> list[str]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        return [s.field_name for s in reader.embedded_signatures]
    except Exception:  # a broken earlier version has no usable signature
        return []


def _field_values(data: bytes) -> dict[str, str]:
    """Text field values (``/V``) by name, read with pyHanko's reader."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    values: dict[str, str] = {}
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        form = reader.root.get("/AcroForm")
        if form is None:
            return values
        stack = list(form.get_object().get("/Fields", []))
        while stack:
            field = stack.pop().get_object()
            stack.extend(field.get("/Kids", []))
            if "/T" in field and "/V" in field:
                value = field["/V"]
                values[str(field["/T"])] = str(value) if not hasattr(value, "get_object") else ""
    except Exception:
        raise _reject("không đọc được các ô biểu mẫu của tệp.") from None
    return values


def _verify(data: bytes, what: str):
    from kyso.core.docs.verify import verify_pdf
    from kyso.core.errors import DocumentError

    if not data.startswith(b"%PDF-"):
        raise _reject(f"{what} không phải tệp PDF.")
    try:
        report = verify_pdf(data)
    except DocumentError as exc:
        raise _reject(f"{what}: {exc.message}") from None
    for sig in report.signatures:
        if not sig.intact:
            raise _reject(f"{what}: chữ ký “{sig.field}” không còn nguyên vẹn.")
        if not sig.valid:
            raise _reject(f"{what}: chữ ký “{sig.field}” không hợp lệ.")
    return report


def _extends(data: bytes, previous: bytes, what: str) -> None:
    if not (len(data) > len(previous) and data.startswith(previous)):
        raise _reject(
            f"{what} không phải bản cập nhật của phiên bản đã ký (phải giữ nguyên các byte cũ)."
        )


def check_issued_main(
    data: bytes,
    *,
    previous: bytes,
    so_ky_hieu: str,
    day: dt.date,
    only_number: bool,
    cert_der: bytes | None,
) -> None:
    """Raise a 422 unless ``data`` is a correct issuance of the leader-signed ``previous``."""
    from kyso.core.docs.issuance import DATE_FIELD, NUMBER_FIELD, format_date_line

    what = "tệp chính"
    _extends(data, previous, what)
    leader_fields = _signature_fields(previous)
    if not leader_fields:
        raise _reject("phiên bản trước không có chữ ký của lãnh đạo.")
    report = _verify(data, what)
    by_field = {s.field: s for s in report.signatures}
    for name in leader_fields:
        sig = by_field.get(name)
        if sig is None:
            raise _reject(f"chữ ký của lãnh đạo “{name}” không còn trong tệp.")
        if not sig.covers_whole_document and sig.changes_after not in _FINE_AFTER_LEADER:
            raise _reject(
                f"sau chữ ký của lãnh đạo “{name}” có thay đổi không được phép "
                f"({sig.changes_after})."
            )
    values = _field_values(data)
    wanted = f"Số: {so_ky_hieu}"
    got = values.get(NUMBER_FIELD)
    if got is None:
        raise _reject("ô số văn bản chưa được điền.")
    if got.strip() != wanted:
        raise _reject(f"số trên văn bản là “{got}”, số đã cấp là “{wanted}”.")
    date_text = format_date_line("", day).removeprefix(", ")
    got_date = values.get(DATE_FIELD)
    if got_date is None or not got_date.strip().endswith(date_text):
        raise _reject(f"ngày trên văn bản phải là “{date_text}”.")
    added = len(report.signatures) - len(leader_fields)
    if only_number:
        if added != 0:
            raise _reject("chế độ chỉ điền số, ngày không có chữ ký mới.")
        return
    if added != 1:
        raise _reject("thiếu chữ ký số của cơ quan (hoặc có nhiều hơn một chữ ký mới).")
    newest = report.signatures[-1]
    if not newest.covers_whole_document:
        raise _reject("chữ ký của cơ quan không bao phủ toàn bộ tệp.")
    if cert_der is not None and newest.signer_cert_der != cert_der:
        raise _reject("chữ ký của cơ quan không phải chứng thư số bạn đã đăng ký.")


def check_issued_appendix(
    data: bytes, *, previous: bytes, name: str, cert_der: bytes | None
) -> None:
    """Raise a 422 unless ``data`` is ``previous`` plus the organization's signature."""
    what = f"phụ lục “{name}”"
    _extends(data, previous, what)
    before = len(_signature_fields(previous))
    report = _verify(data, what)
    if len(report.signatures) != before + 1:
        raise _reject(f"{what} phải có đúng một chữ ký mới của cơ quan.")
    newest = report.signatures[-1]
    if not newest.covers_whole_document:
        raise _reject(f"chữ ký trên {what} không bao phủ toàn bộ tệp.")
    if cert_der is not None and newest.signer_cert_der != cert_der:
        raise _reject(f"chữ ký trên {what} không phải chứng thư số bạn đã đăng ký.")


@dataclass(frozen=True)
class Recipients:
    """What the document's "Nơi nhận:" block says."""

    noi_nhan: tuple[str, ...]
    """Recipients, without the "Lưu" line."""
    noi_luu: str
    """Who keeps the filed copies ("VT, VP"), from the "Lưu:" line."""


_BULLET = re.compile(r"^[-–•+]\s*")


def read_recipients(data: bytes) -> Recipients:
    """The "Nơi nhận:" block of the document (left column, below the heading); empty when
    the document has none. Best effort: the clerk's own values win."""
    import pymupdf

    items: list[str] = []
    try:
        with pymupdf.open(stream=data, filetype="pdf") as doc:
            for page in doc:
                lines = []
                for block in page.get_text("dict")["blocks"]:
                    for line in block.get("lines", []):
                        text = "".join(s["text"] for s in line["spans"]).strip()
                        if text:
                            lines.append((line["bbox"], text))
                head = next((b for b, t in lines if t.startswith("Nơi nhận")), None)
                if head is None:
                    continue
                middle = (page.rect.x0 + page.rect.x1) / 2
                below = sorted(
                    (b, t)
                    for b, t in lines
                    if b[1] >= head[3] - 1 and b[0] < middle and abs(b[0] - head[0]) < 30
                )
                last_y = head[3]
                for bbox, text in below:
                    if bbox[1] - last_y > 30 or not _BULLET.match(text):
                        break
                    items.append(_BULLET.sub("", text).rstrip(";.").strip())
                    last_y = bbox[3]
                break
    except Exception:
        return Recipients((), "")
    luu = [i for i in items if i.casefold().startswith("lưu")]
    others = tuple(i for i in items if not i.casefold().startswith("lưu"))
    noi_luu = luu[0].split(":", 1)[-1].strip() if luu else ""
    return Recipients(others, noi_luu)
