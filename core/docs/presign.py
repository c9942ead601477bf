"""The one pre-sign step every signing path calls before asking for the PIN: check the
certificate (:mod:`kyso.core.docs.certcheck`) and choose the PAdES level
(:mod:`kyso.core.docs.ltv`) with one validation context for the whole batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kyso.core.docs.certcheck import (
    CertCheck,
    RevocationCache,
    RevocationPolicy,
    as_certificate,
    check_signing_certificate,
)
from kyso.core.docs.ltv import LtvPlan, plan_level
from kyso.core.errors import CertificateError

__all__ = [
    "PresignConfig",
    "Presigned",
    "check_same_certificate",
    "issuance_level",
    "presign",
    "presign_issuance",
    "presign_token",
]


@dataclass(frozen=True)
class PresignConfig:
    """What the pre-sign step needs from the settings and the command line."""

    anchors: tuple = field(default=(), repr=False)
    """Trust anchors: asn1crypto certificates, PEM or DER bytes."""
    revocation: RevocationPolicy = field(default_factory=RevocationPolicy)
    level: str = "B-LT"
    level_explicit: bool = False
    """The level was asked for on the command line: not reaching it is an error."""
    timestamp_url: str | None = None
    tsa_timeout: float = 180.0
    tsa_tries: int = 3

    @classmethod
    def from_settings(
        cls,
        signing: Any,
        *,
        anchors: Iterable = (),
        level: str | None = None,
        timestamp_url: str | None = None,
    ) -> PresignConfig:
        """From a ``SigningSettings``; ``level``/``timestamp_url`` override it."""
        return cls(
            anchors=tuple(anchors),
            revocation=RevocationPolicy(
                signing.revocation, signing.ocsp_timeout, signing.ocsp_tries
            ),
            level=level or signing.level,
            level_explicit=level is not None,
            timestamp_url=timestamp_url or signing.timestamp_url or None,
            tsa_timeout=signing.timestamp_timeout,
            tsa_tries=signing.timestamp_tries,
        )


@dataclass(frozen=True)
class Presigned:
    """A certificate that may sign, and how."""

    check: CertCheck
    plan: LtvPlan
    warnings: tuple[str, ...] = ()
    """The certificate's warnings, then the level's."""
    der: bytes = field(default=b"", repr=False)
    """The checked certificate."""


def presign(
    cert: Any,
    config: PresignConfig,
    *,
    intermediates: Iterable = (),
    now: dt.datetime | None = None,
    audit: Callable[..., Any] | None = None,
) -> Presigned:
    """Check ``cert`` and plan the level. Raises :class:`CertificateError` (one line,
    every reason) when the certificate must not sign; call it before the PIN.

    ``intermediates`` are CA certificates found with it (on the token). ``audit(action,
    **detail)`` records that revocation could not be checked.
    """
    cert = as_certificate(cert)
    cache = RevocationCache(config.anchors, intermediates, config.revocation)
    check = check_signing_certificate(cert, cache=cache, now=now)
    if not check.ok:
        raise CertificateError(check.refusal)
    if audit is not None and config.revocation.mode != "off" and not check.revocation_checked:
        audit(
            "revocation_unchecked",
            certificate=check.subject,
            path_checked=check.path_checked,
            reason="; ".join(check.warnings),
        )
    if not check.path_checked:
        why = "chưa có chứng thư gốc tin cậy để dựng đường dẫn"
    elif not check.revocation_checked:
        why = "không lấy được dữ liệu thu hồi (OCSP/CRL)"
    else:
        why = ""
    plan, level_warnings = plan_level(
        config.level,
        explicit=config.level_explicit,
        timestamp_url=config.timestamp_url,
        long_term_ready=check.path_checked and check.revocation_checked,
        why_not=why,
        validation_context=cache.context,
        tsa_timeout=config.tsa_timeout,
        tsa_tries=config.tsa_tries,
    )
    return Presigned(check, plan, check.warnings + level_warnings, cert.dump())


def presign_token(
    options: Any,
    signing: Any,
    *,
    trust: Iterable = (),
    level: str | None = None,
    timestamp_url: str | None = None,
    audit: Callable[..., Any] | None = None,
    now: dt.datetime | None = None,
) -> Presigned:
    """:func:`presign` for the certificate the token would sign with, read without a
    PIN (``options`` a ``TokenOptions``, ``signing`` the ``SigningSettings``).

    The trust anchors are the configured ones (``kyso trust``) plus the ``trust`` files;
    the CA certificates on the token and the store's intermediates complete the chain.
    Every signing path (``kyso sign``, the app) calls this before asking for the PIN.
    """
    from kyso.core.docs.trust import load_anchors
    from kyso.core.token.preselect import token_certificate

    cert, chain = token_certificate(options)
    anchors = load_anchors(list(trust))
    config = PresignConfig.from_settings(
        signing, anchors=anchors.roots, level=level, timestamp_url=timestamp_url
    )
    intermediates = [*chain, *anchors.intermediates]
    return presign(cert, config, intermediates=intermediates, now=now, audit=audit)


def check_same_certificate(key: Any, checked: Presigned) -> None:
    """The key opened after the PIN is the certificate that was checked before it."""
    if key.certificate.der != checked.der:
        raise CertificateError("Chứng thư trên token khác chứng thư vừa kiểm tra; ký lại.")


def issuance_level(signing: Any) -> str:
    """The level the organisation signs at (issuance, appendices, copies): B-LTA when a
    TSA is configured (the document timestamp keeps the file verifiable after the
    organisation's certificate expires), else the configured level, which the planning
    lowers to what can be done, with its warning."""
    return "B-LTA" if signing.timestamp_url else signing.level


def presign_issuance(
    options: Any,
    signing: Any,
    *,
    trust: Iterable = (),
    audit: Callable[..., Any] | None = None,
    now: dt.datetime | None = None,
) -> Presigned:
    """:func:`presign_token` for the organisation's certificate at
    :func:`issuance_level`. Call it before the PIN, and so before a number is taken
    from the registry book: a refused certificate must not burn a number."""
    from dataclasses import replace

    signing = replace(signing, level=issuance_level(signing))
    return presign_token(options, signing, trust=trust, audit=audit, now=now)
