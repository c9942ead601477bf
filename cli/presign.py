"""The pre-sign check as the commands run it: read the certificate from the token
without a PIN, check it, print the warnings; a refusal stops before the PIN."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from kyso.cli.common import echo


def audit(action: str, **detail: Any) -> None:
    from kyso.core.audit import AuditLog

    AuditLog().append(action, user=getpass.getuser(), **detail)


def presign_token(
    options: Any,
    *,
    trust: tuple[Path, ...] = (),
    level: str | None = None,
    timestamp_url: str | None = None,
) -> Any:
    """:func:`kyso.core.docs.presign.presign_token`, its warnings printed on stderr."""
    from kyso.config.settings import load_settings
    from kyso.core.docs.presign import presign_token as check

    checked = check(
        options,
        load_settings().signing,
        trust=trust,
        level=level,
        timestamp_url=timestamp_url,
        audit=audit,
    )
    for line in checked.warnings:
        echo(f"! {line}", err=True)
    return checked


def presign_issuance(options: Any) -> Any:
    """:func:`kyso.core.docs.presign.presign_issuance` (the organisation's certificate,
    B-LTA with a TSA), its warnings printed on stderr; call it before the PIN."""
    from kyso.config.settings import load_settings
    from kyso.core.docs.presign import presign_issuance as check

    checked = check(options, load_settings().signing, audit=audit)
    for line in checked.warnings:
        echo(f"! {line}", err=True)
    return checked


def same_certificate(key: Any, checked: Any) -> None:
    """The key opened after the PIN is the certificate that was checked before it."""
    from kyso.core.docs.presign import check_same_certificate

    check_same_certificate(key, checked)
