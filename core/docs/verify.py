"""Verify every signature in a PDF with pyHanko's validator.

Each signature is reported with its field, signer, signing time, whether it is intact
and cryptographically valid, whether it covers the whole file (and, if not, what kind
of change came after it), whether its certificate chains to a trusted root (only
when roots are given), and its PAdES level.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from kyso.core.docs.pdf import open_reader, read_pdf_bytes
from kyso.core.errors import DocumentError

__all__ = ["SignatureReport", "VerificationReport", "load_trust_roots", "verify_pdf"]

_CHANGE_WORDS = {
    "NONE": "không có",
    "LTA_UPDATES": "chỉ thêm dữ liệu kiểm tra dài hạn",
    "FORM_FILLING": "thêm chữ ký hoặc điền biểu mẫu",
    "ANNOTATIONS": "thêm chú thích",
    "OTHER": "sửa nội dung",
}


@dataclass(frozen=True)
class SignatureReport:
    """One signature's verdict."""

    field: str
    signer_name: str
    signer_cert_der: bytes = field(repr=False)
    signing_time: dt.datetime | None
    intact: bool
    """The signed bytes are unchanged."""
    valid: bool
    """Intact and the cryptographic signature checks out."""
    covers_whole_document: bool
    changes_after: str
    """Kind of change made after this signature (``NONE`` when it covers the file)."""
    trusted: bool | None
    """Chains to a given trust root; None when no roots were given."""
    pades_level: str
    """``B-B``, ``B-T``, ``B-LT``, ``B-LTA``, or ``CMS`` for a non-PAdES signature."""
    summary: str

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted is not False

    def to_json(self) -> dict:
        return {
            "field": self.field,
            "signer": self.signer_name,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "intact": self.intact,
            "valid": self.valid,
            "covers_whole_document": self.covers_whole_document,
            "changes_after": self.changes_after,
            "trusted": self.trusted,
            "pades_level": self.pades_level,
            "summary": self.summary,
        }


@dataclass(frozen=True)
class VerificationReport:
    path: str
    signatures: tuple[SignatureReport, ...]

    @property
    def ok(self) -> bool:
        """At least one signature, and every one intact, valid (and trusted if asked)."""
        return bool(self.signatures) and all(s.ok for s in self.signatures)

    def to_json(self) -> dict:
        return {
            "file": self.path,
            "ok": self.ok,
            "signatures": [s.to_json() for s in self.signatures],
        }


def load_trust_roots(paths: list[Path]) -> list[bytes]:
    """Read PEM or DER CA certificates; unreadable files are a :class:`DocumentError`."""
    roots = []
    for path in paths:
        try:
            roots.append(Path(path).read_bytes())
        except OSError as exc:
            raise DocumentError(f"Không đọc được chứng thư gốc {path}: {exc.strerror}") from None
    return roots


def _load_certs(blobs: list[bytes]):
    from asn1crypto import pem, x509

    certs = []
    for blob in blobs:
        if pem.detect(blob):
            for _type, _headers, der in pem.unarmor(blob, multiple=True):
                certs.append(x509.Certificate.load(der))
        else:
            certs.append(x509.Certificate.load(blob))
    return certs


def _pades_level(embedded, status, has_dss: bool, has_doc_ts: bool) -> str:
    subfilter = str(embedded.sig_object.get("/SubFilter", ""))
    if "ETSI.CAdES" not in subfilter:
        return "CMS"
    level = "B-T" if status.timestamp_validity is not None else "B-B"
    if level == "B-T" and has_dss:
        level = "B-LTA" if has_doc_ts else "B-LT"
    return level


def verify_pdf(source: Path | bytes, *, trust: list[bytes] | None = None) -> VerificationReport:
    """Verify all signatures in ``source`` (a path or the file's bytes)."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    if isinstance(source, bytes | bytearray):
        data, name = bytes(source), "tệp tải lên"
        if not data or b"%PDF-" not in data[:1024]:
            raise DocumentError("Không phải tệp PDF")
    else:
        data, name = read_pdf_bytes(Path(source)), str(source)
    # Without trust roots, path building fails by design; pyHanko would log that with a
    # traceback on stderr. The verdict is in the report instead.
    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    reader = open_reader(data, Path(name))
    roots = _load_certs(trust) if trust else []
    has_dss = "/DSS" in reader.root
    embedded = reader.embedded_signatures
    has_doc_ts = any(str(s.sig_object.get("/Type", "")) == "/DocTimeStamp" for s in embedded)
    reports = []
    for sig in embedded:
        context = ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
        )
        try:
            status = validate_pdf_signature(sig, context, skip_diff=False)
        except Exception as exc:  # a malformed signature is a failed one
            reports.append(_broken(sig, exc))
            continue
        cert = status.signing_cert
        subject = cert.subject.native if cert is not None else {}
        coverage = getattr(status.coverage, "name", str(status.coverage))
        whole = coverage == "ENTIRE_FILE"
        level = getattr(status.modification_level, "name", "NONE") if not whole else "NONE"
        trusted = bool(status.trusted) if roots else None
        reports.append(
            SignatureReport(
                field=sig.field_name,
                signer_name=subject.get("common_name", ""),
                signer_cert_der=cert.dump() if cert is not None else b"",
                signing_time=status.signer_reported_dt,
                intact=bool(status.intact),
                valid=bool(status.valid),
                covers_whole_document=whole,
                changes_after=level,
                trusted=trusted,
                pades_level=_pades_level(sig, status, has_dss, has_doc_ts),
                summary=_summary(status, whole, level, trusted),
            )
        )
    return VerificationReport(name, tuple(reports))


def _summary(status, whole: bool, level: str, trusted: bool | None) -> str:
    if not status.intact:
        return "Tài liệu đã bị sửa sau khi ký: chữ ký không còn nguyên vẹn"
    if not status.valid:
        return "Chữ ký không hợp lệ"
    parts = ["Chữ ký hợp lệ"]
    if not whole:
        parts.append(f"sau khi ký có thay đổi: {_CHANGE_WORDS.get(level, level)}")
    if trusted is True:
        parts.append("chứng thư tin cậy")
    elif trusted is False:
        parts.append("chứng thư KHÔNG thuộc nơi cấp tin cậy")
    return "; ".join(parts)


def _broken(sig, exc: Exception) -> SignatureReport:
    return SignatureReport(
        field=sig.field_name,
        signer_name="",
        signer_cert_der=b"",
        signing_time=None,
        intact=False,
        valid=False,
        covers_whole_document=False,
        changes_after="OTHER",
        trusted=False,
        pades_level="CMS",
        summary=f"Không kiểm tra được chữ ký: {exc}",
    )
