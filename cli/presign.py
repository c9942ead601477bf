"""The pre-sign check as the commands run it: read the certificate from the token
without a PIN, check it, print the warnings; a refusal stops before the PIN."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import click


def _audit(action: str, **detail: Any) -> None:
    from kyso.core.audit import AuditLog

    AuditLog().append(action, user=getpass.getuser(), **detail)


def presign_token(
    options: Any,
    *,
    trust: tuple[Path, ...] = (),
    level: str | None = None,
    timestamp_url: str | None = None,
) -> Any:
    """:func:`kyso.core.docs.presign.presign` for the certificate the token would sign
    with (``options`` a ``TokenOptions``); the trust anchors are the configured ones
    (``kyso trust``) plus the ``trust`` files."""
    from kyso.config.settings import load_settings
    from kyso.core.docs.presign import PresignConfig, presign
    from kyso.core.docs.trust import load_anchors
    from kyso.core.token.preselect import token_certificate

    cert, chain = token_certificate(options)
    anchors = load_anchors(list(trust))
    config = PresignConfig.from_settings(
        load_settings().signing,
        anchors=anchors.roots,
        level=level,
        timestamp_url=timestamp_url,
    )
    intermediates = [*chain, *anchors.intermediates]
    checked = presign(cert, config, intermediates=intermediates, audit=_audit)
    for line in checked.warnings:
        click.echo(f"! {line}", err=True)
    return checked


def same_certificate(key: Any, checked: Any) -> None:
    """The key opened after the PIN is the certificate that was checked before it."""
    from kyso.core.errors import CertificateError

    if key.certificate.der != checked.der:
        raise CertificateError("Chứng thư trên token khác chứng thư vừa kiểm tra; ký lại.")
