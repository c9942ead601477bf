"""What a user needs to know about a certificate, and whether it can sign now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kyso.core.errors import CertificateError

__all__ = ["CertificateInfo", "check_can_sign", "describe_certificate"]

_SIGNING_USAGES = {"digital_signature", "non_repudiation"}


@dataclass(frozen=True)
class CertificateInfo:
    """A certificate as shown in ``kyso token list`` and the PIN dialog."""

    label: str
    key_id: str
    """The PKCS#11 CKA_ID, hex."""
    subject: str
    common_name: str
    organization: str
    title: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    key_usage: tuple[str, ...]
    has_private_key: bool
    der: bytes

    @property
    def can_sign(self) -> bool:
        """Has a private key and a signing key usage (validity is checked separately)."""
        return self.has_private_key and self.signing_usage

    @property
    def signing_usage(self) -> bool:
        # No KeyUsage extension at all means "any usage".
        return not self.key_usage or bool(_SIGNING_USAGES & set(self.key_usage))

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "id": self.key_id,
            "subject": self.subject,
            "common_name": self.common_name,
            "organization": self.organization,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "key_usage": list(self.key_usage),
            "has_private_key": self.has_private_key,
            "can_sign": self.can_sign,
        }


def describe_certificate(der: bytes, *, label: str = "", key_id: bytes = b"", has_key=False):
    """Parse a DER certificate into a :class:`CertificateInfo`."""
    from asn1crypto import x509

    cert = x509.Certificate.load(der)
    subject = cert.subject.native
    usage = cert.key_usage_value.native if cert.key_usage_value is not None else set()
    return CertificateInfo(
        label=label,
        key_id=key_id.hex(),
        subject=cert.subject.human_friendly,
        common_name=subject.get("common_name", ""),
        organization=subject.get("organization_name", ""),
        title=subject.get("title", ""),
        issuer=cert.issuer.human_friendly,
        serial=format(cert.serial_number, "X"),
        not_before=cert.not_valid_before,
        not_after=cert.not_valid_after,
        key_usage=tuple(sorted(usage)),
        has_private_key=has_key,
        der=der,
    )


def check_can_sign(info: CertificateInfo, now: dt.datetime | None = None) -> None:
    """Raise :class:`CertificateError` unless the certificate may sign at ``now``."""
    now = now or dt.datetime.now(dt.UTC)
    if now < info.not_before:
        raise CertificateError(
            f"Chứng thư số của {info.common_name} chưa có hiệu lực (từ {info.not_before:%d/%m/%Y})"
        )
    if now > info.not_after:
        raise CertificateError(
            f"Chứng thư số của {info.common_name} đã hết hạn ngày {info.not_after:%d/%m/%Y}"
        )
    if not info.signing_usage:
        raise CertificateError(
            f"Chứng thư số của {info.common_name} không dùng để ký số "
            f"(key usage: {', '.join(info.key_usage)})"
        )
    if not info.has_private_key:
        raise CertificateError(f"Token không có khoá bí mật cho chứng thư {info.label!r}")
