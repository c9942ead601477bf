"""The strict verdict: which changes after a signature are allowed, and the Vietnamese
lines that say why a signature is not OK.

A signature is OK only when it is intact, cryptographically valid, trusted (its chain
reaches a configured anchor; skipped only when the caller asked for no trust check),
not revoked at signing time, its timestamp (if any) is good, and everything added after
its revision is one of:

- later signatures, DSS (revocation data), document timestamps, and metadata (/Info,
  XMP) updates — pyHanko's ``LTA_UPDATES`` and the signature-field part of
  ``FORM_FILLING``;
- values filled into form fields that already existed in the signature's own revision
  (kyso's issuance fields) — pyHanko's ``GenericFieldModificationRule`` only accepts
  fields present in the older revision.

Annotations, page content, new non-signature fields, anything pyHanko cannot explain,
and a certified document's DocMDP being exceeded are not OK. This module holds no
pyHanko calls: it classifies what :mod:`kyso.core.docs.verify` measured.
"""

from __future__ import annotations

from kyso.core.docs.docmdp import DOCMDP_WORDS

__all__ = [
    "ALLOWED_MODIFICATIONS",
    "MODIFICATIONS",
    "classify_modifications",
    "signature_reasons",
    "summary_line",
]

MODIFICATIONS = ("none", "signatures", "form_filling", "annotations", "other")
ALLOWED_MODIFICATIONS = frozenset({"none", "signatures", "form_filling"})

_MOD_WORDS = {
    "none": "không có thay đổi nào sau khi ký",
    "signatures": "sau khi ký chỉ thêm chữ ký, dấu thời gian hoặc dữ liệu kiểm tra dài hạn",
    "form_filling": "sau khi ký chỉ điền các trường biểu mẫu đã có sẵn (số, ngày ban hành)",
    "annotations": "Sau khi ký, tài liệu bị thêm hoặc sửa chú thích (annotation): không được phép",
    "other": "Sau khi ký, nội dung hoặc cấu trúc tài liệu bị sửa: không được phép",
}


def classify_modifications(
    coverage: str, level: str | None, changed_fields: set[str], signature_fields: set[str]
) -> str:
    """Map pyHanko's coverage and modification level to kyso's five words.

    ``coverage`` and ``level`` are enum names (``ENTIRE_FILE``, ``FORM_FILLING``…);
    ``level`` is ``None`` when pyHanko reported a suspicious (unexplained) change."""
    if coverage == "ENTIRE_FILE":
        return "none"
    if coverage != "ENTIRE_REVISION" or level is None:
        return "other"
    if level == "NONE":
        return "none"
    if level == "LTA_UPDATES":
        return "signatures"
    if level == "FORM_FILLING":
        return "form_filling" if changed_fields - signature_fields else "signatures"
    if level == "ANNOTATIONS":
        return "annotations"
    return "other"


def signature_reasons(
    *,
    intact: bool,
    valid: bool,
    trusted: bool | None,
    revocation: str,
    modifications: str,
    coverage: str,
    docmdp_ok: bool | None,
    docmdp: int | None,
    timestamp: str | None,
    details: list[str],
) -> list[str]:
    """Why a signature is not OK, one Vietnamese line each (empty when it is OK).

    ``timestamp`` is ``None`` (no timestamp), ``ok``, ``invalid`` or ``untrusted``;
    ``details`` are the specific changes found after the signature (pages, appearance,
    removed signatures, bytes appended) and are listed after the general line."""
    reasons = []
    if not intact:
        reasons.append("Phần đã ký bị thay đổi: chữ ký không còn nguyên vẹn")
    elif not valid:
        reasons.append("Chữ ký không hợp lệ về mật mã (sai khoá hoặc thuật toán)")
    if trusted is False:
        reasons.append("Chứng thư người ký không dẫn tới chứng thư gốc tin cậy nào")
    if revocation == "revoked":
        reasons.append("Chứng thư người ký đã bị thu hồi trước thời điểm ký")
    if timestamp == "invalid":
        reasons.append("Dấu thời gian trong chữ ký không hợp lệ")
    elif timestamp == "untrusted":
        reasons.append("Dấu thời gian do nơi cấp không tin cậy phát hành")
    if coverage not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        reasons.append("Vùng ký (ByteRange) bất thường: chữ ký không phủ trọn một phiên bản tệp")
    elif modifications not in ALLOWED_MODIFICATIONS:
        reasons.append(_MOD_WORDS[modifications])
    if docmdp_ok is False and docmdp is not None:
        reasons.append(
            f"Tài liệu được chứng nhận {DOCMDP_WORDS.get(docmdp, '')} nhưng đã bị thay đổi sau đó"
        )
    reasons.extend(details)
    return reasons


def summary_line(ok: bool, modifications: str, trusted: bool | None, reasons: list[str]) -> str:
    """One line for the CLI and the app."""
    if not ok:
        return "; ".join(reasons) if reasons else "Chữ ký không đạt"
    parts = ["Chữ ký hợp lệ", _MOD_WORDS.get(modifications, modifications)]
    if trusted is True:
        parts.append("chứng thư tin cậy")
    elif trusted is None:
        parts.append("chưa kiểm tra nơi cấp tin cậy")
    return "; ".join(parts)
