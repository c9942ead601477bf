"""Verify every signature in a PDF with pyHanko and give kyso's one strict verdict.

Used by ``kyso verify``, the app's verify-after-sign, and the server's upload and
issuance checks. What is allowed after a signature is decided in
:mod:`kyso.core.docs.verdict`; file-level findings (a removed signature, bytes appended
after the last ``%%EOF``) in :mod:`kyso.core.docs.revisions`.

Trust: ``trust`` is a :class:`~kyso.core.docs.trust.TrustAnchors` or a list of PEM/DER
blobs. With none, the chain is not checked: ``trusted`` is ``None`` and the report's
``trust_checked`` is False (``kyso verify`` then refuses to call the file good unless
``--no-trust-check``). Revocation is read only from the file (DSS and the signature's
own archive); nothing is fetched.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from kyso.core.docs.pdf import open_reader, read_pdf_bytes
from kyso.core.docs.report import SignatureReport, VerificationReport
from kyso.core.docs.trust import TrustAnchors, load_certificates
from kyso.core.docs.verdict import (
    ALLOWED_MODIFICATIONS,
    classify_modifications,
    signature_reasons,
    summary_line,
)
from kyso.core.errors import DocumentError

__all__ = ["SignatureReport", "VerificationReport", "load_trust_roots", "verify_pdf"]


def load_trust_roots(paths: list[Path]) -> list[bytes]:
    """Read PEM or DER CA certificates; unreadable files are a :class:`DocumentError`."""
    roots = []
    for path in paths:
        try:
            roots.append(Path(path).read_bytes())
        except OSError as exc:
            raise DocumentError(f"Không đọc được chứng thư gốc {path}: {exc.strerror}") from None
    return roots


def _anchors(trust) -> TrustAnchors | None:
    if trust is None or isinstance(trust, TrustAnchors):
        return trust or None
    certs = [c for blob in trust for c in load_certificates(blob, "chứng thư tin cậy")]
    return TrustAnchors.from_certificates(certs) or None


def verify_pdf(source: Path | bytes, *, trust=None) -> VerificationReport:
    """Verify all signatures in ``source`` (a path or the file's bytes).

    ``trust``: a :class:`TrustAnchors`, a list of PEM/DER blobs, or None (not checked)."""
    from kyso.core.docs.docmdp import docmdp_permission
    from kyso.core.docs.revinfo import read_revocation_data
    from kyso.core.docs.revisions import read_revision_facts

    if isinstance(source, bytes | bytearray):
        data, name = bytes(source), "tệp tải lên"
        if not data or b"%PDF-" not in data[:1024]:
            raise DocumentError("Không phải tệp PDF")
    else:
        data, name = read_pdf_bytes(Path(source)), str(source)
    # Path building without roots, and diff analysis of a tampered file, are logged by
    # pyHanko with tracebacks on stderr; the verdict is in the report instead.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    reader = open_reader(data, Path(name))
    anchors = _anchors(trust)
    facts = read_revision_facts(reader, data)
    docmdp = docmdp_permission(reader)
    context = _Context(reader, anchors, read_revocation_data(reader), facts, docmdp)
    sigs, stamps = [], []
    for sig in reader.embedded_signatures:
        if sig.sig_object_type == "/DocTimeStamp":
            stamps.append(_check_timestamp(sig, context))
        else:
            sigs.append(_check_signature(sig, context))
    return VerificationReport(
        path=name,
        signatures=tuple(sigs),
        timestamps=tuple(stamps),
        problems=tuple(facts.problems()),
        docmdp=docmdp,
        trust_checked=anchors is not None,
    )


@dataclass
class _Context:
    reader: object
    anchors: TrustAnchors | None
    revinfo: object
    facts: object
    docmdp: int | None

    def validation_context(self, extra):
        from pyhanko_certvalidator import ValidationContext

        kwargs = dict(
            allow_fetching=False,
            revocation_mode="soft-fail",
            ocsps=list(self.revinfo.ocsps + extra.ocsps),
            crls=list(self.revinfo.crls + extra.crls),
        )
        if self.anchors is None:
            return ValidationContext(trust_roots=[], other_certs=list(self.revinfo.certs), **kwargs)
        return ValidationContext(
            trust_roots=list(self.anchors.roots),
            other_certs=list(self.anchors.intermediates) + list(self.revinfo.certs),
            **kwargs,
        )


def _vn(moment: dt.datetime | None) -> dt.datetime | None:
    from kyso.core.clock import VN_TZ

    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VN_TZ)


def _enum_name(value) -> str | None:
    return getattr(value, "name", None) if value is not None else None


def _modifications(sig, status, context) -> tuple[str, str, list[str]]:
    """(kyso word, pyHanko level name, detail lines) for what came after ``sig``."""
    from pyhanko.sign.diff_analysis import DiffResult
    from pyhanko.sign.fields import enumerate_sig_fields

    from kyso.core.docs.revisions import changes_after

    coverage = _enum_name(status.coverage) or "UNCLEAR"
    diff = status.diff_result
    level = diff.modification_level.name if isinstance(diff, DiffResult) else None
    if coverage == "ENTIRE_FILE":
        level = "NONE"
    changed = set(diff.changed_form_fields) if isinstance(diff, DiffResult) else set()
    sig_names = {name for name, _v, _r in enumerate_sig_fields(context.reader)}
    words = classify_modifications(coverage, level, changed, sig_names)
    details: list[str] = []
    if words not in ALLOWED_MODIFICATIONS:
        widget = getattr(sig.sig_field, "container_ref", None)
        try:
            details = changes_after(context.reader, sig.signed_revision, [widget])
        except Exception:  # the general line already says it; details are a bonus
            details = []
    removed_later = [
        f"Chữ ký «{name}» đã bị xoá hoặc thay thế sau chữ ký này"
        for name, rev in context.facts.removed
        if rev > sig.signed_revision
    ]
    if context.facts.junk_bytes:
        details.append(
            f"Có {context.facts.junk_bytes} byte lạ nối vào sau cuối tệp, ngoài mọi chữ ký"
        )
    return words, level or "OTHER", details + removed_later


def _level(sig, status, context) -> str:
    if status.timestamp_validity is None:
        return "B-B"
    if "/DSS" not in context.reader.root:
        return "B-T"
    later_stamp = any(
        s.sig_object_type == "/DocTimeStamp" and s.signed_revision > sig.signed_revision
        for s in context.reader.embedded_signatures
    )
    return "B-LTA" if later_stamp else "B-LT"


def _timestamp_word(ts, trust_checked: bool) -> str | None:
    if ts is None:
        return None
    if not (ts.intact and ts.valid):
        return "invalid"
    if trust_checked and not ts.trusted:
        return "untrusted"
    return "ok"


def _check_signature(sig, context: _Context) -> SignatureReport:
    from pyhanko.sign.validation import validate_pdf_signature

    from kyso.core.docs.revinfo import embedded_revocation_data, revocation_status

    try:
        extra = embedded_revocation_data(sig.signed_data)
        status = validate_pdf_signature(sig, context.validation_context(extra), skip_diff=False)
    except Exception as exc:  # a malformed signature is a failed one
        return _broken(sig, exc)
    cert = status.signing_cert
    ts = status.timestamp_validity
    signed_at = _vn(ts.timestamp if ts is not None and ts.intact else status.signer_reported_dt)
    words, level, details = _modifications(sig, status, context)
    revocation = (
        "revoked" if status.revoked else revocation_status(cert, context.revinfo + extra, signed_at)
    )
    trusted = bool(status.trusted) if context.anchors is not None else None
    if trusted and status.revoked:
        trusted = False
    timestamp = _timestamp_word(ts, context.anchors is not None)
    reasons = signature_reasons(
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=trusted,
        revocation=revocation,
        modifications=words,
        coverage=_enum_name(status.coverage) or "UNCLEAR",
        docmdp_ok=status.docmdp_ok,
        docmdp=context.docmdp,
        timestamp=timestamp,
        details=details,
    )
    ok = not reasons
    return SignatureReport(
        field=sig.field_name,
        signer_name=cert.subject.native.get("common_name", "") if cert is not None else "",
        signer_cert_der=cert.dump() if cert is not None else b"",
        signing_time=signed_at,
        intact=bool(status.intact),
        valid=bool(status.valid),
        covers_whole_document=_enum_name(status.coverage) == "ENTIRE_FILE",
        changes_after=level,
        trusted=trusted,
        pades_level=_level(sig, status, context),
        summary=summary_line(ok, words, trusted, reasons),
        ok=ok,
        modifications=words,
        revocation=revocation,
        reasons=tuple(reasons),
    )


def _check_timestamp(sig, context: _Context) -> SignatureReport:
    from pyhanko.sign.validation import validate_pdf_timestamp

    from kyso.core.docs.revinfo import RevocationData

    try:
        status = validate_pdf_timestamp(
            sig, context.validation_context(RevocationData()), skip_diff=False
        )
    except Exception as exc:  # a malformed timestamp is a failed one
        return _broken(sig, exc, kind="timestamp")
    words, level, details = _modifications(sig, status, context)
    trusted = bool(status.trusted) if context.anchors is not None else None
    reasons = signature_reasons(
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=trusted,
        revocation="unknown",
        modifications=words,
        coverage=_enum_name(status.coverage) or "UNCLEAR",
        docmdp_ok=status.docmdp_ok,
        docmdp=context.docmdp,
        timestamp=None,
        details=details,
    )
    cert = status.signing_cert
    ok = not reasons
    return SignatureReport(
        field=sig.field_name,
        signer_name=cert.subject.native.get("common_name", "") if cert is not None else "",
        signer_cert_der=cert.dump() if cert is not None else b"",
        signing_time=_vn(status.timestamp),
        intact=bool(status.intact),
        valid=bool(status.valid),
        covers_whole_document=_enum_name(status.coverage) == "ENTIRE_FILE",
        changes_after=level,
        trusted=trusted,
        pades_level="B-LTA",
        summary=summary_line(ok, words, trusted, reasons),
        ok=ok,
        modifications=words,
        reasons=tuple(reasons),
        kind="timestamp",
    )


def _broken(sig, exc: Exception, kind: str = "signature") -> SignatureReport:
    reason = f"Không kiểm tra được chữ ký: {exc}"
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
        pades_level="B-B",
        summary=reason,
        ok=False,
        modifications="other",
        reasons=(reason,),
        kind=kind,
    )
