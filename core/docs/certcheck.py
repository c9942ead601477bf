"""Check the signing certificate before the PIN: validity, key usage, key size, the
path to the trust anchors, and revocation (OCSP from the AIA, else the CRL from the
CDP), with pyhanko-certvalidator doing the path and revocation work.

The answer is a :class:`CertCheck`: what refuses signing, what only warns, and facts
for the pre-flight (days left, revocation status). Nothing here touches the token.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "REVOCATION_POLICIES",
    "CertCheck",
    "RevocationCache",
    "RevocationPolicy",
    "as_certificate",
    "check_signing_certificate",
    "load_certificates",
]

REVOCATION_POLICIES = ("require", "prefer", "off")
_SIGNING_USAGES = {"digital_signature", "non_repudiation"}
_MIN_BITS = {"rsa": 2048, "dsa": 2048, "ec": 256}
DAYS_LEFT_WARNING = 30
"""Below this many days the pre-flight shows the days left."""


@dataclass(frozen=True)
class RevocationPolicy:
    """``mode`` is ``require`` (refuse when unknown), ``prefer`` (warn when unknown) or
    ``off`` (not checked); each fetch waits ``timeout`` seconds, up to ``tries`` times."""

    mode: str = "prefer"
    timeout: float = 180.0
    tries: int = 3

    def __post_init__(self) -> None:
        if self.mode not in REVOCATION_POLICIES:
            raise ValueError(f"revocation policy {self.mode!r}")


@dataclass(frozen=True)
class CertCheck:
    """The pre-sign verdict on one certificate."""

    subject: str
    refusals: tuple[str, ...] = ()
    """Vietnamese phrases, each one reason signing is refused."""
    warnings: tuple[str, ...] = ()
    """Vietnamese lines shown in the pre-flight; signing goes on."""
    days_left: int = 0
    revocation: str = "unknown"
    """``good``, ``revoked`` or ``unknown``."""
    path_checked: bool = False
    """The certificate was chained to a trust anchor."""
    revocation_checked: bool = field(default=False)
    """An OCSP response or CRL for the certificate was obtained."""

    @property
    def ok(self) -> bool:
        return not self.refusals

    @property
    def refusal(self) -> str:
        """The one line a refused signing shows (empty when not refused)."""
        if not self.refusals:
            return ""
        return "; ".join(self.refusals) + " — không ký (chưa hỏi PIN)."

    @property
    def lines(self) -> tuple[str, ...]:
        """Everything the pre-flight shows: refusals first, then warnings."""
        return self.refusals + self.warnings


def load_certificates(items: Iterable) -> list:
    """asn1crypto certificates from certificates, PEM bytes (several allowed) or DER."""
    from asn1crypto import pem, x509

    certs = []
    for item in items:
        if isinstance(item, x509.Certificate):
            certs.append(item)
        elif pem.detect(item):
            certs.extend(
                x509.Certificate.load(der) for _t, _h, der in pem.unarmor(item, multiple=True)
            )
        else:
            certs.append(x509.Certificate.load(bytes(item)))
    return certs


class RevocationCache:
    """One batch's validation context: every certificate's OCSP answer or CRL is fetched
    once and reused, by the pre-sign check and by pyHanko when it embeds validation data
    (the same :class:`ValidationContext` and fetchers serve every file)."""

    def __init__(
        self,
        anchors: Iterable = (),
        intermediates: Iterable = (),
        policy: RevocationPolicy | None = None,
    ) -> None:
        self.anchors = load_certificates(anchors)
        self.intermediates = load_certificates(intermediates)
        self.policy = policy or RevocationPolicy()
        self.context = self._new_context()

    @property
    def fetching(self) -> bool:
        return self.policy.mode != "off"

    def _new_context(self, moment: dt.datetime | None = None):
        from pyhanko_certvalidator import ValidationContext
        from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

        # requests-based fetchers are not tied to one event loop: pyHanko runs a new loop
        # per file, and the cached answers must outlive it. The context's clock stops when
        # it is made; an answer fetched more than a second later (the TSA's, after the
        # first timestamp) was judged "too recent" and the CRL fetched in its place, so
        # what the DSS held depended on how fast the first file was signed.
        backend = RequestsFetcherBackend(per_request_timeout=self.policy.timeout)
        self.fetchers = backend.get_fetchers() if self.fetching else None
        return ValidationContext(
            trust_roots=self.anchors,
            other_certs=self.intermediates,
            allow_fetching=self.fetching,
            moment=None if self.fetching else moment,
            revocation_mode="soft-fail",
            retroactive_revinfo=True,
            fetchers=self.fetchers,
        )

    def retry(self) -> None:
        """Forget failed fetches (the fetchers cache failures too) for another try."""
        self.context = self._new_context()


def as_certificate(cert):
    """An asn1crypto certificate from one, from DER, or from a ``CertificateInfo``."""
    from asn1crypto import x509

    if isinstance(cert, x509.Certificate):
        return cert
    der = getattr(cert, "der", cert)  # a CertificateInfo
    return x509.Certificate.load(bytes(der))


def _local_refusals(cert, now: dt.datetime) -> list[str]:
    """What can be told from the certificate alone."""
    refusals = []
    if now < cert.not_valid_before:
        refusals.append(f"Chứng thư số chưa có hiệu lực (từ {cert.not_valid_before:%d/%m/%Y})")
    if now > cert.not_valid_after:
        refusals.append(f"Chứng thư số đã hết hạn ngày {cert.not_valid_after:%d/%m/%Y}")
    usage = cert.key_usage_value.native if cert.key_usage_value is not None else None
    if usage is not None and not _SIGNING_USAGES & set(usage):
        refusals.append("Chứng thư số không dùng để ký số (thiếu digitalSignature/nonRepudiation)")
    key = cert.public_key
    algorithm, bits = key.algorithm, key.bit_size
    minimum = _MIN_BITS.get(algorithm)
    if minimum is not None and bits < minimum:
        refusals.append(
            f"Khoá của chứng thư số quá yếu ({algorithm.upper()} {bits} bit, "
            f"cần tối thiểu {minimum})"
        )
    return refusals


def _declares_revinfo(cert) -> bool:
    return bool(cert.ocsp_urls or cert.crl_distribution_points)


def _leaf_revinfo(fetchers, cert) -> bool:
    if fetchers is None:
        return False
    try:
        crls = fetchers.crl_fetcher.fetched_crls_for_cert(cert)
    except KeyError:  # the requests fetcher's index has no entry until a CRL arrived
        crls = ()
    return bool(fetchers.ocsp_fetcher.fetched_responses_for_cert(cert) or crls)


def _validate_path(cert, cache: RevocationCache) -> tuple[str, str | None]:
    """(revocation status, refusal or None) after chaining ``cert`` to the anchors."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import (
        PathBuildingError,
        PathValidationError,
        RevokedError,
    )

    validator = CertificateValidator(
        cert, intermediate_certs=cache.intermediates, validation_context=cache.context
    )
    try:
        asyncio.run(validator.async_validate_path())
    except RevokedError as exc:
        when = _revocation_date(exc)
        return "revoked", f"Chứng thư số đã bị thu hồi{when}"
    except PathBuildingError:
        return "unknown", (
            "Chứng thư số không thuộc nơi cấp tin cậy (không chuỗi được tới chứng thư gốc "
            "tin cậy nào)"
        )
    except PathValidationError as exc:
        return "unknown", f"Đường dẫn chứng thư số không hợp lệ ({exc})"
    if _leaf_revinfo(cache.fetchers, cert):
        return "good", None
    return "unknown", None


def _revocation_date(exc) -> str:
    when = getattr(exc, "revocation_dt", None)
    return f" ngày {when:%d/%m/%Y}" if isinstance(when, dt.datetime) else ""


def check_signing_certificate(
    cert,
    *,
    anchors: Iterable = (),
    intermediates: Iterable = (),
    policy: RevocationPolicy | None = None,
    now: dt.datetime | None = None,
    cache: RevocationCache | None = None,
) -> CertCheck:
    """Check ``cert`` (asn1crypto certificate, DER bytes or a ``CertificateInfo``) for
    signing at ``now``.

    ``anchors`` and ``intermediates`` are certificates, PEM or DER; ``cache`` (a
    :class:`RevocationCache`, which then supplies anchors, intermediates and policy)
    lets a batch reuse the answers. With no anchors the path and revocation are not
    checked and a warning says so.
    """
    cert = as_certificate(cert)
    if cache is None:
        cache = RevocationCache(anchors, intermediates, policy)
    policy = cache.policy
    now = now or dt.datetime.now(dt.UTC)
    subject = cert.subject.native.get("common_name", cert.subject.human_friendly)
    days_left = (cert.not_valid_after - now).days
    refusals = _local_refusals(cert, now)
    warnings: list[str] = []
    if 0 <= days_left < DAYS_LEFT_WARNING and not refusals:
        warnings.append(f"Chứng thư số còn {days_left} ngày hiệu lực.")
    if refusals:
        return CertCheck(subject, tuple(refusals), (), days_left)
    if not cache.anchors:
        warnings.append(
            "Chưa cấu hình chứng thư gốc tin cậy: chưa kiểm tra đường dẫn tin cậy "
            "và tình trạng thu hồi; vẫn ký."
        )
        if policy.mode == "require":
            refusals.append("Cấu hình yêu cầu kiểm tra thu hồi nhưng chưa có chứng thư gốc tin cậy")
        return CertCheck(subject, tuple(refusals), tuple(warnings), days_left)
    status, refusal = "unknown", None
    for attempt in range(max(1, policy.tries)):
        if attempt:
            cache.retry()
        status, refusal = _validate_path(cert, cache)
        if refusal or status == "good" or not cache.fetching or not _declares_revinfo(cert):
            break
    if refusal:
        return CertCheck(subject, (refusal,), tuple(warnings), days_left, status, True)
    if status == "unknown" and policy.mode != "off":
        why = (
            "chứng thư không ghi địa chỉ OCSP/CRL"
            if not _declares_revinfo(cert)
            else f"máy chủ OCSP/CRL không trả lời sau {policy.tries} lần thử"
        )
        if policy.mode == "require":
            refusals.append(f"Không kiểm tra được tình trạng thu hồi của chứng thư số ({why})")
        else:
            warnings.append(f"Chưa kiểm tra được tình trạng thu hồi ({why}); vẫn ký.")
    return CertCheck(
        subject,
        tuple(refusals),
        tuple(warnings),
        days_left,
        status,
        path_checked=True,
        revocation_checked=status == "good",
    )
