"""Checks on an uploaded signed version before the server accepts it.

A signed version is accepted only when the uploader has a registered (bound)
certificate, the server has trust anchors, and the file:

* extends the stored previous version byte for byte (an incremental update: the earlier
  bytes — and so every earlier signature — are unchanged);
* passes the strict verdict (:func:`kyso.core.docs.verify.verify_pdf` with the trust
  anchors) for every signature, the earlier ones included: intact, valid, trusted and
  nothing but allowed changes after it;
* has a new signature covering the whole file, made with the uploader's registered
  certificate (which itself chains to the anchors).

Document timestamps (B-LTA) are checked for integrity only: a TSA is not an organisation
anchor. Anything else is a 422 with the reason in Vietnamese.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from fastapi import HTTPException

__all__ = [
    "SignatureLayout",
    "check_signatures_ok",
    "check_signed_upload",
    "layout",
    "strict_report",
]

NO_CERTIFICATE = (
    "tài khoản của bạn chưa được gắn chứng thư số ký (quản trị: kyso server --bind "
    "TÊN=TỆP, hoặc đăng ký bằng PUT /me/certificate): máy chủ không nhận bản ký số."
)
NO_ANCHORS = "máy chủ chưa có chứng thư gốc tin cậy (quản trị: kyso server --trust TỆP)."


@dataclass(frozen=True)
class SignatureLayout:
    """Signature field names in file order, and those that are document timestamps."""

    fields: tuple[str, ...]
    doc_timestamps: frozenset[str]


def _reject(reason: str) -> HTTPException:
    return HTTPException(422, f"Bản ký số không được chấp nhận: {reason}")


def layout(data: bytes) -> SignatureLayout:
    """The signatures of ``data`` as pyHanko reads them (empty for a broken file)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # a broken earlier version has no usable signature
        return SignatureLayout((), frozenset())
    stamps = frozenset(
        s.field_name for s in embedded if str(s.sig_object.get("/Type", "")) == "/DocTimeStamp"
    )
    return SignatureLayout(tuple(s.field_name for s in embedded), stamps)


def strict_report(data: bytes, anchors: list[bytes], reject=_reject, what: str = "tệp"):
    """The strict verdict of ``data`` with the anchors; 422 when it cannot be read."""
    from kyso.core.docs.verify import verify_pdf
    from kyso.core.errors import DocumentError

    if not data.startswith(b"%PDF-"):
        raise reject(f"{what} không phải PDF.")
    try:
        return verify_pdf(data, trust=anchors)
    except DocumentError as exc:
        raise reject(f"{what}: {exc.message}") from None


def check_signatures_ok(report, stamps: frozenset[str], reject=_reject, what: str = "") -> None:
    """422 unless every signature is OK under the strict verdict (timestamps: intact)."""
    prefix = f"{what}: " if what else ""
    for sig in report.signatures:
        name = f"chữ ký “{sig.field}”" + (f" ({sig.signer_name})" if sig.signer_name else "")
        if not sig.intact:
            raise reject(f"{prefix}{name} không còn nguyên vẹn (tệp bị sửa sau khi ký).")
        if not sig.valid:
            raise reject(f"{prefix}{name} không hợp lệ.")
        if sig.field in stamps:
            continue
        if sig.trusted is not True:
            raise reject(
                f"{prefix}chứng thư của {name} không chuỗi về chứng thư gốc tin cậy của cơ quan."
            )
        if not sig.ok:
            raise reject(f"{prefix}{name}: {sig.summary}.")


def check_signed_upload(
    data: bytes,
    *,
    previous: bytes | None,
    cert_der: bytes | None,
    anchors: list[bytes],
    strict_extension: bool = True,
) -> None:
    """Raise a 422 unless ``data`` is an acceptable signed successor of ``previous``.

    ``strict_extension=False`` lets a signed PDF replace a previous version that is not a
    PDF (an appendix converted from a word-processor file); the main file always extends.
    """
    if cert_der is None:
        raise _reject(NO_CERTIFICATE)
    if not anchors:
        raise _reject(NO_ANCHORS)
    if not data.startswith(b"%PDF-"):
        raise _reject("tệp không phải PDF.")
    must_extend = previous is not None and (strict_extension or previous.startswith(b"%PDF-"))
    report = strict_report(data, anchors)
    if not report.signatures:
        raise _reject("tệp không có chữ ký số.")
    sigs = layout(data)
    check_signatures_ok(report, sigs.doc_timestamps)
    if must_extend and not (len(data) > len(previous) and data.startswith(previous)):
        raise _reject("tệp không phải bản ký của phiên bản hiện tại (hãy ký phiên bản mới nhất).")
    before = len(layout(previous).fields) if must_extend and previous else 0
    if len(report.signatures) <= before:
        raise _reject("tệp không có chữ ký số mới.")
    newest = report.signatures[-1]
    if not newest.is_final:
        raise _reject(f"chữ ký “{newest.field}” không bao phủ toàn bộ tệp.")
    new = [s for s in report.signatures[before:] if s.field not in sigs.doc_timestamps]
    if not any(s.signer_cert_der == cert_der for s in new):
        raise _reject("chữ ký không phải của chứng thư số bạn đã đăng ký.")
