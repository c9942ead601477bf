"""Checks on an electronic copy (bản sao điện tử) before the server accepts it.

A sao y / sao lục is the issued main file plus the organisation's signature, as an
incremental update (the original's bytes, and so its signatures, unchanged). A trích
sao is a new file of the chosen pages with the organisation's signature as its only
signature. Either way: the strict verdict passes for every signature with the
organisation's trust anchors, the organisation's signature covers the whole file, is
made with its bound certificate (else the clerk's registered one, the issuance rule),
and passes the issuance output check (:func:`kyso.server.issued.self_check`): drawn on
page 1 inside the CropBox, showing the copy's number and its form. Anything else is a
422 with the reason in Vietnamese.
"""

from __future__ import annotations

from fastapi import HTTPException

__all__ = ["check_copy"]


def _reject(reason: str) -> HTTPException:
    return HTTPException(422, f"Bản sao không được chấp nhận: {reason}")


def check_copy(
    data: bytes,
    *,
    original: bytes,
    form: str,
    label: str,
    so_ky_hieu: str,
    cert_der: bytes | None,
    anchors: list[bytes],
) -> None:
    """Raise a 422 unless ``data`` is a correct ``form`` copy of ``original``."""
    from kyso.server.issued import self_check
    from kyso.server.signed import NO_ANCHORS, check_signatures_ok, layout, strict_report

    what = "bản sao"
    if not anchors:
        raise _reject(NO_ANCHORS)
    before = 0
    if form != "trich-sao":
        if not (len(data) > len(original) and data.startswith(original)):
            raise _reject(
                "bản sao y, sao lục phải là bản cập nhật của tệp đã ban hành "
                "(giữ nguyên các byte và chữ ký cũ)."
            )
        before = len(layout(original).fields)
    report = strict_report(data, anchors, _reject, what)
    stamps = layout(data).doc_timestamps
    check_signatures_ok(report, stamps, _reject, what)
    new = [s for s in report.signatures[before:] if s.field not in stamps]
    if len(new) != 1:
        raise _reject("phải có đúng một chữ ký mới của cơ quan.")
    if not report.signatures[-1].is_final:
        raise _reject("chữ ký của cơ quan không bao phủ toàn bộ tệp.")
    if cert_der is None:
        raise _reject(
            "cơ quan chưa được gắn chứng thư số (kyso server --bind org:KÝ_HIỆU=TỆP) và bạn "
            "chưa có chứng thư số đã đăng ký."
        )
    if new[0].signer_cert_der != cert_der:
        raise _reject("chữ ký không phải chứng thư số của cơ quan (hoặc chứng thư bạn đã đăng ký).")
    self_check(
        data,
        what,
        widgets={new[0].field: "chữ ký của cơ quan trên bản sao"},
        texts=(f"Số: {so_ky_hieu}", label),
    )
