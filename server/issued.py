"""Checks on the issued PDFs a clerk uploads, before the server accepts an issuance.

The main document must be the leader-signed version with the clerk's incremental update
on top: the earlier bytes unchanged (so the leader's signature is still there), every
signature intact and valid, the leader's signature followed by nothing worse than form
filling, the number field filled with exactly ``"Số: <so_ky_hieu>"`` and the date field
with the allocated date, and — unless the clerk chose "Chỉ điền số KH, ngày tháng năm" —
exactly one new signature (the organization's) covering the whole file. Each appendix
must extend its latest version with one new signature covering the whole file.

Last, the server runs the client's own output check on what it received
(:func:`kyso.core.docs.issue_check.issued_problems`, one implementation for both): the
number and date fields are widgets of page 1 (direct or indirect /Annots), MuPDF drawing
page 1's annotations shows their text, and every widget issuance added — the number, the
date, the organisation's seal or stamp — lies inside its page's CropBox.

Anything else is a 422 with the reason in Vietnamese. The checks run outside the write
transaction (they take a fraction of a second); the route re-checks inside it that
nothing changed meanwhile.
"""

from __future__ import annotations

import datetime as dt

from fastapi import HTTPException

__all__ = ["check_issued_appendix", "check_issued_main", "check_leader_version", "self_check"]

_FINE_AFTER_LEADER = {"NONE", "LTA_UPDATES", "FORM_FILLING"}
_NO_ORG_CERT = (
    "cơ quan chưa được gắn chứng thư số (kyso server --bind org:KÝ_HIỆU=TỆP) và bạn chưa có "
    "chứng thư số đã đăng ký."
)
_WRONG_ORG_CERT = (
    "chữ ký của cơ quan không phải chứng thư số của cơ quan (hoặc chứng thư bạn đã đăng ký)."
)


def _reject(reason: str) -> HTTPException:
    return HTTPException(422, f"Bản phát hành không được chấp nhận: {reason}")


def _field_values(data: bytes) -> dict[str, str]:
    from kyso.core.edxml import read_form_values
    from kyso.core.errors import DocumentError

    try:
        return read_form_values(data)
    except DocumentError:
        raise _reject("không đọc được các ô biểu mẫu của tệp.") from None


def self_check(
    data: bytes,
    what: str,
    *,
    widgets: dict[str, str],
    fields: dict[str, str] | None = None,
    texts: tuple[str, ...] = (),
) -> None:
    """422 unless ``data`` passes the issuance output check; ``widgets`` (field name →
    what it is) must each be drawn on a page, inside its visible area."""
    from kyso.core.docs.issue_check import issued_problems, widget_marks

    try:
        marks, missing = widget_marks(data, widgets)
        problems = issued_problems(data, fields=fields, texts=texts, marks=marks)
    except Exception:  # a file pyHanko verified but MuPDF cannot draw is not issuable
        raise _reject(f"không đọc lại được {what} để kiểm tra phần hiển thị.") from None
    problems += [
        f"{widgets[name]} không nằm trên trang nào (không hiển thị)"
        for name in missing
        if fields is None or name not in fields  # a missing field is already reported
    ]
    if problems:
        raise _reject(f"{what} không đạt kiểm tra hiển thị: " + "; ".join(problems) + ".")


def _verify(data: bytes, what: str, anchors: list[bytes]):
    from kyso.server.signed import check_signatures_ok, layout, strict_report

    report = strict_report(data, anchors, _reject, what)
    check_signatures_ok(report, layout(data).doc_timestamps, _reject, what)
    return report


def check_leader_version(data: bytes, *, anchors: list[bytes], leader_certs: list[bytes]) -> None:
    """422 unless the stored leader-signed main file passes the strict verdict and one of
    its signatures is a leader's registered certificate (checked before a number is used)."""
    from kyso.server.signed import NO_ANCHORS

    if not anchors:
        raise _reject(NO_ANCHORS)
    report = _verify(data, "bản lãnh đạo đã ký", anchors)
    if not report.signatures:
        raise _reject("tệp chính chưa có chữ ký của lãnh đạo.")
    if not any(s.signer_cert_der in leader_certs for s in report.signatures):
        raise _reject("chữ ký trên tệp chính không phải chứng thư số đã đăng ký của lãnh đạo.")


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
    anchors: list[bytes],
) -> None:
    """Raise a 422 unless ``data`` is a correct issuance of the leader-signed ``previous``.

    ``cert_der`` is the certificate the organisation's signature must be made with (the
    organisation's bound certificate, else the clerk's registered one).
    """
    from kyso.core.docs.issuance import DATE_FIELD, NUMBER_FIELD, format_date_line
    from kyso.server.signed import layout

    what = "tệp chính"
    _extends(data, previous, what)
    leader_fields = layout(previous).fields
    if not leader_fields:
        raise _reject("phiên bản trước không có chữ ký của lãnh đạo.")
    report = _verify(data, what, anchors)
    stamps = layout(data).doc_timestamps
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
    prior = [f for f in leader_fields if f not in stamps]
    added = len([s for s in report.signatures if s.field not in stamps]) - len(prior)
    shown = {NUMBER_FIELD: wanted, DATE_FIELD: got_date.strip()}
    widgets = {NUMBER_FIELD: "ô số, ký hiệu", DATE_FIELD: "ô ngày tháng"}
    if only_number:
        if added != 0:
            raise _reject("chế độ chỉ điền số, ngày không có chữ ký mới.")
        self_check(data, what, widgets=widgets, fields=shown, texts=tuple(shown.values()))
        return
    if added != 1:
        raise _reject("thiếu chữ ký số của cơ quan (hoặc có nhiều hơn một chữ ký mới).")
    if not report.signatures[-1].is_final:
        raise _reject("chữ ký của cơ quan không bao phủ toàn bộ tệp.")
    org_sig = [s for s in report.signatures if s.field not in stamps][-1]
    if cert_der is None:
        raise _reject(_NO_ORG_CERT)
    if org_sig.signer_cert_der != cert_der:
        raise _reject(_WRONG_ORG_CERT)
    widgets[org_sig.field] = "con dấu của cơ quan"
    self_check(data, what, widgets=widgets, fields=shown, texts=tuple(shown.values()))


def check_issued_appendix(
    data: bytes,
    *,
    previous: bytes,
    name: str,
    cert_der: bytes | None,
    anchors: list[bytes],
    so_ky_hieu: str | None = None,
) -> None:
    """Raise a 422 unless ``data`` is ``previous`` plus the organization's signature,
    drawn inside page 1 (showing ``Số: so_ky_hieu`` when given)."""
    from kyso.server.signed import layout

    what = f"phụ lục “{name}”"
    _extends(data, previous, what)
    before = len(layout(previous).fields)
    report = _verify(data, what, anchors)
    stamps = layout(data).doc_timestamps
    new = [s for s in report.signatures[before:] if s.field not in stamps]
    if len(new) != 1:
        raise _reject(f"{what} phải có đúng một chữ ký mới của cơ quan.")
    if not report.signatures[-1].is_final:
        raise _reject(f"chữ ký trên {what} không bao phủ toàn bộ tệp.")
    if cert_der is None:
        raise _reject(_NO_ORG_CERT)
    if new[0].signer_cert_der != cert_der:
        raise _reject(f"chữ ký trên {what}: {_WRONG_ORG_CERT}")
    texts = (f"Số: {so_ky_hieu}",) if so_ky_hieu else ()
    self_check(data, what, widgets={new[0].field: "chữ ký của cơ quan"}, texts=texts)
