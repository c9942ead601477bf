"""Checks on an uploaded signed version before the server accepts it.

The upload must be a PDF whose signatures are all intact and valid, whose newest
signature covers the whole file, that extends the version it replaces (an incremental
update: the earlier bytes — and so any earlier signature — are unchanged), and whose
newest signature was made with the uploader's registered certificate when there is one.
Anything else is a 422 with the reason in Vietnamese.
"""

from __future__ import annotations

from fastapi import HTTPException

__all__ = ["check_signed_upload"]


def _reject(reason: str) -> HTTPException:
    return HTTPException(422, f"Bản ký số không được chấp nhận: {reason}")


def check_signed_upload(data: bytes, *, previous: bytes | None, cert_der: bytes | None) -> None:
    """Raise a 422 unless ``data`` is an acceptable signed successor of ``previous``."""
    from kyso.core.docs.verify import verify_pdf
    from kyso.core.errors import DocumentError

    if not data.startswith(b"%PDF-"):
        raise _reject("tệp không phải PDF.")
    try:
        report = verify_pdf(data)
    except DocumentError as exc:
        raise _reject(exc.message) from None
    if not report.signatures:
        raise _reject("tệp không có chữ ký số.")
    for sig in report.signatures:
        if not sig.intact:
            raise _reject(f"chữ ký “{sig.field}” không còn nguyên vẹn (tệp bị sửa sau khi ký).")
        if not sig.valid:
            raise _reject(f"chữ ký “{sig.field}” không hợp lệ.")
    newest = report.signatures[-1]
    if not newest.covers_whole_document:
        raise _reject(f"chữ ký “{newest.field}” không bao phủ toàn bộ tệp.")
    extends = previous is None or not previous.startswith(b"%PDF-")
    extends = extends or (len(data) > len(previous) and data.startswith(previous))
    if not extends:
        raise _reject("tệp không phải bản ký của phiên bản hiện tại (hãy ký phiên bản mới nhất).")
    if cert_der is not None and newest.signer_cert_der != cert_der:
        raise _reject("chữ ký không phải của chứng thư số bạn đã đăng ký.")
