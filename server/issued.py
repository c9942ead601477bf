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
from io import BytesIO

from fastapi import HTTPException

__all__ = ["check_issued_appendix", "check_issued_main"]

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
    from kyso.core.edxml import read_form_values
    from kyso.core.errors import DocumentError

    try:
        return read_form_values(data)
    except DocumentError:
        raise _reject("không đọc được các ô biểu mẫu của tệp.") from None


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
